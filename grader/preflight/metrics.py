"""The metric values of one run, read from the run's report.

A TestResult keeps only points and messages, so the metric checks are evaluated
again on the report the run wrote (they are pure: the same inputs give the same
number) and their ``CheckResult.value`` is read; no message is parsed.
"""

from __future__ import annotations

import math
from dataclasses import replace

from grader import report
from grader.answers import Answers
from grader.context import Context
from grader.grading import Grader
from grader.parsers import parse_values
from grader.plan import test_id
from grader.sandbox import SandboxOutcome
from grader.spec import MetricCheck
from grader.wire import PhaseStatus

MetricKey = tuple[str, int]  # (test name, index of the check in the test)


def metric_values(grader: Grader, outcome: SandboxOutcome) -> dict[MetricKey, float]:
    """Every metric check's value in this run; a check whose test did not finish, or
    whose value could not be computed or is not finite, is left out."""
    assignment = grader.assignment
    run = report.parse(outcome.files, max_array_bytes=assignment.limits.output_mb * 1024 * 1024)
    if run is None or run.import_.status not in (PhaseStatus.OK, PhaseStatus.MISSING):
        return {}
    ctx = Context(
        assignment=assignment,
        answers=Answers(problem="answers are not read for metrics"),
        expected=grader.expected.get,
        metric=lambda name: getattr(grader.reference, name),
        fixture=grader.fixtures,
    )
    values: dict[MetricKey, float] = {}
    for i, test in enumerate(assignment.tests):
        phase = run.tests.get(test_id(i))
        if phase is None or phase.status != PhaseStatus.OK:
            continue
        parsed, errors = parse_values(test.output_parsers(), phase.values)
        phase = replace(phase, values=parsed, value_errors={**phase.value_errors, **errors})
        for j, check in enumerate(test.checks):
            if not isinstance(check, MetricCheck):
                continue
            value = check.evaluate(phase, ctx.for_test(test.name)).value
            if value is not None and math.isfinite(value):
                values[(test.name, j)] = value
    return values
