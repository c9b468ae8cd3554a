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

import dataclasses
import hashlib
import time
from functools import partial
from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from itsdangerous import BadSignature
from starlette.concurrency import run_in_threadpool

from api.auth import User
from api.errors import ApiError
from api.pages.access import sessions_of, web_session
from api.pages.lti_tool import STATE_COOKIE, LaunchState, LtiTool, launch_from_dict, lti_tool
from api.pages.rendering import page
from api.pages.session import signed_in
from api.services import Services, services
from lti.claims import Launch
from lti.launch import LaunchError, login_redirect, validate
from store import LtiLink, LtiPerson

router = APIRouter(prefix="/lti", include_in_schema=False)
Tool = Annotated[LtiTool, Depends(lti_tool)]
Svc = Annotated[Services, Depends(services)]
DEEP_LINKING = "LtiDeepLinkingRequest"
TICKET_SALT = "mlgrader.lti-storage-ticket"
TICKET_SECONDS = 120


@router.get("/jwks")
def jwks(tool: Tool) -> JSONResponse:
    """The tool's public key set: LMSs check the tool's signed messages with it."""
    return JSONResponse(tool.key.jwks())


async def params_of(request: Request) -> dict[str, str]:
    if request.method == "POST":
        form = await request.form(max_files=0, max_fields=30)
        return {k: v for k, v in form.items() if isinstance(v, str)}
    return dict(request.query_params)


LOGIN_FIELDS = (
    "iss",
    "login_hint",
    "target_link_uri",
    "lti_message_hint",
    "client_id",
    "lti_deployment_id",
    "lti_storage_target",
)
NOT_THIS_BROWSER = (
    "this LTI launch is refused: its state does not belong to this browser "
    "(the launch was not begun here, or the browser blocked the tool's cookie)"
)


@router.api_route("/login", methods=["GET", "POST"])
async def login(request: Request, tool: Tool) -> Response:
    """The third-party initiated login (OIDC): on to the LMS's authorization endpoint.
    When the LMS offers platform storage, the nonce is also kept there first (a page
    that asks the LMS's window with postMessage), for a browser that drops the cookie."""
    params = {k: v for k, v in (await params_of(request)).items() if k in LOGIN_FIELDS and v}
    missing = [p for p in ("iss", "login_hint", "target_link_uri") if not params.get(p)]
    if missing:
        raise ApiError(400, "bad_login", f"the LTI login lacks {', '.join(missing)}")
    platform = tool.registry.find(params["iss"], params.get("client_id") or None)
    if platform is None:
        raise ApiError(400, "unknown_issuer", f"no LMS {params['iss']!r} is registered here")
    began = tool.begin(params)
    where = login_redirect(
        platform,
        tool.url(request, "/lti/launch"),
        params["login_hint"],
        params.get("lti_message_hint"),
        tool.encode(began),
        began.nonce,
    )
    target = params.get("lti_storage_target")
    if target:
        context = storage_context(target, platform.auth_login_url, began, where)
        response: Response = page(request, "lti_login.html", web_session(request), context)
    else:
        response = RedirectResponse(where, status_code=302)
    tool.bind(request, response, began)
    return response


def storage_context(target: str, platform_url: str, began: LaunchState, go: str) -> dict:
    """What the pages that talk to platform storage need (read by static/lti.js)."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(platform_url))
    return {
        "title": "Launching",
        "lti": {
            "target": target,
            "origin": origin,
            "key": f"mlgrader-{began.id}",
            "value": began.nonce,
            "go": go,
        },
    }


def refuse(exc: LaunchError) -> ApiError:
    status = 401 if exc.code not in ("bad_message", "missing_claim") else 400
    return ApiError(status, exc.code, f"this LTI launch is refused: {exc}")


async def checked(tool: LtiTool, token: str, nonce: str) -> Launch:
    try:
        return await run_in_threadpool(
            partial(validate, expected_nonce=nonce),
            token,
            tool.registry,
            tool.keysets,
            tool.records.use_nonce,
            time.time(),
        )
    except LaunchError as exc:
        raise refuse(exc) from None


@router.post("/launch", response_class=HTMLResponse)
async def launch(request: Request, tool: Tool, svc: Svc) -> Response:
    form = await params_of(request)
    token, state = form.get("id_token", ""), form.get("state", "")
    if not token or not state:
        raise ApiError(400, "bad_launch", "the LTI launch needs id_token and state")
    began = tool.state_of(state)
    if began is None:
        raise ApiError(401, "wrong_state", "this LTI launch is refused: its state is not ours")
    if tool.cookie_nonce(request, began) != began.nonce:
        return await without_cookie(request, tool, began, token, form)
    found = await checked(tool, token, began.nonce)
    response = await run_in_threadpool(start, request, tool, svc, found)
    response.delete_cookie(STATE_COOKIE + began.id, path="/lti/")
    return response


async def without_cookie(
    request: Request, tool: LtiTool, began: LaunchState, token: str, form: dict[str, str]
) -> Response:
    """No state cookie came back: the browser kept none (the LMS's iframe, third-party
    cookies blocked) or this launch began elsewhere. With platform storage, the page
    asks it for the nonce kept at the login and, only when it matches, completes the
    launch (a same-origin post of a signed ticket); without, it offers to begin again
    in a new window, where the tool's cookies are first-party."""
    target = form.get("lti_storage_target") or began.login.get("lti_storage_target")
    platform = tool.registry.find(began.login.get("iss", ""), began.login.get("client_id"))
    if not target or platform is None:
        again = "/lti/login?" + urlencode(
            {k: v for k, v in began.login.items() if k != "lti_storage_target"}
        )
        context = {"title": "Open in a new window", "error": NOT_THIS_BROWSER, "again": again}
        return page(request, "lti_new_window.html", web_session(request), context, status=401)
    found = await checked(tool, token, began.nonce)
    ticket = tool.states.dumps(dataclasses.asdict(found), salt=TICKET_SALT)
    context = storage_context(target, platform.auth_login_url, began, "/lti/launch/storage")
    context["ticket"] = ticket
    return page(request, "lti_storage_check.html", web_session(request), context)


@router.post("/launch/storage", response_class=HTMLResponse)
async def launch_by_storage(request: Request, tool: Tool, svc: Svc) -> Response:
    """The end of a launch checked with platform storage: only our own page may post it."""
    expected = "{0.scheme}://{0.netloc}".format(urlsplit(tool.url(request, "/")))
    if request.headers.get("origin") != expected:
        raise ApiError(403, "wrong_origin", "this LTI launch is refused: not posted by this tool")
    form = await params_of(request)
    try:
        data = tool.states.loads(form.get("ticket", ""), salt=TICKET_SALT, max_age=TICKET_SECONDS)
    except BadSignature:
        raise ApiError(401, "expired", "this LTI launch is refused: it has expired") from None
    return await run_in_threadpool(start, request, tool, svc, launch_from_dict(data))


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
