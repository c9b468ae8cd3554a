"""Checking a launch: the OIDC login redirect, the platforms' key sets, and ``validate``,
which turns a posted id_token into a ``Launch`` or refuses it with a ``LaunchError``.

Time: PyJWT compares exp/iat/nbf with the machine's clock and cannot be given another
one, so ``validate`` turns those three checks off in PyJWT and makes them itself against
the ``now`` it is given (the service passes time.time(); tests pass a fixed time).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import jwt
from jwt import PyJWK, PyJWKSet

from lti.claims import DEPLOYMENT_ID, Launch, LaunchError, launch_from_claims
from lti.registry import Platform, Registry

__all__ = ["KeySets", "LaunchError", "login_redirect", "validate"]

ALGORITHM = "RS256"
REQUIRED = ["iss", "aud", "sub", "exp", "iat", "nonce"]
FETCH_TIMEOUT = 10.0
REFETCH_INTERVAL = 10.0  # at most one fetch per key set this often: an unknown kid is cheap to send


@dataclass
class _Fetched:
    keys: dict[str, PyJWK]
    at: float
    error: str = ""  # why the last fetch failed, said again until the next try


class KeySets:
    """Each platform's public keys, fetched from its key set URL and kept. A kid not in the
    kept set (the platform rotated its key) fetches the set again, but not more than once
    every ten seconds per URL, so tokens with made-up kids cannot make us hammer the
    platform."""

    def __init__(
        self,
        http: httpx.Client | None = None,
        clock: Callable[[], float] = time.monotonic,
        refetch_interval: float = REFETCH_INTERVAL,
    ) -> None:
        """http None: a client of our own (so callers need not import httpx)."""
        self._http = http if http is not None else httpx.Client(timeout=FETCH_TIMEOUT)
        self._clock = clock
        self._interval = refetch_interval
        self._sets: dict[str, _Fetched] = {}
        self._lock = threading.Lock()

    def key(self, platform: Platform, kid: str | None) -> PyJWK:
        """The platform's RS256 key with this kid; LaunchError unknown_key if it has none."""
        if not kid:
            raise LaunchError("unknown_key", "the id_token's header has no kid")
        url = platform.key_set_url
        fetched = self._sets.get(url)
        if fetched is None or kid not in fetched.keys:
            with self._lock:  # one fetch at a time, so "once" holds across threads
                fetched = self._sets.get(url)
                if fetched is None or (kid not in fetched.keys and self._may_refetch(fetched)):
                    fetched = self._fetch(url, fetched)
        if kid in fetched.keys:
            return fetched.keys[kid]
        if fetched.error:
            raise LaunchError("unknown_key", f"cannot read the key set at {url}: {fetched.error}")
        raise LaunchError(
            "unknown_key",
            f"the key set of {platform.issuer} at {url} has no RS256 key with kid {kid!r}",
        )

    def _may_refetch(self, fetched: _Fetched) -> bool:
        return self._clock() - fetched.at >= self._interval

    def _fetch(self, url: str, before: _Fetched | None) -> _Fetched:
        """Fetch and keep the set. A failed fetch keeps the keys known before and its
        error, so that known keys keep working and the next try waits for the interval."""
        at = self._clock()
        try:
            response = self._http.get(url, timeout=FETCH_TIMEOUT)
            response.raise_for_status()
            data = response.json()
            if not isinstance(data, dict):
                raise ValueError("the key set is not a JSON object")
            keys = PyJWKSet.from_dict(data).keys
        except (httpx.HTTPError, ValueError, jwt.PyJWTError) as e:
            fetched = _Fetched(before.keys if before else {}, at, f"{type(e).__name__}: {e}")
        else:
            fetched = _Fetched({k.key_id: k for k in keys if _usable(k)}, at)
        self._sets[url] = fetched
        return fetched


def _usable(key: PyJWK) -> bool:
    """An RSA signing key for RS256 with a kid: the only kind a launch may be signed with."""
    return (
        key.key_type == "RSA"
        and key.algorithm_name == ALGORITHM
        and bool(key.key_id)
        and key.public_key_use in (None, "sig")
    )


def validate(
    id_token: str,
    registry: Registry,
    keysets: KeySets,
    use_nonce: Callable[[str, str, float], bool],
    now: float,
    leeway: float = 60,
    expected_nonce: str | None = None,
) -> Launch:
    """The Launch of a posted id_token, or LaunchError naming why it is refused.

    ``use_nonce(issuer, nonce, exp)`` records the nonce and returns False if it was seen
    before; it is called last, so a token refused for another reason spends no nonce.
    ``expected_nonce``: the nonce this browser's login redirect sent (kept with the
    state); a token carrying another one is wrong_state.
    """
    header = _header(id_token)
    platform = _platform(registry, _unverified(id_token))
    key = keysets.key(platform, header.get("kid"))
    claims = _decode(id_token, key, platform)
    _check_times(claims, now, leeway)
    _check_deployment(claims, platform)
    launch = launch_from_claims(claims, platform.client_id)
    nonce = claims["nonce"]
    if not isinstance(nonce, str) or not nonce:
        raise LaunchError("bad_message", "the nonce claim is not a non-empty string")
    if expected_nonce is not None and nonce != expected_nonce:
        raise LaunchError(
            "wrong_state",
            "the id_token's nonce is not the one this browser's "
            "login sent: the launch did not start here",
        )
    if not use_nonce(platform.issuer, nonce, float(claims["exp"])):
        raise LaunchError(
            "replayed_nonce", "this id_token's nonce was used before: a launch is accepted once"
        )
    return launch


