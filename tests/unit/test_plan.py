"""The plan (grader/plan.py): each test's time limits, CPU seconds and the wall-clock
cap (timeout x wall_factor), and the import check's."""

from __future__ import annotations

from typing import Any

import pytest

from grader.plan import build_plan
from grader.spec import Assignment


def assignment(limits: dict[str, Any], timeouts: list[float | None]) -> Assignment:
    tests = [
        {
            "name": f"t{i}",
            "points": 1,
            "steps": [{"call": "f"}],
            "checks": [{"no_warnings": True}],
            **({"timeout": t} if t is not None else {}),
        }
        for i, t in enumerate(timeouts)
    ]
    return Assignment.model_validate(
        {
            "version": 1,
            "id": "demo",
            "title": "Demo",
            "submission": {"files": ["m.py"], "module": "m"},
            "reference": {"module": "ref"},
            "limits": limits,
            "tests": tests,
        }
    )


@pytest.mark.parametrize(
    ("limits", "timeouts", "expected", "imports"),
    [
        ({}, [None], [(10, 50)], (10, 50)),  # the defaults: 10 s of CPU, 5 x 10 s of wall clock
        ({"test_timeout": 2, "wall_factor": 3}, [None, 0.5], [(2, 6), (0.5, 1.5)], (10, 30)),
        ({"import_timeout": 4, "wall_factor": 1.5}, [20], [(20, 30)], (4, 6)),
    ],
)
def test_each_test_has_cpu_seconds_and_a_wall_clock_cap(
    limits: dict[str, Any],
    timeouts: list[float | None],
    expected: list[tuple[float, float]],
    imports: tuple[float, float],
) -> None:
    plan = build_plan(assignment(limits, timeouts))
    assert [(t["timeout"], t["wall"]) for t in plan["tests"]] == expected
    assert (plan["import_timeout"], plan["import_wall"]) == imports
