"""The instructor's pages (api/pages/instructor.py): the dashboard (charts, and each student's
latest score as the JSON API gives it), a regrade started from it and its progress, and
the grades CSV; students are refused all of them."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.pages.session import CSRF_MESSAGE
from tests.unit.api_harness import ASSIGNMENT, RESULTS, Harness, assert_error
from tests.unit.pages_harness import (
    Element,
    error_text,
    location,
    page_csrf,
    page_of,
    post_form,
    query_of,
    sign_in,
)

BASE = f"/assignments/{ASSIGNMENT}"
DASHBOARD = f"{BASE}/dashboard"
STUDENTS_ONLY = "only instructors may open this page"


@pytest.fixture
def prof(h: Harness) -> TestClient:
    return sign_in(h, "tok-prof")


def scored(score: float) -> dict[str, Any]:
    return {**RESULTS, "score": score}


def a_class(h: Harness) -> dict[str, str]:
    """alice: graded 7, then graded 5 (latest 5, best 7); bob: graded 37, then one still
    queued (latest none, best 37). Their latest submissions, by name."""
    latest: dict[str, str] = {}
    for token, name, scores in (
        ("tok-alice", "alice", [7.0, 5.0]),
        ("tok-bob", "bob", [37.0, None]),
    ):
        for score in scores:
            latest[name] = h.submit(token)
            if score is not None:
                h.grade(h.latest_job(latest[name]), scored(score))
    return latest


def latest_from_api(h: Harness) -> dict[str, float | None]:
    response = h.get("tok-prof", f"/api/assignments/{ASSIGNMENT}/submissions?latest=true")
    assert response.status_code == 200, response.text
    return {s["student"]: s["score"] for s in response.json()}


def number_or_none(text: str | None) -> float | None:
    return float(text) if text else None


# ------------------------------------------------------------------ students are refused


@pytest.mark.parametrize(
    "path", [DASHBOARD, f"{DASHBOARD}?regrade=0123"], ids=["dashboard", "with a regrade"]
)
def test_a_student_gets_a_403_page_for_the_dashboard(h: Harness, path: str) -> None:
    alice = sign_in(h, "tok-alice")
    assert error_text(alice.get(path), 403) == STUDENTS_ONLY


def test_a_student_cannot_start_a_regrade(h: Harness) -> None:
    a_class(h)
    sent = list(h.sent)
    alice = sign_in(h, "tok-alice")
    response = post_form(alice, f"{BASE}/regrade", page_csrf(alice))
    assert error_text(response, 403) == STUDENTS_ONLY
    assert h.sent == sent


@pytest.mark.parametrize("download", ["grades.csv", "regrades/{regrade}.json"])
def test_a_student_gets_a_403_for_the_downloads(h: Harness, download: str) -> None:
    """Downloads (.csv, .json) answer in the API's JSON error shape, as api/errors.py says."""
    regrade, _ = h.store.create_regrade(ASSIGNMENT, "prof")
    alice = sign_in(h, "tok-alice")
    response = alice.get(f"{BASE}/{download.format(regrade=regrade)}")
    assert_error(response, 403, "forbidden", STUDENTS_ONLY)


@pytest.mark.parametrize("path", [DASHBOARD, f"{BASE}/grades.csv"])
def test_the_instructor_pages_need_a_sign_in(h: Harness, path: str) -> None:
    client = sign_in(h, "tok-prof")
    client.cookies.clear()
    assert location(client.get(path)).startswith("/login?next=")


# ------------------------------------------------------------------ the dashboard


def test_the_dashboard_shows_both_charts_as_inline_svg(h: Harness, prof: TestClient) -> None:
    a_class(h)
    page = page_of(prof.get(DASHBOARD))
    for figure in ("score-histogram", "test-pass-rates"):
        chart = page.testid(figure)
        assert len(chart.all("svg")) == 1
        assert chart.one("div", class_="chart").get("aria-label")


