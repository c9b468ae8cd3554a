"""The variants file (grader/spec/variants.py): the four assignments' mutants.yaml load,
every variant applies to its reference exactly once and compiles, and a malformed file
fails with a message naming the file, the line, the entry and the field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.errors import SpecError
from grader.expected import load_reference, program_dir
from grader.spec import (
    Assignment,
    Variant,
    VariantsFile,
    editable_files,
    file_of,
    load_assignment,
    load_variants,
)

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENTS = ("cs189_hw2", "mit6390_nn", "thu_dl_hw", "cmu10601_hw5")
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def loaded(name: str) -> tuple[Assignment, VariantsFile]:
    directory = ROOT / "testcases" / name
    assignment = load_assignment(directory)
    variants = load_variants(directory, assignment)
    assert variants is not None
    return assignment, variants


CASES = [
    pytest.param(name, variant, id=f"{name}:{variant.name}")
    for name in ASSIGNMENTS
    for variant in loaded(name)[1].variants
]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_each_assignment_has_a_valid_variants_file(name: str) -> None:
    assignment, variants = loaded(name)
    assert len(variants.variants) >= 10
    assert variants.starter_score == 0
    caught = {test for v in variants.variants for test in v.fails}
    assert caught <= {t.name for t in assignment.tests}


@pytest.mark.parametrize(("name", "variant"), CASES)
def test_variant_applies_once_and_compiles(name: str, variant: Variant) -> None:
    assignment, _ = loaded(name)
    folder = program_dir(load_reference(assignment))
    assert folder is not None
    file = file_of(variant, assignment)
    assert file in editable_files(assignment)
    source = (folder / file).read_text()
    assert SNAKE.match(variant.name), variant.name
    assert variant.description and "\n" not in variant.description.strip()
    assert source.count(variant.old) == 1, "`old` must occur exactly once in the reference"
    mutated = source.replace(variant.old, variant.new)
    assert mutated != source
    compile(mutated, f"<variant {variant.name}>", "exec")


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_student_readme_lists_every_test(name: str) -> None:
    readme = (ROOT / "testcases" / name / "README.md").read_text()
    listed = {line.split("|")[1].strip() for line in readme.splitlines() if line.startswith("| ")}
    assert {t.name for t in load_assignment(ROOT / "testcases" / name).tests} <= listed


# A two-file submission with an answers file: a variant must then name its file.
SPEC = """\
version: 1
id: two
title: Two files
submission: {files: [a.py, b.py], module: a}
answers: {file: answers.yaml}
reference: {module: reference.cs189_hw2.hw2}
tolerance: {rtol: 0, atol: 0}
fixtures:
  s: {kind: literal, value: [1.0], visibility: public}
tests:
  - name: first test
    points: 2
    steps: [{call: sigmoid_activation, args: [$s], as: sig}]
    checks: [{match: "$sig[0]"}]
  - name: second test
    points: 1
    steps: [{call: relu_activation, args: [$s], as: r}]
    checks: [{match: "$r[0]"}]
"""

VALID = """\
starter_score: 1
variants:
  - name: first_bug
    description: the first bug
    file: a.py
    old: "x = 1"
    new: "x = 2"
    fails: [first test]
  - name: second_bug
    file: b.py
    old: "y = 1"
    new: "y = 2"
    fails: [first test, second test]
"""


def write(tmp_path: Path, variants: str) -> Path:
    (tmp_path / "assignment.yaml").write_text(SPEC)
    (tmp_path / "mutants.yaml").write_text(variants)
    return tmp_path


def test_valid_file_loads(tmp_path: Path) -> None:
    directory = write(tmp_path, VALID)
    assignment = load_assignment(directory)
    variants = load_variants(directory, assignment)
    assert variants is not None
    assert variants.starter_score == 1
    assert [file_of(v, assignment) for v in variants.variants] == ["a.py", "b.py"]
    assert variants.variants[1].description == ""
    assert [v.name for v in variants.named(["second_bug"])] == ["second_bug"]
    with pytest.raises(KeyError):
        variants.named(["third_bug"])
    assert editable_files(assignment) == ["a.py", "b.py", "answers.yaml"]


def test_no_file_is_none(tmp_path: Path) -> None:
    (tmp_path / "assignment.yaml").write_text(SPEC)
    assert load_variants(tmp_path, load_assignment(tmp_path)) is None


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        (VALID, "- {name: x}\n", ":1", "this is a bare list: put it under `variants:`"),
        (VALID, "just text\n", ":1", "the top level must be a mapping with `variants:`"),
        ("starter_score: 1\n", "starter_score: 4\n", ":1", "starter_score: 4 is more than"),
        ("starter_score: 1\n", "starter_score: -1\n", ":1", "starter_score: Input should be"),
        ("    file: a.py\n", "", ":3", "variants[0].file: required, since the submission"),
        ("file: b.py", "file: c.py", ":10", "variants[1].file: 'c.py' is not a file of"),
        (
            "fails: [first test, second test]",
            "fails: [first test, second tset]",
            ":13",
            "variants[1].fails[1]: 'second tset' is not the name of a test of the "
            "assignment (did you mean 'second test'?)",
        ),
        (
            "fails: [first test, second test]",
            "fails: [first test, first test]",
            ":13",
            "variants[1].fails[1]: 'first test' is listed twice",
        ),
        ("fails: [first test]", "fails: []", ":8", "variants[0].fails: List should have at least"),
        ('new: "x = 2"', 'new: "x = 1"', ":7", "variants[0].new: is the same text as old"),
        ("name: second_bug", "name: first_bug", ":9", "variants[1].name: two variants are named"),
        ("name: second_bug", "name: Second bug", ":9", "variants[1].name: String should match"),
        ('    old: "y = 1"\n', "", ":9", "variants[1].old: Field required"),
        ("    description: the first bug\n", "    descripton: typo\n", ":4", "descripton: Extra"),
        ('old: "x = 1"', 'old: ""', ":6", "variants[0].old: String should have at least 1"),
        ("variants:", "variant:", ":1", "variants: Field required (and 1 more problems)"),
        ('new: "x = 2"', 'new: "x = 2', ":3", "invalid YAML: expected <block end>"),
    ],
)
def test_invalid_file_names_line_and_field(
    tmp_path: Path, old: str, new: str, where: str, message: str
) -> None:
    assert old in VALID
    directory = write(tmp_path, VALID.replace(old, new) if old != VALID else new)
    assignment = load_assignment(directory)
    with pytest.raises(SpecError) as error:
        load_variants(directory, assignment)
    assert error.value.where == f"{directory / 'mutants.yaml'}{where}"
    assert message in error.value.detail


def test_one_file_submission_needs_no_file_field() -> None:
    assignment, variants = loaded("mit6390_nn")
    assert assignment.answers is not None  # nn.py and answers.yaml: one required file
    assert all(v.file is None for v in variants.variants)
    assert {file_of(v, assignment) for v in variants.variants} == {"nn.py"}
