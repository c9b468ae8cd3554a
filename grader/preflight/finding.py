"""What a pre-flight check concludes: one finding per thing checked, with its verdict."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    """``WARN`` does not fail the check; ``FAIL`` does (``grader check`` exits 1)."""

    OK = "ok"
    WARN = "WARN"
    FAIL = "FAIL"


class Stage(StrEnum):
    """Which part of the check a finding comes from, in the order they are reported."""

    SPEC = "spec"
    REFERENCE = "reference"
    STARTER = "starter"
    VARIANT = "variant"
    COVERAGE = "coverage"
    TIMING = "timing"
    SEEDS = "seeds"


@dataclass(frozen=True)
class Finding:
    """One row of the table: what was checked, what it should be, what it is."""

    stage: Stage
    check: str
    expected: str
    got: str
    verdict: Verdict

    @property
    def message(self) -> str:
        """The finding as one sentence, e.g. "variant x: kept 'y', which it should fail"."""
        return f"{self.check}: {self.got}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "stage": str(self.stage),
            "check": self.check,
            "expected": self.expected,
            "got": self.got,
            "verdict": str(self.verdict),
            "message": self.message,
        }


def worst(findings: Iterable[Finding]) -> Verdict:
    """The verdict of the whole check."""
    verdicts = {f.verdict for f in findings}
    for verdict in (Verdict.FAIL, Verdict.WARN):
        if verdict in verdicts:
            return verdict
    return Verdict.OK


def exit_status(findings: Iterable[Finding]) -> int:
    """0 when nothing failed (warnings included), 1 when something failed."""
    return 1 if worst(findings) is Verdict.FAIL else 0
