"""Run steps (a command-line program of the submission), file fixtures and the trusted
parsers of the files a program writes: pure logic, with tiny programs in tmp folders."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from grader.compare import compare
from grader.errors import SpecError
from grader.grading import Grader
from grader.parsers import ParseError, parse_output, parse_values
from grader.spec import load_assignment
from grader.steps import StepError, run_steps
from sandbox.inprocess import InProcessSandbox

# ---------------------------------------------------------------- parsers


@pytest.mark.parametrize(
    ("parser", "text", "expected"),
    [
        ("lines", "3\n9\n\n0\n", np.array([3, 9, 0])),
        ("lines", "  1 \r\n-2\r\n", np.array([1, -2])),
        ("lines", "0.5\n1\n", np.array([0.5, 1.0])),
        ("lines", "", np.array([], dtype=np.int64)),
        (
            "key_values",
            "epoch=1 crossentropy(train): 0.5\nerror(train):  0.25\n",
            {"epoch=1 crossentropy(train)": 0.5, "error(train)": 0.25},
        ),
        ("key_values", "a  b:1e-3\n\n", {"a b": 0.001}),
        ("text", "anything\n", "anything\n"),
    ],
)
def test_parsers_read_well_formed_files(parser: str, text: str, expected: object) -> None:
    got = parse_output(parser, text, "out.txt")
    if isinstance(expected, np.ndarray):
        assert got.dtype == expected.dtype or expected.size == 0
        np.testing.assert_array_equal(got, expected)
    else:
        assert got == expected


@pytest.mark.parametrize(
    ("parser", "text", "message"),
    [
        ("lines", None, "the program did not write out.txt"),
        ("lines", "1\nseven\n", "out.txt line 2: expected a number, got 'seven'"),
        ("lines", "1\nnan\n", "out.txt line 2: 'nan' is not a finite number"),
        ("key_values", "error(train) 0.5\n", "out.txt line 1: expected 'KEY: NUMBER'"),
        ("key_values", ": 0.5\n", "out.txt line 1: expected 'KEY: NUMBER'"),
        ("key_values", "a: 1\na: 2\n", "out.txt line 2: 'a' appears twice"),
        ("key_values", "a: x\n", "out.txt line 1: expected a number, got 'a: x'"),
        ("text", 3, "out.txt: expected the file's text, got a int"),
    ],
)
def test_parsers_name_the_file_and_line(parser: str, text: object, message: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_output(parser, text, "out.txt")
    assert str(info.value).startswith(message)


def test_parse_values_keeps_undeclared_values_and_reports_failures() -> None:
    values, errors = parse_values(
        {"r.labels": ("lines", "l.txt"), "r.metrics": ("key_values", "m.txt")},
        {"r.labels": "1\n2\n", "r.metrics": None, "other": 5},
    )
    assert values["other"] == 5 and list(values["r.labels"]) == [1, 2]
    assert errors == {"r.metrics": "the program did not write m.txt"}


# ---------------------------------------------------------------- comparing mappings


@pytest.mark.parametrize(
    ("got", "ok", "message"),
    [
        ({"a": 1.0, "b": 2.0}, True, "all 2 entries match"),
        (
            {"a": 1.0, "b": 2.1},
            False,
            "'b': differs beyond rtol=1e-06, atol=0: abs error 1.000e-01",
        ),
        ({"a": 1.0}, False, "missing 'b'"),
        ({"a": 1.0, "b": 2.0, "c": 3.0}, False, "unexpected 'c'"),
        ([1.0, 2.0], False, "expected a mapping of 2 entries, got a list of length 2"),
    ],
)
def test_mappings_compare_key_by_key(got: object, ok: bool, message: str) -> None:
    result = compare(got, {"a": 1.0, "b": 2.0}, rtol=1e-6, atol=0)
    assert result.ok is ok
    assert message in result.message
    if not ok:
        assert "2.0" not in result.message  # no expected value shown


# ---------------------------------------------------------------- run steps

PROGRAM = """\
import sys

def main(argv):
    src, out, n = argv[1], argv[2], int(argv[3])
    with open(src) as fh:
        rows = [int(line.split(",")[0]) for line in fh]
    with open(out, "w") as fh:
        for r in rows[:n]:
            fh.write(f"{r * 2}\\n")

if __name__ == "__main__":
    main(sys.argv)
