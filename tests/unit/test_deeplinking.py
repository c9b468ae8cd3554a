"""lti/deeplinking.py: the content item of an assignment, and the signed
LtiDeepLinkingResponse, checked as the platform would check it (with the tool's JWKS)."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from jwt import PyJWKSet

from lti import claims as c
from lti.claims import launch_from_claims
from lti.deeplinking import resource_link_item, response_jwt
from tests.unit.lti_harness import (
    CLIENT_ID,
    DEPLOYMENT_ID,
    ISSUER,
    NOW,
    deep_linking_claims,
    launch_claims,
    tool_key,
)

ITEM = resource_link_item("Homework 2", "https://grader.example.org/lti/launch", "cs189_hw2", 40.0)


def as_platform_reads(token: str) -> dict[str, Any]:
    """Verify as the platform does: the tool's published key, aud = the platform."""
    key = PyJWKSet.from_dict(tool_key().jwks())[jwt.get_unverified_header(token)["kid"]]
    return jwt.decode(
        token,
        key,
        algorithms=["RS256"],
        audience=ISSUER,
        issuer=CLIENT_ID,
        options={"verify_exp": False, "verify_iat": False},
    )


def test_the_item_of_an_assignment() -> None:
    assert ITEM == {
        "type": "ltiResourceLink",
        "title": "Homework 2",
        "url": "https://grader.example.org/lti/launch",
        "custom": {"assignment_id": "cs189_hw2"},
        "lineItem": {"scoreMaximum": 40.0, "resourceId": "cs189_hw2", "label": "Homework 2"},
    }


def test_the_response_is_signed_by_the_tool_for_the_platform() -> None:
    launch = launch_from_claims(deep_linking_claims(), CLIENT_ID)
    claims = as_platform_reads(response_jwt(tool_key(), launch, [ITEM], NOW))
    assert claims["iss"] == CLIENT_ID
    assert claims["aud"] == ISSUER
    assert claims["iat"] == int(NOW)
    assert claims["exp"] == int(NOW) + 300
    assert isinstance(claims["nonce"], str) and len(claims["nonce"]) >= 16
    assert claims[c.MESSAGE_TYPE] == "LtiDeepLinkingResponse"
    assert claims[c.VERSION] == "1.3.0"
    assert claims[c.DEPLOYMENT_ID] == DEPLOYMENT_ID
    assert claims[c.DL_CONTENT_ITEMS] == [ITEM]
    assert claims[c.DL_DATA] == "opaque-platform-data"
    assert c.DL_MSG not in claims and c.DL_ERRORMSG not in claims


def test_each_response_has_its_own_nonce() -> None:
    launch = launch_from_claims(deep_linking_claims(), CLIENT_ID)
    nonces = {
        as_platform_reads(response_jwt(tool_key(), launch, [], NOW))["nonce"] for _ in range(3)
    }
    assert len(nonces) == 3


def test_no_data_is_echoed_when_the_platform_sent_none() -> None:
    settings = {"deep_link_return_url": "https://lms.example.edu/dl"}
    launch = launch_from_claims(deep_linking_claims(**{c.DL_SETTINGS: settings}), CLIENT_ID)
    claims = as_platform_reads(response_jwt(tool_key(), launch, [], NOW, message="Added"))
    assert c.DL_DATA not in claims
    assert claims[c.DL_CONTENT_ITEMS] == []
    assert claims[c.DL_MSG] == "Added"


def test_a_resource_link_launch_takes_no_response() -> None:
    launch = launch_from_claims(launch_claims(), CLIENT_ID)
    with pytest.raises(ValueError, match="LtiResourceLinkRequest"):
        response_jwt(tool_key(), launch, [ITEM], NOW)