def test_the_dashboards_latest_scores_are_the_apis(h: Harness, prof: TestClient) -> None:
    a_class(h)
    rows = page_of(prof.get(DASHBOARD)).by_testid("student-row")
    shown = {row.get("data-student"): number_or_none(row.get("data-latest-score")) for row in rows}
    assert shown == latest_from_api(h)
    assert shown == {"alice": 5.0, "bob": None}


def test_a_student_row_has_latest_best_and_count(h: Harness, prof: TestClient) -> None:
    latest = a_class(h)
    page = page_of(prof.get(DASHBOARD))
    [alice] = page.all(data_testid="student-row", data_student="alice")
    assert number_or_none(alice.get("data-best-score")) == 7.0
    assert alice.get("data-submissions") == "2"
    cells = [td.text for td in alice.all("td")]
    assert cells[:3] == ["5 / 37", "7 / 37", "2"]
    assert alice.all("td")[0].one("a").get("href") == f"/submissions/{latest['alice']}"
    [bob] = page.all(data_testid="student-row", data_student="bob")
    assert [td.text for td in bob.all("td")][:3] == ["not graded", "37 / 37", "2"]
    assert page.testid("submitted-count").text == "2"


def bin_counts(page: Element) -> list[int]:
    histogram = page.testid("score-histogram")
    return [int(td.get("data-count") or "") for td in histogram.all("td", data_count=True)]


def test_the_histogram_counts_the_latest_graded_scores(h: Harness, prof: TestClient) -> None:
    a_class(h)  # alice's latest is 5 (of 37): the second of ten bins; bob's is not graded
    counts = bin_counts(page_of(prof.get(DASHBOARD)))
    assert counts == [0, 1, 0, 0, 0, 0, 0, 0, 0, 0]


def test_the_pass_rates_count_hidden_tests_too(h: Harness, prof: TestClient) -> None:
    a_class(h)
    rates = page_of(prof.get(DASHBOARD)).testid("test-pass-rates")
    rows = {
        row.get("data-test"): (row.get("data-passed"), row.get("data-graded"))
        for row in rates.all("tr", data_test=True)
    }
    assert rows == {
        "seen": ("1", "1"),
        "secret": ("1", "1"),
        "after due": ("1", "1"),
        "after published": ("0", "1"),
    }


def test_test_names_in_the_charts_are_text(h: Harness, prof: TestClient) -> None:
    name = "<script>alert('x')</script>"
    test = {"name": name, "score": 0.0, "max_score": 1.0, "status": "failed", "output": ""}
    submission = h.submit("tok-alice")
    h.grade(h.latest_job(submission), {**RESULTS, "tests": [test]})
    page = page_of(prof.get(DASHBOARD))
    assert page.one("main").all("script") == []
    rates = page.testid("test-pass-rates")
    assert [row.get("data-test") for row in rates.all("tr", data_test=True)] == [name]
    assert name in (rates.one("div", class_="chart").get("aria-label") or "")


def test_an_empty_dashboard_renders(prof: TestClient) -> None:
    page = page_of(prof.get(DASHBOARD))
    assert page.by_testid("student-row") == []
    assert page.testid("submitted-count").text == "0"
    assert len(page.testid("score-histogram").all("svg")) == 1


def test_the_dashboard_of_an_unknown_assignment_is_a_404_page(prof: TestClient) -> None:
    assert error_text(prof.get("/assignments/cs999_hw9/dashboard"), 404) == (
        "no assignment 'cs999_hw9'"
    )


def test_the_instructors_home_links_the_dashboard(prof: TestClient) -> None:
    row = page_of(prof.get("/")).one(data_testid="assignment-row")
    assert row.all("a", href=DASHBOARD)


# ------------------------------------------------------------------ regrades


