"""The endpoints of the course policy: an assignment's policy as the caller stands against
it (anyone), the extensions (instructors), and publishing (instructors). See
docs/service.md; the rules are the core's (grader/lateness.py, grader/release.py,
grader/quota.py), their times the store's clock."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from api import schemas
from api.admission import terms_for
from api.auth import User, current_user, instructor
from api.errors import ApiError
from api.routes import ROUTERS, Route, errors
from api.services import Services, services
from api.visibility import Terms, utc
from grader import lateness
from grader.lateness import Timing, assess, deadlines
from grader.spec import PenaltyTable, PerDayPenalty, Policy
from store import Extension, Publication

router = APIRouter(prefix="/api", route_class=Route)
ROUTERS.append(router)
Svc = Annotated[Services, Depends(services)]
AnyUser = Annotated[User, Depends(current_user)]
Instructor = Annotated[User, Depends(instructor)]
Student = Annotated[str, Path(min_length=1, max_length=200, description="the student's name")]


@router.get(
    "/assignments/{assignment_id}/policy",
    response_model=schemas.AssignmentPolicy,
    responses=errors(404, 503),
    summary="The assignment's due date, late work, limit and publication, and the caller's "
    "own extension and submissions left",
)
def assignment_policy(assignment_id: str, user: AnyUser, svc: Svc) -> schemas.AssignmentPolicy:
    return policy_view(svc, assignment_id, user)


def policy_view(svc: Services, assignment_id: str, user: User) -> schemas.AssignmentPolicy:
    """The assignment's policy and where this user stands (what the pages show too)."""
    terms = terms_for(svc, assignment_id, user.name)
    earlier = [s.created_at for s in svc.store.student_submissions(assignment_id, user.name)]
    standing = None if user.is_instructor else terms.quota(earlier)  # not held to it
    own = svc.store.extension(assignment_id, user.name)
    found = terms.deadlines(user.name)
    rules = terms.policy or Policy()
    timing = assess(terms.policy, terms.now, terms.extensions.get(user.name)).timing
    published = publication(svc.store.publication(assignment_id), assignment_id)
    return schemas.AssignmentPolicy(
        assignment_id=assignment_id,
        now=terms.now,
        due=rules.due,
        late_until=rules.late_until,
        late_penalty=penalty(rules),
        max_submissions=limit(rules),
        published=published.published,
        published_at=published.published_at,
        extension=extension(own, terms) if own else None,
        closes_at=found.closes if found else None,
        open=user.is_instructor or timing != Timing.CLOSED,
        submissions_left=standing.left if standing else None,
        next_submission_at=standing.next_at if standing else None,
    )


def penalty(policy: Policy) -> schemas.PerDayPenalty | list[schemas.PenaltyStep] | None:
    found = policy.late_penalty
    if isinstance(found, PerDayPenalty):
        return schemas.PerDayPenalty(per_day=found.per_day)
    if isinstance(found, PenaltyTable):
        return [schemas.PenaltyStep(days=s.days, penalty=s.penalty) for s in found.steps]
    return None


def limit(policy: Policy) -> schemas.SubmissionLimit | None:
    found = policy.max_submissions
    if found is None:
        return None
    return schemas.SubmissionLimit(count=found.count, per_hours=found.per_hours)


def extension(given: Extension, terms: Terms) -> schemas.Extension:
    found = deadlines(terms.policy, given.due)
    return schemas.Extension(
        assignment_id=given.assignment_id,
        student=given.student,
        due=given.due,
        closes_at=found.closes if found else given.due,
        granted_by=given.granted_by,
        granted_at=utc(given.granted_at),
    )


def publication(found: Publication | None, assignment_id: str) -> schemas.Publication:
    if found is None:
        return schemas.Publication(
            assignment_id=assignment_id, published=False, published_at=None, published_by=None
        )
    return schemas.Publication(
        assignment_id=assignment_id,
        published=True,
        published_at=utc(found.published_at),
        published_by=found.published_by,
    )


