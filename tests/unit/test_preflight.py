"""The pre-flight check's pure logic (grader/preflight/): from the runs' results to the
findings, table by table; no sandbox but the in-process one for metric values."""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from grader.grading import Grader
from grader.preflight import (
    Candidate,
    Finding,
    Stage,
    Verdict,
    coverage_findings,
    declares_seed,
    exit_status,
    gather,
    metric_tests,
    metric_values,
    reference_findings,
    render,
    rerun_offset,
    reseeded,
    reseeded_grader,
    spread_findings,
    starter_findings,
    timing_findings,
    variant_findings,
    with_variant,
    worst,
)
from grader.sandbox import SandboxOutcome
from grader.spec import Assignment, TestSpec, Variant, VariantsFile, load_assignment
from grader.verdict import TestResult
from sandbox.inprocess import InProcessSandbox

ROOT = Path(__file__).resolve().parents[2]
CS189 = ROOT / "testcases" / "cs189_hw2"
THU = ROOT / "testcases" / "thu_dl_hw"
MIT = ROOT / "testcases" / "mit6390_nn"
CMU = ROOT / "testcases" / "cmu10601_hw5"

SPEC = """\
version: 1
id: tiny
title: Tiny
submission: {files: [hw.py], module: hw}
answers: {file: answers.yaml}
reference: {module: reference.cs189_hw2.hw2}
tolerance: {rtol: 0, atol: 0}
limits: {test_timeout: 10, submission_timeout: 100}
fixtures:
  s: {kind: literal, value: [1.0, -1.0], visibility: public}
tests:
  - name: sigmoid
    points: 2
    steps: [{call: sigmoid_activation, args: [$s], as: sig}]
    checks: [{match: "$sig[0]"}]
  - name: relu
    points: 1
    timeout: 40
    steps: [{call: relu_activation, args: [$s], as: r}]
    checks: [{match: "$r[0]"}]
  - name: question
    points: 1
    checks: [{answer: "1", equals: 3}]
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Assignment:
    directory = tmp_path_factory.mktemp("tiny")
    (directory / "assignment.yaml").write_text(SPEC)
    return load_assignment(directory)


def result(
    name: str,
    score: float,
    max_score: float = 2,
    output: str = "",
    duration: float = 0,
    cpu: float | None = None,
) -> TestResult:
    cpu = duration if cpu is None else cpu
    return TestResult(name, score, max_score, output, "visible", (), duration, cpu)


def variant(fails: list[str], name: str = "bug", old: str = "x = 1") -> Variant:
    return Variant(name=name, old=old, new="x = 2", fails=fails)


# ----------------------------------------------------------------- reference and starter


@pytest.mark.parametrize(
    ("results", "verdicts", "got"),
    [
        ([result("a", 2), result("b", 1, 1)], [Verdict.OK], ["3/3"]),
        (
            [result("a", 0, 8, "✔ shape (784, 200)\n✘ test accuracy 0.5120 (needs >= 0.945)")],
            [Verdict.FAIL],
            ["lost 'a' (0/8): test accuracy 0.5120 (needs >= 0.945)"],
        ),
        (
            [result("a", 0, 2, "ValueError in f: bad\n  File x\n  more"), result("b", 1, 1)],
            [Verdict.FAIL],
            ["lost 'a' (0/2): ValueError in f: bad; File x"],
        ),
        (
            [result("a", 1, 2, "✘ one\n✘ two"), result("b", 0, 1, "")],
            [Verdict.FAIL, Verdict.FAIL],
            ["lost 'a' (1/2): one; two", "lost 'b' (0/1): (no output)"],
        ),
    ],
)
def test_reference_must_score_full_marks(
    results: list[TestResult], verdicts: list[Verdict], got: list[str]
) -> None:
    findings = reference_findings(results)
    assert [f.verdict for f in findings] == verdicts
    assert [f.got for f in findings] == got
    assert {f.stage for f in findings} == {Stage.REFERENCE}


def test_a_long_reason_is_cut() -> None:
    (finding,) = reference_findings([result("a", 0, 1, "✘ " + "x" * 500)])
    assert finding.got.endswith("...") and len(finding.got) < 260


@pytest.mark.parametrize(
    ("scores", "declared", "verdict", "got"),
    [
        ([0, 0], 0, Verdict.OK, "0/4"),
        ([2, 0], 0, Verdict.FAIL, "scores 2/4: 'a' 2/2"),
        ([2, 0], 2, Verdict.OK, "2/4"),
        ([0, 0], 2, Verdict.FAIL, "scores 0/4"),
    ],
)
def test_starter_scores_what_is_declared(
    scores: list[float], declared: float, verdict: Verdict, got: str
) -> None:
    results = [result("a", scores[0]), result("b", scores[1])]
    (finding,) = starter_findings(results, declared)
    assert (finding.verdict, finding.got, finding.expected) == (
        verdict,
        got,
        f"scores {declared:g}/4",
    )


# ------------------------------------------------------------------------------ variants


@pytest.mark.parametrize(
    ("fails", "scores", "messages"),
    [
        (["a"], {"a": 0, "b": 2}, ["variant bug: lost exactly its 1 test"]),
        (["a", "b"], {"a": 1, "b": 0}, ["variant bug: lost exactly its 2 tests"]),
        (["a"], {"a": 0, "b": 0}, ["variant bug: also lost 'b' (not in its fails list): why b"]),
        (["a", "b"], {"a": 0, "b": 2}, ["variant bug: kept 'b', which it should fail"]),
        (
            ["a"],
            {"a": 2, "b": 1},
            [
                "variant bug: kept 'a', which it should fail",
                "variant bug: also lost 'b' (not in its fails list): why b",
            ],
        ),
    ],
)
def test_variant_loses_exactly_its_tests(
    fails: list[str], scores: dict[str, float], messages: list[str]
) -> None:
    results = [result(name, score, output=f"✘ why {name}") for name, score in scores.items()]
    findings = variant_findings(variant(fails), results)
    assert [f.message for f in findings] == messages
    ok = messages[0].startswith("variant bug: lost exactly")
    assert {f.verdict for f in findings} == {Verdict.OK if ok else Verdict.FAIL}


def test_a_lost_test_must_say_why() -> None:
    (finding,) = variant_findings(variant(["a"]), [result("a", 0, output="  \n")])
    assert finding.verdict is Verdict.FAIL
    assert finding.got == "lost 'a' without saying why (its output is empty)"


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("x = 1\ny = 3\n", ""),
        ("y = 3\n", "its old text does not occur in hw.py"),
        ("x = 1\nx = 1\n", "its old text occurs 2 times in hw.py"),
    ],
)
def test_a_variant_changes_its_old_text_once(tiny: Assignment, source: str, problem: str) -> None:
    reference = Candidate({"hw.py": source.encode(), "answers.yaml": b"1: 3\n"})
    changed = with_variant(reference, variant(["sigmoid"]), tiny)
    assert changed.problem == problem
    if not problem:
        assert changed.files == {"hw.py": b"x = 2\ny = 3\n", "answers.yaml": b"1: 3\n"}


def test_a_variant_of_the_answers_file(tiny: Assignment) -> None:
    reference = Candidate({"hw.py": b"pass\n", "answers.yaml": b'"1": 3\n'})
    wrong = Variant(name="w", file="answers.yaml", old='"1": 3', new='"1": 4', fails=["question"])
    assert with_variant(reference, wrong, tiny).files["answers.yaml"] == b'"1": 4\n'


@pytest.mark.parametrize(
    ("present", "problem"),
    [
        (["hw.py", "answers.yaml"], ""),
        (["hw.py"], "the file is missing from {folder}: answers.yaml"),
        ([], "the files are missing from {folder}: hw.py, answers.yaml"),
    ],
)
def test_gather_names_missing_files(
    tiny: Assignment, tmp_path: Path, present: list[str], problem: str
) -> None:
    for name in present:
        (tmp_path / name).write_text(name)
    gathered = gather(tmp_path, tiny)
    assert gathered.problem == problem.format(folder=tmp_path)
    assert sorted(gathered.files) == sorted(present)
    assert gather(tmp_path / "nowhere", tiny).problem == f"there is no folder {tmp_path}/nowhere"


# ------------------------------------------------------------------------------ coverage


@pytest.mark.parametrize(
    ("fails", "got", "verdict"),
    [
        ([["sigmoid"], ["relu", "sigmoid"]], "all 2 tests that run code, by 2 variants", "ok"),
        ([["sigmoid"]], "test 'relu' catches none of the variants", "FAIL"),
        ([["question"]], "test 'sigmoid' catches none of the variants", "FAIL"),
    ],
)
def test_every_test_that_runs_code_catches_a_variant(
    tiny: Assignment, fails: list[list[str]], got: str, verdict: str
) -> None:
    variants = VariantsFile(
        variants=[variant(f, name=f"v{i}") for i, f in enumerate(fails)], starter_score=0
    )
    findings = coverage_findings(tiny, variants)
    assert findings[0].got == got
    assert {str(f.verdict) for f in findings} == {verdict}


def test_no_variants_file_fails_coverage(tiny: Assignment) -> None:
    (finding,) = coverage_findings(tiny, None)
    assert finding.verdict is Verdict.FAIL
    assert "there is no mutants.yaml" in finding.got


# -------------------------------------------------------------------------------- timing


@pytest.mark.parametrize(
    ("durations", "rows"),
    [
        ({"sigmoid": 1.0, "relu": 2.0}, [("ok", "slowest 'sigmoid': 1.0 s of 10 s (10%)")]),
        ({"sigmoid": 2.5, "relu": 10.0}, [("ok", "slowest 'sigmoid': 2.5 s of 10 s (25%)")]),
        ({"sigmoid": 2.6, "relu": 1.0}, [("WARN", "2.6 s of 10 s (26%)")]),
        (
            {"sigmoid": 3.0, "relu": 24.0},
            [
                ("WARN", "3.0 s of 10 s (30%)"),
                ("WARN", "24.0 s of 40 s (60%)"),
                ("WARN", "27.0 s of 100 s (27%)"),
            ],
        ),
    ],
)
def test_reference_time_against_timeouts(
    tiny: Assignment, durations: dict[str, float], rows: list[tuple[str, str]]
) -> None:
    results = [result(n, 2, duration=d) for n, d in durations.items()]
    results.append(result("question", 1, 1, duration=99.0))  # runs nothing: never timed
    findings = timing_findings(tiny, results)
    assert [(str(f.verdict), f.got) for f in findings] == rows


def test_reference_time_is_its_cpu_time_not_a_busy_machines_wall_clock(tiny: Assignment) -> None:
    """The timeouts count CPU seconds; a reference slowed down by other work on the
    machine (9 s of wall clock for 1 s of CPU) uses no more of them."""
    results = [result("sigmoid", 2, duration=9.0, cpu=1.0), result("relu", 2, duration=1, cpu=1)]
    (finding,) = timing_findings(tiny, results)
    assert (str(finding.verdict), finding.got) == ("ok", "slowest 'sigmoid': 1.0 s of 10 s (10%)")


# -------------------------------------------------------------------------- seeds, spread


def test_reseeded_moves_every_seed_of_the_metric_tests() -> None:
    thu = load_assignment(THU)
    moved = reseeded(thu, 3)
    assert [t.name for t in moved.tests] == [t.name for t in metric_tests(thu)]
    assert len(moved.tests) == 3 and len(thu.tests) > 3
    for before, after in zip(metric_tests(thu), moved.tests, strict=True):
        assert declares_seed(before)
        pairs = list(zip(before.steps, after.steps, strict=True))
        assert [b.seed + 3 for b, a in pairs if b.seed is not None] == [
            a.seed for b, a in pairs if b.seed is not None
        ]
        for b, a in pairs:
            if "seed" in b.kwargs:
                assert a.kwargs["seed"] == {"value": b.kwargs["seed"]["value"] + 3}
                assert {k: v for k, v in a.kwargs.items() if k != "seed"} == {
                    k: v for k, v in b.kwargs.items() if k != "seed"
                }
            elif b.seed is None:
                assert a == b
    assert load_assignment(THU) == thu  # the loaded assignment is untouched


def test_each_rerun_of_a_median_of_three_trains_on_seeds_no_other_run_used() -> None:
    cs189 = load_assignment(CS189)
    (train,) = metric_tests(cs189)

    def seeds(test: TestSpec) -> list[int]:
        return [s.kwargs["seed"]["value"] for s in test.steps if "seed" in s.kwargs]

    runs = [seeds(train)] + [seeds(reseeded(cs189, rerun_offset(k)).tests[0]) for k in (1, 2, 3)]
    assert runs == [[0, 1, 2], [1000, 1001, 1002], [2000, 2001, 2002], [3000, 3001, 3002]]


def test_an_unseeded_program_is_rerun_as_it_is() -> None:
    cmu = load_assignment(CMU)
    tests = metric_tests(cmu)
    assert len(tests) == 3 and not any(declares_seed(t) for t in tests)
    moved = reseeded(cmu, 4)
    assert moved.tests == tests  # its steps as they are; the base of the tests' seeds moves
    assert (cmu.seed, moved.seed) == (0, 4)


def spread_assignment(tmp_path: Path, bounds: dict[str, float]) -> Assignment:
    """A test with a seed step and one metric check with these bounds."""
    written = ", ".join(f"{k}: {v}" for k, v in bounds.items())
    check = f"{{metric: accuracy, label: test accuracy, args: [$p], {written}}}"
    spec = SPREAD_SPEC.replace("CHECK", check)
    (tmp_path / "assignment.yaml").write_text(spec)
    return load_assignment(tmp_path)


SPREAD_SPEC = """\
version: 1
id: spread
title: Spread
submission: {files: [hw.py], module: hw}
reference: {module: reference.cs189_hw2.hw2}
tests:
  - name: train
    points: 1
    steps: [{seed: 0}, {call: train, as: p}]
    checks: [CHECK]