"""


def run_program(tmp_path: Path, source: str, n: int = 2) -> dict:
    (tmp_path / "prog.py").write_text(textwrap.dedent(source))
    data = tmp_path / "data.csv"
    data.write_text("1,0\n2,1\n3,1\n")
    step = {
        "run": "prog.py",
        "args": [{"ref": "src", "path": []}, {"output": "doubled"}, {"value": n}],
        "outputs": {"doubled": {"file": "doubled.txt", "max_bytes": 64}, "never": {"file": "x"}},
        "as": "r",
    }
    run = run_steps(None, [step], {"src": str(data)}.__getitem__, tmp_path)
    return run.env["r"]


def test_a_run_step_passes_arguments_and_collects_files(tmp_path: Path) -> None:
    result = run_program(tmp_path, PROGRAM)
    assert result == {"doubled": "2\n4\n", "never": None}


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "import sys\nsys.exit(3)\n",
            "step 1 (prog.py): ProgramExit: prog.py exited with status 3",
        ),
        ("raise IndexError('list index out of range')\n", "IndexError: list index out of range"),
        (
            "import sys\nwith open(sys.argv[2], 'w') as f:\n    f.write('x' * 100)\n",
            "doubled.txt is larger than",
        ),
    ],
)
def test_a_failing_program_names_itself(tmp_path: Path, source: str, message: str) -> None:
    with pytest.raises(StepError) as info:
        run_program(tmp_path, source)
    assert message in str(info.value)


def test_sys_exit_zero_is_a_normal_end(tmp_path: Path) -> None:
    result = run_program(tmp_path, PROGRAM + "    sys.exit(0)\n")
    assert result["doubled"] == "2\n4\n"


# ---------------------------------------------------------------- specs and grading

SPEC = """\
version: 1
id: prog
title: A program
submission: {files: [prog.py]}
reference: {module: refprog.prog}
tolerance: {rtol: 0, atol: 0}
fixtures:
  data: {kind: file, path: data.csv, visibility: public}
  truth: {kind: literal, value: [2, 4, 6], visibility: hidden}
tests:
  - name: doubles
    points: 2
    steps:
      - run: prog.py
        args: [$data, {output: doubled}, 3]
        outputs: {doubled: {file: doubled.txt, parse: lines}}
        as: r
    checks:
      - {match: $r.doubled}
"""


@pytest.fixture
def program_assignment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    package = tmp_path / "lib" / "refprog"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "prog.py").write_text(PROGRAM)
    monkeypatch.syspath_prepend(str(tmp_path / "lib"))
    for name in ("refprog", "refprog.prog"):  # each test has its own package
        monkeypatch.delitem(sys.modules, name, raising=False)
    folder = tmp_path / "assignment"
    folder.mkdir()
    (folder / "data.csv").write_text("1,0\n2,1\n3,1\n")
    (folder / "assignment.yaml").write_text(SPEC)
    return folder


def test_a_program_is_graded_against_the_reference_program(program_assignment: Path) -> None:
    grader = Grader.load(program_assignment)
    assert grader.plan["module"] is None and grader.plan["programs"] == ["prog.py"]
    assert grader.plan["files"] == {"data": "data.csv"}
    assert grader.fixture_files == {"files/data.csv": b"1,0\n2,1\n3,1\n"}
    right = grader.grade({"prog.py": PROGRAM.encode()}, InProcessSandbox(), "r1")
    assert right["score"] == 2
    assert right["tests"][0]["tags"] == ["prog.py"]
    wrong = grader.grade(
        {"prog.py": PROGRAM.replace("r * 2", "r * 2 + (r == 3)").encode()},
        InProcessSandbox(),
        "r2",
    )
    assert wrong["score"] == 0
    assert "1 of 3 values differ" in wrong["tests"][0]["output"]
    silent = grader.grade({"prog.py": b"import sys\nprint('usage')\n"}, InProcessSandbox(), "r3")
    assert "the program did not write doubled.txt" in silent["tests"][0]["output"]
    assert silent["score"] == 0
    assert json.dumps(wrong)  # JSON-serialisable results


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


def test_a_reference_without_the_program_is_a_spec_error(
    program_assignment: Path, tmp_path: Path
) -> None:
    (tmp_path / "lib" / "refprog" / "prog.py").rename(tmp_path / "lib" / "refprog" / "p2.py")
    (tmp_path / "lib" / "refprog" / "__init__.py").write_text("")
    spec = (program_assignment / "assignment.yaml").read_text()
    (program_assignment / "assignment.yaml").write_text(spec.replace("refprog.prog", "refprog"))
    with pytest.raises(SpecError, match=r"run steps execute prog\.py, which is not in"):
        Grader.load(program_assignment)
