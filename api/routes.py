"""The endpoints. See docs/api.md for the contract."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

from api import admission, records
from api.auth import User, current_user, instructor
from api.errors import ApiError
from api.schemas import (
    Accepted,
    ErrorBody,
    Health,
    PoolFigures,
    RegradeAccepted,
    RegradeProgress,
    Results,
    SubmissionRecord,
    SubmissionSummary,
)
from api.services import Services, services
from api.upload import FIELD, read_parts
from api.visibility import view_of
from grader.archive import unpack_upload
from grader.spec import Submission as SubmissionSpec
from grader.submission import validate
from store import Submission


class Route(APIRoute):
    """A route whose 405 lists every method of its path in ``Allow``. Starlette hands a
    request that no route of a path takes to the first route of that path, whose ``Allow``
    would name only its own methods (GET and POST share /assignments/{id}/submissions).
    The routers of the API's routes are in ``ROUTERS``."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in self.methods:
            routes = [r for known in ROUTERS for r in known.routes]
            same_path = [r for r in routes if isinstance(r, APIRoute) and r.path == self.path]
            allowed = sorted({method for r in same_path for method in r.methods})
            raise HTTPException(405, headers={"Allow": ", ".join(allowed)})
        await super().handle(scope, receive, send)


router = APIRouter(prefix="/api", route_class=Route)
ROUTERS = [router]  # api/policy_routes.py adds its own
Svc = Annotated[Services, Depends(services)]
AnyUser = Annotated[User, Depends(current_user)]
Instructor = Annotated[User, Depends(instructor)]


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Refusals, in the one error shape: these, and on every route 401 (no or a bad token)
    and 422 (a bad parameter: without it FastAPI documents its own shape, never sent)."""
    return {status: {"model": ErrorBody} for status in sorted({401, 422, *statuses})}


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FIELD],
                    "properties": {
                        FIELD: {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "minItems": 1,
                            "description": "the files, or a single .zip of them",
                        }
                    },
                }
            }
        },
    }
}


RETRY_AFTER = {
    "Retry-After": {
        "description": "seconds until the next submission is allowed",
        "schema": {"type": "integer"},
    }
}


@router.post(
    "/assignments/{assignment_id}/submissions",
    status_code=202,
    response_model=Accepted,
    responses={
        **errors(400, 403, 404, 413, 415, 503),
        429: {"model": ErrorBody, "headers": RETRY_AFTER},
    },
    openapi_extra=UPLOAD_BODY,
    summary="Submit files (or one zip) for grading (403 after the close, 429 over the limit)",
)
async def submit(assignment_id: str, request: Request, user: AnyUser, svc: Svc) -> Accepted:
    spec = svc.assignments.spec(assignment_id).submission
    admit = await run_in_threadpool(admission.admit_for, svc, assignment_id, user)
    limits = svc.settings.api
    parts = await read_parts(request, limits.max_upload_bytes, limits.max_upload_files)
    files = await run_in_threadpool(
        files_of, parts, spec, limits.max_upload_bytes, limits.max_upload_files
    )
    submission, job = await run_in_threadpool(
        svc.store.add_submission, assignment_id, user.name, files, admit
    )
    await run_in_threadpool(svc.send, [job.id])
    return Accepted(id=submission.id)


def files_of(
    parts: list[tuple[str, bytes]], spec: SubmissionSpec, max_bytes: int, max_files: int
) -> dict[str, bytes]:
    return validate(unpack_upload(parts, max_bytes, max_files), spec)


def visible_submission(svc: Services, submission_id: str, user: User) -> Submission:
    """The submission if this user may see it; 404 otherwise (whether or not it exists)."""
    submission = svc.store.submission(submission_id)
    if submission is None or not (user.is_instructor or submission.student == user.name):
        raise ApiError(404, "not_found", f"no submission {submission_id!r}")
    return submission


@router.get(
    "/submissions/{submission_id}",
    response_model=SubmissionRecord,
    responses=errors(404, 503),
    summary="A submission: status, results and every grading",
)
def submission_record(submission_id: str, user: AnyUser, svc: Svc) -> SubmissionRecord:
    submission = visible_submission(svc, submission_id, user)
    view = view_of(svc, submission.assignment_id, user.is_instructor)
    return records.record(submission, svc.store.jobs_of(submission.id), view)


@router.get(
    "/submissions/{submission_id}/results.json",
    responses={
        200: {"model": Results, "description": "Gradescope results.json"},
        **errors(404, 503),
    },
    summary="The feedback alone (students see only the tests released to them)",
)
def submission_results(submission_id: str, user: AnyUser, svc: Svc) -> JSONResponse:
    submission = visible_submission(svc, submission_id, user)
    jobs = svc.store.jobs_of(submission.id)
    view = view_of(svc, submission.assignment_id, user.is_instructor)
    results = records.results_for(submission, jobs, view)
    if results is None:
        status = records.summary(submission, jobs, view).status
        raise ApiError(
            404, "no_results", f"submission {submission_id!r} has no results yet ({status})"
        )
    return JSONResponse(results)


@router.get(
    "/assignments/{assignment_id}/submissions",
    response_model=list[SubmissionSummary],
    responses=errors(403, 404, 503),
    summary="Every submission of an assignment (instructors)",
)
def list_submissions(
    assignment_id: str,
    _: Instructor,
    svc: Svc,
    latest: Annotated[bool, Query(description="only each student's latest")] = False,
    student: Annotated[str | None, Query(description="only this student's")] = None,
) -> list[SubmissionSummary]:
    svc.assignments.folder(assignment_id)
    view = view_of(svc, assignment_id, instructor=True)
    store = svc.store
    found = store.latest_submissions(assignment_id) if latest else store.submissions(assignment_id)
    return [
        records.summary(s, store.jobs_of(s.id), view)
        for s in found
        if student is None or s.student == student
    ]


@router.post(
    "/assignments/{assignment_id}/regrade",
    status_code=202,
    response_model=RegradeAccepted,
    responses=errors(403, 404),
    summary="Regrade every student's latest submission (instructors); earlier results stay",
)
def regrade(assignment_id: str, user: Instructor, svc: Svc) -> RegradeAccepted:
    svc.assignments.folder(assignment_id)
    regrade_id, jobs = svc.store.create_regrade(assignment_id, user.name)
    svc.send([job.id for job in jobs])
    return RegradeAccepted(regrade_id=regrade_id, jobs=len(jobs))


@router.get(
    "/regrades/{regrade_id}",
    response_model=RegradeProgress,
    responses=errors(403, 404),
    summary="Progress of a regrade (instructors)",
)
def regrade_progress(regrade_id: str, _: Instructor, svc: Svc) -> RegradeProgress:
    found = svc.store.regrade_jobs(regrade_id)
    if found is None:
        raise ApiError(404, "not_found", f"no regrade {regrade_id!r}")
    assignment_id, jobs = found
    return records.progress(regrade_id, assignment_id, jobs)


@router.get(
    "/health",
    response_model=Health,
    summary=(
        "Reachability of Redis, the store and Docker, and the warm pools "
        "(no token; 200 even when degraded)"
    ),
)
def health(svc: Svc) -> Health:
    report = svc.probes.report()
    pool = svc.probes.pool_figures()
    status = "ok" if all(report.values()) else "degraded"
    return Health(status=status, pool=PoolFigures(**pool) if pool else None, **report)
