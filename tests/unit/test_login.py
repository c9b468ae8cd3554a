"""Signing in and out (api/pages/login.py): tokens, the way back (and never off the site),
the CSRF check of both forms, and pages after signing out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import quote

import httpx2
import pytest
from fastapi.testclient import TestClient

from api.pages.session import COOKIE, CSRF_MESSAGE
from tests.unit.api_harness import ASSIGNMENT, Harness
from tests.unit.pages_harness import (
    browser,
    csrf_of,
    error_text,
    location,
    login_form,
    page_csrf,
    page_of,
    parse,
    post_form,
    post_login,
    sign_in,
)

ASSIGNMENT_PAGE = f"/assignments/{ASSIGNMENT}"


# ------------------------------------------------------------------ the way to the sign-in page


@pytest.mark.parametrize(
    "path",
    [
        "/",
        ASSIGNMENT_PAGE,
        f"{ASSIGNMENT_PAGE}?tab=mine&x=1",
        "/submissions/0123abc",
        f"{ASSIGNMENT_PAGE}/dashboard",
        f"{ASSIGNMENT_PAGE}/starter/hw2.py",
    ],
)
def test_a_page_without_a_session_sends_the_browser_to_sign_in_and_back(
    h: Harness, path: str
) -> None:
    client = browser(h)
    where = location(client.get(path))
    assert where == f"/login?next={quote(path, safe='')}"
    form = page_of(client.get(where))
    assert form.one("input", name="next").get("value") == path
    assert location(post_login(client, "tok-alice", path)) == path


def test_the_sign_in_page_has_the_form(h: Harness) -> None:
    response = browser(h).get("/login")
    login = page_of(response)
    form = login.one("form", action="/login")
    assert form.get("method") == "post"
    assert form.one("input", name="token").get("data-testid") == "login-token"
    assert form.one("input", name="token").get("type") == "password"
    assert form.testid("login-submit").get("type") == "submit"
    assert form.one("input", name="csrf").get("value") == csrf_of(response.text)
    assert login.by_testid("error") == []
    assert login.by_testid("logout") == []  # nobody is signed in
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "respond",
    [
        lambda client: client.get("/login"),
        lambda client: post_login(client, "tok-mallory"),
        lambda client: client.get("/login?expired=1"),
    ],
    ids=["the form", "after a bad token", "expired"],
)
def test_the_sign_in_page_has_a_title(
    h: Harness, respond: Callable[[TestClient], httpx2.Response]
) -> None:
    response = respond(browser(h))
    title = parse(response.text).one("title").text
    assert title == "Sign in · mlgrader"


# ------------------------------------------------------------------ tokens


@pytest.mark.parametrize(
    ("token", "message"),
    [("tok-mallory", "invalid token"), ("", "missing token"), ("   ", "missing token")],
    ids=["unknown", "empty", "blank"],
)
def test_a_bad_token_shows_the_form_again_with_the_reason(
    h: Harness, token: str, message: str
) -> None:
    client = browser(h)
    response = post_login(client, token, ASSIGNMENT_PAGE)
    login = page_of(response, 401)
    assert login.testid("error").text == message
    assert login.testid("login-token").get("value") is None  # the token is not echoed
    assert login.one("input", name="next").get("value") == ASSIGNMENT_PAGE
    assert location(client.get("/")) == "/login?next=%2F"  # no session
    # the form shown again works
    retry = client.post(
        "/login",
        data={"csrf": csrf_of(response.text), "token": "tok-alice", "next": ASSIGNMENT_PAGE},
    )
    assert location(retry) == ASSIGNMENT_PAGE


def test_a_token_with_spaces_around_it_signs_in(h: Harness) -> None:
    client = browser(h)
    assert location(post_login(client, "  tok-alice\n")) == "/"
    assert page_of(client.get("/")).one("span", class_="who").text == "alice (student)"


@pytest.mark.parametrize(
    ("token", "who"), [("tok-alice", "alice (student)"), ("tok-prof", "prof (instructor)")]
)
def test_a_good_token_signs_in_as_its_user(h: Harness, token: str, who: str) -> None:
    client = sign_in(h, token)
    home = page_of(client.get("/"))
    assert home.one("span", class_="who").text == who
    assert home.testid("logout").get("type") == "submit"


# ------------------------------------------------------------------ where to go next


NEXT = [
    (None, "/"),
    ("", "/"),
    ("/", "/"),
    (ASSIGNMENT_PAGE, ASSIGNMENT_PAGE),
    ("/submissions/abc?x=1&y=2", "/submissions/abc?x=1&y=2"),
    ("https://evil.example/", "/"),
    ("http://testserver/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example/", "/"),
    ("\\\\evil.example/", "/"),
    ("evil.example", "/"),
    ("javascript:alert(1)", "/"),
]


@pytest.mark.parametrize(("target", "expected"), NEXT)
def test_signing_in_goes_to_next_but_never_off_the_site(
    h: Harness, target: str | None, expected: str
) -> None:
    client = browser(h)
    assert location(post_login(client, "tok-alice", target)) == expected


@pytest.mark.parametrize(("target", "expected"), NEXT)
def test_the_sign_in_form_keeps_only_a_path_on_the_site(
    h: Harness, target: str | None, expected: str
) -> None:
    params = {} if target is None else {"next": target}
    form = page_of(browser(h).get("/login", params=params))
    assert form.one("input", name="next").get("value") == expected


@pytest.mark.parametrize(("target", "expected"), NEXT)
def test_the_sign_in_page_sends_a_signed_in_user_on(
    h: Harness, target: str | None, expected: str
) -> None:
    client = sign_in(h, "tok-alice")
    params = {} if target is None else {"next": target}
    assert location(client.get("/login", params=params)) == expected


@pytest.mark.parametrize(
    "target", ["/\t/evil.example/", "/\n/evil.example/", "/\r\n/evil.example", "/ /evil.example"]
)
def test_control_characters_do_not_make_next_leave_the_site(h: Harness, target: str) -> None:
    """Browsers drop tabs and newlines from a Location and read a backslash as a slash."""
    where = location(post_login(browser(h), "tok-alice", target))
    as_read = "".join(c for c in where if c not in "\t\n\r").replace("\\", "/")
    assert as_read.startswith("/") and not as_read.startswith("//"), where


# ------------------------------------------------------------------ the form's CSRF check


def csrf_of_another_browser(h: Harness) -> str:
    return login_form(browser(h))


@pytest.mark.parametrize(
    "csrf",
    [None, "", "not-the-token", "other-browser"],
    ids=["no field", "empty", "wrong", "another browser's"],
)
def test_signing_in_without_this_pages_csrf_token_is_refused(h: Harness, csrf: str | None) -> None:
    client = browser(h)
    login_form(client)
    sent = csrf_of_another_browser(h) if csrf == "other-browser" else csrf
    data = {"token": "tok-prof", "next": "/"} | ({} if sent is None else {"csrf": sent})
    response = client.post("/login", data=data)
    assert error_text(response, 403) == CSRF_MESSAGE
    assert location(client.get("/")) == "/login?next=%2F"  # no session


def test_signing_in_without_a_session_cookie_is_refused(h: Harness) -> None:
    """A form posted from another site: it cannot carry our (SameSite) cookie."""
    csrf = csrf_of_another_browser(h)
    client = browser(h)
    response = client.post("/login", data={"csrf": csrf, "token": "tok-prof"})
    assert error_text(response, 403) == CSRF_MESSAGE
    assert location(client.get("/")) == "/login?next=%2F"


def test_a_huge_sign_in_form_is_refused(h: Harness) -> None:
    client = browser(h)
    csrf = login_form(client)
    response = client.post("/login", data={"csrf": csrf, "token": "x" * 20_000})
    assert error_text(response, 413) == "a form is at most 16384 bytes"
    assert location(client.get("/")) == "/login?next=%2F"


def test_a_huge_sign_in_form_without_a_declared_length_is_refused(h: Harness) -> None:
    """Sent in chunks, without Content-Length: the limit holds for the bytes received."""
    client = browser(h)
    csrf = login_form(client)

    def chunks() -> Iterator[bytes]:
        yield f"csrf={csrf}&token=".encode()
        for _ in range(10):
            yield b"x" * 10_000

    response = client.post(
        "/login",
        content=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert "content-length" not in response.request.headers
    assert error_text(response, 413) == "a form is at most 16384 bytes"


# ------------------------------------------------------------------ signing out


@pytest.mark.parametrize("csrf", [None, "not-the-token"], ids=["no field", "wrong"])
def test_signing_out_needs_the_csrf_token(h: Harness, csrf: str | None) -> None:
    client = sign_in(h, "tok-alice")
    assert error_text(post_form(client, "/logout", csrf), 403) == CSRF_MESSAGE
    page_of(client.get("/"))  # still signed in


def test_signing_out_drops_the_session(h: Harness) -> None:
    client = sign_in(h, "tok-alice")
    submission = h.submit("tok-alice")
    page_of(client.get(f"/submissions/{submission}"))
    response = post_form(client, "/logout", page_csrf(client))
    assert location(response) == "/login"
    assert COOKIE not in client.cookies
    for path in ("/", ASSIGNMENT_PAGE, f"/submissions/{submission}"):
        assert location(client.get(path)) == f"/login?next={quote(path, safe='')}"
    login = page_of(client.get("/login"))
    assert login.by_testid("error") == []  # signed out is not expired


def test_the_logout_button_posts_the_pages_csrf_token(h: Harness) -> None:
    client = sign_in(h, "tok-alice")
    response = client.get(ASSIGNMENT_PAGE)
    form = page_of(response).one("form", action="/logout")
    assert form.get("method") == "post"
    assert form.one("input", name="csrf").get("value") == csrf_of(response.text)
    assert form.testid("logout").get("type") == "submit"


def test_signing_out_is_a_post(h: Harness) -> None:
    client = sign_in(h, "tok-alice")
    assert page_of(client.get("/logout"), 405).testid("error").text
    page_of(client.get("/"))  # still signed in
