"""lti/keys.py: the tool key is made once (mode 0600) and reused, its kid is the RFC 7638
thumbprint, and its published key set verifies what it signs."""

from __future__ import annotations

import stat
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt import PyJWKSet
from jwt.algorithms import RSAAlgorithm

from lti import keys
from lti.keys import KEY_FILE, ToolKey, thumbprint
from tests.unit.lti_harness import pem_of, rsa_key, tool_key

# RFC 7638 section 3.1: the example RSA key and its published thumbprint.
RFC_N = (
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_B"
    "JECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
    "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhA"
    "I4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
)
RFC_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_the_kid_is_the_rfc_7638_thumbprint() -> None:
    public = RSAAlgorithm.from_jwk({"kty": "RSA", "n": RFC_N, "e": "AQAB"})
    assert thumbprint(public) == RFC_THUMBPRINT  # type: ignore[arg-type]


def test_load_or_create_makes_a_private_file_once_and_reuses_it(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "lti"  # not there yet
    first = ToolKey.load_or_create(folder)
    path = folder / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    inode = path.stat().st_ino
    second = ToolKey.load_or_create(folder)
    assert second == first
    assert second.kid == first.kid
    assert path.stat().st_ino == inode  # read, not rewritten
    assert path.read_bytes() == first.private_pem
    assert sorted(p.name for p in folder.iterdir()) == [KEY_FILE]  # no temp file left


def test_the_kid_is_stable_across_loads_of_the_same_pem() -> None:
    pem = pem_of(rsa_key("tool"))
    assert ToolKey.from_pem(pem).kid == ToolKey.from_pem(pem).kid == tool_key().kid
    assert ToolKey.from_pem(pem_of(rsa_key("other"))).kid != tool_key().kid


def test_a_key_written_by_another_process_first_wins(tmp_path: Path) -> None:
    path = tmp_path / KEY_FILE
    theirs = pem_of(rsa_key("tool"))
    path.write_bytes(theirs)
    keys._create(path)  # we lost the race: theirs stays, our temp file goes
    assert path.read_bytes() == theirs
    assert sorted(p.name for p in tmp_path.iterdir()) == [KEY_FILE]
    assert ToolKey.load_or_create(tmp_path) == tool_key()


def test_jwks_verifies_what_sign_makes() -> None:
    key = tool_key()
    token = key.sign({"iss": "me", "n": 1})
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256"
    assert header["kid"] == key.kid
    published = key.jwks()
    assert [set(k) for k in published["keys"]] == [{"kty", "n", "e", "kid", "alg", "use"}]
    assert published["keys"][0]["use"] == "sig"
    jwk = PyJWKSet.from_dict(published)[key.kid]
    assert jwt.decode(token, jwk, algorithms=["RS256"]) == {"iss": "me", "n": 1}


def test_another_key_set_does_not_verify_it() -> None:
    token = tool_key().sign({"iss": "me"})
    other = ToolKey.from_pem(pem_of(rsa_key("other")))
    jwk = PyJWKSet.from_dict(other.jwks())[other.kid]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, jwk, algorithms=["RS256"])


def test_the_private_key_is_not_published() -> None:
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(tool_key().jwks()["keys"][0])


def test_a_non_rsa_key_is_refused() -> None:
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(ValueError, match="RSA"):
        ToolKey.from_pem(pem)


def test_a_damaged_key_file_is_refused_naming_it(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE).write_text("not a key")
    with pytest.raises(ValueError, match=KEY_FILE):
        ToolKey.load_or_create(tmp_path)