def start_regrade(client: TestClient) -> str:
    """Press the dashboard's regrade button; the regrade's id."""
    form = page_of(client.get(DASHBOARD)).one("form", action=f"{BASE}/regrade")
    assert form.testid("regrade").get("type") == "submit"
    where = location(post_form(client, f"{BASE}/regrade", page_csrf(client, DASHBOARD)))
    assert where.startswith(f"{DASHBOARD}?regrade=")
    [regrade] = query_of(where)["regrade"]
    return regrade


def progress_bar(client: TestClient, regrade: str) -> Element:
    return page_of(client.get(f"{DASHBOARD}?regrade={regrade}")).testid("regrade-progress")


def test_a_regrade_from_the_dashboard_shows_its_progress(h: Harness, prof: TestClient) -> None:
    a_class(h)
    before = len(h.sent)
    regrade = start_regrade(prof)
    jobs = h.sent[before:]
    assert len(jobs) == 2  # alice's and bob's latest submissions
    bar = progress_bar(prof, regrade)
    assert (bar.get("data-done"), bar.get("value"), bar.get("max")) == ("false", "0", "2")
    assert bar.get("data-poll") == f"{BASE}/regrades/{regrade}.json"
    h.grade(jobs[0])
    bar = progress_bar(prof, regrade)
    assert (bar.get("data-done"), bar.get("value")) == ("false", "1")
    h.grade(jobs[1], scored(30.0))
    page = page_of(prof.get(f"{DASHBOARD}?regrade={regrade}"))
    bar = page.testid("regrade-progress")
    assert (bar.get("data-done"), bar.get("value"), bar.get("max")) == ("true", "2", "2")
    assert page.one("span", data_progress_text=True).text == "2 of 2 graded: done"
    assert page.all("meta", http_equiv="refresh") == []


def test_a_running_regrade_page_refreshes_itself_without_script(
    h: Harness, prof: TestClient
) -> None:
    a_class(h)
    regrade = start_regrade(prof)
    page = page_of(prof.get(f"{DASHBOARD}?regrade={regrade}"))
    assert [m.get("content") for m in page.all("meta", http_equiv="refresh")] == ["3"]


def test_the_regrade_json_follows_the_regrade(h: Harness, prof: TestClient) -> None:
    a_class(h)
    before = len(h.sent)
    regrade = start_regrade(prof)
    url = f"{BASE}/regrades/{regrade}.json"
    expected = {
        "regrade_id": regrade,
        "assignment_id": ASSIGNMENT,
        "total": 2,
        "graded": 0,
        "failed": 0,
        "pending": 2,
        "done": False,
    }
    response = prof.get(url)
    assert response.headers["content-type"] == "application/json"
    assert response.json() == expected
    first, second = h.sent[before:]
    h.grade(first)
    h.fail(second, "the sandbox crashed")
    assert prof.get(url).json() == {
        **expected,
        "graded": 1,
        "failed": 1,
        "pending": 0,
        "done": True,
    }
    assert prof.get(url).json() == h.get("tok-prof", f"/api/regrades/{regrade}").json()


def test_a_regrade_needs_the_csrf_token(h: Harness, prof: TestClient) -> None:
    a_class(h)
    sent = list(h.sent)
    assert error_text(post_form(prof, f"{BASE}/regrade", None), 403) == CSRF_MESSAGE
    assert error_text(post_form(prof, f"{BASE}/regrade", "forged"), 403) == CSRF_MESSAGE
    assert h.sent == sent


def test_a_regrade_of_an_unknown_assignment_is_a_404_page(h: Harness, prof: TestClient) -> None:
    response = post_form(prof, "/assignments/cs999_hw9/regrade", page_csrf(prof))
    assert error_text(response, 404) == "no assignment 'cs999_hw9'"
    assert h.sent == []


@pytest.mark.parametrize("which", ["another assignment's", "unknown"])
def test_a_regrade_id_not_of_this_assignment_is_a_404(
    h: Harness, prof: TestClient, which: str
) -> None:
    regrade = h.store.create_regrade("other_hw", "prof")[0] if which != "unknown" else "f" * 32
    message = f"no regrade {regrade!r} of {ASSIGNMENT!r}"
    assert error_text(prof.get(f"{DASHBOARD}?regrade={regrade}"), 404) == message
    assert_error(prof.get(f"{BASE}/regrades/{regrade}.json"), 404, "not_found", message)


