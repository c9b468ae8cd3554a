"""The web session (api/pages/session.py): the signed, timestamped cookie and its flags,
tampered and expired cookies, the key kept in the data folder, and a new CSRF token
at sign-in (no session fixation)."""

from __future__ import annotations

import base64
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner

from api.app import create_app
from api.health import Probes
from api.pages.session import (
    COOKIE,
    CSRF_MESSAGE,
    KEEP_EXPIRED,
    SALT,
    Sessions,
    session_secret,
)
from tests.unit.api_harness import ASSIGNMENT, Harness, make_harness
from tests.unit.pages_harness import (
    browser,
    error_text,
    location,
    login_form,
    page_csrf,
    page_of,
    post_form,
    post_login,
    put_cookie,
    sign_in,
)

SESSION_SECONDS = 12 * 3600  # GRADER_SESSION_HOURS' default
ASSIGNMENT_PAGE = f"/assignments/{ASSIGNMENT}"
DASHBOARD = f"/assignments/{ASSIGNMENT}/dashboard"
LIFETIME = 60  # seconds, of the short sessions


def set_cookie(response: httpx2.Response) -> dict[str, str | bool]:
    """The attributes of the response's one Set-Cookie for the session (names lowercased);
    the cookie's value under "value"."""
    headers = [v for v in response.headers.get_list("set-cookie") if v.startswith(f"{COOKIE}=")]
    assert len(headers) == 1, response.headers.get_list("set-cookie")
    first, *attributes = (part.strip() for part in headers[0].split(";"))
    parsed: dict[str, str | bool] = {"value": first.split("=", 1)[1]}
    for attribute in attributes:
        name, _, value = attribute.partition("=")
        parsed[name.lower()] = value or True
    return parsed


# ------------------------------------------------------------------ the cookie's flags


def anonymous_cookie(client: TestClient) -> httpx2.Response:
    return client.get("/login")


def signed_in_cookie(client: TestClient) -> httpx2.Response:
    return post_login(client, "tok-alice")


def signed_out_cookie(client: TestClient) -> httpx2.Response:
    assert location(signed_in_cookie(client)) == "/"
    return post_form(client, "/logout", page_csrf(client))


@pytest.mark.parametrize("https", [False, True], ids=["http", "https"])
@pytest.mark.parametrize(
    "respond", [anonymous_cookie, signed_in_cookie], ids=["anonymous", "signed-in"]
)
def test_the_cookie_is_httponly_lax_for_the_whole_site_and_secure_over_https(
    h: Harness, https: bool, respond: Callable[[TestClient], httpx2.Response]
) -> None:
    cookie = set_cookie(respond(browser(h, https)))
    assert cookie["httponly"] is True
    assert str(cookie["samesite"]).lower() == "lax"
    assert cookie["path"] == "/"
    # kept a day past the session's end, so that coming back says the session expired
    assert cookie["max-age"] == str(SESSION_SECONDS + KEEP_EXPIRED)
    assert ("secure" in cookie) is https


@pytest.mark.parametrize("https", [False, True], ids=["http", "https"])
def test_signing_out_drops_the_cookie_with_the_same_flags(h: Harness, https: bool) -> None:
    cookie = set_cookie(signed_out_cookie(browser(h, https)))
    assert cookie["max-age"] == "0"
    assert cookie["httponly"] is True and cookie["path"] == "/"
    assert ("secure" in cookie) is https


def test_a_session_over_https_works(h: Harness) -> None:
    client = sign_in(h, "tok-alice", https=True)
    page_of(client.get(ASSIGNMENT_PAGE))


# ------------------------------------------------------------------ cookies we did not sign


def with_payload(cookie: str, data: object) -> str:
    """The cookie with its payload replaced and its timestamp and signature kept."""
    _, timestamp, signature = cookie.rsplit(".", 2)
    raw = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{raw}.{timestamp}.{signature}"


