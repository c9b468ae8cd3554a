"""The results.json as shown (grader/feedback.py): the summary line, and lateness added
to the raw grading (raw_score, late, the final score)."""

from __future__ import annotations

from typing import Any

import pytest

from grader.feedback import SUMMARY, late_line, results_json, with_lateness
from grader.lateness import ON_TIME, Lateness, Timing
from grader.verdict import CheckResult, TestResult

RAW: dict[str, Any] = {
    "score": 7.0,
    "output": "Score 7 / 10: 3 of 4 tests passed.",
    "tests": [{"name": "t", "score": 7.0, "max_score": 10.0}],
}


def test_the_summary_line_is_recognised() -> None:
    tests = [TestResult("t", 1.5, 2.0, "", "visible", ())]
    first = results_json(tests, 1.0, "more")["output"].splitlines()[0]
    assert SUMMARY.match(first), first
    assert not SUMMARY.match("Not gradable: missing hw2.py")


def test_on_time_keeps_the_score_and_says_so() -> None:
    shown = with_lateness(RAW, ON_TIME)
    assert shown == {**RAW, "raw_score": 7.0, "late": None}


@pytest.mark.parametrize(
    ("lateness", "score", "late", "line"),
    [
        (
            Lateness(Timing.LATE, 1, 0.1),
            6.3,
            {"days": 1, "penalty": 0.1, "closed": False},
            "Late: submitted 1 day after the due date: 10% off the score.",
        ),
        (
            Lateness(Timing.LATE, 2 * 86400 + 5, 0.0),
            7.0,
            {"days": 3, "penalty": 0.0, "closed": False},
            "Late: submitted 3 days after the due date: 0% off the score.",
        ),
        (
            Lateness(Timing.CLOSED, 4 * 86400, 1.0),
            0.0,
            {"days": 4, "penalty": 1.0, "closed": True},
            "Late: submitted 4 days after the due date, after submissions closed: no credit.",
        ),
    ],
)
def test_late_work_shows_the_raw_score_the_penalty_and_the_final_score(
    lateness: Lateness, score: float, late: dict[str, Any], line: str
) -> None:
    shown = with_lateness(RAW, lateness)
    assert shown["raw_score"] == 7.0 and shown["score"] == score and shown["late"] == late
    assert shown["output"] == f"{RAW['output']}\n{line}"
    assert late_line(lateness) == line
    assert RAW["score"] == 7.0 and "late" not in RAW  # the stored grading is untouched


@pytest.mark.parametrize(
    ("checks", "status"),
    [
        ((CheckResult(True, 1.0, "A matches"),), "passed"),
        ((CheckResult(True, 1.0, "ok"), CheckResult(False, 1.0, "A: 2 non-finite")), "failed"),
        ((), "failed"),  # it did not run
    ],
)
def test_an_informational_test_is_passed_only_when_its_checks_pass(
    checks: tuple[CheckResult, ...], status: str
) -> None:
    test = TestResult("softmax on large logits", 0.0, 0.0, "", "visible", (), checks=checks)
    assert test.passed is (status == "passed")
    assert results_json([test], 0.1)["tests"][0]["status"] == status
