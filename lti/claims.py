"""What a launch says: the LTI claim names, and ``Launch``, the fields of a verified id_token
that the rest of the service uses.

``launch_from_claims`` trusts its input: it is called by ``lti.launch.validate`` after the
signature, issuer, audience, times and deployment were checked. ``LaunchError`` is defined
here (not in lti/launch.py, which imports this module) and re-exported by lti.launch.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE = LTI + "message_type"
VERSION = LTI + "version"
DEPLOYMENT_ID = LTI + "deployment_id"
TARGET_LINK_URI = LTI + "target_link_uri"
RESOURCE_LINK = LTI + "resource_link"
ROLES = LTI + "roles"
CONTEXT = LTI + "context"
CUSTOM = LTI + "custom"
LIS = LTI + "lis"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_SERVICE = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
DL_SETTINGS = DL + "deep_linking_settings"
DL_CONTENT_ITEMS = DL + "content_items"
DL_DATA = DL + "data"
DL_MSG = DL + "msg"
DL_ERRORMSG = DL + "errormsg"

LTI_VERSION = "1.3.0"
RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
DEEP_LINKING_RESPONSE = "LtiDeepLinkingResponse"
MESSAGE_TYPES = (RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST)

AGS_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/"
SCOPE_LINEITEM = AGS_SCOPE + "lineitem"
SCOPE_LINEITEM_READONLY = AGS_SCOPE + "lineitem.readonly"
SCOPE_RESULT_READONLY = AGS_SCOPE + "result.readonly"
SCOPE_SCORE = AGS_SCOPE + "score"
SCOPE_MEMBERSHIPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"

LIS_VOCABULARY = "http://purl.imsglobal.org/vocab/lis/v2/"
INSTRUCTOR = "instructor"
STUDENT = "student"
# Principal roles (context, institution or system) that may set up and see grading.
TEACHING_ROLES = frozenset({"Instructor", "TeachingAssistant", "Administrator"})


class LaunchError(Exception):
    """A launch this tool refuses. ``code`` is for programs (bad_signature, bad_algorithm,
    unknown_issuer, wrong_audience, expired, not_yet_valid, replayed_nonce, wrong_state,
    unknown_deployment, bad_message, missing_claim, unknown_key); the message is for people
    and names the reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Launch:
    """A verified launch. Texts for people (name, email, titles) are "" when the platform
    did not send them; identifiers and URLs are None."""

    issuer: str
    client_id: str
    deployment_id: str
    subject: str
    name: str
    email: str
    roles: tuple[str, ...]
    message_type: str
    target_link_uri: str
    resource_link_id: str | None
    resource_link_title: str
    context_id: str | None
    context_title: str
    custom: dict[str, str] = field(hash=False)
    lineitem: str | None
    lineitems: str | None
    ags_scopes: tuple[str, ...]
    memberships_url: str | None
    deep_link_return_url: str | None
    deep_link_data: str | None

    @property
    def role(self) -> str:
        """ "instructor" when any role is a teaching one, else "student"."""
        return INSTRUCTOR if any(is_teaching(r) for r in self.roles) else STUDENT

    @property
    def person_key(self) -> str:
        """A short id of (issuer, subject), stable across launches: the store's person."""
        pair = json.dumps([self.issuer, self.subject]).encode()
        return "lti-" + hashlib.sha256(pair).hexdigest()[:16]

    @property
    def is_deep_linking(self) -> bool:
        return self.message_type == DEEP_LINKING_REQUEST


def principal_role(role: str) -> str | None:
    """The principal role a role URI names: ``...membership#Instructor`` -> Instructor,
    the sub-role ``...membership/Instructor#TeachingAssistant`` -> Instructor (a sub-role
    belongs to its principal: ``membership/Learner#Instructor`` is a Learner), the short
    context form ``Instructor`` -> Instructor. None for URIs outside the LIS vocabulary."""
    if "/" not in role and ":" not in role:
        return role or None
    if not role.startswith(LIS_VOCABULARY) or "#" not in role:
        return None
    path, name = role[len(LIS_VOCABULARY) :].split("#", 1)
    parts = path.split("/")
    if len(parts) == 2 and parts[0] == "membership":  # membership/<Principal>#<sub-role>
        return parts[1]
    return name


