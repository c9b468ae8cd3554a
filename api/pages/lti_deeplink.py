"""LTI Deep Linking 2.0: an instructor adding the tool in the LMS picks an assignment.

The deep-linking launch (api/pages/lti_launch.py) lands on a page listing the
assignments; the chosen one goes back to the LMS as a signed LtiDeepLinkingResponse
with one ltiResourceLink: its custom parameter names the assignment, and its
lineItem (scoreMaximum = the assignment's points, resourceId = its id) makes the
gradebook column. The launch's settings ride in a signed ticket in the form (one
hour), so nothing waits in the store for an instructor who never picks.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from itsdangerous import BadSignature

from api.auth import User
from api.errors import ApiError
from api.pages.access import PageInstructor, Session, checked_form, sessions_of
from api.pages.lti_tool import LtiTool, launch_from_dict, lti_tool
from api.pages.rendering import page
from api.pages.session import signed_in
from api.services import Services, services
from lti.claims import Launch
from lti.deeplinking import resource_link_item, response_jwt

router = APIRouter(prefix="/lti", include_in_schema=False)
Tool = Annotated[LtiTool, Depends(lti_tool)]
Svc = Annotated[Services, Depends(services)]
TICKET_SECONDS = 3600
TICKET_SALT = "mlgrader.lti-deep-link"


def choices(svc: Services) -> list[dict[str, Any]]:
    found = []
    for assignment_id in svc.assignments.ids():
        try:
            spec = svc.assignments.spec(assignment_id)
        except ApiError:
            continue
        found.append({"id": assignment_id, "title": spec.title, "points": spec.max_score})
    return found


def picker(request: Request, tool: LtiTool, svc: Services, found: Launch, user: User) -> Response:
    """The page where the instructor picks; their session starts with it."""
    session = signed_in(user)
    ticket = tool.states.dumps(dataclasses.asdict(found), salt=TICKET_SALT)
    context = {"title": "Add an assignment", "ticket": ticket, "choices": choices(svc)}
    response = page(request, "deep_link.html", session, context)
    sessions_of(request).write(request, response, session, embedded=True)
    return response


def launch_of(tool: LtiTool, ticket: str) -> Launch:
    try:
        data = tool.states.loads(ticket, salt=TICKET_SALT, max_age=TICKET_SECONDS)
    except BadSignature:
        raise ApiError(
            400, "expired", "this choice has expired: add the tool again from the LMS"
        ) from None
    return launch_from_dict(data)


@router.post("/deep-link", response_class=HTMLResponse)
async def chosen(
    request: Request, session: Session, user: PageInstructor, tool: Tool, svc: Svc
) -> Response:
    form = await checked_form(request, session)
    found = launch_of(tool, form.get("ticket", ""))
    if not found.deep_link_return_url:
        raise ApiError(400, "bad_launch", "the LMS gave no deep-linking return address")
    assignment_id = form.get("assignment_id", "")
    spec = svc.assignments.spec(assignment_id)
    item = resource_link_item(
        spec.title, tool.url(request, "/lti/launch"), assignment_id, spec.max_score
    )
    token = response_jwt(tool.key, found, [item], time.time())
    context = {"title": "Back to the LMS", "return_url": found.deep_link_return_url, "jwt": token}
    return page(request, "deep_link_return.html", session, context)
