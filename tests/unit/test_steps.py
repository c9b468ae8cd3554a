"""The step interpreter (grader/steps.py): scenarios on objects, written answers, and run
steps (a command-line program of the submission, run on tiny programs in tmp folders)."""

from __future__ import annotations

import textwrap
import types
from pathlib import Path

import numpy as np
import pytest

from grader import steps, wire
from grader.answers import read_answers
from grader.errors import SpecError
from grader.grading import Grader
from grader.spec import AnswersFile, TestSpec, load_assignment
from sandbox.inprocess import InProcessSandbox
from tests.unit.tiny_program import PROGRAM


class Linear:
    def __init__(self, m: int, n: int) -> None:
        self.W = np.random.normal(0, 1, (m, n))
        self.W0 = np.zeros((n, 1))

    def forward(self, A: np.ndarray) -> np.ndarray:
        self.A = A
        return self.W.T @ A + self.W0

    def backward(self, dLdZ: np.ndarray) -> np.ndarray:
        self.dLdW = self.A @ dLdZ.T
        return self.W @ dLdZ


MODULE = types.SimpleNamespace(Linear=Linear)
FIXTURES = {"W": np.ones((2, 3)), "A": np.arange(4.0).reshape(2, 2)}


def run(plan: list[dict]) -> steps.StepRun:
    return steps.run_steps(MODULE, plan, FIXTURES.__getitem__)


def ref(name: str, *path: object) -> dict:
    return {"ref": name, "path": list(path)}


def test_scenario_on_an_object_sets_calls_and_snapshots() -> None:
    result = run(
        [
            {"seed": 3},
            {"call": "Linear", "args": [{"value": 2}, {"value": 3}], "as": "lin"},
            {"set": "W", "on": ref("lin"), "value": ref("W")},
            {"call": "forward", "on": ref("lin"), "args": [ref("A")], "as": "Z"},
            {"call": "backward", "on": ref("lin"), "args": [ref("Z")], "as": "dA"},
            {"copy": ref("lin", "dLdW"), "as": "first"},
            {"call": "backward", "on": ref("lin"), "args": [{"array": [[1.0] * 2] * 3}]},
        ]
    )
    lin = result.env["lin"]
    np.testing.assert_array_equal(lin.W, np.ones((2, 3)))
    assert lin.W is not FIXTURES["W"]  # set assigns a copy: the fixture stays intact
    np.testing.assert_array_equal(result.env["Z"], np.ones((3, 2)) @ FIXTURES["A"])
    assert not np.array_equal(result.env["first"], lin.dLdW)  # the snapshot kept its value


def test_seed_makes_random_initialisation_repeatable() -> None:
    plan = [{"seed": 7}, {"call": "Linear", "args": [{"value": 2}, {"value": 2}], "as": "lin"}]
    np.testing.assert_array_equal(run(plan).env["lin"].W, run(plan).env["lin"].W)


def test_a_failing_set_step_names_itself() -> None:
    with pytest.raises(steps.StepError, match=r"setting \.W"):
        run([{"set": "W", "on": ref("missing"), "value": ref("W")}])


def test_method_tags_name_the_class() -> None:
    test = TestSpec.model_validate(
        {
            "name": "t",
            "points": 1,
            "steps": [
                {"call": "Linear", "args": [2, 3], "as": "lin"},
                {"set": "W", "on": "$lin", "value": "$W"},
                {"call": "forward", "on": "$lin", "args": ["$A"], "as": "Z"},
            ],
            "checks": [{"match": "$lin.W", "rtol": 0, "atol": 0}],
        }
    )
    assert test.all_tags() == ["Linear", "Linear.forward"]


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ({"call": "f", "seed": 1}, "exactly one of the keys"),
        ({"set": "W", "on": "$lin"}, r"a set step needs on \(the object\) and value"),
        ({"copy": "$lin.W"}, "a copy step needs as"),
        ({"seed": 1, "as": "x"}, "a seed step does not take as"),
        ({"copy": "lin.W", "as": "x"}, "is not a reference"),
    ],
)
def test_malformed_steps(step: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TestSpec.model_validate(
            {"name": "t", "points": 1, "steps": [step], "checks": [{"no_warnings": True}]}
        )


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "the submission has no answers.yaml"),
        (b"1.1: [unclosed", "is not valid YAML or JSON (line 1)"),
        (b"- 1\n- 2\n", "must map question ids to answers"),
        (b"x" * 70_000, "larger than 65536 bytes"),
        (b"\xff\xfe", "is not valid YAML or JSON"),
        (b"'1.1': 0.5\n", ""),
    ],
)
def test_reading_answers(content: bytes | None, problem: str) -> None:
    files = {} if content is None else {"answers.yaml": content}
    answers = read_answers(files, AnswersFile(file="answers.yaml"))
    assert answers.problem == problem or problem in answers.problem


ANSWERS_SPEC = """\
version: 1
id: quiz
title: Quiz
submission: {files: [hw2.py], module: hw2}
reference: {module: reference.cs189_hw2.hw2}
answers: {file: answers.yaml}
tests:
  - name: "1.1"
    points: 2
    checks: [{answer: "1.1", equals: 0.5, rtol: 0, atol: 1.0e-6}]
  - name: "1.4"
    points: 1
    checks: [{answer: "1.4", equals: [1, 2], rtol: 0, atol: 0}]
"""


