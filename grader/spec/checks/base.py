"""The base of every check kind: what a check says about itself, and how a
check of one returned value finds that value.

Each kind knows how to evaluate itself against the sandbox's values
(``evaluate``) and says what the rest of the grader needs from it: the
``$reference`` it reads, the values the sandbox must send back (``outputs``),
whether it needs the answers file, a tolerance, an expected value or a trusted
reference function. Nothing outside the check classes asks a check for its type.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import Field

from grader.spec.model import Model
from grader.spec.refs import parse_ref, ref_key
from grader.verdict import CheckResult

if TYPE_CHECKING:
    from grader.context import Context
    from grader.report import PhaseResult

Ref = dict[str, Any]  # a parsed reference: {"ref": NAME, "path": [...]}


class CheckBase(Model):
    """What every check kind answers; the defaults fit a check that reads nothing."""

    kind: ClassVar[str]  # the YAML key that names the kind
    needs_answers: ClassVar[bool] = False  # reads the student's answers file
    needs_steps: ClassVar[bool] = True  # looks at what steps computed

    weight: Annotated[float, Field(gt=0)] = 1.0
    """The check's share of a `partial` test's points, relative to the other checks."""
    label: str | None = None
    """Names the check in the feedback, instead of its `$reference`."""

    @property
    def ref(self) -> str | None:
        """The ``$reference`` the check reads, as written; None for none."""
        return None

    def refs(self) -> list[Ref]:
        """Every reference the check reads, parsed."""
        return [parse_ref(self.ref)] if self.ref else []

    def outputs(self, produced: set[str]) -> list[Ref]:
        """The values the sandbox must send back for this check (``produced``: the
        names the test's steps save)."""
        return self.refs()

    def inputs(self) -> list[str]:
        """Names a trusted-side computation reads: fixtures or saved results."""
        return []

    @property
    def expected_key(self) -> str | None:
        """The output key whose expected value (the reference's) the check needs."""
        return None

    @property
    def reference_function(self) -> str | None:
        """The function of the reference module the check calls."""
        return None

    @property
    def needs_tolerance(self) -> bool:
        """True when the assignment's tolerance must fill in rtol or atol."""
        return False

    def result(self, passed: bool, message: str) -> CheckResult:
        return CheckResult(passed, self.weight, message)

    @abstractmethod
    def evaluate(self, phase: PhaseResult, ctx: Context) -> CheckResult: ...


class ValueCheck(CheckBase):
    """A check of one value the steps returned, named by its ``$reference``."""

    @property
    @abstractmethod
    def ref(self) -> str: ...

    def evaluate(self, phase: PhaseResult, ctx: Context) -> CheckResult:
        key = ref_key(self.ref)
        label = self.label or self.ref
        if key in phase.value_errors:
            return self.result(False, f"{label}: {phase.value_errors[key]}")
        if key not in phase.values:
            return self.result(False, f"{label}: no value was returned")
        return self.judge(phase.values[key], label, ctx)

    @abstractmethod
    def judge(self, got: Any, label: str, ctx: Context) -> CheckResult: ...