def _header(id_token: str) -> dict[str, Any]:
    """The unverified header; only RS256 passes, before any key is looked up."""
    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.PyJWTError as e:
        raise LaunchError("bad_message", f"the id_token is not a JWT: {e}") from e
    alg = header.get("alg")
    if alg != ALGORITHM:
        raise LaunchError(
            "bad_algorithm", f"the id_token is signed with {alg!r}; only {ALGORITHM} is accepted"
        )
    return header


def _unverified(id_token: str) -> dict[str, Any]:
    """The claims before the signature is checked: only to choose the platform."""
    try:
        return jwt.decode(id_token, options={"verify_signature": False})
    except jwt.PyJWTError as e:
        raise LaunchError("bad_message", f"the id_token's payload is unreadable: {e}") from e


def _platform(registry: Registry, claims: dict[str, Any]) -> Platform:
    """The registration the token names by iss and its client_id: azp when present, else
    the only aud. This is OIDC's audience rule (several audiences need an azp; an azp must
    be our client_id, since it chooses the registration), and PyJWT then checks that aud
    contains that client_id. The claims are unverified here, but they are the ones the
    signature is then checked over."""
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or not registry.for_issuer(issuer):
        raise LaunchError("unknown_issuer", f"issuer {issuer!r} is not a registered platform")
    audiences, azp = _audiences(claims), claims.get("azp")
    if azp is None and len(audiences) > 1:
        raise LaunchError(
            "wrong_audience",
            f"the id_token has several audiences {audiences} and no azp to say which is this tool",
        )
    client_id = azp if azp is not None else (audiences[0] if audiences else None)
    platform = registry.find(issuer, client_id) if isinstance(client_id, str) else None
    if platform is None:
        raise LaunchError(
            "wrong_audience",
            f"the id_token is for {audiences} (azp {azp!r}), "
            f"not a client_id this tool has at {issuer}",
        )
    return platform


def _audiences(claims: dict[str, Any]) -> list[str]:
    aud = claims.get("aud")
    values = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    return [v for v in values if isinstance(v, str)]


_DECODE_ERRORS: list[tuple[type[jwt.PyJWTError], str]] = [
    (jwt.InvalidSignatureError, "bad_signature"),
    (jwt.InvalidAlgorithmError, "bad_algorithm"),
    (jwt.InvalidAudienceError, "wrong_audience"),
    (jwt.InvalidIssuerError, "unknown_issuer"),
    (jwt.MissingRequiredClaimError, "missing_claim"),
    (jwt.InvalidKeyError, "unknown_key"),
    (jwt.PyJWTError, "bad_message"),
]


_DECODE_REASONS = {
    "bad_signature": "the id_token's signature does not match the platform's key",
    "wrong_audience": "the id_token is not addressed to this tool",
    "unknown_issuer": "the id_token's issuer is not the platform's",
    "missing_claim": "the id_token lacks a required claim",
}


def _decode(id_token: str, key: PyJWK, platform: Platform) -> dict[str, Any]:
    """Signature, issuer, audience and the presence of the required claims, by PyJWT."""
    options = {"require": REQUIRED, "verify_exp": False, "verify_iat": False, "verify_nbf": False}
    try:
        return jwt.decode(
            id_token,
            key,
            algorithms=[ALGORITHM],
            audience=platform.client_id,
            issuer=platform.issuer,
            options=options,
        )
    except jwt.PyJWTError as e:
        code = next(c for kind, c in _DECODE_ERRORS if isinstance(e, kind))
        raise LaunchError(
            code, f"{_DECODE_REASONS.get(code, 'the id_token is invalid')}: {e}"
        ) from e


def _check_times(claims: dict[str, Any], now: float, leeway: float) -> None:
    exp, iat, nbf = (_number(claims, name) for name in ("exp", "iat", "nbf"))
    if exp is not None and exp <= now - leeway:
        raise LaunchError("expired", f"the id_token expired {now - exp:.0f} s ago")
    for name, value in (("iat", iat), ("nbf", nbf)):
        if value is not None and value > now + leeway:
            raise LaunchError(
                "not_yet_valid", f"the id_token's {name} is {value - now:.0f} s in the future"
            )


def _check_deployment(claims: dict[str, Any], platform: Platform) -> None:
    deployment = claims.get(DEPLOYMENT_ID)
    if deployment is None:
        raise LaunchError("missing_claim", f"the launch has no {DEPLOYMENT_ID} claim")
    if deployment not in platform.deployment_ids:
        raise LaunchError(
            "unknown_deployment",
            f"deployment {deployment!r} of {platform.issuer} is not registered with this tool",
        )


def _number(claims: dict[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LaunchError("bad_message", f"the {name} claim is not a number")
    return float(value)


def login_redirect(
    platform: Platform,
    redirect_uri: str,
    login_hint: str,
    lti_message_hint: str | None,
    state: str,
    nonce: str,
) -> str:
    """The URL of the platform's OIDC authorization endpoint for the third-party login
    that a launch starts with; the platform answers by posting the id_token to
    redirect_uri."""
    params = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": redirect_uri,
        "login_hint": login_hint,
        "state": state,
        "nonce": nonce,
    }
    if lti_message_hint is not None:
        params["lti_message_hint"] = lti_message_hint
    parts = urlsplit(platform.auth_login_url)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *params.items()])
    return urlunsplit(parts._replace(query=query))
