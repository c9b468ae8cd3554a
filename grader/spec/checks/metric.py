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
    """A metric computed outside the sandbox by a trusted reference function.

    With ``median_of`` the metric is computed once per run (one argument list each) and
    the median is held to the bounds: a correct solution whose random numbers happen to
    give one poor run still passes, and a wrong one needs two good runs of three."""

    kind: ClassVar[str] = "metric"
    metric: Annotated[str, Field(pattern=NAME)]
    args: list[Any] | None = None
    """The metric's arguments: `$references` to returned values or fixtures, or values."""
    median_of: list[list[Any]] | None = None
    """Instead of `args`: one argument list per run, an odd number of them (3 or more);
    the median of the metric over the runs is held to `min` and `max`."""
    min: float | None = None
    max: float | None = None

    @field_validator("args")
    @classmethod
    def _args(cls, v: list[Any] | None) -> list[Any] | None:
        return None if v is None else [parse_arg(a) for a in v]

    @field_validator("median_of")
    @classmethod
    def _runs(cls, v: list[list[Any]] | None) -> list[list[Any]] | None:
        if v is None:
            return None
        if len(v) < 3 or len(v) % 2 == 0:
            raise ValueError(f"median_of needs an odd number of runs, 3 or more (it has {len(v)})")
        return [[parse_arg(a) for a in run] for run in v]

    @model_validator(mode="after")
    def _well_formed(self) -> MetricCheck:
        if (self.args is None) == (self.median_of is None):
            raise ValueError("a metric check needs args or median_of (one of them)")
        if self.min is None and self.max is None:
            raise ValueError("a metric check needs min, max or both")
        return self

    @property
    def runs(self) -> list[list[Any]]:
        """The argument list of each run: one unless ``median_of`` is given."""
        return self.median_of if self.median_of is not None else [self.args or []]

    def _all_args(self) -> list[Any]:
        return [a for run in self.runs for a in run]

    def refs(self) -> list[Ref]:
        return [a for a in self._all_args() if "ref" in a]

    def outputs(self, produced: set[str]) -> list[Ref]:
        """Saved results passed as arguments, or inside list arguments (whole); a
        fixture is read on the trusted side instead."""
        direct = [a for a in self.refs() if a["ref"] in produced]
        listed = [
            {"ref": name, "path": []}
            for a in self._all_args()
            if "list" in a
            for name in refs_in(a)
            if name in produced
        ]
        return direct + listed

    def inputs(self) -> list[str]:
        return [n for a in self._all_args() for n in refs_in(a)]

    @property
    def reference_function(self) -> str:
        return self.metric

    def evaluate(self, phase: PhaseResult, ctx: Context) -> CheckResult:
        label = self.label or self.metric
        values = []
        for i, args in enumerate(self.runs, start=1):
            value, problem = self._value(args, phase, ctx)
            if problem:
                run = f"run {i} of {len(self.runs)}: " if len(self.runs) > 1 else ""
                return self.result(False, f"{label}: {run}{problem}")
            values.append(value)
        value = float(np.median(values))
        ok = (self.min is None or value >= self.min) and (self.max is None or value <= self.max)
        runs = ""
        if len(values) > 1:
            runs = f", the median of {len(values)} runs: {', '.join(f'{v:.4f}' for v in values)}"
        message = f"{label} {value:.4f}{runs} (needs {self._needs()})"
        return CheckResult(ok, self.weight, message, value=value)

    def _value(self, args: list[Any], phase: PhaseResult, ctx: Context) -> tuple[float, str]:
        """The metric of one run's arguments, or why it has none."""
        values = []
        for arg in args:
            value, problem = _argument(arg, phase, ctx)
            if problem:
                return 0.0, problem
            values.append(value)
        try:
            with np.errstate(all="ignore"):
                return float(ctx.metric(self.metric)(*values)), ""
        except Exception as exc:  # the student's values did not fit the metric
            return 0.0, (
                "could not be computed from the returned values: "
                f"{type(exc).__name__}: {str(exc)[:300]}"
            )

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
