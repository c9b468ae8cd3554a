"""Who may submit when (api/admission.py), through the app on a ManualClock: the close
(403 submissions_closed, with a student's extension), the submission limit (429 with
Retry-After), the same through the web page's form, and the check repeated in the
store's transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api import admission
from api.auth import User
from api.errors import ApiError
from tests.unit.api_harness import ASSIGNMENT, SOURCE, Harness, assert_error
from tests.unit.pages_harness import page_csrf, page_of, page_upload, sign_in

HOUR, DAY = 3600.0, 86400.0
PST = timezone(timedelta(hours=-8))


def at(h: Harness, offset: float) -> str:
    """ISO 8601 of the harness's start time plus ``offset`` seconds, at UTC-8."""
    return datetime.fromtimestamp(h.clock.now() + offset, PST).isoformat()


def upload(h: Harness, token: str = "tok-alice") -> Any:
    return h.upload(token, [("hw2.py", SOURCE)])


def test_without_a_policy_anything_goes(h: Harness) -> None:
    for _ in range(5):
        assert upload(h).status_code == 202
    h.clock.advance(1000 * DAY)
    assert upload(h).status_code == 202


def test_a_submission_at_the_due_second_is_accepted_and_one_after_refused(h: Harness) -> None:
    h.set_policy({"due": at(h, DAY)})
    h.clock.advance(DAY)
    assert upload(h).status_code == 202
    h.clock.advance(1)
    response = upload(h)
    assert_error(
        response,
        403,
        "submissions_closed",
        f"submissions to {ASSIGNMENT!r} closed at {at(h, -1)} (the due date; no late work): "
        "ask the instructor for an extension",
    )
    assert len(h.store.submissions(ASSIGNMENT)) == 1


def test_late_work_is_accepted_until_late_until(h: Harness) -> None:
    h.set_policy(
        {"due": at(h, DAY), "late_until": at(h, 3 * DAY), "late_penalty": {"per_day": 0.1}}
    )
    h.clock.advance(3 * DAY)
    assert upload(h).status_code == 202
    h.clock.advance(1)
    assert_error(upload(h), 403, "submissions_closed", "(the end of late work)")


def test_an_extension_reopens_for_that_student_only(h: Harness) -> None:
    h.set_policy({"due": at(h, DAY), "late_until": at(h, 2 * DAY)})
    h.store.set_extension(ASSIGNMENT, "alice", datetime.fromisoformat(at(h, 3 * DAY)), "prof")
    h.clock.advance(3 * DAY)  # bob's close has passed; alice's due is now
    assert_error(upload(h, "tok-bob"), 403, "submissions_closed", "ask the instructor")
    assert upload(h, "tok-alice").status_code == 202
    h.clock.advance(DAY)  # the late window keeps its length after the extension
    assert upload(h, "tok-alice").status_code == 202
    h.clock.advance(1)
    closes = at(h, -1)
    assert_error(
        upload(h, "tok-alice"),
        403,
        "submissions_closed",
        f"closed at {closes} (the end of late work, with your extension)",
    )


def test_instructors_are_held_to_neither_rule(h: Harness) -> None:
    h.set_policy({"due": at(h, -DAY), "max_submissions": {"count": 1, "per_hours": 24}})
    for _ in range(3):
        assert upload(h, "tok-prof").status_code == 202


def test_over_the_limit_is_a_429_naming_the_next_time(h: Harness) -> None:
    h.set_policy({"max_submissions": {"count": 2, "per_hours": 24}})
    start = h.clock.now()
    assert upload(h).status_code == 202
    h.clock.advance(HOUR)
    assert upload(h).status_code == 202
    h.clock.advance(HOUR)
    response = upload(h)
    next_at = datetime.fromtimestamp(start + DAY, UTC).isoformat().replace("+00:00", "Z")
    assert_error(
        response,
        429,
        "too_many_submissions",
        f"2 submissions per 24 hours: the next is allowed at {next_at}",
    )
    assert response.headers["retry-after"] == str(int(DAY - 2 * HOUR))
    assert upload(h, "tok-bob").status_code == 202  # a quota is per student
    h.clock.advance(DAY - 2 * HOUR - 1)
    assert upload(h).status_code == 429
    h.clock.advance(1)  # the first has left the window
    assert upload(h).status_code == 202
    assert len(h.store.student_submissions(ASSIGNMENT, "alice")) == 3


def test_regrades_do_not_count(h: Harness) -> None:
    h.set_policy({"max_submissions": {"count": 1, "per_hours": 1}})
    assert upload(h).status_code == 202
    h.client.post(
        f"/api/assignments/{ASSIGNMENT}/regrade", headers={"Authorization": "Bearer tok-prof"}
    )
    h.clock.advance(HOUR)
    assert upload(h).status_code == 202


def test_the_limit_is_checked_again_when_the_submission_is_stored(h: Harness) -> None:
    """Two uploads checked at once: the second to reach the store is refused there."""
    h.set_policy({"max_submissions": {"count": 1, "per_hours": 24}})
    alice = User("alice", "student")
    first = admission.admit_for(h.app.state.services, ASSIGNMENT, alice)
    second = admission.admit_for(h.app.state.services, ASSIGNMENT, alice)  # both pass now
    h.store.add_submission(ASSIGNMENT, "alice", {"hw2.py": SOURCE}, first)
    with pytest.raises(ApiError) as refused:
        h.store.add_submission(ASSIGNMENT, "alice", {"hw2.py": SOURCE}, second)
    assert (refused.value.status, refused.value.code) == (429, "too_many_submissions")
    assert len(h.store.submissions(ASSIGNMENT)) == 1


def test_the_close_is_checked_again_at_the_time_the_submission_gets(h: Harness) -> None:
    h.set_policy({"due": at(h, 10)})
    admit = admission.admit_for(h.app.state.services, ASSIGNMENT, User("alice", "student"))
    h.clock.advance(11)  # the upload took longer than the time left
    with pytest.raises(ApiError) as refused:
        h.store.add_submission(ASSIGNMENT, "alice", {"hw2.py": SOURCE}, admit)
    assert refused.value.code == "submissions_closed"
    assert h.store.submissions(ASSIGNMENT) == []


def test_a_refused_upload_is_not_read_nor_stored(h: Harness) -> None:
    h.set_policy({"due": at(h, -1)})
    response = h.upload("tok-alice", [("hw2.py", b"#" * 10)])
    assert response.status_code == 403
    h.assert_nothing_stored()


@pytest.mark.parametrize("rule", ["closed", "limit"])
def test_the_page_form_refuses_with_the_apis_status_and_message(h: Harness, rule: str) -> None:
    if rule == "closed":
        h.set_policy({"due": at(h, DAY)})
    else:
        h.set_policy({"max_submissions": {"count": 1, "per_hours": 1}})
        assert upload(h).status_code == 202
    alice: TestClient = sign_in(h, "tok-alice")
    csrf = page_csrf(alice, f"/assignments/{ASSIGNMENT}")
    if rule == "closed":
        h.clock.advance(DAY + 1)
    api = upload(h)
    response = page_upload(alice, csrf, [("hw2.py", SOURCE)])
    page = page_of(response, api.status_code)
    assert page.testid("error").text == api.json()["error"]["message"]
    assert response.headers.get("retry-after") == api.headers.get("retry-after")
    assert len(h.store.submissions(ASSIGNMENT)) == (1 if rule == "limit" else 0)
