"""Every mutant in testcases/*/mutants.yaml applies to its reference exactly once and compiles."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def assignment_test_names(assignment: str) -> set[str]:
    spec = yaml.safe_load((ROOT / "testcases" / assignment / "assignment.yaml").read_text())
    return {test["name"] for test in spec["tests"]}


# assignment -> the reference file its mutants change
REFERENCES = {
    "cs189_hw2": "hw2.py",
    "mit6390_nn": "nn.py",
    "thu_dl_hw": "q5.py",
    "cmu10601_hw5": "neuralnet.py",
}
# assignment -> (reference source, its mutants, the assignment's test names)
ASSIGNMENTS = {
    name: (
        ROOT / "reference" / name / file,
        ROOT / "testcases" / name / "mutants.yaml",
        assignment_test_names(name),
    )
    for name, file in REFERENCES.items()
}
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def mutants(assignment: str) -> list[dict[str, Any]]:
    """The assignment's mutant entries."""
    return yaml.safe_load(ASSIGNMENTS[assignment][1].read_text())


CASES = [
    pytest.param(assignment, entry, id=f"{assignment}:{entry['name']}")
    for assignment in ASSIGNMENTS
    for entry in mutants(assignment)
]


@pytest.mark.parametrize("assignment", sorted(ASSIGNMENTS))
def test_mutant_list_is_well_formed(assignment: str) -> None:
    entries = mutants(assignment)
    assert isinstance(entries, list) and len(entries) >= 10
    names = [entry["name"] for entry in entries]
    assert len(set(names)) == len(names), "mutant names must be unique"


@pytest.mark.parametrize(("assignment", "entry"), CASES)
def test_mutant_applies_once_and_compiles(assignment: str, entry: dict[str, Any]) -> None:
    source_path, _, test_names = ASSIGNMENTS[assignment]
    source = source_path.read_text()
    assert set(entry) == {"name", "description", "old", "new", "fails"}
    assert SNAKE.match(entry["name"]), entry["name"]
    assert isinstance(entry["description"], str) and "\n" not in entry["description"].strip()
    assert entry["old"] and entry["old"] != entry["new"]
    assert source.count(entry["old"]) == 1, "`old` must occur exactly once in the reference"
    assert entry["fails"] and set(entry["fails"]) <= set(test_names), entry["fails"]
    mutated = source.replace(entry["old"], entry["new"])
    assert mutated != source
    compile(mutated, f"<mutant {entry['name']}>", "exec")


@pytest.mark.parametrize("assignment", sorted(ASSIGNMENTS))
def test_student_readme_lists_every_test(assignment: str) -> None:
    readme = (ROOT / "testcases" / assignment / "README.md").read_text()
    listed = {line.split("|")[1].strip() for line in readme.splitlines() if line.startswith("| ")}
    assert assignment_test_names(assignment) <= listed
