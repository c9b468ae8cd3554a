"""The student's pages: my assignments, an assignment (README, upload), a submission.

Instructors may open them too (a submission page then shows everything: hidden
tests and the sandbox log). Anyone else's submission is a 404, as in the JSON API.
"""

from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api import admission, records
from api.auth import User
from api.errors import ApiError
from api.pages.access import PageUser, Session
from api.pages.policy import Standing, standing
from api.pages.rendering import STARTER, Readmes, page
from api.pages.session import CSRF_FIELD, CSRF_MESSAGE, CsrfError, check_csrf
from api.routes import files_of, visible_submission
from api.schemas import SubmissionSummary
from api.services import Services, services
from api.upload import read_upload
from api.visibility import view_of
from grader.errors import SubmissionError
from store import Job, JobStatus

router = APIRouter(include_in_schema=False)
Svc = Annotated[Services, Depends(services)]


@dataclass(frozen=True)
class AssignmentRow:
    id: str
    title: str
    max_score: float
    submissions: int
    latest: SubmissionSummary | None
    best_score: float | None
    standing: Standing


def my_summaries(svc: Services, assignment_id: str, user: User) -> list[SubmissionSummary]:
    """This user's submissions of the assignment, newest first, as they see them."""
    view = view_of(svc, assignment_id, user.is_instructor)
    mine = svc.store.student_submissions(assignment_id, user.name)
    return [records.summary(s, svc.store.jobs_of(s.id), view) for s in reversed(mine)]


def assignment_row(svc: Services, assignment_id: str, user: User) -> AssignmentRow | None:
    try:
        spec = svc.assignments.spec(assignment_id)
    except ApiError:
        return None  # an invalid definition: logged for the instructor, not listed
    mine = my_summaries(svc, assignment_id, user)
    scores = [s.score for s in mine if s.score is not None]
    return AssignmentRow(
        id=assignment_id,
        title=spec.title,
        max_score=spec.max_score,
        submissions=len(mine),
        latest=mine[0] if mine else None,
        best_score=max(scores) if scores else None,
        standing=standing(svc, assignment_id, user),
    )


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: Session, user: PageUser, svc: Svc) -> Response:
    rows = [assignment_row(svc, aid, user) for aid in svc.assignments.ids()]
    context = {"title": "My assignments", "rows": [r for r in rows if r is not None]}
    return page(request, "home.html", session, context)


def assignment_context(
    svc: Services, readmes: Readmes, assignment_id: str, user: User
) -> dict[str, Any]:
    spec = svc.assignments.spec(assignment_id)
    folder = svc.assignments.folder(assignment_id)
    return {
        "title": spec.title,
        "assignment": spec,
        "readme": readmes.html(folder, assignment_id),
        "files": spec.submission.files,
        "max_upload_bytes": min(spec.submission.max_bytes, svc.settings.api.max_upload_bytes),
        "submissions": my_summaries(svc, assignment_id, user),
        "standing": standing(svc, assignment_id, user),
    }


def readmes_of(request: Request) -> Readmes:
    return cast(Readmes, request.app.state.readmes)


@router.get("/assignments/{assignment_id}", response_class=HTMLResponse)
def assignment_page(
    request: Request, assignment_id: str, session: Session, user: PageUser, svc: Svc
) -> Response:
    context = assignment_context(svc, readmes_of(request), assignment_id, user)
    return page(request, "assignment.html", session, context)


@router.get("/assignments/{assignment_id}/starter/{path:path}")
def starter_file(assignment_id: str, path: str, _: PageUser, svc: Svc) -> Response:
    """The assignment's public starter files, and nothing else of its folder."""
    starter = (svc.assignments.folder(assignment_id) / STARTER).resolve()
    target = (starter / path).resolve()
    if not target.is_relative_to(starter) or not target.is_file():
        raise ApiError(404, "not_found", f"no starter file {path!r}")
    kind = mimetypes.guess_type(target.name)[0] or "text/plain"
    if kind.startswith("text/") or target.suffix in (".py", ".yaml", ".yml"):
        kind = "text/plain; charset=utf-8"
    return FileResponse(target, media_type=kind)


