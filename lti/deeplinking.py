"""Deep linking 2.0: the answer to an LtiDeepLinkingRequest. An instructor picks
assignments in the tool; the tool posts a signed LtiDeepLinkingResponse (a form field
named JWT) to the launch's deep_link_return_url and the platform makes one link, with a
gradebook column, per item."""

from __future__ import annotations

import secrets
from typing import Any

from lti.claims import (
    DEEP_LINKING_RESPONSE,
    DEPLOYMENT_ID,
    DL_CONTENT_ITEMS,
    DL_DATA,
    DL_ERRORMSG,
    DL_MSG,
    LTI_VERSION,
    MESSAGE_TYPE,
    VERSION,
    Launch,
)
from lti.keys import ToolKey

LIFETIME = 300  # seconds: the platform receives the response right after we sign it


def resource_link_item(title: str, url: str, assignment_id: str, points: float) -> dict:
    """A content item that launches one assignment, with a line item so the platform makes
    its gradebook column (the custom assignment_id comes back in each launch of it)."""
    return {
        "type": "ltiResourceLink",
        "title": title,
        "url": url,
        "custom": {"assignment_id": assignment_id},
        "lineItem": {"scoreMaximum": points, "resourceId": assignment_id, "label": title},
    }


def response_jwt(
    key: ToolKey,
    launch: Launch,
    items: list[dict],
    now: float,
    message: str | None = None,
    error: str | None = None,
) -> str:
    """The signed LtiDeepLinkingResponse for a deep-linking launch: iss is our client_id,
    aud the platform; ``data`` is echoed as the platform asked. message and error are
    optional texts the platform may show (msg, errormsg)."""
    if not launch.is_deep_linking:
        raise ValueError(f"a {launch.message_type} launch takes no deep-linking response")
    claims: dict[str, Any] = {
        "iss": launch.client_id,
        "aud": launch.issuer,
        "iat": int(now),
        "exp": int(now) + LIFETIME,
        "nonce": secrets.token_urlsafe(16),
        MESSAGE_TYPE: DEEP_LINKING_RESPONSE,
        VERSION: LTI_VERSION,
        DEPLOYMENT_ID: launch.deployment_id,
        DL_CONTENT_ITEMS: items,
    }
    if launch.deep_link_data is not None:
        claims[DL_DATA] = launch.deep_link_data
    if message is not None:
        claims[DL_MSG] = message
    if error is not None:
        claims[DL_ERRORMSG] = error
    return key.sign(claims)
