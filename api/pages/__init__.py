"""The web pages: server-rendered HTML for students and instructors.

``install(app, settings)`` adds them to the API's app: the routes (outside /api), the
static files under /static (served by the app itself: nothing is fetched from another
site), the session keeper, and the HTML error page that api/errors.py uses for any
request that is not for the JSON API.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.pages import instructor, login, lti_deeplink, lti_launch, student
from api.pages.access import csrf_refused, sign_in_redirect, web_session
from api.pages.lti_tool import LtiTool
from api.pages.rendering import STATIC_DIR, Readmes, page
from api.pages.session import CsrfError, Sessions, SignInRequired, session_secret
from config import Settings


def error_page(
    request: Request, status: int, code: str, message: str, headers: Mapping[str, str]
) -> HTMLResponse:
    session = web_session(request)
    context = {"title": "Error", "status": status, "code": code, "error": message}
    response = page(request, "error.html", session, context, status)
    for name, value in headers.items():
        if name.lower() != "www-authenticate":  # a page never asks for a bearer token
            response.headers[name] = value
    return response


def install(app: FastAPI, settings: Settings) -> None:
    secret = session_secret(settings.api.session_secret, settings.data_dir)
    app.state.sessions = Sessions(secret, settings.api.session_hours * 3600)
    app.state.lti = LtiTool.build(
        settings.lti_config, settings.data_dir, secret, settings.api.public_url
    )
    app.state.readmes = Readmes()
    app.state.error_page = error_page
    app.add_exception_handler(SignInRequired, sign_in_redirect)
    app.add_exception_handler(CsrfError, csrf_refused)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (login, student, instructor, lti_launch, lti_deeplink):
        app.include_router(module.router)
