"""The grading core (grader/grading.py) end to end with the in-process fake sandbox
(no Docker): the four assignments, their references and mutants, and a tiny command-line
program graded by the files it writes.

Fast checks of spec -> plan -> report -> scoring -> feedback; the same verdicts
are checked in real containers by tests/integration.
"""

from __future__ import annotations

import json
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from grader.errors import SpecError
from grader.grading import Grader
from sandbox.inprocess import InProcessSandbox
from tests.conftest import CMU_ANSWER_TESTS, MIT6390_ANSWER_TESTS
from tests.unit.tiny_program import PROGRAM, SPEC

REPO = Path(__file__).resolve().parents[2]
CS189 = REPO / "testcases" / "cs189_hw2"


@dataclass(frozen=True)
class Case:
    """An assignment graded here: its folder, the reference as a submission, full marks."""

    directory: Path
    module: str  # the submitted module's name (its file is MODULE.py)
    reference: Path
    full_marks: float
    extra_files: tuple[Path, ...] = ()  # submitted with the reference, e.g. answers.yaml

    @property
    def mutants(self) -> list[dict[str, Any]]:
        return yaml.safe_load((self.directory / "mutants.yaml").read_text())["variants"]

    def files(self, source: str) -> dict[str, bytes]:
        extra = {path.name: path.read_bytes() for path in self.extra_files}
        return {f"{self.module}.py": source.encode(), **extra}


CASES = {
    "cs189_hw2": Case(CS189, "hw2", REPO / "reference" / "cs189_hw2" / "hw2.py", 37),
    "mit6390_nn": Case(
        REPO / "testcases" / "mit6390_nn",
        "nn",
        REPO / "reference" / "mit6390_nn" / "nn.py",
        36,
        (REPO / "reference" / "mit6390_nn" / "answers.yaml",),
    ),
    "thu_dl_hw": Case(
        REPO / "testcases" / "thu_dl_hw", "q5", REPO / "reference" / "thu_dl_hw" / "q5.py", 22
    ),
    "cmu10601_hw5": Case(
        REPO / "testcases" / "cmu10601_hw5",
        "neuralnet",
        REPO / "reference" / "cmu10601_hw5" / "neuralnet.py",
        18,
        (REPO / "reference" / "cmu10601_hw5" / "answers.yaml",),
    ),
}
MUTANT_CASES = [
    pytest.param(name, mutant, id=f"{name}:{mutant['name']}")
    for name, case in CASES.items()
    for mutant in case.mutants
]


@pytest.fixture(scope="module")
def graders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Grader]:
    cache = tmp_path_factory.mktemp("cache")
    return {name: Grader.load(case.directory, cache_dir=cache) for name, case in CASES.items()}


@pytest.fixture(scope="module")
def cs189(graders: dict[str, Grader]) -> Grader:
    return graders["cs189_hw2"]


