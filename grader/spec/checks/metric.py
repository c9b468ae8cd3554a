"""The metric check: a number computed outside the sandbox, by a trusted function
of the reference module, from the values the student's code returned."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import numpy as np
from pydantic import Field, field_validator, model_validator

from grader.spec.checks.base import CheckBase, Ref
from grader.spec.model import NAME
from grader.spec.refs import key_of, parse_arg, refs_in
from grader.verdict import CheckResult

if TYPE_CHECKING:
    from grader.context import Context
    from grader.report import PhaseResult


class MetricCheck(CheckBase):
    """A metric computed outside the sandbox by a trusted reference function."""

    kind: ClassVar[str] = "metric"
    metric: Annotated[str, Field(pattern=NAME)]
    args: list[Any]
    min: float | None = None
    max: float | None = None

    @field_validator("args")
    @classmethod
    def _args(cls, v: list[Any]) -> list[Any]:
        return [parse_arg(a) for a in v]

    @model_validator(mode="after")
    def _some_bound(self) -> MetricCheck:
        if self.min is None and self.max is None:
            raise ValueError("a metric check needs min, max or both")
        return self

    def refs(self) -> list[Ref]:
        return [a for a in self.args if "ref" in a]

    def outputs(self, produced: set[str]) -> list[Ref]:
        """Saved results passed as arguments, or inside list arguments (whole); a
        fixture is read on the trusted side instead."""
        direct = [a for a in self.refs() if a["ref"] in produced]
        listed = [
            {"ref": name, "path": []}
            for a in self.args
            if "list" in a
            for name in refs_in(a)
            if name in produced
        ]
        return direct + listed

    def inputs(self) -> list[str]:
        return [n for a in self.args for n in refs_in(a)]

    @property
    def reference_function(self) -> str:
        return self.metric

    def evaluate(self, phase: PhaseResult, ctx: Context) -> CheckResult:
        label = self.label or self.metric
        args = []
        for arg in self.args:
            value, problem = _argument(arg, phase, ctx)
            if problem:
                return self.result(False, f"{label}: {problem}")
            args.append(value)
        try:
            with np.errstate(all="ignore"):
                value = float(ctx.metric(self.metric)(*args))
        except Exception as exc:  # the student's values did not fit the metric
            return self.result(
                False,
                f"{label}: could not be computed from the returned values: "
                f"{type(exc).__name__}: {str(exc)[:300]}",
            )
        ok = (self.min is None or value >= self.min) and (self.max is None or value <= self.max)
        message = f"{label} {value:.4f} (needs {self._needs()})"
        return CheckResult(ok, self.weight, message, value=value)

    def _needs(self) -> str:
        parts = (
            f">= {self.min:g}" if self.min is not None else "",
            f"<= {self.max:g}" if self.max is not None else "",
        )
        return " and ".join(part for part in parts if part)


def _argument(arg: dict[str, Any], phase: PhaseResult, ctx: Context) -> tuple[Any, str]:
    """One argument's value, or why there is none: a returned value, else a fixture."""
    if "ref" not in arg:
        return arg.get("value"), ""
    key = key_of(arg)
    if key in phase.values:
        return phase.values[key], ""
    if key in phase.value_errors:
        return None, phase.value_errors[key]
    try:
        return ctx.fixture_value(arg), ""
    except KeyError:
        return None, f"no value for {key}"
