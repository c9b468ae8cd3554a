"""What the scores of the reference, the starter and each variant say about the
assignment's tests, and whether every test catches some variant."""

from __future__ import annotations

from collections.abc import Sequence

from grader.preflight.finding import Finding, Stage, Verdict
from grader.spec import Assignment
from grader.spec.variants import Variant, VariantsFile
from grader.verdict import TestResult

MAX_REASON = 200  # characters of a lost test's output quoted in a finding


def points(results: Sequence[TestResult]) -> str:
    score = sum(r.score for r in results)
    return f"{score:g}/{sum(r.max_score for r in results):g}"


def reason(result: TestResult) -> str:
    """Why a test lost points: its failed checks, else the first lines of its output."""
    lines = [line.strip() for line in result.output.splitlines() if line.strip()]
    failed = [line.removeprefix("✘ ") for line in lines if line.startswith("✘ ")]
    text = "; ".join(failed or lines[:2]) or "(no output)"
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 3] + "..."


def lost(results: Sequence[TestResult]) -> list[TestResult]:
    """The tests not passed: those that lost points, and informational ones that failed."""
    return [r for r in results if not r.passed]


def reference_findings(results: Sequence[TestResult]) -> list[Finding]:
    """The reference, submitted as a student, must score full marks; else each test it
    loses is named with its output."""
    full = f"{sum(r.max_score for r in results):g}/{sum(r.max_score for r in results):g}"
    losses = lost(results)
    if not losses:
        return [
            Finding(Stage.REFERENCE, "reference", f"scores {full}", points(results), Verdict.OK)
        ]
    return [
        Finding(
            Stage.REFERENCE,
            "reference",
            f"scores {full}",
            f"lost {r.name!r} ({r.score:g}/{r.max_score:g}): {reason(r)}",
            Verdict.FAIL,
        )
        for r in losses
    ]


def starter_findings(results: Sequence[TestResult], declared: float) -> list[Finding]:
    """The starter scores what the variants file declares (0 unless it says otherwise)."""
    score = sum(r.score for r in results)
    total = sum(r.max_score for r in results)
    expected = f"scores {declared:g}/{total:g}"
    if abs(score - declared) < 1e-9:
        return [Finding(Stage.STARTER, "starter", expected, points(results), Verdict.OK)]
    earned = ", ".join(f"{r.name!r} {r.score:g}/{r.max_score:g}" for r in results if r.score > 0)
    got = f"scores {points(results)}" + (f": {earned}" if earned else "")
    return [Finding(Stage.STARTER, "starter", expected, got, Verdict.FAIL)]


def variant_findings(variant: Variant, results: Sequence[TestResult]) -> list[Finding]:
    """A variant loses points on exactly the tests it lists, each saying why, and keeps
    every other point."""
    check = f"variant {variant.name}"
    count = len(variant.fails)
    expected = f"loses its {count} test{'s' * (count != 1)}, keeps the rest"
    by_name = {r.name: r for r in results}
    problems = [
        f"kept {name!r}, which it should fail"
        for name in variant.fails
        if name in by_name and by_name[name].passed
    ]
    for r in lost(results):
        if r.name not in variant.fails:
            problems.append(f"also lost {r.name!r} (not in its fails list): {reason(r)}")
        elif not r.output.strip():
            problems.append(f"lost {r.name!r} without saying why (its output is empty)")
    if not problems:
        got = f"lost exactly its {count} test{'s' * (count != 1)}"
        return [Finding(Stage.VARIANT, check, expected, got, Verdict.OK)]
    return [Finding(Stage.VARIANT, check, expected, p, Verdict.FAIL) for p in problems]


def unusable_variant(variant: Variant, problem: str) -> Finding:
    """A variant that could not be made (its old text is not there once) or submitted."""
    expected = "old text occurs exactly once in the reference"
    return Finding(Stage.VARIANT, f"variant {variant.name}", expected, problem, Verdict.FAIL)


def skipped(stage: Stage, check: str, why: str) -> Finding:
    """Runs that were not made, and why (their verdicts would mean nothing)."""
    return Finding(stage, check, "run", f"skipped: {why}", Verdict.WARN)


def coverage_findings(assignment: Assignment, variants: VariantsFile | None) -> list[Finding]:
    """Every test that runs code is failed by at least one variant. Decided from the
    ``fails`` lists, which the variant runs verify. Tests of written answers only run
    no code, so no variant of the code can fail them: the starter's blank answers and
    the reference's right ones show that they discriminate."""
    listed = {name for v in (variants.variants if variants else []) for name in v.fails}
    code_tests = [t.name for t in assignment.tests if t.steps]
    if variants is None:
        return [
            Finding(
                Stage.COVERAGE,
                "coverage",
                "each test fails for some variant",
                "there is no mutants.yaml: no test is shown to catch a bug",
                Verdict.FAIL,
            )
        ]
    uncaught = [name for name in code_tests if name not in listed]
    if not uncaught:
        count = len(variants.variants)
        got = f"all {len(code_tests)} tests that run code, by {count} variants"
        expected = "each test fails for some variant"
        return [Finding(Stage.COVERAGE, "coverage", expected, got, Verdict.OK)]
    return [
        Finding(
            Stage.COVERAGE,
            "coverage",
            "each test fails for some variant",
            f"test {name!r} catches none of the variants",
            Verdict.FAIL,
        )
        for name in uncaught
    ]
