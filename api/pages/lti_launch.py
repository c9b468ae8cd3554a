"""LTI 1.3 launches: the tool's key set, the third-party initiated login, and the launch.

    LMS ──POST /lti/login (iss, login_hint, target_link_uri, ...)──> tool: state + nonce,
        the state's cookie, a redirect to the LMS's authorization endpoint
    LMS ──POST /lti/launch (id_token, state)──> tool: the id_token checked (lti.launch),
        the state checked against this browser's cookie, the person and the link kept,
        a session started, and the browser sent to the assignment's page
        (a deep-linking launch goes to the page where the instructor picks one).

Every refusal is a 4xx page naming the reason, and nothing is kept.
"""

from __future__ import annotations

import hashlib
import time
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.auth import User
from api.errors import ApiError
from api.pages.access import sessions_of
from api.pages.lti_tool import STATE_COOKIE, LtiTool, lti_tool
from api.pages.session import signed_in
from api.services import Services, services
from lti.claims import Launch
from lti.launch import LaunchError, login_redirect, validate
from store import LtiLink, LtiPerson

router = APIRouter(prefix="/lti", include_in_schema=False)
Tool = Annotated[LtiTool, Depends(lti_tool)]
Svc = Annotated[Services, Depends(services)]
DEEP_LINKING = "LtiDeepLinkingRequest"


@router.get("/jwks")
def jwks(tool: Tool) -> JSONResponse:
    """The tool's public key set: LMSs check the tool's signed messages with it."""
    return JSONResponse(tool.key.jwks())


async def params_of(request: Request) -> dict[str, str]:
    if request.method == "POST":
        form = await request.form(max_files=0, max_fields=30)
        return {k: v for k, v in form.items() if isinstance(v, str)}
    return dict(request.query_params)


@router.api_route("/login", methods=["GET", "POST"])
async def login(request: Request, tool: Tool) -> Response:
    """The third-party initiated login (OIDC): on to the LMS's authorization endpoint."""
    params = await params_of(request)
    missing = [p for p in ("iss", "login_hint", "target_link_uri") if not params.get(p)]
    if missing:
        raise ApiError(400, "bad_login", f"the LTI login lacks {', '.join(missing)}")
    platform = tool.registry.find(params["iss"], params.get("client_id") or None)
    if platform is None:
        raise ApiError(400, "unknown_issuer", f"no LMS {params['iss']!r} is registered here")
    response = RedirectResponse("", status_code=302)
    state, nonce = tool.begin(request, response)
    response.headers["location"] = login_redirect(
        platform,
        tool.url(request, "/lti/launch"),
        params["login_hint"],
        params.get("lti_message_hint"),
        state,
        nonce,
    )
    return response


def refuse(exc: LaunchError) -> ApiError:
    status = 401 if exc.code not in ("bad_message", "missing_claim") else 400
    return ApiError(status, exc.code, f"this LTI launch is refused: {exc}")


@router.post("/launch", response_class=HTMLResponse)
async def launch(request: Request, tool: Tool, svc: Svc) -> Response:
    form = await params_of(request)
    token, state = form.get("id_token", ""), form.get("state", "")
    if not token or not state:
        raise ApiError(400, "bad_launch", "the LTI launch needs id_token and state")
    expected_nonce = tool.nonce_of(request, state)
    if expected_nonce is None:
        raise ApiError(
            401,
            "wrong_state",
            "this LTI launch is refused: its state does not belong to this browser "
            "(the launch was not begun here, or the browser blocked the tool's cookie)",
        )
    try:
        found = await run_in_threadpool(
            partial(validate, expected_nonce=expected_nonce),
            token,
            tool.registry,
            tool.keysets,
            tool.records.use_nonce,
            time.time(),
        )
    except LaunchError as exc:
        raise refuse(exc) from None
    response = await run_in_threadpool(start, request, tool, svc, found)
    response.delete_cookie(STATE_COOKIE + state, path="/lti/")
    return response


def start(request: Request, tool: LtiTool, svc: Services, found: Launch) -> Response:
    """Keep the person (and the link), start their session, send them on."""
    user = User(found.person_key, found.role, found.name or found.email or found.subject)
    if found.message_type == DEEP_LINKING:
        if found.role != "instructor":
            raise ApiError(403, "forbidden", "only instructors may add this tool's assignments")
        from api.pages.lti_deeplink import picker

        return picker(request, tool, svc, found, user)
    assignment_id = found.custom.get("assignment_id", "")
    if not assignment_id:
        raise ApiError(
            404,
            "unknown_assignment",
            "this LMS link names no assignment: add it with the tool's deep linking, or set "
            "the custom parameter assignment_id=<id> (docs/lti.md)",
        )
    svc.assignments.spec(assignment_id)  # 404 (or 503) unless it is one of ours
    tool.records.save_launch(
        link_of(found, assignment_id), person_of(found), found.role == "student"
    )
    response = RedirectResponse(f"/assignments/{assignment_id}", status_code=303)
    sessions_of(request).write(request, response, signed_in(user), embedded=True)
    return response


def link_of(found: Launch, assignment_id: str) -> LtiLink:
    return LtiLink(
        id=link_key(found),
        issuer=found.issuer,
        client_id=found.client_id,
        deployment_id=found.deployment_id,
        resource_link_id=found.resource_link_id or "",
        assignment_id=assignment_id,
        context_id=found.context_id or "",
        context_title=found.context_title or "",
        lineitem=found.lineitem,
        lineitems=found.lineitems,
        memberships_url=found.memberships_url,
    )


def link_key(found: Launch) -> str:
    """Our id of an LMS resource link: the same link gives the same id on every launch."""
    text = "\n".join((found.issuer, found.deployment_id, found.resource_link_id or ""))
    return "link-" + hashlib.sha256(text.encode()).hexdigest()[:24]


def person_of(found: Launch) -> LtiPerson:
    return LtiPerson(
        key=found.person_key,
        issuer=found.issuer,
        subject=found.subject,
        name=found.name,
        email=found.email,
        role=found.role,
    )