# ---------------------------------------------------------------------- extensions


def due_policy(svc: Services, assignment_id: str) -> Policy:
    """The assignment's policy, which must have a due date to extend (409 otherwise)."""
    policy = svc.assignments.spec(assignment_id).policy
    if policy is None or policy.due is None:
        raise ApiError(
            409,
            "no_due_date",
            f"assignment {assignment_id!r} has no due date (policy.due in its "
            "assignment.yaml): there is nothing to extend",
        )
    return policy


@router.get(
    "/assignments/{assignment_id}/extensions",
    response_model=list[schemas.Extension],
    responses=errors(403, 404, 503),
    summary="The assignment's extensions, by student (instructors)",
)
def list_extensions(assignment_id: str, _: Instructor, svc: Svc) -> list[schemas.Extension]:
    terms = Terms(svc.assignments.spec(assignment_id).policy, utc(svc.clock.now()))
    return [extension(e, terms) for e in svc.store.extensions(assignment_id)]


@router.put(
    "/assignments/{assignment_id}/extensions/{student}",
    response_model=schemas.Extension,
    responses=errors(400, 403, 404, 409, 503),
    summary="Give a student a new due (instructors); the late window keeps its length after it",
)
def set_extension(
    assignment_id: str,
    student: Student,
    body: schemas.ExtensionRequest,
    user: Instructor,
    svc: Svc,
) -> schemas.Extension:
    policy = due_policy(svc, assignment_id)
    check_extension(policy, body.due)
    given = svc.store.set_extension(assignment_id, student, body.due, user.name)
    return extension(given, Terms(policy, utc(svc.clock.now())))


def check_extension(policy: Policy, due: datetime) -> None:
    """An extension is later than the assignment's due (409 otherwise: it would shorten
    the student's time), and its close a time that can be written."""
    assert policy.due is not None
    if due <= policy.due:
        raise ApiError(
            409,
            "extension_before_due",
            f"an extension must be after the assignment's due, {policy.due.isoformat()} "
            f"(got {due.isoformat()})",
        )
    try:
        found = deadlines(policy, due)
        assert found is not None
        lateness.utc(found.closes)
    except OverflowError:
        raise ApiError(
            409, "extension_out_of_range", f"{due.isoformat()} is past the last date there is"
        ) from None


@router.delete(
    "/assignments/{assignment_id}/extensions/{student}",
    status_code=204,
    response_class=Response,
    responses=errors(403, 404),
    summary="Take a student's extension back (instructors)",
)
def remove_extension(assignment_id: str, student: Student, _: Instructor, svc: Svc) -> Response:
    svc.assignments.folder(assignment_id)
    if not svc.store.remove_extension(assignment_id, student):
        raise ApiError(404, "not_found", f"{student!r} has no extension of {assignment_id!r}")
    return Response(status_code=204)


# ---------------------------------------------------------------------- publication


@router.put(
    "/assignments/{assignment_id}/publication",
    response_model=schemas.Publication,
    responses=errors(403, 404),
    summary="Publish the assignment (instructors): students see the tests marked "
    "after_published from now on; publishing again keeps the first time",
)
def publish(assignment_id: str, user: Instructor, svc: Svc) -> schemas.Publication:
    svc.assignments.folder(assignment_id)
    return publication(svc.store.publish(assignment_id, user.name), assignment_id)


@router.delete(
    "/assignments/{assignment_id}/publication",
    response_model=schemas.Publication,
    responses=errors(403, 404),
    summary="Unpublish the assignment (instructors): the after_published tests are withheld again",
)
def unpublish(assignment_id: str, _: Instructor, svc: Svc) -> schemas.Publication:
    svc.assignments.folder(assignment_id)
    svc.store.unpublish(assignment_id)
    return publication(None, assignment_id)
