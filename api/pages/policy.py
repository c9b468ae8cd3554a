"""The course policy on the pages: where a user stands (due, close, late penalty,
submissions left), what the dashboard's policy section shows, and the extension form
read with the JSON API's rules (api/policy_routes.py: an extension is after the
assignment's due, which must exist). The forms' routes are the dashboard's
(api/pages/instructor.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api import policy_routes, schemas
from api.auth import User
from api.errors import ApiError
from api.services import Services
from api.visibility import Terms, utc
from grader.spec import aware_time

MAX_STUDENT = 200  # as the JSON API's path parameter


@dataclass(frozen=True)
class Standing:
    """The policy as one user sees it on the pages."""

    policy: schemas.AssignmentPolicy

    @property
    def due(self) -> datetime | None:
        """This user's own due: their extension's, else the assignment's."""
        own = self.policy.extension
        return own.due if own else self.policy.due

    @property
    def late_work(self) -> bool:
        return self.policy.late_until is not None

    @property
    def penalty_text(self) -> str:
        """The late penalty in words: "10% per started day" or a table's steps."""
        found = self.policy.late_penalty
        if isinstance(found, schemas.PerDayPenalty):
            return f"{found.per_day:.0%} off per started day late"
        if isinstance(found, list) and found:
            steps = ", ".join(f"{s.penalty:.0%} up to {s.days} d" for s in found)
            return f"off the score when late: {steps}"
        return "no penalty"

    @property
    def limit_text(self) -> str:
        limit = self.policy.max_submissions
        if limit is None:
            return ""
        plural = "" if limit.count == 1 else "s"
        window = "hour" if limit.per_hours == 1 else f"{limit.per_hours:g} hours"
        return f"{limit.count} submission{plural} per {window}"


def standing(svc: Services, assignment_id: str, user: User) -> Standing:
    return Standing(policy_routes.policy_view(svc, assignment_id, user))


def dashboard_policy(svc: Services, assignment_id: str, user: User) -> dict[str, Any]:
    """What the dashboard's policy section shows: the rules and the extensions."""
    spec = svc.assignments.spec(assignment_id)
    terms = Terms(spec.policy, utc(svc.clock.now()))
    given = [policy_routes.extension(e, terms) for e in svc.store.extensions(assignment_id)]
    return {"standing": standing(svc, assignment_id, user), "extensions": given}


def parsed_extension(svc: Services, assignment_id: str, form: dict[str, str]) -> tuple[str, Any]:
    """The student and due of the extension form, checked as the JSON API checks them."""
    policy = policy_routes.due_policy(svc, assignment_id)
    student = form.get("student", "").strip()
    if not student or len(student) > MAX_STUDENT:
        raise ApiError(422, "invalid_request", f"student: give a name of 1 to {MAX_STUDENT} chars")
    try:
        due = aware_time(form.get("due", ""))
    except ValueError as exc:
        raise ApiError(422, "invalid_request", f"due: {exc}") from None
    policy_routes.check_extension(policy, due)
    return student, due
