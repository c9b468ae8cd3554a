"""CS189 HW2 graded end to end in real Docker sandboxes: reference and starter. The
variants of mutants.yaml are graded by `grader check` (tests/integration/test_check.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import (
    CS189,
    REFERENCE_SOURCE,
    STARTER_SOURCE,
    by_name,
    check_golden,
)

pytestmark = pytest.mark.docker

GOLDEN = CS189 / "golden"
Grade = Callable[[str], dict[str, Any]]


def test_reference_solution_scores_full_marks(grade_source: Grade) -> None:
    results = grade_source(REFERENCE_SOURCE)
    assert results["score"] == sum(t["max_score"] for t in results["tests"]) == 37
    assert all(t["status"] == "passed" for t in results["tests"])
    accuracy = by_name(results)["train_network on MNIST 3 vs 9"]["output"]
    assert "test accuracy 0.9" in accuracy and ", the median of 3 runs: 0.9" in accuracy
    check_golden(GOLDEN, "reference", results)


def test_starter_scores_zero_with_not_implemented(grade_source: Grade) -> None:
    results = grade_source(STARTER_SOURCE)
    assert results["score"] == 0
    for test in results["tests"]:
        assert test["output"].startswith("not implemented:"), test
    check_golden(GOLDEN, "starter", results)