@pytest.mark.parametrize(
    ("answers", "scores", "fragments"),
    [
        (b"'1.1': 0.5\n'1.4': [1, 2]\n", [2, 1], ["correct", "correct"]),
        (b"'1.1': 0.4\n'1.4': [1, 2, 3]\n", [0, 0], ["incorrect", "expected shape (2,)"]),
        (b"'1.1': null\n", [0, 0], ["no answer given", "no answer given"]),
        (None, [0, 0], ["the submission has no answers.yaml"] * 2),
    ],
)
def test_answer_checks_grade_without_running_code(
    tmp_path: Path, answers: bytes | None, scores: list[float], fragments: list[str]
) -> None:
    (tmp_path / "assignment.yaml").write_text(ANSWERS_SPEC)
    grader = Grader.load(tmp_path)
    files = {"hw2.py": b"raise SystemExit"} | ({"answers.yaml": answers} if answers else {})
    results = grader.grade(files, InProcessSandbox(types.ModuleType("hw2")), "unit")
    assert [t["score"] for t in results["tests"]] == scores
    for test, fragment in zip(results["tests"], fragments, strict=True):
        assert fragment in test["output"]
        assert "0.5" not in test["output"]  # the key is never shown


def test_answer_checks_need_the_answers_file_declared(tmp_path: Path) -> None:
    (tmp_path / "assignment.yaml").write_text(
        ANSWERS_SPEC.replace("answers: {file: answers.yaml}\n", "")
    )
    with pytest.raises(SpecError, match=r"tests\[0\].checks\[0\]: an answer check needs"):
        load_assignment(tmp_path)


def test_a_bare_on_key_is_a_string_not_a_boolean(tmp_path: Path) -> None:
    spec = ANSWERS_SPEC.replace(
        '    checks: [{answer: "1.4"',
        "    steps:\n      - {call: Linear, args: [2, 2], as: lin}\n"
        "      - {call: forward, on: $lin, args: [[1.0]]}\n"
        '    checks: [{answer: "1.4"',
    )
    (tmp_path / "assignment.yaml").write_text(spec)
    test = load_assignment(tmp_path).tests[1]
    assert test.steps[1].on == "$lin"
    assert test.all_tags() == ["Linear", "Linear.forward"]


def test_torch_helpers_and_tensor_arguments() -> None:
    import torch

    module = types.SimpleNamespace(
        build=lambda: torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 3)),
        flood=lambda loss, b: (loss - b).abs() + b,
    )
    fixtures = {"X": np.arange(8, dtype=np.uint8).reshape(2, 1, 2, 2) / 8.0}
    result = steps.run_steps(
        module,
        [
            {"seed": 0},
            {"call": "build", "as": "net"},
            {"helper": "param_count", "args": [ref("net")], "as": "n"},
            {"helper": "predict", "args": [ref("net"), {"tensor": ref("X")}], "as": "labels"},
            {
                "helper": "grad_of",
                "args": [{"function": "flood"}, {"value": 0.3}, {"value": 0.5}],
                "as": "below",
            },
            {
                "helper": "grad_of",
                "args": [{"function": "flood"}, {"value": 0.8}, {"value": 0.5}],
                "as": "above",
            },
        ],
        fixtures.__getitem__,
    )
    assert result.env["n"] == 4 * 3 + 3
    labels = result.env["labels"]
    assert labels.dtype == np.int64 and labels.shape == (2,)
    assert (result.env["below"], result.env["above"]) == (-1.0, 1.0)


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ({"helper": "nope", "args": []}, "unknown helper 'nope'; the helpers are grad_of"),
        ({"call": "f", "args": [{"probe": "nope"}]}, "unknown probe 'nope'"),
        ({"call": "f", "args": [{"tensor": "$X", "dtype": "int8"}]}, "tensor dtype 'int8'"),
        ({"helper": "predict", "on": "$m"}, "a helper step does not take on"),
    ],
)
def test_malformed_torch_steps(step: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TestSpec.model_validate(
            {"name": "t", "points": 1, "steps": [step], "checks": [{"no_warnings": True}]}
        )


def test_helpers_and_probes_are_the_names_the_wire_allows() -> None:
    """The spec validates names against grader.wire; the interpreter implements them."""
    assert set(steps.HELPERS) == set(wire.HELPER_NAMES)
    assert set(steps.PROBES) == set(wire.PROBE_NAMES)


# ---------------------------------------------------------------- run steps


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
    run = steps.run_steps(None, [step], {"src": str(data)}.__getitem__, tmp_path)
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
    with pytest.raises(steps.StepError) as info:
        run_program(tmp_path, source)
    assert message in str(info.value)


def test_sys_exit_zero_is_a_normal_end(tmp_path: Path) -> None:
    result = run_program(tmp_path, PROGRAM + "    sys.exit(0)\n")
    assert result["doubled"] == "2\n4\n"
