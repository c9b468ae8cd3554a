"""The tool's own RSA key: it signs deep-linking responses and the client assertions that
buy service tokens; platforms verify them with the public half (``jwks()``, served at the
tool's key set URL).

The key lives in one PEM file readable only by its owner. It is made on first use; when
several processes start at once each writes a complete private temp file and hard-links it
into place, so exactly one key wins and nobody reads a half-written file.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

KEY_FILE = "lti-tool-key.pem"
ALGORITHM = "RS256"


@dataclass(frozen=True)
class ToolKey:
    private_pem: bytes
    kid: str  # RFC 7638 thumbprint of the public key: changes exactly when the key does

    @classmethod
    def load_or_create(cls, folder: Path) -> ToolKey:
        """The key of ``<folder>/lti-tool-key.pem``, made (RSA 2048, mode 0600) if absent."""
        path = folder / KEY_FILE
        if not path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            _create(path)
        try:
            return cls.from_pem(path.read_bytes())
        except ValueError as e:
            raise ValueError(f"{path}: not an RSA private key in PEM: {e}") from e

    @classmethod
    def from_pem(cls, private_pem: bytes) -> ToolKey:
        """The key of a PEM text (PKCS#8 or traditional), its kid computed."""
        key = serialization.load_pem_private_key(private_pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError(f"expected an RSA key, found {type(key).__name__}")
        return cls(private_pem, thumbprint(key.public_key()))

    @cached_property
    def _private_key(self) -> rsa.RSAPrivateKey:
        key = serialization.load_pem_private_key(self.private_pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError(f"expected an RSA key, found {type(key).__name__}")
        return key

    def public_jwk(self) -> dict[str, Any]:
        """The public key as one JWK, with kid, alg and use."""
        jwk = _rsa_members(self._private_key.public_key())
        return {**jwk, "kid": self.kid, "alg": ALGORITHM, "use": "sig"}

    def jwks(self) -> dict[str, Any]:
        """The public key set to publish: {"keys": [one JWK]}."""
        return {"keys": [self.public_jwk()]}

    def sign(self, claims: dict[str, Any]) -> str:
        """A JWT of these claims, RS256, the header naming this key's kid."""
        return jwt.encode(claims, self._private_key, algorithm=ALGORITHM, headers={"kid": self.kid})


def thumbprint(public_key: rsa.RSAPublicKey) -> str:
    """RFC 7638: SHA-256 of the required members (e, kty, n) as compact JSON in
    lexicographic order, base64url without padding."""
    members = _rsa_members(public_key)
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    digest = hashlib.sha256(canonical).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _rsa_members(public_key: rsa.RSAPublicKey) -> dict[str, str]:
    jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    return {"kty": jwk["kty"], "n": jwk["n"], "e": jwk["e"]}


def _create(path: Path) -> None:
    """Write a new key to ``path`` unless another process gets there first."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    temp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(FileExistsError):  # another process won: its key is it
            os.link(temp, path)
    finally:
        temp.unlink(missing_ok=True)
