"""Release (grader/release.py): which tests a student sees at a time, and the total
withheld while any test is."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from grader.lateness import Deadlines, deadlines
from grader.release import WITHHELD_TOTAL, for_student, released, withheld
from grader.spec import PerDayPenalty, Policy

PST = timezone(timedelta(hours=-8))
DUE = datetime(2026, 12, 10, 23, 59, tzinfo=PST)
CLOSES = DUE + timedelta(days=3)
SECOND = timedelta(seconds=1)
ON_TIME_ONLY = Deadlines(DUE, DUE)
LATE_WORK = Deadlines(DUE, CLOSES)
PUBLISHED = DUE + timedelta(days=5)


def entry(name: str, visibility: str | None, score: float = 1.0) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name, "score": score, "max_score": 1.0, "output": name}
    if visibility is not None:
        entry["visibility"] = visibility
    return entry


RESULTS: dict[str, Any] = {
    "score": 3.0,
    "raw_score": 3.0,
    "output": "Score 3 / 4: 3 of 4 tests passed.\nDetails.",
    "visibility": "visible",
    "tests": [
        entry("seen", "visible"),
        entry("default", None),
        entry("after due", "after_due_date"),
        entry("after published", "after_published", 0.0),
    ],
    "extra_data": {"sandbox_log": "secret"},
}


@pytest.mark.parametrize(
    ("found", "published_at", "now", "shown"),
    [
        (None, None, DUE + timedelta(days=100), {"visible"}),  # no due date: never
        (ON_TIME_ONLY, None, DUE - SECOND, {"visible"}),
        (ON_TIME_ONLY, None, DUE, {"visible"}),  # the due second: still open
        (ON_TIME_ONLY, None, DUE + SECOND, {"visible", "after_due_date"}),
        (LATE_WORK, None, DUE + SECOND, {"visible"}),  # late work taken: wait for the close
        (LATE_WORK, None, CLOSES, {"visible"}),
        (LATE_WORK, None, CLOSES + SECOND, {"visible", "after_due_date"}),
        (None, PUBLISHED, PUBLISHED - SECOND, {"visible"}),
        (None, PUBLISHED, PUBLISHED, {"visible", "after_published"}),
        (
            LATE_WORK,
            PUBLISHED,
            PUBLISHED,
            {"visible", "after_due_date", "after_published"},
        ),
    ],
)
def test_what_is_released_when(
    found: Deadlines | None, published_at: datetime | None, now: datetime, shown: set[str]
) -> None:
    assert released(found, published_at, now) == shown


def test_an_extension_moves_the_release_of_after_due_date_tests() -> None:
    policy = Policy(due=DUE, late_until=CLOSES, late_penalty=PerDayPenalty(per_day=0.1))
    extended = deadlines(policy, DUE + timedelta(days=2))
    now = CLOSES + SECOND  # the class's close has passed, not this student's
    assert "after_due_date" in released(deadlines(policy), None, now)
    assert "after_due_date" not in released(extended, None, now)
    assert "after_due_date" in released(extended, None, CLOSES + timedelta(days=2) + SECOND)


def test_hidden_tests_are_never_released() -> None:
    everything = released(LATE_WORK, PUBLISHED, PUBLISHED + timedelta(days=365))
    assert "hidden" not in everything


@pytest.mark.parametrize(
    ("shown", "names"),
    [
        ({"visible"}, ["seen", "default"]),
        ({"visible", "after_due_date"}, ["seen", "default", "after due"]),
    ],
)
def test_a_student_sees_the_released_tests_and_no_total_while_any_is_withheld(
    shown: set[str], names: list[str]
) -> None:
    view = for_student(RESULTS, frozenset(shown))
    assert [t["name"] for t in view["tests"]] == names
    assert withheld(RESULTS, frozenset(shown)) == 4 - len(names)
    assert view["score"] is None and view["raw_score"] is None
    assert view["output"] == f"{WITHHELD_TOTAL}\nDetails."
    assert "extra_data" not in view


def test_publishing_releases_the_total_while_a_test_is_still_withheld() -> None:
    view = for_student(RESULTS, frozenset({"visible", "after_published"}))
    assert [t["name"] for t in view["tests"]] == ["seen", "default", "after published"]
    assert view["score"] == 3.0 and view["output"] == RESULTS["output"]
    assert RESULTS["score"] == 3.0 and len(RESULTS["tests"]) == 4  # the input is kept


def test_once_everything_is_released_the_student_sees_the_total() -> None:
    view = for_student(RESULTS, frozenset({"visible", "after_due_date", "after_published"}))
    assert len(view["tests"]) == 4
    assert view["score"] == 3.0 and view["output"] == RESULTS["output"]
    assert "extra_data" not in view


def test_a_hidden_test_withholds_the_total_until_the_grades_are_published() -> None:
    results = {**RESULTS, "tests": [entry("seen", "visible"), entry("secret", "hidden")]}
    after_close = PUBLISHED + timedelta(days=365)
    before = for_student(results, released(LATE_WORK, None, after_close))
    assert [t["name"] for t in before["tests"]] == ["seen"] and before["score"] is None
    published = for_student(results, released(LATE_WORK, PUBLISHED, PUBLISHED))
    assert [t["name"] for t in published["tests"]] == ["seen"]
    assert published["score"] == RESULTS["score"]


def test_a_top_level_visibility_is_the_default_of_its_tests() -> None:
    results = {**RESULTS, "visibility": "after_due_date", "tests": [entry("a", None)]}
    assert for_student(results, frozenset({"visible"}))["tests"] == []
    assert len(for_student(results, frozenset({"visible", "after_due_date"}))["tests"]) == 1


def test_an_output_without_the_summary_line_gets_the_note_first() -> None:
    results = {**RESULTS, "output": "Not gradable: missing hw2.py"}
    view = for_student(results, frozenset({"visible"}))
    assert view["output"] == f"{WITHHELD_TOTAL}\nNot gradable: missing hw2.py"
