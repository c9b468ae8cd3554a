"""OAuth2 client credentials with a JWT client assertion (RFC 7523) at ``/token``: the
assertions (and any JWT the tool signs) are checked against the tool's key set
``{tool_url}/lti/jwks``; the access tokens issued guard the services."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tests.integration.lms.recording import Refused, RequestLog
from tests.integration.lms.vocabulary import ALL_SCOPES, ASSERTION_TYPE


@dataclass
class Grant:
    scopes: frozenset[str]
    expires: float


class OAuth(RequestLog):
    """``/token``; ``allowed_scopes`` and ``access_token_lifetime`` may be set any time."""

    def __init__(self) -> None:
        super().__init__()
        self.allowed_scopes: set[str] = set(ALL_SCOPES)
        self.access_token_lifetime = 3600
        self._grants: dict[str, Grant] = {}
        self._seen_jti: set[str] = set()

    def revoke_tokens(self) -> None:
        """Forget every access token issued (services then answer 401)."""
        with self._lock:
            self._grants.clear()

    async def _token_endpoint(self, request: Request) -> Response:
        record = await self._start(request, "token")
        form = record.body if isinstance(record.body, dict) else {}
        try:
            scopes, claims = await self._grant(form)
        except Refused as error:
            return self._refuse(record, error)
        access_token = secrets.token_urlsafe(24)
        with self._lock:
            self._grants[access_token] = Grant(
                frozenset(scopes), self.clock() + self.access_token_lifetime
            )
        body = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": self.access_token_lifetime,
            "scope": " ".join(scopes),
        }
        return self._done(
            record, JSONResponse(body), scopes=scopes, claims=claims, access_token=access_token
        )

    async def _grant(self, form: dict[str, str]) -> tuple[list[str], dict[str, Any]]:
        if form.get("grant_type") != "client_credentials":
            raise Refused(400, "unsupported_grant_type", "grant_type must be client_credentials")
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise Refused(400, "invalid_request", "client_assertion_type must be jwt-bearer")
        claims = await self._tool_jwt(
            form.get("client_assertion", ""), self.token_url, ["exp", "iat", "sub", "jti"]
        )
        if claims["sub"] != self.client_id:
            raise Refused(401, "invalid_client", "sub is not the client_id")
        with self._lock:
            if claims["jti"] in self._seen_jti:
                raise Refused(401, "invalid_client", "client assertion replayed (jti seen)")
            self._seen_jti.add(claims["jti"])
        scopes = form.get("scope", "").split()
        unknown = [s for s in scopes if s not in self.allowed_scopes]
        if not scopes or unknown:
            raise Refused(400, "invalid_scope", f"scopes not granted: {unknown or 'none asked'}")
        return scopes, claims

    def _check_bearer(self, request: Request, *scopes: str) -> None:
        kind, _, token = request.headers.get("authorization", "").partition(" ")
        if kind.lower() != "bearer" or not token:
            raise Refused(401, "invalid_token", "no bearer access token")
        grant = self._grants.get(token.strip())
        if grant is None or grant.expires <= self.clock():
            raise Refused(401, "invalid_token", "unknown or expired access token")
        if not grant.scopes & set(scopes):
            raise Refused(403, "insufficient_scope", f"the token has none of {sorted(scopes)}")

    async def _tool_jwt(self, token: str, audience: str, require: list[str]) -> dict[str, Any]:
        """Claims of a JWT signed by the tool (RS256, its key set), issued by client_id."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise Refused(401, "invalid_client", f"not a JWT: {error}") from None
        if header.get("alg") != "RS256":
            raise Refused(401, "invalid_client", f"alg {header.get('alg')!r} is not RS256")
        key = await self._tool_key(header.get("kid"))
        try:
            return jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=audience,
                issuer=self.client_id,
                options={"require": require},
            )
        except jwt.PyJWTError as error:
            raise Refused(401, "invalid_client", f"{type(error).__name__}: {error}") from None

    async def _tool_key(self, kid: Any) -> jwt.PyJWK:
        """The key ``kid`` of the tool's key set, fetched now (its only key if no kid)."""
        try:
            async with httpx.AsyncClient(timeout=10, trust_env=False) as client:
                answer = await client.get(self.tool_jwks_url)
            answer.raise_for_status()
            keys = jwt.PyJWKSet.from_dict(answer.json()).keys
        except (httpx.HTTPError, ValueError, jwt.PyJWTError) as error:
            raise Refused(401, "invalid_client", f"the tool's key set: {error}") from None
        key = next((k for k in keys if k.key_id == kid or (kid is None and len(keys) == 1)), None)
        if key is None:
            raise Refused(401, "invalid_client", f"no key {kid!r} in the tool's key set")
        return key
