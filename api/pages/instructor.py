"""The instructor's pages: an assignment's dashboard, a regrade's progress, grades CSV, and
the dashboard's forms (regrade; give or take back an extension; publish or unpublish).

A form that is done redirects back to the dashboard (post, redirect, get: a reload never
submits twice); a refused one shows the dashboard again with the message, under the
API's status for the same refusal."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api import records
from api.auth import User
from api.errors import ApiError
from api.pages import charts, classroom, gradebook, policy
from api.pages.access import PageInstructor, Session, checked_form
from api.pages.gradebook_sync import lms_view
from api.pages.lti_tool import LtiTool
from api.pages.rendering import page
from api.schemas import RegradeProgress
from api.services import Services, services
from api.visibility import terms_of

router = APIRouter(include_in_schema=False)
Svc = Annotated[Services, Depends(services)]


def class_summary(svc: Services, assignment_id: str) -> classroom.ClassSummary:
    """The class's numbers with final scores (late penalties applied)."""
    spec = svc.assignments.spec(assignment_id)
    terms = terms_of(svc, assignment_id)
    return classroom.summarize(
        svc.store.submissions(assignment_id), svc.store.jobs_of, spec.max_score, terms.final_score
    )


def regrade_progress(svc: Services, regrade_id: str, assignment_id: str) -> RegradeProgress:
    found = svc.store.regrade_jobs(regrade_id)
    if found is None or found[0] != assignment_id:
        raise ApiError(404, "not_found", f"no regrade {regrade_id!r} of {assignment_id!r}")
    return records.progress(regrade_id, assignment_id, found[1])


def dashboard_context(
    svc: Services, tool: LtiTool | None, assignment_id: str, user: User, regrade: str | None
) -> dict[str, Any]:
    spec = svc.assignments.spec(assignment_id)
    summary = class_summary(svc, assignment_id)
    submitted = {row.student for row in summary.students}
    return {
        **policy.dashboard_policy(svc, assignment_id, user),
        "lms": lms_view(tool, assignment_id, submitted),
        "title": f"{spec.title}: dashboard",
        "assignment": spec,
        "summary": summary,
        "histogram_svg": charts.score_histogram_svg(summary),
        "histogram_alt": charts.histogram_alt(summary),
        "pass_rates_svg": charts.pass_rates_svg(summary),
        "pass_rates_alt": charts.pass_rates_alt(summary),
        "progress": regrade_progress(svc, regrade, assignment_id) if regrade else None,
    }


@router.get("/assignments/{assignment_id}/dashboard", response_class=HTMLResponse)
async def dashboard(
    request: Request,
    assignment_id: str,
    session: Session,
    user: PageInstructor,
    svc: Svc,
    regrade: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    tool = getattr(request.app.state, "lti", None)
    context = await run_in_threadpool(dashboard_context, svc, tool, assignment_id, user, regrade)
    return page(request, "dashboard.html", session, context)


async def refused_dashboard(
    request: Request,
    assignment_id: str,
    session: Session,
    user: User,
    svc: Services,
    exc: ApiError,
) -> Response:
    tool = getattr(request.app.state, "lti", None)
    context = await run_in_threadpool(dashboard_context, svc, tool, assignment_id, user, None)
    context = {**context, "policy_error": exc.message}
    return page(request, "dashboard.html", session, context, exc.status)


def to_policy(assignment_id: str) -> RedirectResponse:
    return RedirectResponse(f"/assignments/{assignment_id}/dashboard#policy", status_code=303)


@router.post("/assignments/{assignment_id}/extensions")
async def give_extension(
    request: Request, assignment_id: str, session: Session, user: PageInstructor, svc: Svc
) -> Response:
    form = await checked_form(request, session)
    try:
        student, due = await run_in_threadpool(policy.parsed_extension, svc, assignment_id, form)
    except ApiError as exc:
        if exc.status == 404:
            raise
        return await refused_dashboard(request, assignment_id, session, user, svc, exc)
    await run_in_threadpool(svc.store.set_extension, assignment_id, student, due, user.name)
    return to_policy(assignment_id)


@router.post("/assignments/{assignment_id}/extensions/{student}/remove")
async def take_back_extension(
    request: Request,
    assignment_id: str,
    student: str,
    session: Session,
    _: PageInstructor,
    svc: Svc,
) -> Response:
    await checked_form(request, session)
    svc.assignments.folder(assignment_id)
    await run_in_threadpool(svc.store.remove_extension, assignment_id, student)
    return to_policy(assignment_id)


@router.post("/assignments/{assignment_id}/publication")
async def set_publication(
    request: Request, assignment_id: str, session: Session, user: PageInstructor, svc: Svc
) -> Response:
    form = await checked_form(request, session)
    svc.assignments.folder(assignment_id)
    action = form.get("action")
    if action == "publish":
        await run_in_threadpool(svc.store.publish, assignment_id, user.name)
    elif action == "unpublish":
        await run_in_threadpool(svc.store.unpublish, assignment_id)
    else:
        error = ApiError(422, "invalid_request", "action: publish or unpublish")
        return await refused_dashboard(request, assignment_id, session, user, svc, error)
    return to_policy(assignment_id)


@router.post("/assignments/{assignment_id}/regrade")
async def start_regrade(
    request: Request, assignment_id: str, session: Session, user: PageInstructor, svc: Svc
) -> Response:
    await checked_form(request, session)
    svc.assignments.folder(assignment_id)
    regrade_id, jobs = await run_in_threadpool(svc.store.create_regrade, assignment_id, user.name)
    await run_in_threadpool(svc.send, [job.id for job in jobs])
    where = f"/assignments/{assignment_id}/dashboard?regrade={regrade_id}"
    return RedirectResponse(where, status_code=303)


@router.get("/assignments/{assignment_id}/regrades/{regrade_id}.json")
def regrade_status(
    assignment_id: str, regrade_id: str, _: PageInstructor, svc: Svc
) -> JSONResponse:
    """What the dashboard polls while a regrade runs."""
    progress = regrade_progress(svc, regrade_id, assignment_id)
    return JSONResponse(progress.model_dump())


@router.get("/assignments/{assignment_id}/grades.csv")
def grades(request: Request, assignment_id: str, _: PageInstructor, svc: Svc) -> Response:
    tool = getattr(request.app.state, "lti", None)
    people = tool.records.people() if isinstance(tool, LtiTool) else {}
    names = {key: person.name for key, person in people.items() if person.name}
    text = gradebook.grades_csv(class_summary(svc, assignment_id), names)
    disposition = f'attachment; filename="{assignment_id}-grades.csv"'
    return Response(
        text, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": disposition}
    )