@router.post("/assignments/{assignment_id}/submissions", response_class=HTMLResponse)
async def upload(
    request: Request, assignment_id: str, session: Session, user: PageUser, svc: Svc
) -> Response:
    spec = svc.assignments.spec(assignment_id).submission
    limits = svc.settings.api
    try:
        parts, fields = await read_upload(
            request, limits.max_upload_bytes, limits.max_upload_files, {CSRF_FIELD}
        )
        check_csrf(session, fields.get(CSRF_FIELD))
        admit = await run_in_threadpool(admission.admit_for, svc, assignment_id, user)
        files = await run_in_threadpool(
            files_of, parts, spec, limits.max_upload_bytes, limits.max_upload_files
        )
        submission, job = await run_in_threadpool(
            svc.store.add_submission, assignment_id, user.name, files, admit
        )
    except (ApiError, SubmissionError, CsrfError) as exc:
        status, message = refusal(exc)
        context = await run_in_threadpool(
            assignment_context, svc, readmes_of(request), assignment_id, user
        )
        response = page(request, "assignment.html", session, {**context, "error": message}, status)
        if isinstance(exc, ApiError) and "Retry-After" in exc.headers:
            response.headers["Retry-After"] = exc.headers["Retry-After"]
        return response
    await run_in_threadpool(svc.send, [job.id])
    return RedirectResponse(f"/submissions/{submission.id}", status_code=303)


def refusal(exc: ApiError | SubmissionError | CsrfError) -> tuple[int, str]:
    """The status and message the JSON API gives for the same refusal."""
    if isinstance(exc, CsrfError):
        return 403, CSRF_MESSAGE
    if isinstance(exc, ApiError):
        return exc.status, exc.message
    return (413 if exc.code == "too_large" else 422), str(exc)


def live_status(svc: Services, submission_id: str, user: User) -> dict[str, Any]:
    submission = visible_submission(svc, submission_id, user)
    jobs = svc.store.jobs_of(submission.id)
    view = view_of(svc, submission.assignment_id, user.is_instructor)
    return status_of(svc, records.summary(submission, jobs, view), jobs)


def status_of(svc: Services, summary: SubmissionSummary, jobs: list[Job]) -> dict[str, Any]:
    """The live part of a submission's page: status, queue position, final, score."""
    waiting = jobs and summary.status == JobStatus.QUEUED
    position = svc.store.queue_position(jobs[-1].id) if waiting else None
    return {
        "status": str(summary.status),
        "position": position,
        "final": summary.status in (JobStatus.GRADED, JobStatus.FAILED),
        "score": summary.score,
    }


@router.get("/submissions/{submission_id}", response_class=HTMLResponse)
def submission_page(
    request: Request, submission_id: str, session: Session, user: PageUser, svc: Svc
) -> Response:
    submission = visible_submission(svc, submission_id, user)
    jobs = svc.store.jobs_of(submission.id)
    view = view_of(svc, submission.assignment_id, user.is_instructor)
    results = records.results_for(submission, jobs, view)
    spec = svc.assignments.spec(submission.assignment_id)
    summary = records.summary(submission, jobs, view)
    context = {
        "title": f"{spec.title}: submission",
        "assignment": spec,
        "submission": summary,
        "live": status_of(svc, summary, jobs),
        "results": results,
        "log": (results or {}).get("extra_data", {}).get("sandbox_log"),
        "history": [records.grading(submission, job, view) for job in jobs],
    }
    return page(request, "submission.html", session, context)


@router.get("/submissions/{submission_id}/status.json")
def submission_status(submission_id: str, user: PageUser, svc: Svc) -> JSONResponse:
    """What the submission page polls: its status, queue position and whether final."""
    return JSONResponse(live_status(svc, submission_id, user))


@router.get("/submissions/{submission_id}/results.json")
def results_download(submission_id: str, user: PageUser, svc: Svc) -> Response:
    submission = visible_submission(svc, submission_id, user)
    view = view_of(svc, submission.assignment_id, user.is_instructor)
    results = records.results_for(submission, svc.store.jobs_of(submission.id), view)
    if results is None:
        raise ApiError(404, "no_results", f"submission {submission_id!r} has no results yet")
    body = json.dumps(results, indent=2) + "\n"
    disposition = f'attachment; filename="results-{submission_id}.json"'
    return Response(
        body, media_type="application/json", headers={"Content-Disposition": disposition}
    )
