"""The LMS's signing keys: RS256 keys with a ``kid``, rotation, the key set at /jwks, and
the signatures of the bad_signature and alg_confusion tampers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tests.integration.lms.recording import RequestLog


def new_key() -> tuple[rsa.RSAPrivateKey, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key, "lms-" + secrets.token_hex(6)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Keys(RequestLog):
    """Signs as the LMS with the newest key; /jwks lists the keys kept."""

    def __init__(self) -> None:
        super().__init__()
        self._keys = [new_key()]
        self._other_key: rsa.RSAPrivateKey | None = None

    @property
    def kid(self) -> str:
        return self._keys[-1][1]

    def jwks(self) -> dict[str, Any]:
        keys = []
        for private, kid in self._keys:
            jwk = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
            keys.append(jwk | {"kid": kid, "alg": "RS256", "use": "sig"})
        return {"keys": keys}

    def rotate_key(self, keep_old: bool = False) -> str:
        """Sign with a new key from now on; /jwks then lists it (and the old one when
        ``keep_old``). Returns the new kid."""
        with self._lock:
            self._keys = [*self._keys, new_key()] if keep_old else [new_key()]
        return self.kid

    def sign(self, claims: dict[str, Any], header: dict[str, Any] | None = None) -> str:
        """Sign as this LMS (RS256, current kid). ``header["alg"]`` "none" gives an unsigned
        token, "HS256" one MACed with the public key's PEM (the algorithm confusion attack)."""
        header = {"kid": self.kid, "alg": "RS256"} | (header or {})
        alg = header["alg"]
        if alg == "none":
            return jwt.encode(claims, None, algorithm="none", headers=header)
        if alg.startswith("HS"):
            return self._hmac_signed(claims, header)
        return jwt.encode(claims, self._keys[-1][0], algorithm=alg, headers=header)

    def bad_signature(self, claims: dict[str, Any], header: dict[str, Any]) -> str:
        """Tamper: signed by another key under the current kid."""
        if self._other_key is None:
            self._other_key = new_key()[0]
        return jwt.encode(
            claims, self._other_key, algorithm="RS256", headers={"kid": self.kid} | header
        )

    def alg_confusion(self, claims: dict[str, Any], header: dict[str, Any]) -> str:
        """Tamper: HS256 with the LMS public key (PEM) as the HMAC secret."""
        return self.sign(claims, header | {"alg": "HS256"})

    def _hmac_signed(self, claims: dict[str, Any], header: dict[str, Any]) -> str:
        secret = (
            self._keys[-1][0]
            .public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        digest = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{_b64(digest)}"

    async def _jwks_endpoint(self, request: Request) -> Response:
        record = await self._start(request, "jwks")
        return self._done(record, JSONResponse(self.jwks()), kids=[k for _, k in self._keys])
