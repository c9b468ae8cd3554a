"""Signing in with a token, and out. (The LTI launch will sign in the same way.)"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.auth import Authenticator
from api.errors import ApiError
from api.pages.access import Session, checked_form, sessions_of
from api.pages.rendering import page
from api.pages.session import SessionState, anonymous, signed_in

router = APIRouter(include_in_schema=False)
EXPIRED = "Your session has expired: sign in again."
TITLE = "Sign in"


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an absolute URL (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request,
    session: Session,
    next: Annotated[str | None, Query()] = None,
    expired: Annotated[bool, Query()] = False,
) -> Response:
    if session.user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    message = EXPIRED if expired or session.state == SessionState.EXPIRED else None
    context = {"title": TITLE, "next": safe_next(next), "error": message}
    return page(request, "login.html", session, context)


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, session: Session) -> Response:
    form = await checked_form(request, session)
    target = safe_next(form.get("next"))
    authenticator: Authenticator = request.app.state.services.auth
    try:
        user = await run_in_threadpool(authenticator.user_of_token, form.get("token", "").strip())
    except ApiError as exc:
        retry = anonymous(SessionState.NONE)
        context = {"title": TITLE, "next": target, "error": exc.message}
        return page(request, "login.html", retry, context, status=exc.status)
    response = RedirectResponse(target, status_code=303)
    sessions_of(request).write(request, response, signed_in(user))
    return response


@router.post("/logout")
async def logout(request: Request, session: Session) -> Response:
    await checked_form(request, session)
    response = RedirectResponse("/login", status_code=303)
    sessions_of(request).clear(request, response)
    return response
