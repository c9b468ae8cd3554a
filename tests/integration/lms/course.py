"""The course: its members, resource links, line items and gradebook (the results)."""

from __future__ import annotations

from typing import Any

from tests.integration.lms.platform import Platform
from tests.integration.lms.vocabulary import LEARNER, MEMBERSHIP


class Course(Platform):
    """What an instructor would set up in the LMS; ``users``, ``resource_links`` and
    ``lineitems`` are keyed by id."""

    def __init__(self) -> None:
        super().__init__()
        self.users: dict[str, dict[str, Any]] = {}
        self.resource_links: dict[str, dict[str, Any]] = {}
        self.lineitems: dict[str, dict[str, Any]] = {}
        self._results: dict[tuple[str, str], dict[str, Any]] = {}

    def add_user(
        self,
        sub: str,
        name: str,
        email: str,
        roles: tuple[str, ...] | list[str] = (LEARNER,),
        status: str = "Active",
    ) -> dict[str, Any]:
        """A course member. A role without a scheme ("Learner") is a membership role."""
        full = [role if ":" in role else MEMBERSHIP + role for role in roles]
        user = {"user_id": sub, "name": name, "email": email, "roles": full, "status": status}
        self.users[sub] = user
        return user

    def add_resource_link(
        self, id: str, title: str, custom: dict[str, str] | None = None, url: str | None = None
    ) -> dict[str, Any]:
        link = {"id": id, "title": title, "custom": dict(custom or {}), "url": url}
        self.resource_links[id] = link
        return link

    def add_lineitem(
        self,
        label: str,
        score_maximum: float,
        resource_link_id: str | None = None,
        resource_id: str | None = None,
        tag: str | None = None,
    ) -> dict[str, Any]:
        """A line item as if the instructor made it in the gradebook; returns it (with id)."""
        body: dict[str, Any] = {"label": label, "scoreMaximum": score_maximum}
        for key, value in (
            ("resourceLinkId", resource_link_id),
            ("resourceId", resource_id),
            ("tag", tag),
        ):
            if value is not None:
                body[key] = value
        return self._create_lineitem(body)

    def lineitem_for(self, resource_link_id: str) -> dict[str, Any] | None:
        return next(
            (
                item
                for item in self.lineitems.values()
                if item.get("resourceLinkId") == resource_link_id
            ),
            None,
        )

    def result(self, lineitem_id: str, user_sub: str) -> dict[str, Any] | None:
        """The score body last accepted for this user on this line item (the gradebook)."""
        return self._results.get((lineitem_id, user_sub))

    def _create_lineitem(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._serial += 1
            item = {"id": f"{self.lineitems_url}/{self._serial}"} | body
            self.lineitems[item["id"]] = item
        return item