PROF = {"c": "planted-token", "u": "prof", "r": "instructor"}
FORGERIES: list[tuple[str, Callable[[Harness, str], str]]] = [
    ("signature edited", lambda h, c: c[:-2] + ("AA" if not c.endswith("AA") else "BB")),
    ("payload edited to the instructor", lambda h, c: with_payload(c, PROF)),
    ("signed with another key", lambda h, c: URLSafeTimedSerializer("k", salt=SALT).dumps(PROF)),
    (
        "our key, another salt",
        lambda h, c: URLSafeTimedSerializer(
            h.app.state.sessions.serializer.secret_key, salt="other"
        ).dumps(PROF),
    ),
    ("not a signed value", lambda h, c: "prof"),
    (
        "ours, but a role we do not know",
        lambda h, c: h.app.state.sessions.serializer.dumps({**PROF, "r": "admin"}),
    ),
    (
        "ours, but no CSRF token",
        lambda h, c: h.app.state.sessions.serializer.dumps({"u": "prof", "r": "instructor"}),
    ),
]


@pytest.mark.parametrize(("name", "forge"), FORGERIES, ids=[name for name, _ in FORGERIES])
def test_a_cookie_we_did_not_sign_is_no_session(
    h: Harness, name: str, forge: Callable[[Harness, str], str]
) -> None:
    client = sign_in(h, "tok-alice")
    put_cookie(client, forge(h, client.cookies[COOKIE]))
    assert location(client.get(DASHBOARD)) == "/login?next=%2Fassignments%2Fcs189_hw2%2Fdashboard"
    login = page_of(client.get("/login"))
    assert login.by_testid("error") == []  # no session is not an expired one


def test_a_cookie_signed_with_our_key_is_a_session(h: Harness) -> None:
    """The control for the forgeries: the same payload, signed by the app, is accepted."""
    client = browser(h)
    put_cookie(client, h.app.state.sessions.serializer.dumps(PROF))
    page_of(client.get(DASHBOARD))


# ------------------------------------------------------------------ expiry


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """itsdangerous' clock, set by the test: [now] in seconds."""
    now = [1_750_000_000]
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now[0])
    return now


@pytest.fixture
def short(h: Harness, clock: list[int]) -> Harness:
    """The harness with sessions that last a minute of itsdangerous' clock. (Not one
    second: the cookie's Max-Age is the same, and the client's cookie jar drops it by
    the real clock, which would make the tests depend on their speed.)"""
    h.app.state.sessions = Sessions("short-lived", LIFETIME)
    return h


@pytest.mark.parametrize("age", [0, LIFETIME])
def test_a_session_within_its_lifetime_is_valid(short: Harness, clock: list[int], age: int) -> None:
    client = sign_in(short, "tok-alice")
    clock[0] += age
    page_of(client.get(ASSIGNMENT_PAGE))


def test_an_expired_session_sends_a_page_to_sign_in_saying_so(
    short: Harness, clock: list[int]
) -> None:
    client = sign_in(short, "tok-alice")
    clock[0] += LIFETIME + 1
    where = location(client.get(ASSIGNMENT_PAGE))
    assert where == "/login?next=%2Fassignments%2Fcs189_hw2&expired=1"
    login = page_of(client.get(where))
    assert login.testid("error").text == "Your session has expired: sign in again."
    assert login.one("input", name="next").get("value") == ASSIGNMENT_PAGE
    response = post_login(client, "tok-alice", ASSIGNMENT_PAGE)
    assert location(response) == ASSIGNMENT_PAGE
    page_of(client.get(ASSIGNMENT_PAGE))


def test_the_sign_in_page_says_an_expired_cookie_expired(short: Harness, clock: list[int]) -> None:
    client = sign_in(short, "tok-alice")
    clock[0] += LIFETIME + 1
    login = page_of(client.get("/login"))
    assert login.testid("error").text == "Your session has expired: sign in again."


