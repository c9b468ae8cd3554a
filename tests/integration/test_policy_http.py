"""The course policy through a real API process over HTTP, on the system clock: a limit of
2 submissions per 24 hours answers the third with 429 and Retry-After; a due date in the
past answers 403 submissions_closed; an instructor's extension reopens it for one student.
In Chromium: a student sees the closed assignment, the instructor gives them an extension
from the dashboard's form, and the student's page shows their own due, open again.

The assignments are tmp copies of cs189_hw2 (links to its files, its YAML with a
``policy:`` added). No Redis and no worker: accepted uploads stay stored.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from playwright.sync_api import expect

from store import SQLiteStore
from tests.integration.browser import NewPage, send_form, shot, sign_in
from tests.integration.service_stack import REPO, Stack, running

SOURCE = (REPO / "reference" / "cs189_hw2" / "hw2.py").read_bytes()
ORIGINAL = REPO / "testcases" / "cs189_hw2"


def assignment(root: Path, name: str, policy: dict[str, object]) -> None:
    """``root/name``: cs189_hw2's files, its YAML with this id and this policy."""
    folder = root / name
    folder.mkdir(parents=True)
    for entry in ORIGINAL.iterdir():
        if entry.name != "assignment.yaml":
            (folder / entry.name).symlink_to(entry)
    text = (ORIGINAL / "assignment.yaml").read_text()
    text, renamed = re.subn(r"(?m)^id: cs189_hw2$", f"id: {name}", text)
    assert renamed == 1
    policy_text = yaml.safe_dump({"policy": policy})
    (folder / "assignment.yaml").write_text(text.rstrip("\n") + "\n" + policy_text)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("policy")
    assignments = root / "assignments"
    assignment(assignments, "limited", {"max_submissions": {"count": 2, "per_hours": 24}})
    past = datetime.now(UTC) - timedelta(days=1)
    assignment(assignments, "closed", {"due": past.isoformat()})
    assignment(assignments, "paged", {"due": past.isoformat()})
    with running(root / "stack", ("api",), GRADER_ASSIGNMENTS_DIR=str(assignments)) as stack:
        yield stack
    shutil.rmtree(assignments)


def upload(api: Stack, token: str, assignment: str) -> httpx.Response:
    with api.client(token) as http:
        return http.post(
            f"/api/assignments/{assignment}/submissions",
            files=[("files", ("hw2.py", SOURCE, "text/x-python"))],
        )


def test_the_third_submission_within_24_hours_is_refused_with_429(api: Stack) -> None:
    accepted = [upload(api, "tok-alice", "limited") for _ in range(2)]
    assert [r.status_code for r in accepted] == [202, 202], [r.text for r in accepted]
    refused = upload(api, "tok-alice", "limited")
    assert refused.status_code == 429, refused.text
    error = refused.json()["error"]
    assert error["code"] == "too_many_submissions"
    assert error["message"].startswith("2 submissions per 24 hours: the next is allowed at ")
    next_at = datetime.fromisoformat(error["message"].rsplit(" ", 1)[1].replace("Z", "+00:00"))
    wait = int(refused.headers["retry-after"])
    assert 24 * 3600 - 120 <= wait <= 24 * 3600
    assert abs((next_at - datetime.now(UTC)).total_seconds() - wait) < 120
    assert upload(api, "tok-bob", "limited").status_code == 202  # each student has their own
    with api.client("tok-alice") as http:
        policy = http.get("/api/assignments/limited/policy").json()
    assert policy["submissions_left"] == 0 and policy["next_submission_at"] is not None
    store = SQLiteStore(Path(api.env["GRADER_DATA_DIR"]))
    assert len(store.student_submissions("limited", "alice")) == 2


def test_after_the_due_date_submissions_are_refused_with_403(api: Stack) -> None:
    refused = upload(api, "tok-alice", "closed")
    assert refused.status_code == 403, refused.text
    error = refused.json()["error"]
    assert error["code"] == "submissions_closed"
    assert (
        "closed at " in error["message"]
        and "ask the instructor for an extension" in (error["message"])
    )
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    with api.client("tok-prof") as http:
        given = http.put("/api/assignments/closed/extensions/alice", json={"due": tomorrow})
    assert given.status_code == 200, given.text
    assert upload(api, "tok-alice", "closed").status_code == 202  # reopened for alice
    assert upload(api, "tok-bob", "closed").status_code == 403  # not for bob


def test_an_extension_given_on_the_dashboard_reopens_the_students_page(
    api: Stack, new_page: NewPage
) -> None:
    student = new_page()
    sign_in(student, api.base_url, "tok-s1", "/assignments/paged")
    expect(student.get_by_test_id("closed")).to_contain_text("Submissions closed at")
    shot(student, "closed")

    prof = new_page()
    sign_in(prof, api.base_url, "tok-prof", "/assignments/paged/dashboard")
    extended = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    prof.get_by_test_id("extension-student").fill("student1")
    prof.get_by_test_id("extension-due").fill(extended.isoformat())
    assert send_form(prof, prof.get_by_test_id("give-extension").click) == 303
    row = prof.locator("[data-testid=extension-row][data-student=student1]")
    expect(row).to_contain_text(extended.strftime("%Y-%m-%d %H:%M UTC"))
    shot(prof, "dashboard-policy")

    student.reload()
    expect(student.get_by_test_id("closed")).to_have_count(0)
    due = extended.strftime("%Y-%m-%d %H:%M UTC (your extension)")
    expect(student.get_by_test_id("due")).to_have_text(due)
    shot(student, "extended")
