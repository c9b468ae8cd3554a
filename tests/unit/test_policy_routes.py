"""The course policy through the API (api/policy_routes.py, api/visibility.py), on a
ManualClock: the policy as the caller stands, extensions and publication (instructors
only), and what results look like over time: final scores with late penalties, tests
released after the close and on publication, an extension recomputing both."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from grader.release import WITHHELD_TOTAL
from tests.unit.api_harness import ASSIGNMENT, RESULTS, Harness, assert_error, headers

HOUR, DAY = 3600.0, 86400.0
PST = timezone(timedelta(hours=-8))
POLICY_URL = f"/api/assignments/{ASSIGNMENT}/policy"
EXTENSIONS_URL = f"/api/assignments/{ASSIGNMENT}/extensions"
PUBLICATION_URL = f"/api/assignments/{ASSIGNMENT}/publication"
NO_HIDDEN = {**RESULTS, "tests": [t for t in RESULTS["tests"] if t["visibility"] != "hidden"]}


def at(h: Harness, offset: float, zone: timezone = PST) -> str:
    return datetime.fromtimestamp(h.clock.now() + offset, zone).isoformat()


def z(h: Harness, offset: float) -> str:
    """As the API writes a UTC time: with a Z."""
    return at(h, offset, UTC).replace("+00:00", "Z")


def late_policy(h: Harness) -> dict[str, Any]:
    """Due in a day, late work for three more days at 10% a started day, 3 a day."""
    return {
        "due": at(h, DAY),
        "late_until": at(h, 4 * DAY),
        "late_penalty": {"per_day": 0.1},
        "max_submissions": {"count": 3, "per_hours": 24},
    }


def extend(h: Harness, student: str, due: str, token: str = "tok-prof") -> Any:
    return h.client.put(f"{EXTENSIONS_URL}/{student}", json={"due": due}, headers=headers(token))


def graded(h: Harness, token: str = "tok-alice", results: dict[str, Any] = RESULTS) -> str:
    submission = h.submit(token)
    h.grade(h.latest_job(submission), results)
    return submission


# ---------------------------------------------------------------- the policy


def test_without_a_policy_everything_is_open(h: Harness) -> None:
    body = h.get("tok-alice", POLICY_URL).json()
    assert body == {
        "assignment_id": ASSIGNMENT,
        "now": z(h, 0),
        "due": None,
        "late_until": None,
        "late_penalty": None,
        "max_submissions": None,
        "published": False,
        "published_at": None,
        "extension": None,
        "closes_at": None,
        "open": True,
        "submissions_left": None,
        "next_submission_at": None,
    }


def test_the_policy_and_where_the_caller_stands(h: Harness) -> None:
    h.set_policy(late_policy(h))
    start = h.clock.now()
    for _ in range(3):
        h.submit("tok-alice")
    body = h.get("tok-alice", POLICY_URL).json()
    assert (body["due"], body["late_until"]) == (at(h, DAY), at(h, 4 * DAY))
    assert body["late_penalty"] == {"per_day": 0.1}
    assert body["max_submissions"] == {"count": 3, "per_hours": 24.0}
    assert (body["closes_at"], body["open"], body["extension"]) == (at(h, 4 * DAY), True, None)
    assert body["submissions_left"] == 0
    assert body["next_submission_at"] == z(h, DAY)
    bob = h.get("tok-bob", POLICY_URL).json()
    assert (bob["submissions_left"], bob["next_submission_at"]) == (3, None)
    h.clock.advance(4 * DAY + 1)
    later = h.get("tok-alice", POLICY_URL).json()
    assert later["open"] is False and later["submissions_left"] == 3
    assert later["now"] == datetime.fromtimestamp(start + 4 * DAY + 1, UTC).isoformat().replace(
        "+00:00", "Z"
    )


def test_a_penalty_table_is_shown_as_its_steps(h: Harness) -> None:
    h.set_policy(
        {
            "due": at(h, DAY),
            "late_until": at(h, 3 * DAY),
            "late_penalty": [{"days": 1, "penalty": 0.1}, {"days": 2, "penalty": 0.5}],
        }
    )
    body = h.get("tok-alice", POLICY_URL).json()
    assert body["late_penalty"] == [{"days": 1.0, "penalty": 0.1}, {"days": 2.0, "penalty": 0.5}]


def test_the_caller_sees_their_own_extension_only(h: Harness) -> None:
    h.set_policy(late_policy(h))
    assert extend(h, "alice", at(h, 2 * DAY)).status_code == 200
    mine = h.get("tok-alice", POLICY_URL).json()
    assert mine["extension"]["due"] == at(h, 2 * DAY)
    assert mine["extension"]["closes_at"] == at(h, 5 * DAY)  # the window keeps its length
    assert mine["closes_at"] == at(h, 5 * DAY) and mine["due"] == at(h, DAY)
    assert h.get("tok-bob", POLICY_URL).json()["extension"] is None


def test_the_policy_of_an_unknown_assignment_is_a_404(h: Harness) -> None:
    response = h.get("tok-alice", "/api/assignments/cs999_hw9/policy")
    assert_error(response, 404, "unknown_assignment", "no assignment 'cs999_hw9'")


# ---------------------------------------------------------------- extensions


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", EXTENSIONS_URL),
        ("PUT", f"{EXTENSIONS_URL}/alice"),
        ("DELETE", f"{EXTENSIONS_URL}/alice"),
        ("PUT", PUBLICATION_URL),
        ("DELETE", PUBLICATION_URL),
    ],
)
def test_students_cannot_extend_or_publish(h: Harness, method: str, path: str) -> None:
    h.set_policy(late_policy(h))
    body = {"due": at(h, 2 * DAY)} if method == "PUT" else None
    response = h.client.request(method, path, json=body, headers=headers("tok-alice"))
    assert_error(response, 403, "forbidden", "only instructors")
    assert h.store.extensions(ASSIGNMENT) == [] and h.store.publication(ASSIGNMENT) is None


def test_an_instructor_gives_lists_and_takes_back_extensions(h: Harness) -> None:
    h.set_policy(late_policy(h))
    response = extend(h, "alice", at(h, 2 * DAY))
    assert response.status_code == 200, response.text
    given = response.json()
    assert given == {
        "assignment_id": ASSIGNMENT,
        "student": "alice",
        "due": at(h, 2 * DAY),
        "closes_at": at(h, 5 * DAY),
        "granted_by": "prof",
        "granted_at": z(h, 0),
    }
    h.clock.advance(60)
    assert extend(h, "alice", at(h, 3 * DAY, UTC)).json()["due"] == z(h, 3 * DAY)
    extend(h, "bob", at(h, 2 * DAY))
    listed = h.get("tok-prof", EXTENSIONS_URL).json()
    assert [(e["student"], e["due"]) for e in listed] == [
        ("alice", z(h, 3 * DAY)),
        ("bob", at(h, 2 * DAY)),
    ]
    response = h.client.delete(f"{EXTENSIONS_URL}/alice", headers=headers("tok-prof"))
    assert response.status_code == 204 and response.content == b""
    again = h.client.delete(f"{EXTENSIONS_URL}/alice", headers=headers("tok-prof"))
    assert_error(again, 404, "not_found", f"'alice' has no extension of {ASSIGNMENT!r}")
    assert [e["student"] for e in h.get("tok-prof", EXTENSIONS_URL).json()] == ["bob"]


@pytest.mark.parametrize(
    ("body", "status", "code", "message"),
    [
        (
            {"due": "2026-12-12T23:59:00"},
            422,
            "invalid_request",
            "body.due: give a time zone, e.g. 2026-12-10T23:59:00-08:00",
        ),
        ({"due": "friday"}, 422, "invalid_request", "body.due: 'friday' is not an ISO 8601"),
        ({}, 422, "invalid_request", "body.due: Field required"),
        ({"due": "DUE", "why": "x"}, 422, "invalid_request", "body.why: Extra inputs"),
    ],
)
def test_a_bad_extension_is_refused_naming_the_field(
    h: Harness, body: dict[str, str], status: int, code: str, message: str
) -> None:
    h.set_policy(late_policy(h))
    body = {k: at(h, 2 * DAY) if v == "DUE" else v for k, v in body.items()}
    response = h.client.put(f"{EXTENSIONS_URL}/alice", json=body, headers=headers("tok-prof"))
    assert_error(response, status, code, message)
    assert h.store.extensions(ASSIGNMENT) == []


def test_an_extension_must_be_after_the_due(h: Harness) -> None:
    h.set_policy(late_policy(h))
    response = extend(h, "alice", at(h, DAY, UTC))  # the due itself, in another zone
    assert_error(
        response,
        409,
        "extension_before_due",
        f"an extension must be after the assignment's due, {at(h, DAY)}",
    )
    assert h.store.extensions(ASSIGNMENT) == []


def test_an_assignment_without_a_due_has_nothing_to_extend(h: Harness) -> None:
    assert_error(
        extend(h, "alice", at(h, DAY)),
        409,
        "no_due_date",
        f"assignment {ASSIGNMENT!r} has no due date (policy.due in its assignment.yaml)",
    )
    unknown = h.client.put(
        "/api/assignments/cs999_hw9/extensions/alice",
        json={"due": at(h, DAY)},
        headers=headers("tok-prof"),
    )
    assert_error(unknown, 404, "unknown_assignment", "no assignment 'cs999_hw9'")


# ---------------------------------------------------------------- publication


def test_publishing_keeps_the_first_time_and_unpublishing_withdraws(h: Harness) -> None:
    first = h.client.put(PUBLICATION_URL, headers=headers("tok-prof"))
    assert first.json() == {
        "assignment_id": ASSIGNMENT,
        "published": True,
        "published_at": z(h, 0),
        "published_by": "prof",
    }
    h.clock.advance(HOUR)
    assert h.client.put(PUBLICATION_URL, headers=headers("tok-prof")).json() == first.json()
    policy = h.get("tok-alice", POLICY_URL).json()
    assert (policy["published"], policy["published_at"]) == (True, first.json()["published_at"])
    gone = h.client.delete(PUBLICATION_URL, headers=headers("tok-prof"))
    assert gone.json() == {
        "assignment_id": ASSIGNMENT,
        "published": False,
        "published_at": None,
        "published_by": None,
    }
    assert h.get("tok-alice", POLICY_URL).json()["published"] is False
    response = h.client.put("/api/assignments/cs999_hw9/publication", headers=headers("tok-prof"))
    assert_error(response, 404, "unknown_assignment", "no assignment 'cs999_hw9'")


# ---------------------------------------------------------------- results over time


def names(h: Harness, token: str, submission: str) -> list[str]:
    record = h.get(token, f"/api/submissions/{submission}").json()
    return [t["name"] for t in record["results"]["tests"]]


def test_tests_are_released_after_the_close_and_on_publication(h: Harness) -> None:
    h.set_policy({"due": at(h, DAY), "late_until": at(h, 2 * DAY)})
    submission = graded(h, results=NO_HIDDEN)
    url = f"/api/submissions/{submission}"
    assert names(h, "tok-alice", submission) == ["seen"]
    h.clock.advance(2 * DAY)  # the close: still open, nothing more released
    assert names(h, "tok-alice", submission) == ["seen"]
    record = h.get("tok-alice", url).json()
    assert record["score"] is None and record["results"]["output"].startswith(WITHHELD_TOTAL)
    h.clock.advance(1)
    assert names(h, "tok-alice", submission) == ["seen", "after due"]
    assert h.client.put(PUBLICATION_URL, headers=headers("tok-prof")).status_code == 200
    assert names(h, "tok-alice", submission) == ["seen", "after due", "after published"]
    record = h.get("tok-alice", url).json()
    assert record["score"] == 7.0 and record["results"]["score"] == 7.0  # nothing withheld
    assert record["results"]["output"] == RESULTS["output"]
    h.client.delete(PUBLICATION_URL, headers=headers("tok-prof"))
    assert names(h, "tok-alice", submission) == ["seen", "after due"]
    assert h.get("tok-alice", url).json()["score"] is None


def test_an_extension_delays_that_students_release(h: Harness) -> None:
    h.set_policy({"due": at(h, DAY)})
    alices, bobs = graded(h, results=NO_HIDDEN), graded(h, "tok-bob", NO_HIDDEN)
    extend(h, "alice", at(h, 3 * DAY))
    h.clock.advance(DAY + 1)
    assert names(h, "tok-bob", bobs) == ["seen", "after due"]
    assert names(h, "tok-alice", alices) == ["seen"]
    h.clock.advance(2 * DAY)
    assert names(h, "tok-alice", alices) == ["seen", "after due"]


def test_a_hidden_test_is_never_released_and_publishing_releases_the_total(h: Harness) -> None:
    h.set_policy({"due": at(h, DAY)})
    submission = graded(h)
    h.clock.advance(100 * DAY)
    assert h.get("tok-alice", f"/api/submissions/{submission}").json()["score"] is None
    h.client.put(PUBLICATION_URL, headers=headers("tok-prof"))
    assert names(h, "tok-alice", submission) == ["seen", "after due", "after published"]
    assert h.get("tok-alice", f"/api/submissions/{submission}").json()["score"] == 7.0


def test_late_work_shows_raw_score_penalty_and_final_score(h: Harness) -> None:
    h.set_policy(late_policy(h))
    h.clock.advance(DAY + HOUR)  # an hour late: a started day, 10% off
    submission = graded(h, results=NO_HIDDEN)
    record = h.get("tok-prof", f"/api/submissions/{submission}").json()
    assert (record["score"], record["raw_score"]) == (6.3, 7.0)
    assert record["late"] == {"days": 1, "penalty": 0.1, "closed": False}
    results = record["results"]
    assert (results["score"], results["raw_score"], results["late"]) == (
        6.3,
        7.0,
        {"days": 1, "penalty": 0.1, "closed": False},
    )
    assert results["output"].endswith(
        "Late: submitted 1 day after the due date: 10% off the score."
    )
    assert record["history"][0]["score"] == 6.3
    listed = h.get("tok-prof", f"/api/assignments/{ASSIGNMENT}/submissions").json()
    assert (listed[0]["score"], listed[0]["raw_score"]) == (6.3, 7.0)
    h.client.put(PUBLICATION_URL, headers=headers("tok-prof"))
    h.clock.advance(4 * DAY)  # everything released to alice: she sees the final score
    mine = h.get("tok-alice", f"/api/submissions/{submission}/results.json").json()
    assert (mine["score"], mine["raw_score"], mine["late"]["days"]) == (6.3, 7.0, 1)


def test_an_extension_granted_later_recomputes_the_score(h: Harness) -> None:
    h.set_policy(late_policy(h))
    h.clock.advance(2 * DAY + 1)  # a day and a second late: 20% off
    submission = graded(h, results=NO_HIDDEN)
    url = f"/api/submissions/{submission}"
    assert h.get("tok-prof", url).json()["score"] == 5.6
    extend(h, "alice", at(h, 0))  # due now, after the fact: on time
    record = h.get("tok-prof", url).json()
    assert (record["score"], record["late"]) == (7.0, None)
    h.client.delete(f"{EXTENSIONS_URL}/alice", headers=headers("tok-prof"))
    assert h.get("tok-prof", url).json()["score"] == 5.6


def test_work_accepted_before_an_extension_was_taken_back_gets_no_credit(h: Harness) -> None:
    h.set_policy({"due": at(h, DAY)})
    extend(h, "alice", at(h, 3 * DAY))
    h.clock.advance(2 * DAY)
    submission = graded(h, results=NO_HIDDEN)
    h.client.delete(f"{EXTENSIONS_URL}/alice", headers=headers("tok-prof"))
    record = h.get("tok-prof", f"/api/submissions/{submission}").json()
    assert (record["score"], record["raw_score"]) == (0.0, 7.0)
    assert record["late"] == {"days": 1, "penalty": 1.0, "closed": True}


def test_a_removed_assignments_submissions_stay_readable(h: Harness) -> None:
    submission = graded(h, results=NO_HIDDEN)
    shutil.rmtree(h.settings.assignments_dir / ASSIGNMENT)
    record = h.get("tok-prof", f"/api/submissions/{submission}").json()
    assert (record["score"], record["late"]) == (7.0, None)


def test_a_broken_definition_cannot_judge_scores(h: Harness) -> None:
    submission = graded(h, results=NO_HIDDEN)
    path = h.settings.assignments_dir / ASSIGNMENT / "assignment.yaml"
    path.write_text("version: 1\nid: [unclosed\n")
    response = h.get("tok-alice", f"/api/submissions/{submission}")
    assert_error(response, 503, "assignment_unavailable", f"assignment {ASSIGNMENT!r}")
