"""CMU 10-601 HW5 graded end to end in real Docker sandboxes: the program `neuralnet.py`
run with command-line arguments, the files it writes parsed and checked outside. The
reference (with its answers), the starter, the seed's written answers and programs that
fail in the ways programs fail. The variants of mutants.yaml are graded by `grader check`
(tests/integration/test_check.py)."""

from __future__ import annotations

import time

import pytest

from tests.conftest import (
    CMU,
    CMU_ANSWER_TESTS,
    REPO,
    GradeFiles,
    assert_loses_exactly,
    by_name,
    check_golden,
)

pytestmark = pytest.mark.docker

GOLDEN = CMU / "golden"
REFERENCE = REPO / "reference" / "cmu10601_hw5"
REFERENCE_SOURCE = (REFERENCE / "neuralnet.py").read_text()
ANSWERS = (REFERENCE / "answers.yaml").read_bytes()
PROGRAM_TESTS = {
    "Zero init, small data, 2 epochs, 4 hidden units, lr 0.1: metrics file",
    "Zero init, small data, 2 epochs, 4 hidden units, lr 0.1: label files",
    "Zero init, small data, 3 epochs, 5 hidden units, lr 0.05: all three files",
    "Random init, learning rate 0: initial cross-entropy",
    "Random init, medium data, 20 epochs, 50 hidden units, lr 0.01: error rates",
    "Random init, medium data: error on hidden test labels",
}


def program(source: str) -> dict[str, bytes]:
    return {"neuralnet.py": source.encode(), "answers.yaml": ANSWERS}


def test_reference_solution_scores_full_marks(grade_cmu: GradeFiles) -> None:
    started = time.monotonic()
    results = grade_cmu(program(REFERENCE_SOURCE))
    elapsed = time.monotonic() - started
    assert results["score"] == sum(t["max_score"] for t in results["tests"]) == 18
    assert all(t["status"] == "passed" for t in results["tests"]), results["tests"]
    tests = by_name(results)
    metrics = tests["Zero init, small data, 2 epochs, 4 hidden units, lr 0.1: metrics file"]
    assert "all 6 entries match" in metrics["output"]
    assert metrics["tags"][0] == "neuralnet.py" and "backward" in metrics["tags"]
    hidden = tests["Random init, medium data: error on hidden test labels"]["output"]
    assert "error on the hidden test labels 0.1" in hidden
    print(f"reference graded in {elapsed:.1f} s")
    check_golden(GOLDEN, "reference", results)


def test_the_same_program_graded_twice_gets_the_same_results(grade_cmu: GradeFiles) -> None:
    """Its own np.random is never seeded by the program: the grader seeds it per test
    (grader.seeding), so the random-init runs, and their errors, repeat exactly."""
    first, second = (grade_cmu(program(REFERENCE_SOURCE)) for _ in range(2))
    for results in (first, second):
        results.pop("execution_time", None)
    assert first == second
    hidden = by_name(first)["Random init, medium data: error on hidden test labels"]
    assert "error on the hidden test labels" in hidden["output"]


def test_starter_scores_zero_with_not_implemented(grade_cmu: GradeFiles) -> None:
    starter = CMU / "starter"
    results = grade_cmu(
        {name: (starter / name).read_bytes() for name in ("neuralnet.py", "answers.yaml")}
    )
    assert results["score"] == 0
    for test in results["tests"]:
        expected = "no answer given" if test["name"] in CMU_ANSWER_TESTS else "not implemented:"
        assert expected in test["output"], test
    check_golden(GOLDEN, "starter", results)


def test_seed_answers_lose_question_1_2e(grade_cmu: GradeFiles) -> None:
    answers = (CMU / "examples" / "seed_answers" / "answers.yaml").read_bytes()
    results = grade_cmu({"neuralnet.py": REFERENCE_SOURCE.encode(), "answers.yaml": answers})
    assert_loses_exactly(results, ["Question 1.2(e): parameters without sharing, 40x40x3 image"])
    assert results["score"] == 17


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def main(:\n    pass\n", "could not compile neuralnet.py: SyntaxError"),
        (
            "import sys\nprint('usage: ...', file=sys.stderr)\nsys.exit(2)\n",
            "neuralnet.py exited with status 2",
        ),
        (
            "import sys\nopen(sys.argv[5], 'w').write('epoch=1 crossentropy(train) 2.3\\n')\n",
            "line 1: expected 'KEY: NUMBER'",
        ),
        ("print('training...')\n", "the program did not write"),
        ("import os\nos._exit(0)\n", "the process exited with code 0 before returning a result"),
        # loops in one test only (5 hidden units), so the case costs one 20 s of CPU time
        (
            "import sys\nwhile sys.argv[7] == '5':\n    pass\n",
            "timed out: used more than 20 s of CPU time",
        ),
    ],
    ids=["syntax_error", "exit_status", "malformed_metrics", "no_files", "os_exit", "loop"],
)
def test_failing_programs_get_a_precise_message(
    grade_cmu: GradeFiles, source: str, message: str
) -> None:
    results = grade_cmu(program(source))
    programs = [t for t in results["tests"] if t["name"] in PROGRAM_TESTS]
    assert all(t["score"] == 0 for t in programs)
    assert any(message in t["output"] for t in programs), [t["output"] for t in programs]
    assert all(
        t["score"] == t["max_score"] for t in results["tests"] if t["name"] in CMU_ANSWER_TESTS
    )
