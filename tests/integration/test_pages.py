"""The web pages in a real Chromium, against the real stack (API, Redis, Celery, Docker).

One stack for the module. The tests run in file order and share its store: the
dashboard test, last, reads the submissions the others made and checks its numbers
against the JSON API's.
Screenshots of every page visited go to GRADER_SCREENSHOTS (tests/integration/browser.py).
"""

from __future__ import annotations

import csv
import io
import re
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import FilePayload, Page, expect

from tests.conftest import REPO
from tests.integration.browser import NewPage, path_of, send_form, shot, sign_in, submit_login
from tests.integration.service_stack import Stack, running

pytestmark = pytest.mark.docker

ASSIGNMENT = "cs189_hw2"
ASSIGNMENT_IDS = ("cs189_hw2", "cmu10601_hw5", "mit6390_nn", "thu_dl_hw")
MAX_SCORE = 37
REFERENCE = REPO / "reference" / "cs189_hw2" / "hw2.py"
GOOD_LOSS = "dL_dg = -y / g + (1.0 - y) / (1.0 - g)"
BAD_LOSS = "dL_dg = y / g - (1.0 - y) / (1.0 - g)"
GRADING_MS = 180_000
SUBMISSION_PATH = re.compile(r"^/submissions/([^/]+)$")
PHONE = {"width": 375, "height": 740}
MAX_TABS = 40
SIGN_OUT = 'form[action="/logout"] button'


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, docker_sandbox: object) -> Iterator[Stack]:
    secret = f"pages-{uuid.uuid4().hex}"
    with running(tmp_path_factory.mktemp("stack"), GRADER_SESSION_SECRET=secret) as service:
        yield service


# ------------------------------------------------------------------ helpers


def api_get(stack: Stack, token: str, path: str) -> Any:
    with stack.client(token) as http:
        response = http.get(path)
    assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
    return response.json()


def api_error(stack: Stack, token: str, name: str, content: bytes) -> tuple[int, str]:
    """The status and error.message the JSON API gives for this upload."""
    with stack.client(token) as http:
        response = http.post(
            f"/api/assignments/{ASSIGNMENT}/submissions", files=[("files", (name, content))]
        )
    assert response.status_code >= 400, response.text
    return response.status_code, str(response.json()["error"]["message"])


def open_assignment(page: Page, stack: Stack) -> None:
    response = page.goto(f"{stack.base_url}/assignments/{ASSIGNMENT}")
    assert response is not None and response.status == 200
    expect(page.get_by_test_id("upload-input")).to_be_attached()


def post_upload(page: Page, files: Path | FilePayload) -> int:
    """Choose ``files`` in the upload form and send it; the status of the POST."""
    page.get_by_test_id("upload-input").set_input_files(files)
    return send_form(page, page.get_by_test_id("upload-submit").click)


def upload(page: Page, files: Path | FilePayload) -> str:
    """Upload through the form; lands on the new submission's page. Its id."""
    status = post_upload(page, files)
    assert status == 303, f"upload answered {status}: {error_text(page)}"
    return landed_submission(page)


def landed_submission(page: Page) -> str:
    found = SUBMISSION_PATH.match(path_of(page.url))
    assert found is not None, f"not on a submission page: {page.url}"
    return found.group(1)


def error_text(page: Page) -> str:
    error = page.get_by_test_id("error")
    return error.inner_text() if error.count() else "(no [data-testid=error])"


def wait_graded(page: Page) -> float:
    """Wait (the page polls by itself) until graded; the score shown, checked as X / 37."""
    status = page.get_by_test_id("submission-status")
    expect(status).to_contain_text(re.compile(r"queued|running|graded|failed"))
    expect(status).to_contain_text(re.compile(r"graded|failed"), timeout=GRADING_MS)
    assert "graded" in status.inner_text(), status.inner_text()
    score = page.get_by_test_id("score")
    expect(score).to_have_text(re.compile(rf"^\s*[\d.]+ / {MAX_SCORE}\s*$"))
    return float(score.inner_text().split("/")[0])