def is_teaching(role: str) -> bool:
    return principal_role(role) in TEACHING_ROLES


def launch_from_claims(claims: dict[str, Any], client_id: str) -> Launch:
    """The Launch of verified id_token claims; LaunchError for a wrong version or message
    type (bad_message) or a claim the message type requires (missing_claim)."""
    message_type = claims.get(MESSAGE_TYPE)
    _check_kind(claims.get(VERSION), message_type)
    link = _mapping(claims, RESOURCE_LINK)
    context = _mapping(claims, CONTEXT)
    ags = _mapping(claims, AGS_ENDPOINT)
    settings = _mapping(claims, DL_SETTINGS)
    if message_type == RESOURCE_LINK_REQUEST:
        _require(link.get("id"), RESOURCE_LINK + " id")
        _require(claims.get(TARGET_LINK_URI), TARGET_LINK_URI)
    else:
        _require(settings.get("deep_link_return_url"), DL_SETTINGS + " deep_link_return_url")
    return Launch(
        issuer=_require(claims.get("iss"), "iss"),
        client_id=client_id,
        deployment_id=_require(claims.get(DEPLOYMENT_ID), DEPLOYMENT_ID),
        subject=_require(claims.get("sub"), "sub"),
        name=_text(claims.get("name")) or _full_name(claims),
        email=_text(claims.get("email")),
        roles=_strings(claims, ROLES),
        message_type=message_type,
        target_link_uri=_text(claims.get(TARGET_LINK_URI)),
        resource_link_id=_optional(link.get("id")),
        resource_link_title=_text(link.get("title")),
        context_id=_optional(context.get("id")),
        context_title=_text(context.get("title")),
        custom=_custom(claims),
        lineitem=_optional(ags.get("lineitem")),
        lineitems=_optional(ags.get("lineitems")),
        ags_scopes=_strings(ags, "scope"),
        memberships_url=_optional(_mapping(claims, NRPS_SERVICE).get("context_memberships_url")),
        deep_link_return_url=_optional(settings.get("deep_link_return_url")),
        deep_link_data=_optional(settings.get("data")),
    )


def _check_kind(version: object, message_type: object) -> None:
    if version != LTI_VERSION:
        raise LaunchError("bad_message", f"LTI version {version!r} is not {LTI_VERSION}")
    if message_type not in MESSAGE_TYPES:
        raise LaunchError(
            "bad_message",
            f"message type {message_type!r} is not one this "
            f"tool handles ({', '.join(MESSAGE_TYPES)})",
        )


def _require(value: object, name: str) -> str:
    if value is None or value == "":
        raise LaunchError("missing_claim", f"the launch has no {name} claim")
    if not isinstance(value, str):
        raise LaunchError("bad_message", f"the {name} claim is not a string")
    return value


def _mapping(claims: dict[str, Any], name: str) -> dict[str, Any]:
    value = claims.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise LaunchError("bad_message", f"the {name} claim is not an object")
    return value


def _strings(claims: dict[str, Any], name: str) -> tuple[str, ...]:
    value = claims.get(name)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LaunchError("bad_message", f"the {name} claim is not a list of strings")
    return tuple(value)


def _custom(claims: dict[str, Any]) -> dict[str, str]:
    """Custom parameters; LTI sends strings, a number or boolean is kept as its text."""
    custom = _mapping(claims, CUSTOM)
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in custom.items()}


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _optional(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _full_name(claims: dict[str, Any]) -> str:
    parts = (_text(claims.get(k)) for k in ("given_name", "family_name"))
    return " ".join(p for p in parts if p)
