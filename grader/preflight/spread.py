"""A metric threshold against the reference's spread over seeds.

A threshold must accept every reference run, and not by a hair: a correct student's
code draws other random numbers than the reference, so a bound that the reference's
worst run clears by less than ``max(WARN_MARGIN, WARN_MARGIN_SHARE * |bound|)`` (0.005,
half a point of accuracy, for bounds up to 0.5 in magnitude; 1% of the bound beyond)
is a WARN, and a bound that rejects a reference run is a FAIL.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from grader.preflight.finding import Finding, Stage, Verdict
from grader.preflight.metrics import MetricKey
from grader.preflight.seeds import declares_seed, metric_tests
from grader.spec import Assignment, MetricCheck

WARN_MARGIN = 0.005  # in the metric's own units
WARN_MARGIN_SHARE = 0.01  # of the bound's magnitude, when that is larger


@dataclass(frozen=True)
class Spread:
    """One metric check's values over the reference runs."""

    test: str
    check: MetricCheck
    values: tuple[float, ...]
    runs: int  # values missing from some runs make runs > len(values)
    seeded: bool  # the test declares seeds; else the runs differ only by chance

    @property
    def sides(self) -> list[tuple[str, float]]:
        sides = (("min", self.check.min), ("max", self.check.max))
        return [(side, b) for side, b in sides if b is not None]

    @property
    def bound(self) -> str:
        return " and ".join(f"{side} {b:g}" for side, b in self.sides)

    @property
    def samples(self) -> str:
        return "seeds" if self.seeded else "runs"

    def rejected(self) -> int:
        lo, hi = self.check.min, self.check.max
        return sum(
            1 for v in self.values if (lo is not None and v < lo) or (hi is not None and v > hi)
        )

    def shortfall(self) -> float:
        """How far the worst run is from the warning margin (positive: too close),
        the margin being measured from each bound the check has."""
        worst = -math.inf
        if self.check.min is not None:
            worst = max(worst, needed(self.check.min) - (min(self.values) - self.check.min))
        if self.check.max is not None:
            worst = max(worst, needed(self.check.max) - (self.check.max - max(self.values)))
        return worst

    def margin(self) -> float:
        """The worst run's distance to the nearest bound (negative: rejected)."""
        sides = []
        if self.check.min is not None:
            sides.append(min(self.values) - self.check.min)
        if self.check.max is not None:
            sides.append(self.check.max - max(self.values))
        return min(sides)


def needed(bound: float) -> float:
    """The margin a bound must leave the reference's worst run."""
    return max(WARN_MARGIN, WARN_MARGIN_SHARE * abs(bound))


def spreads(assignment: Assignment, runs: Sequence[Mapping[MetricKey, float]]) -> list[Spread]:
    """Each metric check's values over ``runs`` (the metric values of each reference run)."""
    out = []
    for test in metric_tests(assignment):
        for j, check in enumerate(test.checks):
            if isinstance(check, MetricCheck):
                values = tuple(run[(test.name, j)] for run in runs if (test.name, j) in run)
                out.append(Spread(test.name, check, values, len(runs), declares_seed(test)))
    return out


def spread_findings(
    assignment: Assignment, runs: Sequence[Mapping[MetricKey, float]]
) -> list[Finding]:
    return [_finding(s) for s in spreads(assignment, runs)]


def _finding(s: Spread) -> Finding:
    label = s.check.label or s.check.metric
    check = f"threshold {s.bound} of {label!r} in test {s.test!r}"
    room = " and ".join(f"{needed(b):.2g} inside {side}" for side, b in s.sides)
    expected = f"accepts all {s.runs} reference {s.samples}, each {room}"
    missing = s.runs - len(s.values)
    if missing:
        got = f"{missing} of {s.runs} reference {s.samples} gave no value (the test failed)"
        return Finding(Stage.SEEDS, check, expected, got, Verdict.FAIL)
    low, high = min(s.values), max(s.values)
    rejected = s.rejected()
    if rejected:
        got = f"rejects {rejected} of {s.runs} reference {s.samples} ({low:.4g}-{high:.4g})"
        return Finding(Stage.SEEDS, check, expected, got, Verdict.FAIL)
    mean = sum(s.values) / len(s.values)
    got = (
        f"min {low:.4g} mean {mean:.4g} max {high:.4g} over {s.runs} {s.samples}; "
        f"margin {s.margin():.4g}"
    )
    if s.shortfall() > 0:
        return Finding(Stage.SEEDS, check, expected, got + " (too close)", Verdict.WARN)
    return Finding(Stage.SEEDS, check, expected, got, Verdict.OK)
