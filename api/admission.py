"""Whether a student's submission is accepted now: the assignment's close (their extension
applied) and its submission limit (``policy:`` in the assignment's YAML).

The JSON API's upload and the web page's upload form both go through here. The checks
run twice: before the upload is read (a refused upload is not even stored), and in the
store's transaction that adds the submission, at the time it gets, so two uploads at
once cannot both take a quota's last place. The time is the store's clock. Instructors
are held to neither rule (they try their own assignments out).

- after the close: 403 ``submissions_closed``, naming when it closed;
- over the limit: 429 ``too_many_submissions`` with ``Retry-After`` (seconds), naming
  when the next submission is allowed.
"""

from __future__ import annotations

import dataclasses
import math

from api.auth import User
from api.errors import ApiError
from api.services import Services
from api.visibility import Terms, utc
from grader.lateness import Deadlines, Timing, assess
from grader.quota import Quota
from store import Admit


def terms_for(svc: Services, assignment_id: str, student: str) -> Terms:
    """The assignment's terms for one student, now."""
    policy = svc.assignments.spec(assignment_id).policy
    extension = svc.store.extension(assignment_id, student)
    extensions = {student: extension.due} if extension else {}
    return Terms(policy=policy, now=utc(svc.clock.now()), extensions=extensions)


def check(terms: Terms, assignment_id: str, student: str, earlier: list[float]) -> None:
    """Raise the refusal of a submission made at ``terms.now``, if it is refused."""
    lateness = assess(terms.policy, terms.now, terms.extensions.get(student))
    found = terms.deadlines(student)
    if lateness.timing == Timing.CLOSED and found is not None:
        raise closed(assignment_id, found, student in terms.extensions)
    standing = terms.quota(earlier)
    if standing is not None and not standing.allowed:
        raise over_limit(standing, terms)


def closed(assignment_id: str, deadlines: Deadlines, extended: bool) -> ApiError:
    what = "the end of late work" if deadlines.takes_late_work else "the due date; no late work"
    mine = ", with your extension" if extended else ""
    return ApiError(
        403,
        "submissions_closed",
        f"submissions to {assignment_id!r} closed at {deadlines.closes.isoformat()} "
        f"({what}{mine}): ask the instructor for an extension",
    )


def over_limit(standing: Quota, terms: Terms) -> ApiError:
    assert standing.next_at is not None
    wait = math.ceil((standing.next_at - terms.now).total_seconds())
    return ApiError(
        429, "too_many_submissions", standing.refusal(), {"Retry-After": str(max(1, wait))}
    )


def admit_for(svc: Services, assignment_id: str, user: User) -> Admit | None:
    """The check as the store's transaction runs it (None for instructors), after checking
    now, before anything is read: raises the refusal."""
    if user.is_instructor:
        return None
    terms = terms_for(svc, assignment_id, user.name)
    earlier = [s.created_at for s in svc.store.student_submissions(assignment_id, user.name)]
    check(terms, assignment_id, user.name, earlier)

    def admit(earlier: list[float], now: float) -> None:
        check(dataclasses.replace(terms, now=utc(now)), assignment_id, user.name, earlier)

    return admit
