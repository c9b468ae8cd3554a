"""lti/claims.py: the claim names, the role of a launch, the person key, and the Launch
made from verified claims (refused when a required claim is missing or the kind is
wrong)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from lti import claims as c
from lti.claims import Launch, LaunchError, launch_from_claims
from tests.unit.lti_harness import (
    CLIENT_ID,
    DEPLOYMENT_ID,
    ISSUER,
    LINEITEM,
    LINEITEMS,
    MEMBERSHIPS,
    RETURN_URL,
    deep_linking_claims,
    launch_claims,
)

V2 = "http://purl.imsglobal.org/vocab/lis/v2/"


def launch_with_roles(*roles: str) -> Launch:
    return launch_from_claims(launch_claims(**{c.ROLES: list(roles)}), CLIENT_ID)


@pytest.mark.parametrize(
    ("roles", "role"),
    [
        ([V2 + "membership#Instructor"], "instructor"),
        ([V2 + "membership#TeachingAssistant"], "instructor"),
        ([V2 + "membership/Instructor#TeachingAssistant"], "instructor"),
        ([V2 + "membership/Instructor#Grader"], "instructor"),
        ([V2 + "membership#Administrator"], "instructor"),
        ([V2 + "institution/person#Administrator"], "instructor"),
        ([V2 + "institution/person#Instructor"], "instructor"),
        ([V2 + "system/person#Administrator"], "instructor"),
        (["Instructor"], "instructor"),  # the short context form the core spec allows
        ([V2 + "membership#Learner", V2 + "membership#Instructor"], "instructor"),
        ([V2 + "membership#Learner"], "student"),
        ([V2 + "membership#Mentor"], "student"),
        ([V2 + "institution/person#Student"], "student"),
        ([V2 + "membership/Learner#Instructor"], "student"),  # a Learner sub-role
        (["Learner"], "student"),
        (["http://evil.example/roles#Instructor"], "student"),  # not the LIS vocabulary
        ([V2 + "membership#ContentDeveloper"], "student"),
        ([], "student"),
    ],
)
def test_the_role_of_a_launch(roles: list[str], role: str) -> None:
    assert launch_with_roles(*roles).role == role


def test_a_resource_link_launch_has_every_field() -> None:
    launch = launch_from_claims(launch_claims(), CLIENT_ID)
    assert launch == Launch(
        issuer=ISSUER,
        client_id=CLIENT_ID,
        deployment_id=DEPLOYMENT_ID,
        subject="user-42",
        name="Ada Lovelace",
        email="ada@example.edu",
        roles=(V2 + "membership#Learner",),
        message_type="LtiResourceLinkRequest",
        target_link_uri="https://grader.example.org/lti/launch",
        resource_link_id="link-9",
        resource_link_title="Homework 2",
        context_id="course-7",
        context_title="Machine Learning",
        custom={"assignment_id": "cs189_hw2"},
        lineitem=LINEITEM,
        lineitems=LINEITEMS,
        ags_scopes=(c.SCOPE_LINEITEM, c.SCOPE_SCORE),
        memberships_url=MEMBERSHIPS,
        deep_link_return_url=None,
        deep_link_data=None,
    )
    assert not launch.is_deep_linking


def test_a_deep_linking_launch() -> None:
    launch = launch_from_claims(deep_linking_claims(), CLIENT_ID)
    assert launch.message_type == "LtiDeepLinkingRequest"
    assert launch.is_deep_linking
    assert launch.deep_link_return_url == RETURN_URL
    assert launch.deep_link_data == "opaque-platform-data"
    assert launch.resource_link_id is None
    assert launch.role == "instructor"


def test_optional_claims_absent() -> None:
    claims = launch_claims(
        name=None,
        email=None,
        given_name="Ada",
        family_name="King",
        **{
            c.CONTEXT: None,
            c.CUSTOM: None,
            c.AGS_ENDPOINT: None,
            c.NRPS_SERVICE: None,
            c.ROLES: None,
        },
    )
    launch = launch_from_claims(claims, CLIENT_ID)
    assert launch.name == "Ada King"  # from given and family name
    assert launch.email == ""
    assert (launch.context_id, launch.context_title) == (None, "")
    assert launch.custom == {}
    assert (launch.lineitem, launch.lineitems, launch.ags_scopes) == (None, None, ())
    assert launch.memberships_url is None
    assert launch.roles == ()
    assert launch.role == "student"


def test_custom_values_are_texts() -> None:
    claims = launch_claims(**{c.CUSTOM: {"assignment_id": "a1", "late": True, "points": 10}})
    assert launch_from_claims(claims, CLIENT_ID).custom == {
        "assignment_id": "a1",
        "late": "true",
        "points": "10",
    }


def test_the_person_key_is_short_stable_and_per_issuer() -> None:
    one = launch_from_claims(launch_claims(), CLIENT_ID)
    again = launch_from_claims(launch_claims(nonce="other"), CLIENT_ID)
    assert re.fullmatch(r"lti-[0-9a-f]{16}", one.person_key)
    assert one.person_key == again.person_key
    other_issuer = launch_from_claims(launch_claims(iss="https://other.example"), CLIENT_ID)
    other_user = launch_from_claims(launch_claims(sub="user-43"), CLIENT_ID)
    assert len({one.person_key, other_issuer.person_key, other_user.person_key}) == 3


@pytest.mark.parametrize(
    ("claims", "code", "words"),
    [
        (launch_claims(sub=None), "missing_claim", "sub"),
        (launch_claims(**{c.DEPLOYMENT_ID: None}), "missing_claim", "deployment_id"),
        (launch_claims(**{c.RESOURCE_LINK: None}), "missing_claim", "resource_link"),
        (launch_claims(**{c.RESOURCE_LINK: {"title": "no id"}}), "missing_claim", "resource_link"),
        (launch_claims(**{c.TARGET_LINK_URI: None}), "missing_claim", "target_link_uri"),
        (
            deep_linking_claims(**{c.DL_SETTINGS: {"accept_types": ["ltiResourceLink"]}}),
            "missing_claim",
            "deep_link_return_url",
        ),
        (launch_claims(**{c.VERSION: "1.1"}), "bad_message", "version"),
        (launch_claims(**{c.VERSION: None}), "bad_message", "version"),
        (
            launch_claims(**{c.MESSAGE_TYPE: "LtiSubmissionReviewRequest"}),
            "bad_message",
            "message type",
        ),
        (launch_claims(**{c.MESSAGE_TYPE: None}), "bad_message", "message type"),
        (launch_claims(**{c.ROLES: "Instructor"}), "bad_message", "roles"),
        (launch_claims(**{c.CONTEXT: "course-7"}), "bad_message", "context"),
        (launch_claims(sub=42), "bad_message", "sub"),
    ],
    ids=[
        "sub",
        "deployment",
        "resource-link",
        "resource-link-id",
        "target-link-uri",
        "return-url",
        "version",
        "no-version",
        "message-type",
        "no-message-type",
        "roles-not-a-list",
        "context-not-an-object",
        "sub-not-a-string",
    ],
)
def test_a_bad_launch_is_refused(claims: dict[str, Any], code: str, words: str) -> None:
    with pytest.raises(LaunchError) as caught:
        launch_from_claims(claims, CLIENT_ID)
    assert caught.value.code == code
    assert words in str(caught.value)


def test_claim_names_are_the_ims_ones() -> None:
    assert c.MESSAGE_TYPE == "https://purl.imsglobal.org/spec/lti/claim/message_type"
    assert c.DEPLOYMENT_ID == "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
    assert c.AGS_ENDPOINT == "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
    assert c.NRPS_SERVICE == "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
    assert c.DL_SETTINGS == ("https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings")
    assert c.DL_CONTENT_ITEMS == "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
