"""Release: which tests of a results.json a student sees at a time, with Gradescope's
``visibility`` values.

- ``visible``: always;
- ``hidden``: never;
- ``after_due_date``: once the student's own close has passed (grader/lateness.py: their
  ``late_until`` when late work is accepted, else their due, each moved by their
  extension). Strictly after: at the close second the student may still submit, so
  nothing is released yet. Without a due date, never;
- ``after_published``: once the instructor has published the assignment (from the
  publication time on; unpublishing hides them again).

A test without a visibility takes the results' top-level one. As on Gradescope, while
any test is still withheld from the student, so is the total: ``score`` (and
``raw_score``) become None and the summary line of ``output`` says the total is withheld.
Publishing releases the grades: from then on the total is shown even though ``hidden``
tests stay hidden (else an assignment with a hidden test never showed its total).
``extra_data`` (the sandbox log) is never the student's. No clock is read here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from grader.feedback import SUMMARY
from grader.lateness import Deadlines, utc
from grader.spec.model import Visibility

ALWAYS: frozenset[Visibility] = frozenset({"visible"})
WITHHELD_TOTAL = "The total score is withheld until every test is released."


def released(
    deadlines: Deadlines | None, published_at: datetime | None, now: datetime
) -> frozenset[Visibility]:
    """The visibilities a student sees at ``now``."""
    shown: set[Visibility] = set(ALWAYS)
    if deadlines is not None and utc(now) > utc(deadlines.closes):
        shown.add("after_due_date")
    if published_at is not None and utc(now) >= utc(published_at):
        shown.add("after_published")
    return frozenset(shown)


def visibility_of(test: Mapping[str, Any], results: Mapping[str, Any]) -> str:
    return str(test.get("visibility", results.get("visibility", "visible")))


def withheld(results: Mapping[str, Any], shown: frozenset[Visibility]) -> int:
    """How many tests of these results are not shown."""
    return sum(1 for t in results.get("tests") or [] if visibility_of(t, results) not in shown)


def total_withheld(results: Mapping[str, Any], shown: frozenset[Visibility]) -> bool:
    """Whether the student may not see the total yet: some test is withheld and the
    grades are not published (published, only ``hidden`` tests can still be withheld)."""
    return "after_published" not in shown and withheld(results, shown) > 0


def for_student(results: Mapping[str, Any], shown: frozenset[Visibility]) -> dict[str, Any]:
    """What a student sees of a results.json when these visibilities are released."""
    tests = [t for t in results.get("tests") or [] if visibility_of(t, results) in shown]
    view = {key: value for key, value in results.items() if key != "extra_data"}
    view["tests"] = tests
    if total_withheld(results, shown):
        view["score"] = None
        if "raw_score" in view:
            view["raw_score"] = None
        view["output"] = without_total(str(results.get("output", "")))
    return view


def without_total(output: str) -> str:
    """The output with its summary line ("Score 7 / 10: 3 of 4 tests passed.", the first
    line grader/feedback.py writes) replaced by a line saying the total is withheld."""
    lines = output.splitlines()
    if lines and SUMMARY.match(lines[0]):
        lines[0] = WITHHELD_TOTAL
    else:
        lines.insert(0, WITHHELD_TOTAL)
    return "\n".join(lines)