"""


@pytest.mark.parametrize(
    ("bounds", "values", "verdict", "got"),
    [
        (
            {"min": 0.99},
            [0.955, 0.96, 0.97, 0.975, 0.965],
            "FAIL",
            "rejects 5 of 5 reference seeds (0.955-0.975)",
        ),
        ({"min": 0.96}, [0.955, 0.96, 0.97], "FAIL", "rejects 1 of 3 reference seeds (0.955-0.97)"),
        (
            {"min": 0.945},
            [0.9552, 0.97, 0.975],
            "ok",
            "min 0.9552 mean 0.9667 max 0.975 over 3 seeds; margin 0.0102",
        ),
        (
            {"min": 0.95},
            [0.955, 0.97],
            "WARN",
            "min 0.955 mean 0.9625 max 0.97 over 2 seeds; margin 0.005 (too close)",
        ),
        (
            {"min": 0.2},
            [0.206, 0.3],
            "ok",
            "min 0.206 mean 0.253 max 0.3 over 2 seeds; margin 0.006",
        ),
        ({"max": 0.15}, [0.082, 0.088], "ok", "margin 0.062"),
        ({"min": 0.27, "max": 0.9}, [0.343, 0.625], "ok", "margin 0.073"),
        ({"min": 0.27, "max": 0.63}, [0.343, 0.625], "WARN", "margin 0.005 (too close)"),
        ({"min": 0.27, "max": 0.6}, [0.343, 0.625], "FAIL", "rejects 1 of 2 reference seeds"),
        ({"min": 0.5}, [0.6, None, None], "FAIL", "2 of 3 reference seeds gave no value"),
    ],
)
def test_threshold_against_the_spread(
    tmp_path: Path, bounds: dict[str, float], values: list[float | None], verdict: str, got: str
) -> None:
    assignment = spread_assignment(tmp_path, bounds)
    runs = [{("train", 0): v} if v is not None else {} for v in values]
    (finding,) = spread_findings(assignment, runs)
    assert str(finding.verdict) == verdict
    assert got in finding.got
    bound = " and ".join(f"{k} {v:g}" for k, v in bounds.items())
    assert finding.check == f"threshold {bound} of 'test accuracy' in test 'train'"


def test_the_spread_message_reads_as_a_sentence(tmp_path: Path) -> None:
    assignment = spread_assignment(tmp_path, {"min": 0.99})
    runs = [{("train", 0): v} for v in (0.955, 0.96, 0.965, 0.97, 0.975)]
    (finding,) = spread_findings(assignment, runs)
    assert finding.message == (
        "threshold min 0.99 of 'test accuracy' in test 'train': "
        "rejects 5 of 5 reference seeds (0.955-0.975)"
    )
    assert finding.expected == "accepts all 5 reference seeds, each 0.0099 inside min"


@pytest.fixture(scope="module")
def cs189(tmp_path_factory: pytest.TempPathFactory) -> Grader:
    return Grader.load(CS189, cache_dir=tmp_path_factory.mktemp("cache"))


def test_metric_values_are_read_from_a_run_not_from_messages(cs189: Grader) -> None:
    """The reference's training test in-process, under its declared seeds and the first
    rerun's (a median of three: seeds 0-2, then 1000-1002)."""
    source = (ROOT / "reference" / "cs189_hw2" / "hw2.py").read_text()
    module = types.ModuleType("hw2")
    exec(compile(source, "hw2.py", "exec"), module.__dict__)  # the trusted reference
    values = []
    for offset in (0, rerun_offset(1)):
        grader = reseeded_grader(cs189, offset)
        outcome = InProcessSandbox(module).run(grader.request({"hw2.py": source.encode()}, "u"))
        values.append(metric_values(grader.assignment, grader.score(outcome)))
    key = ("train_network on MNIST 3 vs 9", 2)
    assert set(values[0]) == set(values[1]) == {key}
    assert 0.945 <= values[0][key] <= 1 and 0.945 <= values[1][key] <= 1
    assert values[0][key] != values[1][key]  # another seed, another network
    killed = SandboxOutcome(files={}, exit_code=137, oom_killed=True)  # no report: tests lost
    assert metric_values(cs189.assignment, cs189.score(killed)) == {}