# ------------------------------------------------------------------ grades.csv


def test_grades_csv_has_a_row_per_student_with_the_latest_score(
    h: Harness, prof: TestClient
) -> None:
    a_class(h)
    link = page_of(prof.get(DASHBOARD)).testid("grades-csv")
    assert link.get("href") == f"{BASE}/grades.csv" and link.has("download")
    response = prof.get(f"{BASE}/grades.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    expected = f'attachment; filename="{ASSIGNMENT}-grades.csv"'
    assert response.headers["content-disposition"] == expected
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["name", "score", "max_score", "submitted_at"]
    assert [row[:3] for row in rows[1:]] == [["alice", "5", "37"], ["bob", "", "37"]]
    from_csv = {row[0]: number_or_none(row[1]) for row in rows[1:]}
    assert from_csv == latest_from_api(h)


def test_grades_csv_and_dashboard_have_final_scores(h: Harness, prof: TestClient) -> None:
    """alice submits a day and a second late (20% off her 10), bob as late with an
    extension (on time): the CSV, the dashboard and the JSON API agree on final scores."""
    due = datetime.fromtimestamp(h.clock.now() + 60, UTC)
    h.set_policy(
        {
            "due": due.isoformat(),
            "late_until": (due + timedelta(days=3)).isoformat(),
            "late_penalty": {"per_day": 0.1},
        }
    )
    h.store.set_extension(ASSIGNMENT, "bob", due + timedelta(days=2), "prof")
    h.clock.advance(60 + 86401)
    for token in ("tok-alice", "tok-bob"):
        submission = h.submit(token)
        h.grade(h.latest_job(submission), scored(10.0))
    rows = list(csv.reader(io.StringIO(prof.get(f"{BASE}/grades.csv").text)))
    assert [row[:2] for row in rows[1:]] == [["alice", "8"], ["bob", "10"]]
    assert latest_from_api(h) == {"alice": 8.0, "bob": 10.0}
    page = page_of(prof.get(DASHBOARD))
    cells = {
        row.get("data-student"): float(row.get("data-latest-score") or "nan")
        for row in page.by_testid("student-row")
    }
    assert cells == {"alice": 8.0, "bob": 10.0}


# ------------------------------------------------------------------ deadlines and release

PACIFIC = timezone(timedelta(hours=-8))


def due_in_an_hour(h: Harness) -> datetime:
    """A policy due in an hour (UTC-08:00) with two days of late work at 10% a day."""
    due = datetime.fromtimestamp(h.clock.now() + 3600, PACIFIC)
    late_until = (due + timedelta(days=2)).isoformat()
    policy = {"due": due.isoformat(), "late_until": late_until, "late_penalty": {"per_day": 0.1}}
    h.set_policy({**policy, "max_submissions": {"count": 10, "per_hours": 24}})
    return due


def policy_section(client: TestClient) -> Element:
    return page_of(client.get(DASHBOARD)).testid("policy")


def test_the_dashboard_shows_the_policy_as_written(h: Harness, prof: TestClient) -> None:
    due = due_in_an_hour(h)
    section = policy_section(prof)
    assert section.testid("policy-due").text == f"{due:%Y-%m-%d %H:%M} UTC-08:00"
    assert "10% off per started day late" in section.text
    assert "10 submissions per 24 hours" in section.text
    assert section.testid("published").get("data-published") == "false"
    form_due = section.testid("extension-due").get("value")
    assert form_due == due.isoformat()  # the form starts from the assignment's due


def test_without_a_policy_the_dashboard_says_extensions_need_a_due(prof: TestClient) -> None:
    section = policy_section(prof)
    assert section.testid("policy-due").text.startswith("no due date")
    assert "Extensions need a due date." in section.text
    assert section.by_testid("give-extension") == []


def test_publish_and_unpublish_from_the_dashboard(h: Harness, prof: TestClient) -> None:
    for action, published in (("publish", "true"), ("unpublish", "false")):
        response = post_form(
            prof, f"{BASE}/publication", page_csrf(prof, DASHBOARD), {"action": action}
        )
        assert location(response) == f"{DASHBOARD}#policy"
        assert policy_section(prof).testid("published").get("data-published") == published
        api = h.get("tok-prof", f"/api/assignments/{ASSIGNMENT}/policy").json()
        assert api["published"] is (published == "true")


def test_publishing_needs_the_csrf_token_and_an_instructor(h: Harness, prof: TestClient) -> None:
    response = post_form(prof, f"{BASE}/publication", "forged", {"action": "publish"})
    assert error_text(response, 403) == CSRF_MESSAGE
    alice = sign_in(h, "tok-alice")
    response = post_form(alice, f"{BASE}/publication", page_csrf(alice), {"action": "publish"})
    assert error_text(response, 403) == STUDENTS_ONLY
    assert h.store.publication(ASSIGNMENT) is None


def test_an_extension_given_and_taken_back_from_the_dashboard(h: Harness, prof: TestClient) -> None:
    due = due_in_an_hour(h)
    new_due = (due + timedelta(days=3)).isoformat()
    data = {"student": "alice", "due": new_due}
    response = post_form(prof, f"{BASE}/extensions", page_csrf(prof, DASHBOARD), data)
    assert location(response) == f"{DASHBOARD}#policy"
    row = policy_section(prof).one(data_testid="extension-row")
    assert row.get("data-student") == "alice"
    assert [cell.text for cell in row.all("td")][:3] == [
        f"{due + timedelta(days=3):%Y-%m-%d %H:%M} UTC-08:00",
        f"{due + timedelta(days=5):%Y-%m-%d %H:%M} UTC-08:00",  # the late window keeps 2 days
        "prof",
    ]
    [given] = h.get("tok-prof", f"/api/assignments/{ASSIGNMENT}/extensions").json()
    assert (given["student"], given["granted_by"]) == ("alice", "prof")
    remove = f"{BASE}/extensions/alice/remove"
    assert location(post_form(prof, remove, page_csrf(prof, DASHBOARD))) == f"{DASHBOARD}#policy"
    assert policy_section(prof).by_testid("extension-row") == []
    assert h.store.extension(ASSIGNMENT, "alice") is None


@pytest.mark.parametrize(
    ("due", "status", "message"),
    [
        ("2026-12-12T23:59:00", 422, "due: give a time zone, e.g. 2026-12-10T23:59:00-08:00"),
        ("next friday", 422, "due: 'next friday' is not an ISO 8601 date and time"),
        ("before", 409, "an extension must be after the assignment's due"),
    ],
    ids=["naive", "not a time", "before the due"],
)
def test_a_refused_extension_shows_the_dashboard_with_the_reason(
    h: Harness, prof: TestClient, due: str, status: int, message: str
) -> None:
    assignment_due = due_in_an_hour(h)
    if due == "before":
        due = (assignment_due - timedelta(minutes=1)).isoformat()
    data = {"student": "alice", "due": due}
    page = page_of(post_form(prof, f"{BASE}/extensions", page_csrf(prof, DASHBOARD), data), status)
    assert page.testid("policy-error").text.startswith(message)
    assert h.store.extensions(ASSIGNMENT) == []


def test_an_extension_without_a_due_date_is_refused_with_the_reason(
    h: Harness, prof: TestClient
) -> None:
    data = {"student": "alice", "due": "2026-12-12T23:59:00-08:00"}
    page = page_of(post_form(prof, f"{BASE}/extensions", page_csrf(prof, DASHBOARD), data), 409)
    assert page.testid("policy-error").text.startswith(f"assignment {ASSIGNMENT!r} has no due date")
