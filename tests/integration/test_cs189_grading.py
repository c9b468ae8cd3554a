"""CS189 HW2 graded end to end in real Docker sandboxes: reference, starter, mutants."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from tests.conftest import (
    CS189,
    REFERENCE_SOURCE,
    STARTER_SOURCE,
    assert_loses_exactly,
    by_name,
    check_golden,
)

pytestmark = pytest.mark.docker

GOLDEN = CS189 / "golden"
MUTANTS = yaml.safe_load((CS189 / "mutants.yaml").read_text())
Grade = Callable[[str], dict[str, Any]]


def test_reference_solution_scores_full_marks(grade_source: Grade) -> None:
    results = grade_source(REFERENCE_SOURCE)
    assert results["score"] == sum(t["max_score"] for t in results["tests"]) == 37
    assert all(t["status"] == "passed" for t in results["tests"])
    accuracy = by_name(results)["train_network on MNIST 3 vs 9"]["output"]
    assert "test accuracy 0.9" in accuracy
    check_golden(GOLDEN, "reference", results)


def test_starter_scores_zero_with_not_implemented(grade_source: Grade) -> None:
    results = grade_source(STARTER_SOURCE)
    assert results["score"] == 0
    for test in results["tests"]:
        assert test["output"].startswith("not implemented:"), test
    check_golden(GOLDEN, "starter", results)


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m["name"] for m in MUTANTS])
def test_mutant_loses_exactly_its_tests(grade_source: Grade, mutant: dict[str, Any]) -> None:
    assert REFERENCE_SOURCE.count(mutant["old"]) == 1
    results = grade_source(REFERENCE_SOURCE.replace(mutant["old"], mutant["new"]))
    assert_loses_exactly(results, mutant["fails"])
