"""Tsinghua deep learning Q5 (PyTorch) graded end to end in real Docker sandboxes: the
reference and the starter. The variants of mutants.yaml are graded by `grader check`
(tests/integration/test_check.py)."""

from __future__ import annotations

import time

import pytest

from tests.conftest import REPO, THU, GradeFiles, by_name, check_golden

pytestmark = pytest.mark.docker

GOLDEN = THU / "golden"
REFERENCE_SOURCE = (REPO / "reference" / "thu_dl_hw" / "q5.py").read_text()
TRAINING_TESTS = (
    "train: MLP accuracy on the hidden test split",
    "train: CNN accuracy on the hidden test split",
)


def test_reference_solution_scores_full_marks(grade_thu: GradeFiles) -> None:
    start = time.perf_counter()
    results = grade_thu({"q5.py": REFERENCE_SOURCE.encode()})
    print(f"reference graded in {time.perf_counter() - start:.1f} s")
    assert results["score"] == sum(t["max_score"] for t in results["tests"]) == 22
    assert all(t["status"] == "passed" for t in results["tests"])
    for name in TRAINING_TESTS:
        test = by_name(results)[name]
        assert "test accuracy 0.9" in test["output"], test["output"]
        assert "train" in test["tags"]
    check_golden(GOLDEN, "reference", results)


def test_starter_scores_zero_with_not_implemented(grade_thu: GradeFiles) -> None:
    results = grade_thu({"q5.py": (THU / "starter" / "q5.py").read_bytes()})
    assert results["score"] == 0
    for test in results["tests"]:
        assert "not implemented:" in test["output"], test
    check_golden(GOLDEN, "starter", results)
