"""Checks of what the steps returned: a value compared with the reference's
(match), its shape, length or summary statistics, and the absence of
floating-point warnings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from grader.compare import as_numeric, compare, describe
from grader.spec.checks.base import CheckBase, ValueCheck
from grader.spec.model import Bounds
from grader.spec.refs import REF, ref_field, ref_key
from grader.verdict import CheckResult

if TYPE_CHECKING:
    from grader.context import Context
    from grader.report import PhaseResult


class MatchCheck(ValueCheck):
    """The value equals the reference's for the same steps, within
    `abs(got - expected) <= atol + rtol * abs(expected)` element by element; shapes must be
    equal, lists compare item by item, mappings key by key."""

    kind: ClassVar[str] = "match"
    match: Annotated[str, Field(json_schema_extra={"pattern": REF.pattern})]
    """The value, a `$reference` to a saved result (`$out`, `"$grads[0]"`, `$lin.W`), or
    an input fixture, to check the student's code did not modify it."""
    rtol: Annotated[float, Field(ge=0)] | None = None
    """Relative tolerance; by default the assignment's `tolerance.rtol`."""
    atol: Annotated[float, Field(ge=0)] | None = None
    """Absolute tolerance; by default the assignment's `tolerance.atol`."""
    _v = field_validator("match")(ref_field)

    @property
    def ref(self) -> str:
        return self.match

    @property
    def expected_key(self) -> str:
        return ref_key(self.match)

    @property
    def needs_tolerance(self) -> bool:
        return None in (self.rtol, self.atol)

    def judge(self, got: Any, label: str, ctx: Context) -> CheckResult:
        tol = ctx.assignment.tolerance_of(self)
        result = compare(got, ctx.expected_value(self.expected_key), tol.rtol, tol.atol)
        return self.result(result.ok, f"{label}: {result.message}")


class NoWarningsCheck(CheckBase):
    """No floating-point warning (overflow, divide by zero, invalid) during the steps."""

    kind: ClassVar[str] = "no_warnings"
    no_warnings: Literal[True]
    """`true`; underflow is not a fault."""

    def evaluate(self, phase: PhaseResult, ctx: Context) -> CheckResult:
        if not phase.warnings:
            return self.result(True, "no floating-point warnings")
        seen = list(dict.fromkeys(f"{w['message']} in {w['call']}" for w in phase.warnings))
        return self.result(False, "floating-point warning: " + "; ".join(seen[:5]))


class ShapeCheck(ValueCheck):
    """The value is an array of the given shape."""

    kind: ClassVar[str] = "shape"
    shape: Annotated[str, Field(json_schema_extra={"pattern": REF.pattern})]
    """The value, a `$reference` to a saved result."""
    equals: list[Annotated[int, Field(ge=0)]]
    """The shape, e.g. `[784, 200]`."""
    _v = field_validator("shape")(ref_field)

    @property
    def ref(self) -> str:
        return self.shape

    def judge(self, got: Any, label: str, ctx: Context) -> CheckResult:
        arr = as_numeric(got)
        want = tuple(self.equals)
        if arr is None:
            return self.result(False, f"{label}: expected an array, got {describe(got)}")
        ok = arr.shape == want
        msg = f"shape {arr.shape}" if ok else f"expected shape {want}, got shape {arr.shape}"
        return self.result(ok, f"{label}: {msg}")


class LengthCheck(ValueCheck):
    """The value is a list or tuple of the given length."""

    kind: ClassVar[str] = "length"
    length: Annotated[str, Field(json_schema_extra={"pattern": REF.pattern})]
    """The value, a `$reference` to a saved result."""
    equals: Annotated[int, Field(ge=0)]
    """The number of items."""
    _v = field_validator("length")(ref_field)

    @property
    def ref(self) -> str:
        return self.length

    def judge(self, got: Any, label: str, ctx: Context) -> CheckResult:
        if not isinstance(got, (list, tuple)):
            return self.result(False, f"{label}: expected a list, got {describe(got)}")
        ok = len(got) == self.equals
        msg = f"length {len(got)}" if ok else f"expected length {self.equals}, got {len(got)}"
        return self.result(ok, f"{label}: {msg}")


class StatsCheck(ValueCheck):
    """Summary statistics of an array within bounds, `[low, high]` each: for random
    initialisations (test the distribution, not the values)."""

    kind: ClassVar[str] = "stats"
    stats: Annotated[str, Field(json_schema_extra={"pattern": REF.pattern})]
    """The array, a `$reference` to a saved result."""
    mean: Bounds | None = None
    """Bounds of the mean, `[low, high]`."""
    std: Bounds | None = None
    """Bounds of the standard deviation, `[low, high]`."""
    min: Bounds | None = None
    """Bounds of the smallest value, `[low, high]`."""
    max: Bounds | None = None
    """Bounds of the largest value, `[low, high]`."""
    _v = field_validator("stats")(ref_field)

    @model_validator(mode="after")
    def _some_bound(self) -> StatsCheck:
        bounds = self.bounds()
        if not bounds:
            raise ValueError("a stats check needs at least one of mean, std, min, max")
        for name, (lo, hi) in bounds.items():
            if lo > hi:
                raise ValueError(f"{name}: the lower bound {lo} is above the upper bound {hi}")
        return self

    @property
    def ref(self) -> str:
        return self.stats

    def bounds(self) -> dict[str, Bounds]:
        pairs = {"mean": self.mean, "std": self.std, "min": self.min, "max": self.max}
        return {k: v for k, v in pairs.items() if v is not None}

    def judge(self, got: Any, label: str, ctx: Context) -> CheckResult:
        arr = as_numeric(got)
        if arr is None or arr.size == 0:
            return self.result(False, f"{label}: expected a non-empty array, got {describe(got)}")
        arr = arr.astype(np.float64)
        if not np.isfinite(arr).all():
            return self.result(False, f"{label}: contains NaN or infinite values")
        measured = {"mean": arr.mean(), "std": arr.std(), "min": arr.min(), "max": arr.max()}
        parts, ok = [], True
        for name, (lo, hi) in self.bounds().items():
            value = float(measured[name])
            inside = lo <= value <= hi
            ok &= inside
            parts.append(f"{name} {value:.4g} {'within' if inside else 'outside'} [{lo:g}, {hi:g}]")
        return self.result(ok, f"{label}: " + ", ".join(parts))
