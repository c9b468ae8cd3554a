"""What the dashboard shows of the LMS side: each student's gradebook sync, and the
course members (NRPS) who have not submitted."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from api.pages.lti_tool import LtiTool
from lti.claims import is_teaching
from lti.services import Member, ServiceClient, ServiceError
from store import LtiPerson, OutboxScore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LmsView:
    people: dict[str, LtiPerson]  # person key -> who they are in the LMS
    synced: dict[str, OutboxScore]  # person key -> the newest score queued for them
    missing: list[Member]  # course members who are learners and have not submitted
    roster_error: str = ""


def lms_view(tool: LtiTool | None, assignment_id: str, submitted: set[str]) -> LmsView | None:
    """None when no LMS link opens this assignment."""
    if tool is None:
        return None
    links = tool.records.links_of(assignment_id)
    if not links:
        return None
    people = tool.records.people()
    missing, error = roster(tool, [link for link in links if link.memberships_url], people)
    key_of = {person.subject: person.key for person in people.values()}  # LMS user id -> key
    left_out = [m for m in missing if key_of.get(m.user_id, "") not in submitted]
    return LmsView(people, tool.records.latest_scores(assignment_id), left_out, error)


def roster(tool: LtiTool, links: list, people: dict[str, LtiPerson]) -> tuple[list[Member], str]:
    """The learners of the links' courses, from the LMS (one call per course)."""
    members: dict[str, Member] = {}
    seen: set[str] = set()
    for link in links:
        if link.memberships_url in seen:
            continue
        seen.add(link.memberships_url)
        platform = tool.registry.find(link.issuer, link.client_id)
        if platform is None:
            continue
        client = ServiceClient(tool.key, platform, tool.http)
        try:
            found = client.members(link.memberships_url)
        except ServiceError as exc:
            log.warning("roster of %s: %s", link.context_id, exc)
            return [], f"the LMS did not give the roster: {exc}"
        for member in found:
            if member.status == "Active" and not any(is_teaching(r) for r in member.roles):
                members[member.user_id] = member
    return sorted(members.values(), key=lambda m: (m.name or m.user_id).lower()), ""
