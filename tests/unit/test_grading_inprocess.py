"""The grading core end to end with the in-process fake sandbox (no Docker).

Fast checks of spec -> plan -> report -> scoring -> feedback; the same verdicts
are checked in real containers by tests/integration.
"""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

import pytest
import yaml

from grader.grading import Grader
from sandbox.inprocess import InProcessSandbox

REPO = Path(__file__).resolve().parents[2]
CS189 = REPO / "testcases" / "cs189_hw2"
REFERENCE = (REPO / "reference" / "cs189_hw2" / "hw2.py").read_text()
MUTANTS = yaml.safe_load((CS189 / "mutants.yaml").read_text())


@pytest.fixture(scope="module")
def cs189(tmp_path_factory: pytest.TempPathFactory) -> Grader:
    return Grader.load(CS189, cache_dir=tmp_path_factory.mktemp("cache"))


def module_from(source: str) -> types.ModuleType:
    module = types.ModuleType("hw2")
    exec(compile(source, "hw2.py", "exec"), module.__dict__)  # trusted test sources only
    return module


def grade(grader: Grader, source: str) -> dict[str, Any]:
    return grader.grade({"hw2.py": source.encode()}, InProcessSandbox(module_from(source)), "unit")


def test_reference_full_marks_and_results_shape(cs189: Grader) -> None:
    results = grade(cs189, REFERENCE)
    assert results["score"] == 37
    assert set(results) == {"score", "execution_time", "output", "visibility", "tests"}
    for test in results["tests"]:
        assert set(test) == {"name", "score", "max_score", "status", "output", "visibility", "tags"}
        assert test["status"] == "passed"
        assert test["visibility"] in {"visible", "hidden", "after_due_date", "after_published"}


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m["name"] for m in MUTANTS])
def test_mutant_loses_exactly_its_tests(cs189: Grader, mutant: dict[str, Any]) -> None:
    results = grade(cs189, REFERENCE.replace(mutant["old"], mutant["new"]))
    lost = {t["name"] for t in results["tests"] if t["score"] < t["max_score"]}
    assert lost == set(mutant["fails"])


def test_expected_values_are_cached_per_spec_version(tmp_path: Path) -> None:
    first = Grader.load(CS189, cache_dir=tmp_path)
    second = Grader.load(CS189, cache_dir=tmp_path)
    assert first.expected.digest == second.expected.digest
    assert len(list((tmp_path / "expected").iterdir())) == 1


def test_request_never_carries_hidden_data(cs189: Grader) -> None:
    request = cs189.request({"hw2.py": b"pass"}, "unit")
    hidden = cs189.fixtures("mnist_test")
    blobs = b"".join(request.fixtures.values())
    assert hidden["X"].tobytes()[:4096] not in blobs
    assert hidden["y"].tobytes() not in blobs
    assert not any(name.startswith("mnist_test") for name in request.fixtures)
    plan_text = str(request.plan)
    assert "mnist_test" not in plan_text and "binary_accuracy" not in plan_text
    assert "min" not in {k for t in request.plan["tests"] for k in t}