def module_from(source: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(compile(source, f"{name}.py", "exec"), module.__dict__)  # trusted test sources only
    return module


def grade(grader: Grader, case: Case, source: str) -> dict[str, Any]:
    """A program (no module in the plan) runs from the submitted files alone."""
    module = module_from(source, case.module) if grader.plan["module"] else None
    sandbox = InProcessSandbox(module)
    return grader.grade(case.files(source), sandbox, "unit")


@pytest.mark.parametrize("name", sorted(CASES))
def test_reference_full_marks_and_results_shape(graders: dict[str, Grader], name: str) -> None:
    case = CASES[name]
    results = grade(graders[name], case, case.reference.read_text())
    assert results["score"] == case.full_marks
    shape = {"score", "execution_time", "output", "visibility", "tests", "extra_data"}
    assert set(results) == shape
    assert set(results["extra_data"]) == {"sandbox_log"}
    for test in results["tests"]:
        assert set(test) == {"name", "score", "max_score", "status", "output", "visibility", "tags"}
        assert test["status"] == "passed", test
        assert test["visibility"] in {"visible", "hidden", "after_due_date", "after_published"}


@pytest.mark.parametrize(("name", "mutant"), MUTANT_CASES)
def test_mutant_loses_exactly_its_tests(
    graders: dict[str, Grader], name: str, mutant: dict[str, Any]
) -> None:
    case = CASES[name]
    results = grade(
        graders[name], case, case.reference.read_text().replace(mutant["old"], mutant["new"])
    )
    lost = {t["name"] for t in results["tests"] if t["status"] != "passed"}
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


# ---------------------------------------------------------------- MIT 6.390: scenarios on objects

MIT = CASES["mit6390_nn"]
# The seed's own ReLU.backward multiplies by ones unless the batch's activations are all
# zero; everything else it shows is right, and it comes without an answers file.
SEED_QUOTED_LOSES = {
    "ReLU.backward",
    "Sequential.backward on a 2-3-3-2 network",
    "Sequential.sgd_step on a 2-3-3-2 network",
    *MIT6390_ANSWER_TESTS,
}


@pytest.fixture(scope="module")
def mit(graders: dict[str, Grader]) -> Grader:
    return graders["mit6390_nn"]


def test_mit6390_starter_scores_zero(mit: Grader) -> None:
    starter = MIT.directory / "starter"
    source = (starter / "nn.py").read_text()
    files = {"nn.py": source.encode(), "answers.yaml": (starter / "answers.yaml").read_bytes()}
    results = mit.grade(files, InProcessSandbox(module_from(source, "nn")), "unit")
    assert results["score"] == 0
    for test in results["tests"]:
        expected = "no answer given" if test["name"] in MIT6390_ANSWER_TESTS else "not implemented:"
        assert expected in test["output"], test


def test_mit6390_seed_quoted_code_gets_what_it_deserves(mit: Grader) -> None:
    source = (MIT.directory / "examples" / "seed_quoted" / "nn.py").read_text()
    results = mit.grade(
        {"nn.py": source.encode()}, InProcessSandbox(module_from(source, "nn")), "unit"
    )
    lost = {t["name"]: t for t in results["tests"] if t["score"] < t["max_score"]}
    assert set(lost) == SEED_QUOTED_LOSES
    assert "has no answers.yaml" in lost["Question 1.1: output a2 for x = 1"]["output"]
    assert results["score"] == pytest.approx(27.4)


def test_mit6390_answers_are_read_as_data(mit: Grader) -> None:
    source = MIT.reference.read_text()
    sandbox = InProcessSandbox(module_from(source, "nn"))
    answers = b'"1.1": 3.0\n"1.4": -7\n"2.2.1": [2, 13, 0]\n"2.2.2": [1, 0]\n'
    results = mit.grade({"nn.py": source.encode(), "answers.yaml": answers}, sandbox, "unit")
    lost = {t["name"] for t in results["tests"] if t["score"] < t["max_score"]}
    assert lost == {
        "Question 1.4: w1 after one SGD step",
        "Question 2.2.1: hidden activations for x = (3, 14)",
    }


def test_mit6390_request_never_carries_hidden_labels_or_answers(mit: Grader) -> None:
    request = mit.request({"nn.py": b"pass"}, "unit")
    hidden = mit.fixtures("test_labels")["Y"]
    assert hidden.tobytes() not in b"".join(request.fixtures.values())
    assert not any(name.startswith("test_labels") for name in request.fixtures)
    plan_text = str(request.plan)
    for secret in ("test_labels", "accuracy", "6.914400106935422e-13", "answers.yaml"):
        assert secret not in plan_text


# ---------------------------------------------------------------- Tsinghua DL Q5: PyTorch

THU = CASES["thu_dl_hw"]


@pytest.fixture(scope="module")
def thu(graders: dict[str, Grader]) -> Grader:
    return graders["thu_dl_hw"]


def test_thu_starter_scores_zero(thu: Grader) -> None:
    source = (THU.directory / "starter" / "q5.py").read_text()
    results = thu.grade(
        {"q5.py": source.encode()}, InProcessSandbox(module_from(source, "q5")), "unit"
    )
    assert results["score"] == 0
    for test in results["tests"]:
        assert "not implemented:" in test["output"], test


def test_thu_request_never_carries_hidden_labels(thu: Grader) -> None:
    request = thu.request({"q5.py": b"pass"}, "unit")
    hidden = thu.fixtures("test_labels")["y"]
    assert hidden.tobytes() not in b"".join(request.fixtures.values())
    assert not any(name.startswith("test_labels") for name in request.fixtures)
    plan_text = str(request.plan)
    for secret in ("test_labels", "metric", "cross_entropy", "0.905"):
        assert secret not in plan_text


# ---------------------------------------------------------------- CMU 10-601 HW5: a program

CMU = CASES["cmu10601_hw5"]


@pytest.fixture(scope="module")
def cmu(graders: dict[str, Grader]) -> Grader:
    return graders["cmu10601_hw5"]


def test_cmu_starter_scores_zero(cmu: Grader) -> None:
    starter = CMU.directory / "starter"
    files = {name: (starter / name).read_bytes() for name in ("neuralnet.py", "answers.yaml")}
    results = cmu.grade(files, InProcessSandbox(), "unit")
    assert results["score"] == 0
    for test in results["tests"]:
        expected = "no answer given" if test["name"] in CMU_ANSWER_TESTS else "not implemented:"
        assert expected in test["output"], test


def test_cmu_float32_arithmetic_is_a_valid_variation(cmu: Grader) -> None:
    """The same program computing in float32 changes the cross-entropies by < 1e-7
    relative: it keeps full marks (the tolerance is 1e-5)."""
    source = CMU.reference.read_text()
    assert source.count("np.float64") == 3
    results = grade(cmu, CMU, source.replace("np.float64", "np.float32"))
    assert results["score"] == 18, [t["output"] for t in results["tests"]]


def test_cmu_seed_answers_lose_question_1_2e(cmu: Grader) -> None:
    answers = (CMU.directory / "examples" / "seed_answers" / "answers.yaml").read_bytes()
    source = CMU.reference.read_text()
    results = cmu.grade(
        {"neuralnet.py": source.encode(), "answers.yaml": answers}, InProcessSandbox(), "unit"
    )
    lost = {t["name"]: t for t in results["tests"] if t["score"] < t["max_score"]}
    assert set(lost) == {"Question 1.2(e): parameters without sharing, 40x40x3 image"}
    assert "incorrect" in next(iter(lost.values()))["output"]
    assert "17328" not in json.dumps(results)


def test_cmu_request_never_carries_hidden_labels(cmu: Grader) -> None:
    request = cmu.request({"neuralnet.py": b"pass"}, "unit")
    assert set(request.fixtures) == {
        f"files/{name}.csv"
        for name in ("small_train", "small_validation", "medium_train", "medium_validation")
    } | {"files/test_inputs.csv"}
    labels = cmu.fixtures("test_labels")
    inputs = request.fixtures["files/test_inputs.csv"].decode().splitlines()
    assert len(inputs) == len(labels) == 500
    assert {row.split(",")[0] for row in inputs} == {"0"}  # the label column is blanked
    plan_text = str(request.plan)
    for secret in ("test_labels.npy", "error_rate", "0.25", "17328"):
        assert secret not in plan_text


# ---------------------------------------------------------------- a program graded by its outputs


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


def test_a_reference_without_the_program_is_a_spec_error(
    program_assignment: Path, tmp_path: Path
) -> None:
    (tmp_path / "lib" / "refprog" / "prog.py").rename(tmp_path / "lib" / "refprog" / "p2.py")
    (tmp_path / "lib" / "refprog" / "__init__.py").write_text("")
    spec = (program_assignment / "assignment.yaml").read_text()
    (program_assignment / "assignment.yaml").write_text(spec.replace("refprog.prog", "refprog"))
    with pytest.raises(SpecError, match=r"run steps execute prog\.py, which is not in"):
        Grader.load(program_assignment)


def test_a_value_the_runner_cannot_read_says_why(cs189: Grader) -> None:
    """create_weight_matrices returns one matrix for [784, 200, 1]: ``$Ws[1]`` cannot be
    looked up, and the check says so (the runner's value_errors), not "no value"."""
    case = CASES["cs189_hw2"]
    source = case.reference.read_text()
    one = "    return [np.random.normal(0.0, 0.01, size=(layer_dims[0], layer_dims[1]))]\n"
    start = source.index("    return [np.random.normal(0.0, 0.01, size=(d_in, d_out))")
    source = source[:start] + one + source[source.index("\n", start) + 1 :]
    test = next(
        t for t in grade(cs189, case, source)["tests"] if t["name"].startswith("create_weight")
    )
    assert test["score"] == 1.0  # partial: 2 of 4 checks pass
    assert test["output"].splitlines()[:3] == [
        "✘ $Ws: expected length 2, got 1",
        "✔ $Ws[0]: shape (784, 200)",
        "✘ $Ws[1]: cannot read Ws[1] from the returned value: IndexError: list index out of range",
    ]