def wait_all_graded(stack: Stack, timeout: float = 240) -> list[dict[str, Any]]:
    """Every student's latest submission, once none is queued or running (instructor API)."""
    deadline = time.monotonic() + timeout
    while True:
        latest = api_get(
            stack, "tok-prof", f"/api/assignments/{ASSIGNMENT}/submissions?latest=true"
        )
        pending = [s["id"] for s in latest if s["status"] in ("queued", "running")]
        if not pending:
            return list(latest)
        assert time.monotonic() < deadline, f"still grading after {timeout} s: {pending}"
        time.sleep(1)


def reference_id(stack: Stack, student: str, token: str) -> str:
    """A submission of ``student`` (uploaded over the API when there is none yet)."""
    mine = api_get(
        stack, "tok-prof", f"/api/assignments/{ASSIGNMENT}/submissions?student={student}"
    )
    return str(mine[-1]["id"]) if mine else stack.upload(token, REFERENCE.read_text())


def focused_testid(page: Page) -> str | None:
    return page.evaluate("() => document.activeElement?.getAttribute('data-testid') ?? null")


def tab_to(page: Page, testid: str) -> None:
    for _ in range(MAX_TABS):
        if focused_testid(page) == testid:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"[data-testid={testid}] not reached with {MAX_TABS} Tab presses")


def float_or_none(text: str | None) -> float | None:
    return float(text) if text else None


# ------------------------------------------------------------------ tests


def test_student_uploads_and_reads_feedback(
    stack: Stack, new_page: NewPage, tmp_path: Path
) -> None:
    page = new_page()
    page.goto(f"{stack.base_url}/login")
    shot(page, "login")
    expect(page.get_by_test_id("login-token")).to_have_attribute("type", "password")
    expect(page.locator('form[action="/login"] input[type=hidden]')).not_to_have_count(0)
    assert submit_login(page, "tok-wrong") == 401
    expect(page.get_by_test_id("error")).to_contain_text("invalid token")
    shot(page, "login-refused")
    sign_in(page, stack.base_url, "tok-alice")
    expect(page.locator(SIGN_OUT)).to_have_count(1)
    for assignment_id in ASSIGNMENT_IDS:
        expect(page.locator(f'a[href="/assignments/{assignment_id}"]')).to_have_count(1)
    shot(page, "home")
    page.locator(f'a[href="/assignments/{ASSIGNMENT}"]').click()
    page.wait_for_url(f"**/assignments/{ASSIGNMENT}")
    expect(page.locator("body")).to_contain_text("hw2.py")  # among the required files
    shot(page, "assignment")

    good = upload(page, REFERENCE)
    assert wait_graded(page) == MAX_SCORE
    visible = api_get(stack, "tok-alice", f"/api/submissions/{good}/results.json")["tests"]
    expect(page.get_by_test_id("test-row")).to_have_count(len(visible))
    shot(page, "graded")

    source = REFERENCE.read_text()
    assert GOOD_LOSS in source, "the reference's loss gradient changed; update the mutant"
    buggy = tmp_path / "hw2.py"
    buggy.write_text(source.replace(GOOD_LOSS, BAD_LOSS))
    open_assignment(page, stack)
    bad = upload(page, buggy)
    assert wait_graded(page) < MAX_SCORE
    failed = page.get_by_test_id("test-row").filter(has_text="failed")
    assert failed.count() >= 1
    assert failed.first.locator("pre").inner_text().strip(), "a failed test must say why"
    shot(page, "partial")
    check_results_download(page, stack, bad)

    intruder = new_page()
    own_page = f"/submissions/{good}"
    intruder.goto(f"{stack.base_url}{own_page}")
    assert path_of(intruder.url) == "/login"  # no session: sent to sign in, then back
    assert submit_login(intruder, "tok-bob") == 303
    assert path_of(intruder.url) == own_page
    response = intruder.goto(f"{stack.base_url}{own_page}")
    assert response is not None and response.status == 404
    shot(intruder, "not-yours")

    assert send_form(page, page.locator(SIGN_OUT).click) == 303
    page.goto(f"{stack.base_url}/")
    assert path_of(page.url) == "/login", "signed out, / must ask to sign in again"


