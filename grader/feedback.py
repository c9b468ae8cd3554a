"""Feedback in Gradescope's ``results.json`` shape, so it drops into an LMS as is.

{"score", "execution_time", "output", "visibility",
 "tests": [{"name", "score", "max_score", "status", "output", "visibility", "tags"}],
 "extra_data": {"sandbox_log"}}

``extra_data`` is Gradescope's field for data kept with the results but not shown to
students: the tail of the sandbox's own log, for instructors (``grader.release`` drops
it, with the tests not released yet, from what a student sees).

The stored results.json is the raw grading. What people see adds the lateness of the
submission (``with_lateness``): ``raw_score``, ``late`` and the final ``score``, computed
each time it is shown, so a later extension or regrade changes it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from grader.lateness import Lateness, Timing
from grader.verdict import TestResult

LOG_TAIL_CHARS = 20_000
SUMMARY = re.compile(r"^Score \S+ / \S+: \d+ of \d+ tests passed\.$")  # results_json's first line


def results_json(
    tests: Sequence[TestResult], execution_time: float, output: str = "", log: str = ""
) -> dict[str, Any]:
    score = round(sum(t.score for t in tests), 4)
    max_score = sum(t.max_score for t in tests)
    passed = sum(1 for t in tests if t.passed)
    summary = f"Score {score:g} / {max_score:g}: {passed} of {len(tests)} tests passed."
    return {
        "score": score,
        "execution_time": round(execution_time, 3),
        "output": "\n".join(part for part in (summary, output) if part),
        "visibility": "visible",
        "tests": [
            {
                "name": t.name,
                "score": t.score,
                "max_score": t.max_score,
                "status": "passed" if t.passed else "failed",
                "output": t.output,
                "visibility": t.visibility,
                "tags": list(t.tags),
            }
            for t in tests
        ],
        "extra_data": {"sandbox_log": log[-LOG_TAIL_CHARS:]},
    }


def summary_text(results: dict[str, Any]) -> str:
    """A readable table for the terminal."""
    lines = []
    for test in results["tests"]:
        mark = "PASS" if test["status"] == "passed" else "FAIL"
        lines.append(f"{mark}  {test['score']:>5g}/{test['max_score']:<3g} {test['name']}")
        if test["status"] != "passed":
            lines.extend(f"            {line}" for line in test["output"].splitlines()[:12])
    lines.append("")
    lines.append(results["output"])
    return "\n".join(lines)


def not_gradable(reason: str) -> dict[str, Any]:
    """Results for a submission that could not be run at all (the student can fix it)."""
    return {
        "score": 0.0,
        "execution_time": 0.0,
        "output": f"Not gradable: {reason}",
        "visibility": "visible",
        "tests": [],
    }


def with_lateness(results: Mapping[str, Any], lateness: Lateness) -> dict[str, Any]:
    """The results as shown: ``raw_score`` (the grading's), ``late`` (null when on time,
    else ``{"days", "penalty", "closed"}``), ``score`` the final score, and a line of
    ``output`` saying what lateness cost."""
    raw = results.get("score")
    shown = {**results, "raw_score": raw, "late": None}
    if lateness.timing == Timing.ON_TIME:
        return shown
    closed = lateness.timing == Timing.CLOSED
    shown["late"] = {"days": lateness.days, "penalty": lateness.penalty, "closed": closed}
    if isinstance(raw, int | float):
        shown["score"] = lateness.final(raw)
    shown["output"] = "\n".join(
        part for part in (str(results.get("output", "")), late_line(lateness)) if part
    )
    return shown


def late_line(lateness: Lateness) -> str:
    days = f"{lateness.days} day{'s' * (lateness.days != 1)}"
    if lateness.timing == Timing.CLOSED:
        return f"Late: submitted {days} after the due date, after submissions closed: no credit."
    return f"Late: submitted {days} after the due date: {lateness.penalty:.0%} off the score."
