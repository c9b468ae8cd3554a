"""lti/launch.py: validate() accepts a well-made launch and refuses each kind of bad one
with its own code; KeySets fetches a platform's keys once, again once on an unknown kid,
and not more than every ten seconds; login_redirect builds the OIDC request."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from lti import claims as c
from lti.claims import Launch
from lti.launch import KeySets, LaunchError, login_redirect, validate
from lti.registry import Registry
from tests.unit.lti_harness import (
    CLIENT_ID,
    DEPLOYMENT_ID,
    ISSUER,
    JWKS_URL,
    LOGIN_URL,
    NOW,
    RETURN_URL,
    FakePlatform,
    b64,
    deep_linking_claims,
    forge,
    hs256_with_public_pem,
    kid_of,
    launch_claims,
    platform,
    registry,
    rsa_key,
)

V2 = "http://purl.imsglobal.org/vocab/lis/v2/"
PLATFORM_KID = kid_of(rsa_key("platform"))


class Nonces:
    """use_nonce for the tests: remembers what it was asked; ``fresh`` is its answer."""

    def __init__(self, fresh: bool = True) -> None:
        self.fresh = fresh
        self.calls: list[tuple[str, str, float]] = []

    def __call__(self, issuer: str, nonce: str, exp: float) -> bool:
        self.calls.append((issuer, nonce, exp))
        return self.fresh


def check(
    token: str,
    fake: FakePlatform | None = None,
    nonces: Nonces | None = None,
    reg: Registry | None = None,
    now: float = NOW,
) -> Launch:
    fake = fake or FakePlatform()
    return validate(token, reg or registry(), fake.keysets(), nonces or Nonces(), now=now)


def signed(**changes: Any) -> str:
    return FakePlatform().sign(launch_claims(**changes))


def tampered() -> str:
    """A valid token whose payload was changed afterwards (another sub), signature kept."""
    header, _, signature = signed().split(".")
    payload = b64(json.dumps(launch_claims(sub="teacher-1")).encode())
    return ".".join([header, payload, signature])


@dataclass(frozen=True)
class Bad:
    name: str
    token: Callable[[], str]
    code: str
    words: str
    fresh_nonce: bool = True


BAD = [
    Bad("tampered-payload", tampered, "bad_signature", "signature"),
    Bad(
        "signed-by-another-key",
        lambda: FakePlatform().sign(launch_claims(), key="attacker", headers={"kid": PLATFORM_KID}),
        "bad_signature",
        "signature",
    ),
    Bad(
        "alg-none",
        lambda: forge({"alg": "none", "kid": PLATFORM_KID}, launch_claims()),
        "bad_algorithm",
        "'none'",
    ),
    Bad(
        "alg-missing",
        lambda: forge({"kid": PLATFORM_KID}, launch_claims()),
        "bad_algorithm",
        "None",
    ),
    Bad(
        "hs256-with-public-pem",
        lambda: hs256_with_public_pem(launch_claims(), rsa_key("platform"), PLATFORM_KID),
        "bad_algorithm",
        "'HS256'",
    ),
    Bad(
        "hs256",
        lambda: jwt.encode(
            launch_claims(), "s" * 32, algorithm="HS256", headers={"kid": PLATFORM_KID}
        ),
        "bad_algorithm",
        "HS256",
    ),
    Bad(
        "rs512",
        lambda: jwt.encode(
            launch_claims(), rsa_key("platform"), algorithm="RS512", headers={"kid": PLATFORM_KID}
        ),
        "bad_algorithm",
        "RS512",
    ),
    Bad(
        "ps256",
        lambda: jwt.encode(
            launch_claims(), rsa_key("platform"), algorithm="PS256", headers={"kid": PLATFORM_KID}
        ),
        "bad_algorithm",
        "PS256",
    ),
    Bad(
        "unknown-issuer",
        lambda: signed(iss="https://evil.example"),
        "unknown_issuer",
        "evil.example",
    ),
    Bad("aud-not-us", lambda: signed(aud="someone-else"), "wrong_audience", "someone-else"),
    Bad("aud-list-without-us", lambda: signed(aud=["a", "b"], azp="a"), "wrong_audience", "'a'"),
    Bad(
        "several-aud-no-azp",
        lambda: signed(aud=["someone-else", CLIENT_ID]),
        "wrong_audience",
        "no azp",
    ),
    Bad(
        "several-aud-azp-not-us",
        lambda: signed(aud=["someone-else", CLIENT_ID], azp="someone-else"),
        "wrong_audience",
        "azp",
    ),
    Bad(
        "azp-us-but-aud-not",
        lambda: signed(aud="someone-else", azp=CLIENT_ID),
        "wrong_audience",
        "not addressed",
    ),
    Bad("expired", lambda: signed(iat=int(NOW) - 400, exp=int(NOW) - 61), "expired", "expired"),
    Bad(
        "iat-in-the-future",
        lambda: signed(iat=int(NOW) + 61, exp=int(NOW) + 400),
        "not_yet_valid",
        "iat",
    ),
    Bad("nbf-in-the-future", lambda: signed(nbf=int(NOW) + 120), "not_yet_valid", "nbf"),
    Bad("replayed-nonce", signed, "replayed_nonce", "nonce", fresh_nonce=False),
    Bad(
        "unknown-deployment",
        lambda: signed(**{c.DEPLOYMENT_ID: "deployment-2"}),
        "unknown_deployment",
        "deployment-2",
    ),
    Bad(
        "no-deployment", lambda: signed(**{c.DEPLOYMENT_ID: None}), "missing_claim", "deployment_id"
    ),
    Bad("wrong-version", lambda: signed(**{c.VERSION: "1.2.0"}), "bad_message", "1.2.0"),
    Bad(
        "unknown-message-type",
        lambda: signed(**{c.MESSAGE_TYPE: "LtiStartProctoring"}),
        "bad_message",
        "LtiStartProctoring",
    ),
    Bad("missing-sub", lambda: signed(sub=None), "missing_claim", "sub"),
    Bad("missing-nonce", lambda: signed(nonce=None), "missing_claim", "nonce"),
    Bad("missing-exp", lambda: signed(exp=None), "missing_claim", "exp"),
    Bad("missing-iat", lambda: signed(iat=None), "missing_claim", "iat"),
    Bad("empty-nonce", lambda: signed(nonce=""), "bad_message", "nonce"),
    Bad("exp-not-a-number", lambda: signed(exp="tomorrow"), "bad_message", "exp"),
    Bad(
        "unknown-kid",
        lambda: FakePlatform().sign(launch_claims(), headers={"kid": "k9"}),
        "unknown_key",
        "'k9'",
    ),
    Bad(
        "no-kid",
        lambda: FakePlatform().sign(launch_claims(), headers={"kid": None}),
        "unknown_key",
        "no kid",
    ),
    Bad("not-a-jwt", lambda: "not.a-jwt", "bad_message", "not a JWT"),
]


@pytest.mark.parametrize("bad", BAD, ids=[b.name for b in BAD])
def test_a_bad_launch_is_refused_with_its_code(bad: Bad) -> None:
    nonces = Nonces(fresh=bad.fresh_nonce)
    with pytest.raises(LaunchError) as caught:
        check(bad.token(), nonces=nonces)
    assert caught.value.code == bad.code, str(caught.value)
    assert bad.words in str(caught.value)
    if bad.code != "replayed_nonce":
        assert nonces.calls == []  # a refused launch spends no nonce


@pytest.mark.parametrize("name", ["alg-none", "hs256-with-public-pem", "hs256", "rs512"])
def test_the_algorithm_is_refused_before_any_key_is_fetched(name: str) -> None:
    bad = next(b for b in BAD if b.name == name)
    fake = FakePlatform()
    with pytest.raises(LaunchError, match="only RS256"):
        check(bad.token(), fake=fake)
    assert fake.fetches == 0


def test_a_resource_link_launch() -> None:
    nonces = Nonces()
    launch = check(signed(), nonces=nonces)
    assert (launch.issuer, launch.client_id, launch.deployment_id) == (
        ISSUER,
        CLIENT_ID,
        DEPLOYMENT_ID,
    )
    assert launch.subject == "user-42"
    assert launch.message_type == "LtiResourceLinkRequest"
    assert launch.resource_link_id == "link-9"
    assert launch.custom == {"assignment_id": "cs189_hw2"}
    assert launch.role == "student"
    assert nonces.calls == [(ISSUER, "nonce-1", NOW + 300)]


def test_a_deep_linking_launch() -> None:
    launch = check(FakePlatform().sign(deep_linking_claims()))
    assert launch.message_type == "LtiDeepLinkingRequest"
    assert launch.deep_link_return_url == RETURN_URL
    assert launch.deep_link_data == "opaque-platform-data"
    assert launch.resource_link_id is None
    assert launch.role == "instructor"


@pytest.mark.parametrize(
    ("roles", "role"),
    [
        ([V2 + "membership#Instructor"], "instructor"),
        ([V2 + "membership/Instructor#TeachingAssistant"], "instructor"),
        ([V2 + "membership#TeachingAssistant"], "instructor"),
        ([V2 + "institution/person#Administrator"], "instructor"),
        ([V2 + "membership#Learner"], "student"),
        ([V2 + "membership#Mentor"], "student"),
        ([], "student"),
    ],
)
def test_the_role_of_a_validated_launch(roles: list[str], role: str) -> None:
    assert check(signed(**{c.ROLES: roles})).role == role


@pytest.mark.parametrize(
    "changes",
    [
        {"aud": [CLIENT_ID, "someone-else"], "azp": CLIENT_ID},
        {"aud": [CLIENT_ID]},
        {"azp": CLIENT_ID},
        {"iat": int(NOW) + 59},  # within the leeway: clocks differ a little
        {"iat": int(NOW) - 300, "exp": int(NOW) - 59},
    ],
    ids=["several-aud-with-azp", "aud-list-of-one", "azp-us", "iat-just-ahead", "exp-just-behind"],
)
def test_launches_at_the_edges_are_accepted(changes: dict[str, Any]) -> None:
    assert check(signed(**changes)).subject == "user-42"


def test_the_nonce_must_be_the_one_the_login_sent() -> None:
    nonces = Nonces()
    token = signed()
    with pytest.raises(LaunchError, match="login") as caught:
        validate(
            token, registry(), FakePlatform().keysets(), nonces, now=NOW, expected_nonce="nonce-2"
        )
    assert caught.value.code == "wrong_state"
    assert nonces.calls == []
    launch = validate(
        token, registry(), FakePlatform().keysets(), nonces, now=NOW, expected_nonce="nonce-1"
    )
    assert launch.subject == "user-42"


def test_keysets_make_their_own_client_when_given_none() -> None:
    assert KeySets()._http.timeout.read == 10


def test_the_issuers_only_client_may_be_chosen_among_several_registrations() -> None:
    reg = Registry([platform(client_id="other-client"), platform()])
    assert check(signed(), reg=reg).client_id == CLIENT_ID


# KeySets: the fetches are counted by the fake platform's MockTransport.


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def validate_with(keysets: KeySets, key: str = "platform") -> Launch:
    token = FakePlatform().sign(launch_claims(), key=key)
    return validate(token, registry(), keysets, Nonces(), now=NOW)


def test_the_key_set_is_fetched_once_and_kept() -> None:
    fake = FakePlatform()
    keysets = fake.keysets()
    for _ in range(3):
        validate_with(keysets)
    assert fake.fetches == 1


def test_an_unknown_kid_refetches_once_and_not_again_within_ten_seconds() -> None:
    fake, clock = FakePlatform(), Clock()
    keysets = KeySets(fake.http(), clock=clock)
    validate_with(keysets)
    assert fake.fetches == 1
    fake.published = ["platform", "rotated"]  # the platform rotates its key
    clock.now += 60
    validate_with(keysets, key="rotated")
    assert fake.fetches == 2
    clock.now += 9.9
    with pytest.raises(LaunchError) as caught:
        validate_with(keysets, key="attacker")  # a second unknown kid, within 10 s
    assert caught.value.code == "unknown_key"
    assert fake.fetches == 2
    validate_with(keysets, key="rotated")  # known kids keep working
    clock.now += 0.1
    with pytest.raises(LaunchError):
        validate_with(keysets, key="attacker")  # 10 s later: may fetch again
    assert fake.fetches == 3


def test_a_kid_unknown_at_the_first_fetch_is_not_fetched_twice() -> None:
    fake = FakePlatform()
    keysets = fake.keysets()
    with pytest.raises(LaunchError, match="no RS256 key"):
        validate_with(keysets, key="attacker")
    assert fake.fetches == 1


def test_a_failed_fetch_is_unknown_key_and_waits_before_the_next_try() -> None:
    fake, clock = FakePlatform(jwks_status=503), Clock()
    keysets = KeySets(fake.http(), clock=clock)
    for _ in range(2):
        with pytest.raises(LaunchError) as caught:
            validate_with(keysets)
        assert caught.value.code == "unknown_key"
    assert "cannot read the key set" in str(caught.value)
    assert fake.fetches == 1
    fake.jwks_status = 200
    clock.now += 10
    assert validate_with(keysets).subject == "user-42"
    assert fake.fetches == 2


def test_known_keys_outlive_a_failed_refetch() -> None:
    fake, clock = FakePlatform(), Clock()
    keysets = KeySets(fake.http(), clock=clock)
    validate_with(keysets)
    fake.jwks_status = 500
    clock.now += 60
    with pytest.raises(LaunchError, match="cannot read the key set"):
        validate_with(keysets, key="rotated")
    assert validate_with(keysets).subject == "user-42"
    assert fake.fetches == 2


def test_a_connection_error_is_unknown_key() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    keysets = KeySets(FakePlatform().http(refuse))
    with pytest.raises(LaunchError, match="cannot read the key set") as caught:
        validate_with(keysets)
    assert caught.value.code == "unknown_key"


@pytest.mark.parametrize(
    "jwk_changes",
    [{"alg": "RS512"}, {"use": "enc"}, {"kty": "oct", "k": b64(b"secret-secret")}],
    ids=["rs512-key", "encryption-key", "symmetric-key"],
)
def test_only_rs256_signing_keys_of_the_set_are_used(jwk_changes: dict[str, str]) -> None:
    fake = FakePlatform()

    def serve(request: httpx.Request) -> httpx.Response:
        jwks = fake.jwks()
        jwks["keys"][0].update(jwk_changes)
        return httpx.Response(200, json=jwks)

    with pytest.raises(LaunchError) as caught:
        validate_with(KeySets(fake.http(serve)))
    assert caught.value.code == "unknown_key"


def test_each_key_set_url_is_kept_apart() -> None:
    fake = FakePlatform()
    keysets = fake.keysets()
    other = platform(issuer="https://other.example", key_set_url=JWKS_URL + "?other")
    with pytest.raises(LaunchError):
        keysets.key(other, PLATFORM_KID)  # the fake serves only its own URL
    assert keysets.key(platform(), PLATFORM_KID).key_id == PLATFORM_KID
    assert fake.fetches == 1


# login_redirect


def test_the_login_redirect_carries_the_oidc_parameters() -> None:
    url = login_redirect(
        platform(),
        "https://grader.example.org/lti/launch",
        "hint-1",
        "message-hint",
        "state-1",
        "nonce-1",
    )
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == LOGIN_URL
    assert parse_qs(parts.query) == {
        "scope": ["openid"],
        "response_type": ["id_token"],
        "response_mode": ["form_post"],
        "prompt": ["none"],
        "client_id": [CLIENT_ID],
        "redirect_uri": ["https://grader.example.org/lti/launch"],
        "login_hint": ["hint-1"],
        "lti_message_hint": ["message-hint"],
        "state": ["state-1"],
        "nonce": ["nonce-1"],
    }


def test_the_login_redirect_keeps_the_platforms_query_and_omits_an_absent_hint() -> None:
    url = login_redirect(
        platform(auth_login_url=LOGIN_URL + "?tenant=7"), "https://t/l", "hint-1", None, "s", "n"
    )
    query = parse_qs(urlsplit(url).query)
    assert query["tenant"] == ["7"]
    assert "lti_message_hint" not in query
    assert query["login_hint"] == ["hint-1"]