def test_refused_uploads_show_the_apis_error(stack: Stack, new_page: NewPage) -> None:
    page = new_page()
    sign_in(page, stack.base_url, "tok-alice")
    open_assignment(page, stack)
    huge: FilePayload = {"name": "hw2.py", "mimeType": "text/x-python", "buffer": b"#" * (6 << 20)}
    assert post_upload(page, huge) == 413
    expect(page.get_by_test_id("error")).to_contain_text("larger than the limit")
    assert api_error(stack, "tok-alice", "hw2.py", huge["buffer"])[1] in error_text(page)
    shot(page, "too-large")

    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("hw2.py", REFERENCE.read_text())
        archive.writestr("../evil.py", "print('out of the box')\n")
    evil: FilePayload = {
        "name": "hw2.zip",
        "mimeType": "application/zip",
        "buffer": packed.getvalue(),
    }
    status, message = api_error(stack, "tok-alice", "hw2.zip", evil["buffer"])
    assert post_upload(page, evil) == status
    expect(page.get_by_test_id("error")).to_contain_text("../evil.py")
    assert message in error_text(page)
    shot(page, "zip-escape")

    upload(page, REFERENCE)  # the form still works
    shot(page, "accepted")


def test_pages_fit_a_phone(stack: Stack, new_page: NewPage) -> None:
    submission = reference_id(stack, "alice", "tok-alice")
    student = new_page(viewport=PHONE)
    instructor = new_page(viewport=PHONE)
    too_wide: list[str] = []

    def visit(page: Page, path: str, name: str) -> None:
        response = page.goto(f"{stack.base_url}{path}")
        assert response is not None and response.status == 200, f"{path}: {response}"
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide.append(f"{path}: scrollWidth {width}")
        shot(page, name)

    visit(student, "/login", "login")
    sign_in(student, stack.base_url, "tok-alice")
    visit(student, "/", "home")
    visit(student, f"/assignments/{ASSIGNMENT}", "assignment")
    visit(student, f"/submissions/{submission}", "submission")
    sign_in(instructor, stack.base_url, "tok-prof")
    visit(instructor, f"/assignments/{ASSIGNMENT}/dashboard", "dashboard")
    assert not too_wide, f"wider than {PHONE['width']} px: {too_wide}"


def test_keyboard_alone(stack: Stack, new_page: NewPage) -> None:
    page = new_page()
    # Playwright asks the browser to intercept file choosers when the page gets its first
    # "filechooser" listener, and does not wait for the answer: added inside
    # expect_file_chooser, just before the key press, the request could arrive after the
    # press, and the chooser opened unseen (the test timed out once in CI). Added here, it
    # reaches the browser pages before.
    page.on("filechooser", lambda _chooser: None)
    page.goto(f"{stack.base_url}/login")
    tab_to(page, "login-token")
    page.keyboard.type("tok-bob")
    assert send_form(page, lambda: page.keyboard.press("Enter")) == 303
    assert path_of(page.url) == "/"
    shot(page, "home")

    open_assignment(page, stack)
    tab_to(page, "upload-input")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(REFERENCE)
    tab_to(page, "upload-submit")
    shot(page, "chosen")
    assert send_form(page, lambda: page.keyboard.press("Enter")) == 303
    landed_submission(page)
    expect(page.get_by_test_id("submission-status")).to_be_visible()
    shot(page, "submitted")


