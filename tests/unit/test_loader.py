"""Loading assignment specs (grader/spec/loader.py): a malformed spec, run steps
included, fails with a message naming the file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.errors import SpecError
from grader.spec import load_assignment
from tests.unit.tiny_program import SPEC

VALID = """\
version: 1
id: demo
title: Demo
submission: {files: [hw.py], module: hw}
reference: {module: reference.cs189_hw2.hw2}
tolerance: {rtol: 1.0e-7, atol: 1.0e-10}
fixtures:
  s: {kind: literal, value: [1.0, 2.0], dtype: float64, visibility: public}
  secret: {kind: literal, value: [3.0], visibility: hidden}
tests:
  - name: sigmoid
    points: 1
    steps:
      - {call: sigmoid_activation, args: [$s], as: sig}
    checks:
      - {match: "$sig[0]"}
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "assignment.yaml").write_text(text)
    return tmp_path


def test_valid_spec_loads(tmp_path: Path) -> None:
    assignment = load_assignment(write(tmp_path, VALID))
    assert assignment.tests[0].all_tags() == ["sigmoid_activation"]
    assert assignment.max_score == 1


@pytest.mark.parametrize(
    ("old", "new", "line", "expected"),
    [
        ("points: 1", "points: one", 12, "tests[0].points: Input should be a valid number"),
        (
            "points: 1",
            "points: -2",
            12,
            "tests[0].points: Input should be greater than or equal to 0",
        ),
        ("    points: 1\n", "", 11, "tests[0].points: Field required"),
        (
            '{match: "$sig[0]"}',
            '{match: "$sig[0]", rtol: abc}',
            16,
            "tests[0].checks[0].rtol: Input should be a valid number",
        ),
        ('{match: "$sig[0]"}', '{matches: "$sig[0]"}', 16, "a check has exactly one of the keys"),
        ('{match: "$sig[0]"}', '{match: "$nope[0]"}', 16, "no step saves a result under that name"),
        ("args: [$s]", "args: [$secret]", 14, "passes hidden fixture $secret to student code"),
        ("args: [$s]", "args: [$missing]", 14, "uses $missing, which is neither a fixture"),
        (
            "kind: literal, value: [1.0, 2.0]",
            "kind: pickle",
            8,
            "fixtures.s: a pickle fixture needs path",
        ),
        (
            "visibility: public}",
            "visibility: secret}",
            8,
            "fixtures.s.visibility: Input should be 'public' or 'hidden'",
        ),
        (
            "call: sigmoid_activation",
            "call: 'not a name'",
            14,
            "tests[0].steps[0].call: String should match pattern",
        ),
        (
            "module: hw}",
            "module: hw, extra: 1}",
            4,
            "submission.extra: Extra inputs are not permitted",
        ),
        (
            "tolerance: {rtol: 1.0e-7, atol: 1.0e-10}\n",
            "",
            15,
            "a match or answer check needs rtol and atol",
        ),
        (
            "    points: 1\n",
            "    points: 1\n    visibility: secret\n",
            13,
            "tests[0].visibility: Input should be 'visible', 'hidden', 'after_due_date' or "
            "'after_published'",
        ),
        ("title: Demo", "title: [unclosed", 3, "invalid YAML: expected ',' or ']'"),
        ("version: 1", "version: 7", 1, "this grader reads spec version 1"),
    ],
)
def test_malformed_spec_names_the_place(
    tmp_path: Path, old: str, new: str, line: int, expected: str
) -> None:
    assert old in VALID
    folder = write(tmp_path, VALID.replace(old, new, 1))
    with pytest.raises(SpecError) as info:
        load_assignment(folder)
    message = str(info.value)
    assert expected in message
    assert message.startswith(f"{folder / 'assignment.yaml'}:{line}:"), message


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        ("{wall_factor: 1}", "limits.wall_factor: Input should be greater than 1"),
        ("{wall_factor: 101}", "limits.wall_factor: Input should be less than or equal to 100"),
        ("{wall_factor: slow}", "limits.wall_factor: Input should be a valid number"),
        ("{wall_factor: 2.5}", None),
        ("{}", None),
    ],
)
def test_the_wall_clock_factor(tmp_path: Path, limits: str, expected: str | None) -> None:
    folder = write(tmp_path, VALID.replace("fixtures:", f"limits: {limits}\nfixtures:", 1))
    if expected is None:
        factor = load_assignment(folder).limits.wall_factor
        assert factor == (2.5 if "2.5" in limits else 5)
        return
    with pytest.raises(SpecError) as info:
        load_assignment(folder)
    assert expected in str(info.value)
    assert str(info.value).startswith(f"{folder / 'assignment.yaml'}:7:"), str(info.value)


def test_missing_assignment_directory(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no such assignment directory"):
        load_assignment(tmp_path / "nope")


def test_missing_yaml_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"assignment\.yaml is missing"):
        load_assignment(tmp_path)


def test_two_tests_with_one_name(tmp_path: Path) -> None:
    test = VALID[VALID.index("  - name: sigmoid") :]
    with pytest.raises(SpecError, match="two tests are named 'sigmoid'"):
        load_assignment(write(tmp_path, VALID + test))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("{output: doubled}", "doubled.txt", "outputs.doubled: pass its path to the program"),
        (
            "[$data, {output: doubled}, 3]",
            "[$data, {output: other}, 3]",
            "args: {output: other} is not one of the step's outputs",
        ),
        ("run: prog.py", "run: other.py", "'other.py' is not one of the required submission"),
        ("{match: $r.doubled}", "{match: $r.tripled}", "'r.tripled' is not an output"),
        ("parse: lines", "parse: csv", "unknown parser 'csv'; the parsers are"),
        ("        as: r\n", "", "a run step with outputs needs as"),
        ("- run: prog.py", "- call: f\n        run: prog.py", "a step has exactly one of"),
        (
            "      - run: prog.py",
            "      - {call: f}\n      - run: prog.py",
            "steps[0]: calls student code, but `submission.module`",
        ),
        ("visibility: public}", "visibility: hidden}", "passes hidden fixture $data"),
    ],
)
def test_malformed_run_steps(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in SPEC
    (tmp_path / "assignment.yaml").write_text(SPEC.replace(old, new, 1))
    with pytest.raises(SpecError) as info:
        load_assignment(tmp_path)
    assert message in str(info.value)
    assert "assignment.yaml:" in str(info.value)
