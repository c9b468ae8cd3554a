"""A real Chromium for page tests (Playwright, sync API).

``chromium``: one browser for the session (Debian's /usr/bin/chromium; browsers are
never downloaded). ``new_page``: a page in a fresh context (its own cookies) per
user. ``sign_in`` goes through the login form; ``shot`` saves a full-page screenshot
to GRADER_SCREENSHOTS (default .cache/screenshots) as ``<test>-<name>.png``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.conftest import REPO, missing

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("GRADER_SCREENSHOTS", REPO / ".cache" / "screenshots"))
ACTION_TIMEOUT_MS = 20_000

NewPage = Callable[..., Page]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """One Chromium per test module. Not per session: Playwright's sync API keeps an
    asyncio loop marked running in the main thread until it stops, and later tests that
    run their own loop (asyncio.run) would fail."""
    if not CHROMIUM.exists():
        missing(f"no Chromium at {CHROMIUM} (apt-get install chromium; make setup)")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def new_page(chromium: Browser) -> Iterator[NewPage]:
    """``new_page(**context_options)``: a page of its own context, closed after the test."""
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> Page:
        context = chromium.new_context(**options)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def path_of(url: str) -> str:
    return urlsplit(url).path


def send_form(page: Page, send: Callable[[], None]) -> int:
    """Send a form (``send`` clicks or presses a key) and wait for the page it leads to.
    The status of the form's own response: 303 when it redirected."""
    with page.expect_navigation() as navigation:
        send()
    response = navigation.value
    assert response is not None, "the form led to no page"
    first = response.request
    while first.redirected_from is not None:
        first = first.redirected_from
    answered = first.response()
    assert answered is not None
    return answered.status


def submit_login(page: Page, token: str) -> int:
    """Fill and send the login form shown on ``page``; the status of the POST."""
    page.get_by_test_id("login-token").fill(token)
    return send_form(page, page.get_by_test_id("login-submit").click)


def sign_in(page: Page, base_url: str, token: str, next_path: str | None = None) -> None:
    """Sign in through the form; lands on ``next_path`` (or /)."""
    query = f"?{urlencode({'next': next_path})}" if next_path else ""
    page.goto(f"{base_url}/login{query}")
    status = submit_login(page, token)
    assert status == 303, f"sign-in with {token} answered {status}, not 303"
    assert path_of(page.url) == (next_path or "/"), page.url


def shot(page: Page, name: str) -> Path:
    """A full-page screenshot, named after the running test."""
    current = os.environ.get("PYTEST_CURRENT_TEST", "page-test")
    test = re.sub(r"[^\w.-]+", "_", current.split("::")[-1].split(" ")[0])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{test}-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