def test_instructor_dashboard_and_regrade(stack: Stack, new_page: NewPage) -> None:
    reference_id(stack, "alice", "tok-alice")  # someone has submitted, even when run alone
    latest = {s["student"]: s for s in wait_all_graded(stack)}
    graded = [s for s in latest.values() if s["score"] is not None]

    page = new_page()
    sign_in(page, stack.base_url, "tok-prof")
    dashboard = f"/assignments/{ASSIGNMENT}/dashboard"
    expect(page.locator(f'a[href="{dashboard}"]')).to_have_count(1)
    page.locator(f'a[href="{dashboard}"]').click()
    page.wait_for_url(f"**{dashboard}")
    for testid in ("score-histogram", "test-pass-rates"):
        figure = page.locator(f"figure[data-testid={testid}]")
        expect(figure.locator("svg")).not_to_have_count(0)
        expect(figure.locator("table")).to_have_count(1)
    shot(page, "dashboard")

    check_students(page, stack, latest)
    counts = [
        int(cell.get_attribute("data-count") or cell.inner_text())
        for cell in page.locator("[data-testid=score-histogram] tr[data-bin] td[data-count]").all()
    ]
    assert counts and sum(counts) == len(graded) > 0
    check_pass_rates(page, stack, graded)

    assert send_form(page, page.get_by_test_id("regrade").click) == 303
    landed = re.search(rf"{re.escape(dashboard)}\?regrade=([^&]+)$", page.url)
    assert landed is not None, page.url
    regrade_id = landed.group(1)
    progress = page.locator("progress[data-testid=regrade-progress]")
    expect(progress).to_have_attribute("data-done", "true", timeout=GRADING_MS * 2)
    assert progress.get_attribute("value") == progress.get_attribute("max")
    done = api_get(stack, "tok-prof", f"/api/regrades/{regrade_id}")
    assert done["done"] and float(progress.get_attribute("max") or -1) == done["total"]
    shot(page, "regraded")

    csv_link = page.get_by_test_id("grades-csv")
    assert csv_link.get_attribute("href") == f"/assignments/{ASSIGNMENT}/grades.csv"
    got = page.request.get(f"{stack.base_url}/assignments/{ASSIGNMENT}/grades.csv")
    assert got.status == 200
    table = list(csv.reader(io.StringIO(got.text())))
    assert table[0] == ["name", "score", "max_score", "submitted_at"]
    grades = {row[0]: row for row in table[1:]}
    after = {s["student"]: s for s in wait_all_graded(stack)}
    for name, record in after.items():
        assert name in grades, f"{name} submitted but is not in grades.csv"
        _, score, max_score, _ = grades[name]
        assert float(max_score) == MAX_SCORE
        assert float(score) == record["score"], name  # the latest score, as the API gives


def check_results_download(page: Page, stack: Stack, submission_id: str) -> None:
    """The page's results.json link gives what the JSON API gives the student: no hidden test."""
    href = f"/submissions/{submission_id}/results.json"
    expect(page.locator(f'a[href="{href}"]')).to_have_count(1)
    downloaded = page.request.get(f"{stack.base_url}{href}")
    assert downloaded.status == 200
    results = downloaded.json()
    assert results == api_get(stack, "tok-alice", f"/api/submissions/{submission_id}/results.json")
    everything = api_get(stack, "tok-prof", f"/api/submissions/{submission_id}/results.json")
    visible = [t for t in everything["tests"] if t.get("visibility", "visible") == "visible"]
    assert results["tests"] == visible
    assert results["score"] == everything["score"] < MAX_SCORE


def check_students(page: Page, stack: Stack, latest: dict[str, dict[str, Any]]) -> None:
    """Each student row's numbers are the API's (students without a submission: none)."""
    every = api_get(stack, "tok-prof", f"/api/assignments/{ASSIGNMENT}/submissions")
    rows = {
        str(row.get_attribute("data-student")): row
        for row in page.locator("tr[data-testid=student-row]").all()
    }
    assert set(latest) <= set(rows), f"students missing from the table: {set(latest) - set(rows)}"
    for name, row in rows.items():
        mine = [s for s in every if s["student"] == name]
        scores = [s["score"] for s in mine if s["score"] is not None]
        shown = (
            float_or_none(row.get_attribute("data-latest-score")),
            float_or_none(row.get_attribute("data-best-score")),
            int(row.get_attribute("data-submissions") or 0),
        )
        expected = (latest[name]["score"] if name in latest else None, max(scores, default=None))
        assert shown == (*expected, len(mine)), name


def check_pass_rates(page: Page, stack: Stack, graded: list[dict[str, Any]]) -> None:
    """Each test's passes among the graded students' latest results (instructor's view)."""
    passed: dict[str, int] = {}
    for record in graded:
        results = api_get(stack, "tok-prof", f"/api/submissions/{record['id']}/results.json")
        for test in results["tests"]:
            passed[test["name"]] = passed.get(test["name"], 0) + (test["status"] == "passed")
    shown = {
        str(row.get_attribute("data-test")): (
            row.get_attribute("data-passed"),
            row.get_attribute("data-graded"),
        )
        for row in page.locator("[data-testid=test-pass-rates] tr[data-test]").all()
    }
    assert shown and set(shown) == set(passed)
    for name, (passes, of) in shown.items():
        assert (int(passes or -1), int(of or -1)) == (passed[name], len(graded)), name
