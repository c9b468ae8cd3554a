"""Who is asking, for the pages: the session, the signed-in user, and checked forms."""

from __future__ import annotations

from typing import Annotated, cast
from urllib.parse import parse_qsl, quote, urlsplit

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from api.auth import User
from api.errors import ApiError
from api.pages.session import (
    CSRF_FIELD,
    CSRF_MESSAGE,
    CsrfError,
    Sessions,
    SessionState,
    SignInRequired,
    WebSession,
    check_csrf,
)

MAX_FORM_BYTES = 16 * 1024  # sign-in and button forms are tiny


def sessions_of(request: Request) -> Sessions:
    return cast(Sessions, request.app.state.sessions)


def web_session(request: Request) -> WebSession:
    return sessions_of(request).read(request)


def page_user(session: Annotated[WebSession, Depends(web_session)]) -> User:
    if session.user is None:
        raise SignInRequired(expired=session.state == SessionState.EXPIRED)
    return session.user


def page_instructor(user: Annotated[User, Depends(page_user)]) -> User:
    if not user.is_instructor:
        raise ApiError(403, "forbidden", "only instructors may open this page")
    return user


Session = Annotated[WebSession, Depends(web_session)]
PageUser = Annotated[User, Depends(page_user)]
PageInstructor = Annotated[User, Depends(page_instructor)]


async def checked_form(request: Request, session: WebSession) -> dict[str, str]:
    """A small url-encoded form whose CSRF token is this session's; raises CsrfError."""
    too_large = ApiError(413, "too_large", f"a form is at most {MAX_FORM_BYTES} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():  # counted as it comes: a chunked body has no length
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise too_large
    pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=20)
    values = dict(pairs)
    check_csrf(session, values.get(CSRF_FIELD))
    return values


def sign_in_redirect(request: Request, exc: Exception) -> Response:
    """Pages without a signed-in user send the browser to the sign-in page, and back."""
    assert isinstance(exc, SignInRequired)
    target = back_to(request)
    where = f"/login?next={quote(target, safe='')}"
    if exc.expired:
        where += "&expired=1"
    return RedirectResponse(where, status_code=303)


def back_to(request: Request) -> str:
    """Where to return after signing in: this page, or for a form post the page that
    held the form (a form's own address answers no GET)."""
    if request.method in ("GET", "HEAD"):
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc and referer.path.startswith("/"):
        return referer.path
    return "/"


def csrf_refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CsrfError)
    page_error = request.app.state.error_page
    return cast(Response, page_error(request, 403, "csrf", CSRF_MESSAGE, {}))