def test_an_expired_session_cannot_post_a_form(short: Harness, clock: list[int]) -> None:
    client = sign_in(short, "tok-alice")
    csrf = page_csrf(client)
    clock[0] += LIFETIME + 1
    assert error_text(post_form(client, "/logout", csrf), 403) == CSRF_MESSAGE


# ------------------------------------------------------------------ the secret


def test_without_a_configured_secret_one_is_made_once_and_kept(tmp_path: Path) -> None:
    data = tmp_path / "data" / "nested"
    secret = session_secret("", data)
    key = data / "session.key"
    assert len(secret) >= 32
    assert key.read_text().strip() == secret
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert sorted(p.name for p in data.iterdir()) == ["session.key"]  # no draft left
    inode = key.stat().st_ino
    assert session_secret("", data) == secret
    assert key.stat().st_ino == inode


def test_a_kept_secret_is_reused(tmp_path: Path) -> None:
    (tmp_path / "session.key").write_text("kept-secret\n")
    assert session_secret("", tmp_path) == "kept-secret"


def test_a_configured_secret_wins(tmp_path: Path) -> None:
    (tmp_path / "session.key").write_text("kept-secret\n")
    assert session_secret("configured", tmp_path) == "configured"
    assert session_secret("configured", tmp_path / "new") == "configured"
    assert not (tmp_path / "new").exists()


def test_sessions_survive_a_restart_of_the_api(tmp_path: Path) -> None:
    h = make_harness(tmp_path, session_secret="")
    client = sign_in(h, "tok-alice")
    assert (h.settings.data_dir / "session.key").is_file()
    up = Probes(redis=lambda: True, store=lambda: True, docker=lambda: True)
    restarted = TestClient(create_app(h.settings, h.store, [].append, up), follow_redirects=False)
    put_cookie(restarted, client.cookies[COOKIE])
    page_of(restarted.get(ASSIGNMENT_PAGE))


def test_the_configured_secret_signs_the_cookies(tmp_path: Path) -> None:
    h = make_harness(tmp_path, session_secret="configured-secret")
    client = sign_in(h, "tok-alice")
    assert not (h.settings.data_dir / "session.key").exists()
    signer = URLSafeTimedSerializer("configured-secret", salt=SALT)
    data = signer.loads(client.cookies[COOKIE])
    assert (data["u"], data["r"]) == ("alice", "student")


def test_the_key_file_is_not_readable_by_others_whatever_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        session_secret("", tmp_path)
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "session.key").stat().st_mode) == 0o600


# ------------------------------------------------------------------ no session fixation


def test_signing_in_issues_a_new_csrf_token_and_cookie(h: Harness) -> None:
    client = browser(h)
    before = login_form(client)
    planted = client.cookies[COOKIE]
    response = client.post(
        "/login", data={"csrf": before, "token": "tok-alice"}, follow_redirects=False
    )
    assert location(response) == "/"
    assert set_cookie(response)["value"] != planted
    after = page_csrf(client)
    assert after != before
    # the token of the session before sign-in no longer passes
    assert error_text(post_form(client, "/logout", before), 403) == CSRF_MESSAGE
    page_of(client.get("/"))  # still signed in
    assert location(post_form(client, "/logout", after)) == "/login"


def test_a_planted_anonymous_session_gives_the_attacker_nothing(h: Harness) -> None:
    attacker = browser(h)
    attacker_csrf = login_form(attacker)
    victim = browser(h)
    put_cookie(victim, attacker.cookies[COOKIE])
    assert location(post_login(victim, "tok-alice")) == "/"
    assert victim.cookies[COOKIE] != attacker.cookies[COOKIE]
    assert location(attacker.get("/")) == "/login?next=%2F"  # the attacker is not alice
    assert error_text(post_form(victim, "/logout", attacker_csrf), 403) == CSRF_MESSAGE
