"""The student's pages (api/pages/student.py): my assignments, an assignment (README and the
upload form, whose refusals say what the JSON API says), a submission (queue position,
feedback without what students may not see), its status and results downloads, and the
starter files."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.pages.session import CSRF_MESSAGE
from grader.feedback import with_lateness
from grader.lateness import ON_TIME
from grader.release import WITHHELD_TOTAL, for_student
from tests.unit.api_harness import (
    ASSIGNMENT,
    MAX_FILES,
    MAX_UPLOAD,
    REPO,
    RESULTS,
    SOURCE,
    Harness,
    assert_error,
    zip_of,
)
from tests.unit.pages_harness import (
    Element,
    api_upload,
    csrf_of,
    error_text,
    location,
    page_csrf,
    page_of,
    page_upload,
    sign_in,
)

ASSIGNMENT_PAGE = f"/assignments/{ASSIGNMENT}"
TITLE = "CS189 HW2: a neural network in NumPy"
STARTER = REPO / "testcases" / ASSIGNMENT / "starter" / "hw2.py"
HIDDEN_OUTPUT = "hidden details"  # a hidden test's output in RESULTS
LOG = RESULTS["extra_data"]["sandbox_log"]
DASH = "\N{EN DASH}"
ALL_TESTS = ["seen", "secret", "after due", "after published"]
PACIFIC = timezone(timedelta(hours=-8))
MINUTE = "%Y-%m-%d %H:%M"  # how the pages write a time


@pytest.fixture
def alice(h: Harness) -> TestClient:
    return sign_in(h, "tok-alice")


# RESULTS with every test visible: its student sees the total (no test is withheld)
OPEN = {**RESULTS, "tests": [{**t, "visibility": "visible"} for t in RESULTS["tests"]]}


def scored(score: float) -> dict[str, Any]:
    return {**OPEN, "score": score}


def graded(
    h: Harness, token: str = "tok-alice", score: float = 7.0, results: dict[str, Any] | None = None
) -> str:
    """A submission through the JSON API, graded with these results (by default every
    test visible, at this score)."""
    submission = h.submit(token)
    h.grade(h.latest_job(submission), scored(score) if results is None else results)
    return submission


# ------------------------------------------------------------------ my assignments


@pytest.mark.parametrize(
    ("scores", "cells"),
    [
        ([], [DASH, "37", DASH, DASH, "0"]),
        ([7.0], [DASH, "37", "7 / 37", "7 / 37", "1"]),
        ([7.0, 5.0], [DASH, "37", "5 / 37", "7 / 37", "2"]),
        ([5.0, 21.5], [DASH, "37", "21.5 / 37", "21.5 / 37", "2"]),
        ([7.0, None], [DASH, "37", "queued", "7 / 37", "2"]),
    ],
    ids=["none", "one graded", "latest below best", "latest is best", "latest queued"],
)
def test_home_lists_the_assignment_with_my_latest_and_best_score(
    h: Harness, alice: TestClient, scores: list[float | None], cells: list[str]
) -> None:
    submissions = [h.submit("tok-alice") for _ in scores]
    for submission, score in zip(submissions, scores, strict=True):
        if score is not None:
            h.grade(h.latest_job(submission), scored(score))
    graded(h, "tok-bob", 37.0)  # another student's scores are not mine
    row = page_of(alice.get("/")).one(data_testid="assignment-row")
    assert row.get("data-assignment") == ASSIGNMENT
    assert row.one("th").text == TITLE
    assert row.one("th").one("a").get("href") == ASSIGNMENT_PAGE
    assert [cell.text for cell in row.all("td")] == cells
    if submissions:
        latest_link = row.all("td")[2].one("a")
        assert latest_link.get("href") == f"/submissions/{submissions[-1]}"


def test_home_leaves_out_an_invalid_assignment_and_still_renders(
    h: Harness, alice: TestClient
) -> None:
    assert "broken" in h.app.state.services.assignments.ids()  # the harness has one
    home = page_of(alice.get("/"))
    rows = home.by_testid("assignment-row")
    assert [row.get("data-assignment") for row in rows] == [ASSIGNMENT]
    assert "broken" not in alice.get("/").text


def test_home_without_any_assignment_says_so(h: Harness, alice: TestClient) -> None:
    shutil.rmtree(h.settings.assignments_dir / ASSIGNMENT)  # links, and a copy of the YAML
    shutil.rmtree(h.settings.assignments_dir / "broken")
    home = page_of(alice.get("/"))
    assert home.by_testid("assignment-row") == []
    assert "No assignments are open." in home.one("main").text


# ------------------------------------------------------------------ an assignment's page


def readme_of(page: Element) -> Element:
    return page.one("section", class_="readme")


def test_the_assignment_page_shows_the_readme_with_only_starter_links(alice: TestClient) -> None:
    page = page_of(alice.get(ASSIGNMENT_PAGE))
    assert page.all("h1")[0].text == TITLE
    readme = readme_of(page)
    assert readme.one("h1").text == "CS189 HW2: Implementing a Neural Network in NumPy"
    assert readme.all("table")  # the README's tables are rendered as tables
    starter = readme.one("a", href=f"{ASSIGNMENT_PAGE}/starter/hw2.py")
    assert starter.text == "starter/hw2.py"
    provenance = [a for a in readme.all("a") if a.text == "data/PROVENANCE.md"]
    assert len(provenance) == 1 and not provenance[0].has("href")  # text, not a link
    hrefs = [a.get("href") for a in readme.all("a") if a.has("href")]
    assert hrefs == [f"{ASSIGNMENT_PAGE}/starter/hw2.py"]


def test_the_starter_link_of_the_readme_serves_the_file(alice: TestClient) -> None:
    page = page_of(alice.get(ASSIGNMENT_PAGE))
    href = readme_of(page).one("a", href=f"{ASSIGNMENT_PAGE}/starter/hw2.py").get("href")
    assert href is not None
    assert alice.get(href).content == STARTER.read_bytes()


def test_the_assignment_page_has_the_upload_form(alice: TestClient) -> None:
    response = alice.get(ASSIGNMENT_PAGE)
    page = page_of(response)
    submit = page.one("section", aria_labelledby="submit-heading")
    assert next(code.text for code in submit.all("code")) == "hw2.py"  # the required file
    form = submit.one("form")
    assert form.get("action") == f"{ASSIGNMENT_PAGE}/submissions"
    assert (form.get("method"), form.get("enctype")) == ("post", "multipart/form-data")
    files = form.testid("upload-input")
    assert (files.get("name"), files.get("type"), files.has("multiple")) == ("files", "file", True)
    assert form.testid("upload-submit").get("type") == "submit"
    assert form.one("input", name="csrf").get("value") == csrf_of(response.text)
    assert page.by_testid("error") == []
    assert page.by_testid("submission-row") == []


def test_the_assignment_page_lists_my_submissions_only(h: Harness, alice: TestClient) -> None:
    mine = [graded(h), h.submit("tok-alice")]
    graded(h, "tok-bob")
    rows = page_of(alice.get(ASSIGNMENT_PAGE)).by_testid("submission-row")
    assert [row.one("a").get("href") for row in rows] == [f"/submissions/{s}" for s in mine[::-1]]
    assert [[td.text for td in row.all("td")][1:] for row in rows] == [
        ["queued", DASH],
        ["graded", "7 / 37"],
    ]


@pytest.mark.parametrize(
    ("assignment", "status", "message"),
    [
        ("cs999_hw9", 404, "no assignment 'cs999_hw9'"),
        ("broken", 503, "assignment 'broken' cannot accept submissions now"),
    ],
)
def test_an_assignment_page_that_cannot_be_shown_is_an_error_page(
    alice: TestClient, assignment: str, status: int, message: str
) -> None:
    assert message in error_text(alice.get(f"/assignments/{assignment}"), status)


# ------------------------------------------------------------------ uploading through the form


def test_an_upload_through_the_form_is_stored_queued_and_shown(
    h: Harness, alice: TestClient
) -> None:
    csrf = page_csrf(alice, ASSIGNMENT_PAGE)
    where = location(page_upload(alice, csrf, [("hw2.py", SOURCE)]))
    [submission] = h.store.submissions(ASSIGNMENT)
    assert where == f"/submissions/{submission.id}"
    assert submission.student == "alice"
    assert h.store.files(submission.id) == {"hw2.py": SOURCE}
    assert h.sent == [h.latest_job(submission.id)]
    status = page_of(alice.get(where)).testid("submission-status")
    assert status.get("data-status") == "queued"


def test_a_zip_through_the_form_is_unpacked(h: Harness, alice: TestClient) -> None:
    csrf = page_csrf(alice, ASSIGNMENT_PAGE)
    upload = [("hw.zip", zip_of(("hw2.py", SOURCE), ("notes/todo.txt", b"n")))]
    where = location(page_upload(alice, csrf, upload))
    [submission] = h.store.submissions(ASSIGNMENT)
    assert where == f"/submissions/{submission.id}"
    assert h.store.files(submission.id) == {"hw2.py": SOURCE, "notes/todo.txt": b"n"}


REFUSED: list[tuple[str, list[tuple[str, bytes]], int]] = [
    ("too large", [("hw2.py", b"#" * (MAX_UPLOAD + 70_000))], 413),
    ("over the assignment's max_bytes", [("hw2.py", b"#" * (1_048_576 + 1))], 413),
    ("wrong file name", [("hw3.py", SOURCE)], 422),
    ("required file missing", [("notes.txt", b"n")], 422),
    ("zip with a ../ entry", [("hw.zip", zip_of(("../evil.py", b"x")))], 422),
    ("not a zip", [("hw.zip", b"no zip at all")], 422),
    ("too many files", [(f"f{i}.py", b"") for i in range(MAX_FILES + 1)], 422),
    (
        "too many files in a zip",
        [("hw.zip", zip_of(*((f"f{i}.py", b"") for i in range(MAX_FILES + 1))))],
        422,
    ),
    ("duplicate file names", [("a/hw2.py", SOURCE), ("b/hw2.py", SOURCE)], 422),
    ("no files at all", [], 422),
    ("an empty file input", [("", b"")], 422),
]


@pytest.mark.parametrize(("files", "status"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_a_refused_upload_shows_the_form_again_with_the_apis_status_and_message(
    h: Harness, alice: TestClient, files: list[tuple[str, bytes]], status: int
) -> None:
    api = api_upload(h, "tok-alice", files)
    assert api.status_code == status, api.text
    csrf = page_csrf(alice, ASSIGNMENT_PAGE)
    response = page_upload(alice, csrf, files)
    page = page_of(response, status)
    assert page.testid("error").text == api.json()["error"]["message"]
    assert page.testid("upload-input").get("name") == "files"
    assert page.testid("upload-submit").get("type") == "submit"
    form = page.one("form", action=f"{ASSIGNMENT_PAGE}/submissions")
    assert form.one("input", name="csrf").get("value") == csrf  # the form still works
    h.assert_nothing_stored()


@pytest.mark.parametrize(
    "csrf", [None, "", "not-the-token", "bob's"], ids=["no field", "empty", "wrong", "bob's"]
)
def test_an_upload_without_this_pages_csrf_token_is_refused(
    h: Harness, alice: TestClient, csrf: str | None
) -> None:
    sent = page_csrf(sign_in(h, "tok-bob"), ASSIGNMENT_PAGE) if csrf == "bob's" else csrf
    page = page_of(page_upload(alice, sent, [("hw2.py", SOURCE)]), 403)
    assert page.testid("error").text == CSRF_MESSAGE
    assert page.testid("upload-input").get("name") == "files"
    h.assert_nothing_stored()


def test_an_upload_to_an_invalid_assignment_is_an_error_page(h: Harness, alice: TestClient) -> None:
    csrf = page_csrf(alice, ASSIGNMENT_PAGE)
    message = error_text(page_upload(alice, csrf, [("hw2.py", SOURCE)], "broken"), 503)
    assert "cannot accept submissions" in message
    h.assert_nothing_stored()


# ------------------------------------------------------------------ a submission's page


def status_of(client: TestClient, submission: str) -> Element:
    return page_of(client.get(f"/submissions/{submission}")).testid("submission-status")


def test_a_queued_submission_shows_its_place_in_the_queue(h: Harness, alice: TestClient) -> None:
    first, second = h.submit("tok-alice"), h.submit("tok-alice")
    third = h.submit("tok-bob")
    for submission, place in ((first, 1), (second, 2)):
        status = status_of(alice, submission)
        assert (status.get("data-status"), status.get("data-final")) == ("queued", "false")
        assert status.one("span", data_position=True).text == f", number {place} in the queue"
        assert "number" not in status.one("strong").text
    h.grade(h.latest_job(first))
    assert (
        status_of(alice, second).one("span", data_position=True).text == ", number 1 in the queue"
    )
    bob = sign_in(h, "tok-bob")
    assert status_of(bob, third).one("span", data_position=True).text == ", number 2 in the queue"


def test_a_waiting_page_refreshes_itself_without_script(h: Harness, alice: TestClient) -> None:
    submission = h.submit("tok-alice")
    refresh = page_of(alice.get(f"/submissions/{submission}")).all("meta", http_equiv="refresh")
    assert [m.get("content") for m in refresh] == ["3"]
    h.grade(h.latest_job(submission))
    assert page_of(alice.get(f"/submissions/{submission}")).all("meta", http_equiv="refresh") == []


@pytest.mark.parametrize(
    ("token", "tests", "score", "sees_everything"),
    [("tok-alice", ["seen"], DASH, False), ("tok-prof", ALL_TESTS, "7 / 37", True)],
    ids=["the student", "an instructor"],
)
def test_a_graded_submission_shows_the_score_and_the_tests_its_reader_may_see(
    h: Harness, token: str, tests: list[str], score: str, sees_everything: bool
) -> None:
    """The student sees no total while tests are withheld from them (Gradescope's rule)."""
    submission = graded(h, results=RESULTS)
    response = sign_in(h, token).get(f"/submissions/{submission}")
    page = page_of(response)
    status = page.testid("submission-status")
    assert (status.get("data-status"), status.get("data-final")) == ("graded", "true")
    assert status.one("span", data_position=True).text == ""
    assert page.testid("score").text == score
    assert [row.get("data-test") for row in page.by_testid("test-row")] == tests
    assert (HIDDEN_OUTPUT in response.text) is sees_everything
    assert (LOG in response.text) is sees_everything
    assert (WITHHELD_TOTAL in response.text) is not sees_everything
    assert page.testid("results-json").get("href") == f"/submissions/{submission}/results.json"


def test_with_every_test_visible_the_student_sees_the_score(h: Harness) -> None:
    submission = graded(h)
    page = page_of(sign_in(h, "tok-alice").get(f"/submissions/{submission}"))
    assert page.testid("score").text == "7 / 37"
    assert [row.get("data-test") for row in page.by_testid("test-row")] == ALL_TESTS


def test_an_instructor_sees_the_sandbox_log(h: Harness) -> None:
    submission = graded(h, results=RESULTS)
    page = page_of(sign_in(h, "tok-prof").get(f"/submissions/{submission}"))
    log = page.one("section", aria_labelledby="log-heading")
    assert log.one("pre").text == LOG
    assert page.one("p", class_="meta").one("strong").text == "alice"


def test_a_test_row_shows_its_points_and_output(h: Harness) -> None:
    submission = graded(h, results=RESULTS)
    page = page_of(sign_in(h, "tok-prof").get(f"/submissions/{submission}"))
    [failed] = page.all(data_testid="test-row", data_test="after published")
    assert failed.one("span", class_="points").text == "0 / 3"
    assert failed.one("pre").text == "wrong"
    assert failed.one("span", class_="tag").text == "after_published"


SHOWN = with_lateness(RESULTS, ON_TIME)  # the grading as shown: raw_score, late, final score


@pytest.mark.parametrize(
    ("token", "expected"),
    [("tok-alice", for_student(SHOWN, frozenset({"visible"}))), ("tok-prof", SHOWN)],
    ids=["the student", "an instructor"],
)
def test_results_json_is_a_download_of_what_its_reader_may_see(
    h: Harness, token: str, expected: dict[str, Any]
) -> None:
    submission = graded(h, results=RESULTS)
    response = sign_in(h, token).get(f"/submissions/{submission}/results.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    disposition = response.headers["content-disposition"]
    assert disposition == f'attachment; filename="results-{submission}.json"'
    assert response.json() == expected
    assert response.json() == h.get(token, f"/api/submissions/{submission}/results.json").json()


def test_the_students_results_json_has_no_hidden_output_nor_log(h: Harness) -> None:
    submission = graded(h, results=RESULTS)
    response = sign_in(h, "tok-alice").get(f"/submissions/{submission}/results.json")
    assert [t["name"] for t in response.json()["tests"]] == ["seen"]
    assert "extra_data" not in response.json()
    assert HIDDEN_OUTPUT not in response.text and LOG not in response.text


def test_what_the_grader_wrote_is_shown_as_text(h: Harness) -> None:
    """Test names and outputs come from running the student's code: never markup."""
    hostile = {
        "name": "<script>alert('name')</script>",
        "score": 0.0,
        "max_score": 1.0,
        "status": "failed",
        "output": "<img src=x onerror=alert(1)>",
        "visibility": "visible",
    }
    results = {**RESULTS, "output": "<b>summary</b>", "tests": [hostile]}
    submission = h.submit("tok-alice")
    h.grade(h.latest_job(submission), results)
    page = page_of(sign_in(h, "tok-alice").get(f"/submissions/{submission}"))
    main = page.one("main")
    assert main.all("script") == [] and main.all("img") == [] and main.all("b") == []
    row = main.testid("test-row")
    assert row.one("span", class_="name").text == hostile["name"]
    assert row.one("pre").text == hostile["output"]


def test_results_json_of_a_queued_submission_is_a_json_404(h: Harness, alice: TestClient) -> None:
    submission = h.submit("tok-alice")
    response = alice.get(f"/submissions/{submission}/results.json")
    assert_error(response, 404, "no_results", f"submission {submission!r} has no results yet")


def test_a_failed_submission_says_why(h: Harness, alice: TestClient) -> None:
    submission = h.submit("tok-alice")
    h.fail(h.latest_job(submission), "the sandbox ran out of memory")
    page = page_of(alice.get(f"/submissions/{submission}"))
    status = page.testid("submission-status")
    assert (status.get("data-status"), status.get("data-final")) == ("failed", "true")
    expected = "This submission could not be graded: the sandbox ran out of memory"
    assert page.testid("error").text == expected
    assert page.by_testid("score") == []


@pytest.mark.parametrize("whose", ["alice's", "nobody's"])
def test_another_students_submission_is_a_404_page(h: Harness, whose: str) -> None:
    submission = h.submit("tok-alice") if whose == "alice's" else "0" * 32
    bob = sign_in(h, "tok-bob")
    page = page_of(bob.get(f"/submissions/{submission}"), 404)
    assert page.testid("error").text == f"no submission {submission!r}"
    for download in ("status.json", "results.json"):
        response = bob.get(f"/submissions/{submission}/{download}")
        assert_error(response, 404, "not_found", f"no submission {submission!r}")


# ------------------------------------------------------------------ status.json


def test_status_json_follows_the_submission(h: Harness, alice: TestClient) -> None:
    first, second = h.submit("tok-alice"), h.submit("tok-alice")
    url = f"/submissions/{second}/status.json"
    assert alice.get(url).json() == {
        "status": "queued",
        "position": 2,
        "final": False,
        "score": None,
    }
    h.grade(h.latest_job(first))
    assert alice.get(url).json()["position"] == 1
    h.grade(h.latest_job(second), scored(21.5))
    assert alice.get(url).json() == {
        "status": "graded",
        "position": None,
        "final": True,
        "score": 21.5,
    }


def test_status_json_of_a_failed_submission_is_final(h: Harness, alice: TestClient) -> None:
    submission = h.submit("tok-alice")
    h.fail(h.latest_job(submission), "boom")
    assert alice.get(f"/submissions/{submission}/status.json").json() == {
        "status": "failed",
        "position": None,
        "final": True,
        "score": None,
    }


def test_the_page_polls_its_status_json(h: Harness, alice: TestClient) -> None:
    submission = h.submit("tok-alice")
    status = status_of(alice, submission)
    poll = status.get("data-poll")
    assert poll == f"/submissions/{submission}/status.json"
    assert json.loads(alice.get(poll).text)["status"] == status.get("data-status")


# ------------------------------------------------------------------ starter files


def test_a_starter_file_is_served_as_text(alice: TestClient) -> None:
    response = alice.get(f"{ASSIGNMENT_PAGE}/starter/hw2.py")
    assert response.status_code == 200
    assert response.content == STARTER.read_bytes()
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    ("url_path", "path"),
    [
        ("%2E%2E/assignment.yaml", "../assignment.yaml"),
        ("..%2Fassignment.yaml", "../assignment.yaml"),
        ("%2E%2E/README.md", "../README.md"),
        ("%2E%2E/data/PROVENANCE.md", "../data/PROVENANCE.md"),
        ("%2E%2E%2Fdata%2Fmnist_3v9_train.npz", "../data/mnist_3v9_train.npz"),
        ("%2E%2E/mutants.yaml", "../mutants.yaml"),
        ("%2Fetc%2Fpasswd", "/etc/passwd"),
        ("missing.py", "missing.py"),
        ("", ""),
    ],
)
def test_nothing_but_the_starter_folder_is_served(
    alice: TestClient, url_path: str, path: str
) -> None:
    response = alice.get(f"{ASSIGNMENT_PAGE}/starter/{url_path}")
    assert error_text(response, 404) == f"no starter file {path!r}"


def test_the_data_folder_is_not_served(alice: TestClient) -> None:
    data = Path(REPO / "testcases" / ASSIGNMENT / "data" / "PROVENANCE.md")
    assert data.is_file()
    assert alice.get(f"{ASSIGNMENT_PAGE}/data/PROVENANCE.md").status_code == 404


# ------------------------------------------------------------------ deadlines and limits


def at(h: Harness, seconds: float = 0) -> datetime:
    """The harness clock's time plus ``seconds``, in UTC-08:00 as an instructor writes it."""
    return datetime.fromtimestamp(h.clock.now() + seconds, PACIFIC)


def late_work_policy(h: Harness, **extra: Any) -> datetime:
    """Due in an hour (UTC-08:00), late work for two days at 10% a day; returns the due."""
    due = at(h, 3600)
    late = {"late_until": (due + timedelta(days=2)).isoformat(), "late_penalty": {"per_day": 0.1}}
    h.set_policy({"due": due.isoformat(), **late, **extra})
    return due


def test_home_shows_my_due_in_the_instructors_zone_with_my_extension(
    h: Harness, alice: TestClient
) -> None:
    due = late_work_policy(h)
    cell = page_of(alice.get("/")).one(data_testid="assignment-row").testid("due")
    closes = due + timedelta(days=2)
    assert cell.text == f"{due:{MINUTE}} UTC-08:00 late until {closes:{MINUTE}} UTC-08:00"
    h.store.set_extension(ASSIGNMENT, "alice", due + timedelta(days=1), "prof")
    cell = page_of(alice.get("/")).one(data_testid="assignment-row").testid("due")
    assert cell.text.startswith(
        f"{due + timedelta(days=1):%Y-%m-%d %H:%M} UTC-08:00 (your extension)"
    )
    h.clock.advance(3600 + 3 * 86400 + 1)  # past the extended close
    cell = page_of(alice.get("/")).one(data_testid="assignment-row").testid("due")
    assert cell.text.endswith("closed")


def test_the_assignment_page_shows_the_deadlines_and_my_submissions_left(
    h: Harness, alice: TestClient
) -> None:
    due = late_work_policy(h, max_submissions={"count": 2, "per_hours": 24})
    facts = page_of(alice.get(ASSIGNMENT_PAGE)).testid("deadlines")
    assert facts.testid("due").text == f"{due:%Y-%m-%d %H:%M} UTC-08:00"
    assert "10% off per started day late" in facts.text
    assert facts.testid("submissions-left").text == "2 submissions per 24 hours: 2 left now"
    h.submit("tok-alice")
    h.clock.advance(60)
    h.submit("tok-alice")
    left = page_of(alice.get(ASSIGNMENT_PAGE)).testid("submissions-left").text
    next_at = datetime.fromtimestamp(h.clock.now() - 60 + 86400, UTC)
    assert (
        left == f"2 submissions per 24 hours: 0 left now, the next at {next_at:%Y-%m-%d %H:%M} UTC"
    )


def test_an_upload_over_the_limit_is_the_page_with_a_429_and_retry_after(
    h: Harness, alice: TestClient
) -> None:
    late_work_policy(h, max_submissions={"count": 1, "per_hours": 24})
    h.submit("tok-alice")
    h.clock.advance(3600)
    csrf = page_csrf(alice, ASSIGNMENT_PAGE)
    response = page_upload(alice, csrf, [("hw2.py", SOURCE)])
    page = page_of(response, 429)
    assert response.headers["retry-after"] == str(23 * 3600)
    first = datetime.fromtimestamp(h.clock.now() - 3600, UTC)
    next_at = (first + timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M:%SZ")
    message = f"1 submission per 24 hours: the next is allowed at {next_at}"
    assert page.testid("error").text == message
    assert len(h.store.student_submissions(ASSIGNMENT, "alice")) == 1


def test_after_the_close_the_page_says_so_and_an_upload_is_refused(
    h: Harness, alice: TestClient
) -> None:
    due = at(h, -3600)
    h.set_policy({"due": due.isoformat()})  # no late work: closed an hour ago
    page = page_of(alice.get(ASSIGNMENT_PAGE))
    assert page.testid("closed").text == (
        f"Submissions closed at {due:{MINUTE}} UTC-08:00. Ask your instructor for an extension."
    )
    response = page_upload(alice, csrf_of(alice.get(ASSIGNMENT_PAGE).text), [("hw2.py", SOURCE)])
    assert "closed at" in page_of(response, 403).testid("error").text
    h.assert_nothing_stored()


def test_a_late_submission_page_shows_the_penalty_and_the_raw_score(
    h: Harness, alice: TestClient
) -> None:
    late_work_policy(h)
    h.clock.advance(3600 + 86400 + 1)  # a day and a second late: 20% off
    submission = graded(h, score=10.0)
    page = page_of(alice.get(f"/submissions/{submission}"))
    assert page.testid("score").text == "8 / 37"
    assert page.testid("late").text == "— 2 days late: 20% off (before the penalty 10 / 37)"
