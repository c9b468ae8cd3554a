"""Scoring: turn one test's raw result into points and a message the student can act on.

Each check evaluates itself (grader.spec.checks); a test that did not run
normally scores nothing and says why (grader.failure).
"""

from __future__ import annotations

from grader.context import Context
from grader.failure import failure_message, stdout_lines
from grader.report import PhaseResult
from grader.spec import TestSpec
from grader.verdict import CheckResult, TestResult
from grader.wire import PhaseStatus


def score_test(test: TestSpec, phase: PhaseResult, ctx: Context) -> TestResult:
    if phase.status != PhaseStatus.OK:
        return _result(test, 0.0, failure_message(phase, ctx.assignment, test), phase)
    ctx = ctx.for_test(test.name)
    results = [check.evaluate(phase, ctx) for check in test.checks]
    lines = [("✔ " if r.passed else "✘ ") + r.message for r in results]
    output = "\n".join(lines + stdout_lines(phase))
    return _result(test, _score(test, results), output, phase, tuple(results))


def _score(test: TestSpec, results: list[CheckResult]) -> float:
    """All points when every check passed; else a share by weight, when partial."""
    if all(r.passed for r in results):
        return test.points
    if not test.partial:
        return 0.0
    total = sum(r.weight for r in results)
    earned = sum(r.weight for r in results if r.passed)
    return round(test.points * earned / total, 4)


def _result(
    test: TestSpec,
    score: float,
    output: str,
    phase: PhaseResult,
    checks: tuple[CheckResult, ...] = (),
) -> TestResult:
    return TestResult(
        name=test.name,
        score=score,
        max_score=test.points,
        output=output,
        visibility=test.visibility,
        tags=tuple(test.all_tags()),
        duration=phase.duration,
        cpu=phase.cpu,
        checks=checks,
    )
