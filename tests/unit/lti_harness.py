"""A fake LTI 1.3 platform for the lti unit tests: its own RSA keys (made once per test
session: RSA generation is slow), id_tokens signed with chosen claims and headers, forged
tokens for the attacks, and its JWKS served through an httpx.MockTransport that counts
the fetches. No sockets, no sleeping: time is the fixed NOW unless a test moves it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from lti import claims as c
from lti.keys import ToolKey, thumbprint
from lti.launch import KeySets
from lti.registry import Platform, Registry

ISSUER = "https://lms.example.edu"
CLIENT_ID = "mlgrader-client"
DEPLOYMENT_ID = "deployment-1"
JWKS_URL = ISSUER + "/api/lti/security/jwks"
TOKEN_URL = ISSUER + "/login/oauth2/token"
LOGIN_URL = ISSUER + "/api/lti/authorize_redirect"
TOOL_URL = "https://grader.example.org"
LINEITEMS = ISSUER + "/api/lti/courses/7/line_items"
LINEITEM = LINEITEMS + "/31"
MEMBERSHIPS = ISSUER + "/api/lti/courses/7/names_and_roles"
RETURN_URL = ISSUER + "/courses/7/deep_linking_response"
NOW = 1_750_000_000.0

INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


@cache
def rsa_key(name: str) -> rsa.RSAPrivateKey:
    """A 2048-bit key per name, made once per session."""
    del name
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem_of(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def kid_of(key: rsa.RSAPrivateKey) -> str:
    return thumbprint(key.public_key())


@cache
def tool_key() -> ToolKey:
    return ToolKey.from_pem(pem_of(rsa_key("tool")))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    """A token assembled by hand, as an attacker would (PyJWT refuses to make some)."""
    return ".".join(
        [b64(json.dumps(header).encode()), b64(json.dumps(claims).encode()), b64(signature)]
    )


def hs256_with_public_pem(claims: dict[str, Any], key: rsa.RSAPrivateKey, kid: str) -> str:
    """The classic confusion attack: HS256 with the platform's public key PEM as the
    HMAC secret, hoping the verifier feeds that PEM to HMAC."""
    header = {"alg": "HS256", "typ": "JWT", "kid": kid}
    signing_input = ".".join(
        [b64(json.dumps(header).encode()), b64(json.dumps(claims).encode())]
    ).encode()
    signature = hmac.new(public_pem(key), signing_input, hashlib.sha256).digest()
    return signing_input.decode() + "." + b64(signature)


def launch_claims(now: float = NOW, **changes: Any) -> dict[str, Any]:
    """Valid resource-link launch claims; a change whose value is None removes a claim."""
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": "user-42",
        "exp": int(now) + 300,
        "iat": int(now),
        "nonce": "nonce-1",
        "name": "Ada Lovelace",
        "email": "ada@example.edu",
        c.MESSAGE_TYPE: c.RESOURCE_LINK_REQUEST,
        c.VERSION: c.LTI_VERSION,
        c.DEPLOYMENT_ID: DEPLOYMENT_ID,
        c.TARGET_LINK_URI: TOOL_URL + "/lti/launch",
        c.RESOURCE_LINK: {"id": "link-9", "title": "Homework 2"},
        c.ROLES: [LEARNER],
        c.CONTEXT: {"id": "course-7", "label": "CS189", "title": "Machine Learning"},
        c.CUSTOM: {"assignment_id": "cs189_hw2"},
        c.AGS_ENDPOINT: {
            "scope": [c.SCOPE_LINEITEM, c.SCOPE_SCORE],
            "lineitems": LINEITEMS,
            "lineitem": LINEITEM,
        },
        c.NRPS_SERVICE: {"context_memberships_url": MEMBERSHIPS, "service_versions": ["2.0"]},
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def deep_linking_claims(now: float = NOW, **changes: Any) -> dict[str, Any]:
    settings = {
        "deep_link_return_url": RETURN_URL,
        "accept_types": ["ltiResourceLink"],
        "accept_presentation_document_targets": ["iframe", "window"],
        "data": "opaque-platform-data",
    }
    base = {
        c.MESSAGE_TYPE: c.DEEP_LINKING_REQUEST,
        c.RESOURCE_LINK: None,
        c.TARGET_LINK_URI: TOOL_URL + "/lti/deep-link",
        c.ROLES: [INSTRUCTOR],
        c.DL_SETTINGS: settings,
    }
    return launch_claims(now, **{**base, **changes})


@dataclass
class FakePlatform:
    """The platform side: the keys it publishes, the one it signs with, and a counter of
    the key set fetches its MockTransport served."""

    published: list[str] = field(default_factory=lambda: ["platform"])
    fetches: int = 0
    jwks_status: int = 200

    def jwks(self) -> dict[str, Any]:
        keys = []
        for name in self.published:
            jwk = RSAAlgorithm.to_jwk(rsa_key(name).public_key(), as_dict=True)
            keys.append({**jwk, "kid": kid_of(rsa_key(name)), "alg": "RS256", "use": "sig"})
        return {"keys": keys}

    def handler(self, request: httpx.Request) -> httpx.Response:
        if str(request.url) == JWKS_URL:
            self.fetches += 1
            return httpx.Response(self.jwks_status, json=self.jwks())
        return httpx.Response(404)

    def http(
        self, handler: Callable[[httpx.Request], httpx.Response] | None = None
    ) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(handler or self.handler))

    def keysets(self, clock: Callable[[], float] = lambda: NOW) -> KeySets:
        return KeySets(self.http(), clock=clock)

    def sign(
        self, claims: dict[str, Any], key: str = "platform", headers: dict[str, Any] | None = None
    ) -> str:
        """RS256 with a named key; the header's kid is that key's unless headers say
        (a header whose value is None is left out)."""
        header = {"kid": kid_of(rsa_key(key)), **(headers or {})}
        header = {k: v for k, v in header.items() if v is not None}
        return jwt.encode(claims, rsa_key(key), algorithm="RS256", headers=header)


def platform(**changes: Any) -> Platform:
    fields = {
        "issuer": ISSUER,
        "client_id": CLIENT_ID,
        "deployment_ids": [DEPLOYMENT_ID],
        "auth_login_url": LOGIN_URL,
        "auth_token_url": TOKEN_URL,
        "key_set_url": JWKS_URL,
        "name": "Example LMS",
    }
    return Platform(**{**fields, **changes})


def registry(*platforms: Platform) -> Registry:
    return Registry(platforms or (platform(),))
