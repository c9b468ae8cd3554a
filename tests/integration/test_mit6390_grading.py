"""MIT 6.390 "Neural Networks" graded end to end in real Docker sandboxes: the reference
(with its answers file), the starter and the seed-quoted student code. The variants of
mutants.yaml are graded by `grader check` (tests/integration/test_check.py)."""

from __future__ import annotations

import pytest

from tests.conftest import (
    MIT6390,
    MIT6390_ANSWER_TESTS,
    REPO,
    GradeFiles,
    by_name,
    check_golden,
    scores,
)

pytestmark = pytest.mark.docker

GOLDEN = MIT6390 / "golden"
REFERENCE = REPO / "reference" / "mit6390_nn"
REFERENCE_SOURCE = (REFERENCE / "nn.py").read_text()
ANSWERS = (REFERENCE / "answers.yaml").read_bytes()


def test_reference_solution_scores_full_marks(grade_files: GradeFiles) -> None:
    results = grade_files({"nn.py": REFERENCE_SOURCE.encode(), "answers.yaml": ANSWERS})
    assert results["score"] == sum(t["max_score"] for t in results["tests"]) == 36
    assert all(t["status"] == "passed" for t in results["tests"])
    training = by_name(results)["Sequential.sgd trains on XOR blobs"]
    assert "test accuracy 0.9" in training["output"] or "test accuracy 1.0" in training["output"]
    assert "Linear.backward" in training["tags"] and "Sequential.sgd" in training["tags"]
    check_golden(GOLDEN, "reference", results)


def test_starter_scores_zero_with_not_implemented(grade_files: GradeFiles) -> None:
    starter = MIT6390 / "starter"
    results = grade_files(
        {
            "nn.py": (starter / "nn.py").read_bytes(),
            "answers.yaml": (starter / "answers.yaml").read_bytes(),
        }
    )
    assert results["score"] == 0
    for test in results["tests"]:
        expected = "no answer given" if test["name"] in MIT6390_ANSWER_TESTS else "not implemented:"
        assert expected in test["output"], test
    check_golden(GOLDEN, "starter", results)


def test_seed_quoted_code_scores_what_the_readme_says(grade_files: GradeFiles) -> None:
    source = (MIT6390 / "examples" / "seed_quoted" / "nn.py").read_bytes()
    results = grade_files({"nn.py": source})
    lost = {
        name
        for name, score in scores(results).items()
        if score < by_name(results)[name]["max_score"]
    }
    assert lost == {
        "ReLU.backward",
        "Sequential.backward on a 2-3-3-2 network",
        "Sequential.sgd_step on a 2-3-3-2 network",
        *MIT6390_ANSWER_TESTS,
    }
    assert results["score"] == pytest.approx(27.4)
    informational = by_name(results)["SoftMax.forward on large logits (informational, no points)"]
    assert (informational["status"], informational["max_score"]) == ("failed", 0)
    assert "NaN" in informational["output"] or "nan" in informational["output"]
    check_golden(GOLDEN, "seed_quoted", results)
