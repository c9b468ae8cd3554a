"""The metric values of one run, read from its test results: each metric check keeps
its number (``CheckResult.value``), so no message is parsed."""

from __future__ import annotations

import math
from collections.abc import Sequence

from grader.spec import Assignment, MetricCheck
from grader.verdict import TestResult

MetricKey = tuple[str, int]  # (test name, index of the check in the test)


def metric_values(assignment: Assignment, results: Sequence[TestResult]) -> dict[MetricKey, float]:
    """Every metric check's value in this run; a check whose test did not finish, or
    whose value could not be computed or is not finite, is left out."""
    values: dict[MetricKey, float] = {}
    for test, result in zip(assignment.tests, results, strict=False):
        for j, (check, found) in enumerate(zip(test.checks, result.checks, strict=False)):
            value = found.value if isinstance(check, MetricCheck) else None
            if value is not None and math.isfinite(value):
                values[(test.name, j)] = value
    return values