# ------------------------------------------------------------------------ table, verdict


def finding(verdict: Verdict, got: str = "fine") -> Finding:
    return Finding(Stage.REFERENCE, "reference", "scores 3/3", got, verdict)


@pytest.mark.parametrize(
    ("verdicts", "overall", "status"),
    [
        ([], Verdict.OK, 0),
        ([Verdict.OK, Verdict.OK], Verdict.OK, 0),
        ([Verdict.OK, Verdict.WARN], Verdict.WARN, 0),
        ([Verdict.WARN, Verdict.FAIL, Verdict.OK], Verdict.FAIL, 1),
    ],
)
def test_the_worst_verdict_decides(verdicts: list[Verdict], overall: Verdict, status: int) -> None:
    findings = [finding(v) for v in verdicts]
    assert worst(findings) is overall
    assert exit_status(findings) == status


def test_the_table_has_a_row_per_finding_wrapped_in_its_columns() -> None:
    long = "lost 'train' (0/8): " + "test accuracy 0.5120 (needs >= 0.945) " * 4
    text = render([finding(Verdict.OK, "3/3"), finding(Verdict.FAIL, long.strip())], width=100)
    lines = text.splitlines()
    assert lines[0].split() == ["check", "expected", "got", "verdict"]
    assert all(len(line) <= 100 for line in lines)
    assert lines[2].split() == ["reference", "scores", "3/3", "3/3", "ok"]
    assert lines[3].endswith("FAIL") and len(lines) > 6  # the long cell wrapped
    assert lines[-1] == "FAIL: 2 findings (1 ok, 0 WARN, 1 FAIL)"
