"""What scoring concludes: one check's result, and one test's."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CheckResult:
    """``value``: the number a metric check computed (None for other kinds, or when
    none could be computed), so a calibration reads it without parsing ``message``."""

    passed: bool
    weight: float
    message: str
    value: float | None = None


@dataclass(frozen=True)
class TestResult:
    __test__ = False  # not a pytest class

    name: str
    score: float
    max_score: float
    output: str
    visibility: str
    tags: tuple[str, ...]
    duration: float = 0.0  # wall-clock seconds
    cpu: float = 0.0  # CPU seconds of its processes: what its timeout counts
    checks: tuple[CheckResult, ...] = ()  # one per check, in order; none when it did not run

    @property
    def passed(self) -> bool:
        """Full marks; a test worth no points (an informational one, shown with its
        status and message) passes when it ran and every one of its checks passed."""
        if self.max_score > 0:
            return self.score >= self.max_score
        return bool(self.checks) and all(check.passed for check in self.checks)
