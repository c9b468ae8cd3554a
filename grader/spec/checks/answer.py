"""The answer check: a written answer from the student's answers file, compared on
the trusted side; it needs no steps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import Field, field_validator

from grader.compare import compare
from grader.spec.checks.base import CheckBase
from grader.verdict import CheckResult

if TYPE_CHECKING:
    from grader.context import Context
    from grader.report import PhaseResult


class AnswerCheck(CheckBase):
    """A written answer (a number or a nested list of numbers) from the answers file,
    compared on the trusted side; needs no steps."""

    kind: ClassVar[str] = "answer"
    needs_answers: ClassVar[bool] = True
    needs_steps: ClassVar[bool] = False

    answer: Annotated[str, Field(min_length=1, max_length=50)]
    """The question's id in the answers file."""
    equals: Any
    """The right answer: a number or a nested list of numbers. Never shown to students."""
    rtol: Annotated[float, Field(ge=0)] | None = None
    """Relative tolerance; by default the assignment's `tolerance.rtol`."""
    atol: Annotated[float, Field(ge=0)] | None = None
    """Absolute tolerance; by default the assignment's `tolerance.atol`."""

    @field_validator("equals")
    @classmethod
    def _numeric(cls, v: Any) -> Any:
        if not _numeric(v):
            raise ValueError(f"equals must be a number or a list of numbers, got {v!r}")
        return v

    @property
    def needs_tolerance(self) -> bool:
        return None in (self.rtol, self.atol)

    def evaluate(self, phase: PhaseResult, ctx: Context) -> CheckResult:
        label = self.label or f"answer {self.answer}"
        answers = ctx.answers
        if answers.problem:
            return self.result(False, f"{label}: {answers.problem}")
        if self.answer not in answers.values or answers.values[self.answer] is None:
            return self.result(False, f"{label}: no answer given")
        tol = ctx.assignment.tolerance_of(self)
        result = compare(answers.values[self.answer], self.equals, tol.rtol, tol.atol)
        if result.ok:
            return self.result(True, f"{label}: correct")
        shape_problem = "expected" in result.message  # a wrong form, not a wrong value
        return self.result(False, f"{label}: {result.message if shape_problem else 'incorrect'}")


def _numeric(x: Any) -> bool:
    if isinstance(x, list):
        return bool(x) and all(_numeric(i) for i in x)
    return isinstance(x, (int, float)) and not isinstance(x, bool)
