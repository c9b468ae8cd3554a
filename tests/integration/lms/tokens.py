"""id_tokens: the claims of a launch, their signing, and the tampers a test can apply to
the next one (``LmsEmulator.next_token_tamper``)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.integration.lms.course import Course
from tests.integration.lms.keys import Keys
from tests.integration.lms.vocabulary import (
    AGS_CLAIM,
    DEEP_LINKING_REQUEST,
    DL,
    LTI,
    NRPS_CLAIM,
    RESOURCE_LINK_REQUEST,
    SCOPE_LINEITEM,
    SCOPE_RESULT_READONLY,
    SCOPE_SCORE,
)

# Short names accepted by with_claims() and id_token(**overrides) for the long claim URIs.
SHORT_CLAIMS = {
    name: LTI + name
    for name in (
        "message_type",
        "version",
        "deployment_id",
        "target_link_uri",
        "resource_link",
        "roles",
        "context",
        "custom",
        "lis",
        "launch_presentation",
        "tool_platform",
    )
} | {"ags": AGS_CLAIM, "nrps": NRPS_CLAIM, "deep_linking_settings": DL + "deep_linking_settings"}

TOKEN_LIFETIME = 300  # id_token: exp = iat + 5 min

# A tamper gets the claims and the JOSE header of the next id_token (mutable, before
# signing). It returns None to have them signed as they are now, or the token to send.
Tamper = Callable[[dict[str, Any], dict[str, Any]], "str | None"]


@dataclass(frozen=True)
class IssuedToken:
    """An id_token /auth answered with, and the form_post that carried it (for replays)."""

    token: str
    claims: dict[str, Any]
    header: dict[str, Any]
    launch_id: str
    state: str | None
    redirect_uri: str


# Ready-made tampers (see LmsEmulator.next_token_tamper); bad_signature, alg_confusion and
# replay are methods of LmsEmulator because they need its keys or its history.


def with_claims(**overrides: Any) -> Tamper:
    """Set claims (short names of SHORT_CLAIMS or plain names); None removes one."""

    def tamper(claims: dict[str, Any], header: dict[str, Any]) -> None:
        _override(claims, overrides)

    return tamper


def alg_none(claims: dict[str, Any], header: dict[str, Any]) -> None:
    header["alg"] = "none"


def expired(claims: dict[str, Any], header: dict[str, Any]) -> None:
    claims["iat"] -= 3600
    claims["exp"] = claims["iat"] + TOKEN_LIFETIME


def not_yet_valid(claims: dict[str, Any], header: dict[str, Any]) -> None:
    claims["iat"] += 3600
    claims["exp"] = claims["iat"] + TOKEN_LIFETIME


def wrong_issuer(claims: dict[str, Any], header: dict[str, Any]) -> None:
    claims["iss"] = "https://another-lms.invalid"


def wrong_audience(claims: dict[str, Any], header: dict[str, Any]) -> None:
    claims["aud"] = "another-tool"
    claims["azp"] = "another-tool"


def unknown_deployment(claims: dict[str, Any], header: dict[str, Any]) -> None:
    claims[LTI + "deployment_id"] = "unknown-deployment"


def _override(claims: dict[str, Any], overrides: dict[str, Any]) -> None:
    for name, value in overrides.items():
        key = SHORT_CLAIMS.get(name, name)
        if value is None:
            claims.pop(key, None)
        else:
            claims[key] = value


class Tokens(Keys, Course):
    """Builds and signs id_tokens; ``id_tokens`` lists those /auth answered with, and the
    deep_linking_settings ``data`` values handed out are remembered for the return."""

    def __init__(self) -> None:
        super().__init__()
        self.id_tokens: list[IssuedToken] = []
        self.next_token_tamper: Tamper | None = None
        self._dl_data: set[str] = set()

    def replay(self, index: int = -1) -> Tamper:
        """Tamper: answer with an id_token issued before (``id_tokens[index]``)."""

        def tamper(claims: dict[str, Any], header: dict[str, Any]) -> str:
            return self.id_tokens[index].token

        return tamper

    def claims(
        self,
        user_sub: str,
        resource_link_id: str | None,
        nonce: str,
        *,
        message_type: str = RESOURCE_LINK_REQUEST,
        deployment_id: str | None = None,
        target_link_uri: str | None = None,
        deep_link_data: str | None = None,
    ) -> dict[str, Any]:
        """The id_token claims of a launch of this user (unsigned)."""
        if message_type != DEEP_LINKING_REQUEST and resource_link_id not in self.resource_links:
            raise KeyError(f"no resource link {resource_link_id!r}: add_resource_link() first")
        claims = self._user_claims(user_sub, nonce, message_type, deployment_id, target_link_uri)
        ags: dict[str, Any] = {
            "scope": [SCOPE_LINEITEM, SCOPE_RESULT_READONLY, SCOPE_SCORE],
            "lineitems": self.lineitems_url,
        }
        if message_type == DEEP_LINKING_REQUEST:
            claims[LTI + "custom"] = {}
            claims[DL + "deep_linking_settings"] = self._deep_linking_settings(deep_link_data)
        else:
            link = self.resource_links[resource_link_id or ""]
            claims[LTI + "resource_link"] = {"id": link["id"], "title": link["title"]}
            claims[LTI + "custom"] = dict(link["custom"])
            item = self.lineitem_for(link["id"])
            if item is not None:
                ags["lineitem"] = item["id"]
        claims[AGS_CLAIM] = ags
        return claims

    def id_token(
        self,
        user_sub: str,
        resource_link_id: str | None,
        nonce: str,
        *,
        message_type: str = RESOURCE_LINK_REQUEST,
        deep_link_data: str | None = None,
        header: dict[str, Any] | None = None,
        tamper: Tamper | None = None,
        **overrides: Any,
    ) -> str:
        """A signed id_token, for tests that post to /lti/launch themselves. ``overrides``:
        claims by short name (deployment_id=..., exp=..., aud=..., custom=...) or plain
        name; None removes the claim. ``header``: extra JOSE header fields."""
        claims = self.claims(
            user_sub,
            resource_link_id,
            nonce,
            message_type=message_type,
            deep_link_data=deep_link_data,
        )
        _override(claims, overrides)
        return self._signed(claims, {"kid": self.kid, "alg": "RS256"} | (header or {}), tamper)

    def _user_claims(
        self,
        user_sub: str,
        nonce: str,
        message_type: str,
        deployment_id: str | None,
        target_link_uri: str | None,
    ) -> dict[str, Any]:
        """The claims every launch of this user has, whatever its message type."""
        user = self.users[user_sub]
        now = int(self.clock())
        return {
            "iss": self.issuer,
            "aud": self.client_id,
            "azp": self.client_id,
            "sub": user_sub,
            "exp": now + TOKEN_LIFETIME,
            "iat": now,
            "nonce": nonce,
            "name": user["name"],
            "email": user["email"],
            LTI + "message_type": message_type,
            LTI + "version": "1.3.0",
            LTI + "deployment_id": deployment_id or self.deployment_ids[0],
            LTI + "target_link_uri": target_link_uri or self.redirect_uri,
            LTI + "roles": list(user["roles"]),
            LTI + "context": dict(self.context),
            LTI + "tool_platform": {
                "guid": self.issuer,
                "name": "LMS emulator",
                "product_family_code": "lms-emulator",
            },
            LTI + "launch_presentation": {"document_target": "iframe", "locale": "en"},
            NRPS_CLAIM: {
                "context_memberships_url": self.memberships_url,
                "service_versions": ["2.0"],
            },
        }

    def _deep_linking_settings(self, deep_link_data: str | None) -> dict[str, Any]:
        data = deep_link_data or "dl-" + secrets.token_urlsafe(9)
        self._dl_data.add(data)
        return {
            "deep_link_return_url": self.deep_link_return_url,
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": True,
            "auto_create": True,
            "data": data,
        }

    def _signed(self, claims: dict[str, Any], header: dict[str, Any], tamper: Tamper | None) -> str:
        """Sign ``claims`` with ``header`` after ``tamper`` (which may change both in place)."""
        if tamper is not None:
            replaced = tamper(claims, header)
            if replaced is not None:
                return replaced
        return self.sign(claims, header)
