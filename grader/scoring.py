"""Scoring: turn one test's raw result into points and a message the student can act on."""

from __future__ import annotations

import signal as signals
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.answers import Answers
from grader.compare import as_numeric, compare, describe
from grader.report import PhaseResult
from grader.spec import (
    AnswerCheck,
    Assignment,
    LengthCheck,
    MatchCheck,
    MetricCheck,
    NoWarningsCheck,
    ShapeCheck,
    StatsCheck,
    TestSpec,
    key_of,
    ref_key,
)
from grader.steps import lookup

STDOUT_SHOWN = 2000  # characters of a test's printed output shown in feedback


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    weight: float
    message: str


@dataclass(frozen=True)
class TestResult:
    __test__ = False  # not a pytest class

    name: str
    score: float
    max_score: float
    output: str
    visibility: str
    tags: tuple[str, ...]
    duration: float = 0.0

    @property
    def passed(self) -> bool:
        return self.score >= self.max_score


@dataclass(frozen=True)
class Context:
    """What checks may consult besides the student's values; all of it trusted but
    ``answers``, which is the student's answers file read as data."""

    assignment: Assignment
    answers: Answers
    expected: Callable[[str, str], Any]  # (test name, output key) -> value
    metric: Callable[[str], Callable[..., Any]]  # metric name -> trusted function
    fixture: Callable[[str], Any]


def score_test(test: TestSpec, phase: PhaseResult, ctx: Context) -> TestResult:
    if phase.status != "ok":
        return _result(test, 0.0, failure_message(phase, ctx.assignment, test), phase)
    results = [_check(check, test, phase, ctx) for check in test.checks]
    total = sum(r.weight for r in results)
    earned = sum(r.weight for r in results if r.passed)
    if all(r.passed for r in results):
        score = test.points
    elif test.partial:
        score = round(test.points * earned / total, 4)
    else:
        score = 0.0
    lines = [("✔ " if r.passed else "✘ ") + r.message for r in results]
    return _result(test, score, "\n".join(lines + _stdout_lines(phase)), phase)


def _result(test: TestSpec, score: float, output: str, phase: PhaseResult) -> TestResult:
    return TestResult(
        name=test.name,
        score=score,
        max_score=test.points,
        output=output,
        visibility=test.visibility,
        tags=tuple(test.all_tags()),
        duration=phase.duration,
    )


def _stdout_lines(phase: PhaseResult) -> list[str]:
    if not phase.stdout_bytes:
        return []
    text = phase.stdout[:STDOUT_SHOWN].rstrip()
    shown = len(phase.stdout[:STDOUT_SHOWN].encode())
    note = f" (first {shown} of {phase.stdout_bytes} bytes)" if phase.stdout_bytes > shown else ""
    return [f"Your code printed{note}:", text]


# ---------------------------------------------------------------- runner failures


def failure_message(phase: PhaseResult, assignment: Assignment, test: TestSpec | None) -> str:
    limits = assignment.limits
    timeout = (test.timeout or limits.test_timeout) if test else limits.import_timeout
    where = f" in {phase.step}" if phase.step else ""
    status = phase.status
    if status == "error":
        text = f"{phase.error_type}{where}: {phase.message}".rstrip(": ")
        if phase.error_type == "NotImplementedError":
            text = f"not implemented: {phase.step or 'this function'} raises NotImplementedError"
        if phase.error_type == "MemoryError":
            text += f" (the memory limit is {limits.memory_mb} MiB)"
        body = text + (f"\n{phase.traceback.rstrip()}" if phase.traceback else "")
    elif status == "timeout":
        body = f"timed out after {timeout:g} s{where}"
    elif status == "killed":
        body = _killed(phase, limits.memory_mb)
    elif status == "exited":
        body = (
            f"the process exited with code {phase.exit_code} before returning a result{where}: "
            "does the code call exit(), sys.exit() or os._exit()?"
        )
    elif status == "too_large":
        body = f"the returned values are larger than the output limit of {limits.output_mb} MiB"
    elif status in ("not_run", "import_failed"):
        body = phase.message or "not run"
    else:
        body = phase.message or "no result: the sandbox stopped before this test finished"
    return "\n".join([body, *_stdout_lines(phase)])


def _killed(phase: PhaseResult, memory_mb: int) -> str:
    sig = phase.signal or 0
    try:
        name = signals.Signals(sig).name
    except ValueError:
        name = f"signal {sig}"
    if phase.oom or sig == signals.SIGKILL:
        cause = "out of memory" if phase.oom else "most likely out of memory"
        return f"killed ({name}): {cause}, the memory limit is {memory_mb} MiB"
    if sig == signals.SIGSEGV:
        return "crashed with SIGSEGV (segmentation fault)"
    return f"crashed with {name}"


# ---------------------------------------------------------------- checks


def _check(check: Any, test: TestSpec, phase: PhaseResult, ctx: Context) -> CheckResult:
    if isinstance(check, NoWarningsCheck):
        return _no_warnings(check, phase)
    if isinstance(check, MetricCheck):
        return _metric(check, phase, ctx)
    if isinstance(check, AnswerCheck):
        return _answer(check, ctx)
    text = next(
        getattr(check, a) for a in ("match", "shape", "length", "stats") if hasattr(check, a)
    )
    key = ref_key(text)
    label = check.label or text
    if key in phase.value_errors:
        return CheckResult(False, check.weight, f"{label}: {phase.value_errors[key]}")
    if key not in phase.values:
        return CheckResult(False, check.weight, f"{label}: no value was returned")
    got = phase.values[key]
    if isinstance(check, MatchCheck):
        tol = ctx.assignment.tolerance_of(check)
        result = compare(got, ctx.expected(test.name, key), tol.rtol, tol.atol)
        return CheckResult(result.ok, check.weight, f"{label}: {result.message}")
    if isinstance(check, ShapeCheck):
        return _shape(check, label, got)
    if isinstance(check, LengthCheck):
        return _length(check, label, got)
    return _stats(check, label, got)


def _no_warnings(check: NoWarningsCheck, phase: PhaseResult) -> CheckResult:
    if not phase.warnings:
        return CheckResult(True, check.weight, "no floating-point warnings")
    seen = list(dict.fromkeys(f"{w['message']} in {w['call']}" for w in phase.warnings))
    return CheckResult(False, check.weight, "floating-point warning: " + "; ".join(seen[:5]))


def _shape(check: ShapeCheck, label: str, got: Any) -> CheckResult:
    arr = as_numeric(got)
    want = tuple(check.equals)
    if arr is None:
        return CheckResult(False, check.weight, f"{label}: expected an array, got {describe(got)}")
    ok = arr.shape == want
    msg = f"shape {arr.shape}" if ok else f"expected shape {want}, got shape {arr.shape}"
    return CheckResult(ok, check.weight, f"{label}: {msg}")


def _length(check: LengthCheck, label: str, got: Any) -> CheckResult:
    if not isinstance(got, (list, tuple)):
        return CheckResult(False, check.weight, f"{label}: expected a list, got {describe(got)}")
    ok = len(got) == check.equals
    msg = f"length {len(got)}" if ok else f"expected length {check.equals}, got {len(got)}"
    return CheckResult(ok, check.weight, f"{label}: {msg}")


def _stats(check: StatsCheck, label: str, got: Any) -> CheckResult:
    arr = as_numeric(got)
    if arr is None or arr.size == 0:
        return CheckResult(
            False, check.weight, f"{label}: expected a non-empty array, got {describe(got)}"
        )
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        return CheckResult(False, check.weight, f"{label}: contains NaN or infinite values")
    measured = {"mean": arr.mean(), "std": arr.std(), "min": arr.min(), "max": arr.max()}
    parts, ok = [], True
    for name, (lo, hi) in check.bounds().items():
        value = float(measured[name])
        inside = lo <= value <= hi
        ok &= inside
        parts.append(f"{name} {value:.4g} {'within' if inside else 'outside'} [{lo:g}, {hi:g}]")
    return CheckResult(ok, check.weight, f"{label}: " + ", ".join(parts))


def _answer(check: AnswerCheck, ctx: Context) -> CheckResult:
    label = check.label or f"answer {check.answer}"
    if ctx.answers.problem:
        return CheckResult(False, check.weight, f"{label}: {ctx.answers.problem}")
    if check.answer not in ctx.answers.values or ctx.answers.values[check.answer] is None:
        return CheckResult(False, check.weight, f"{label}: no answer given")
    tol = ctx.assignment.tolerance_of(check)
    result = compare(ctx.answers.values[check.answer], check.equals, tol.rtol, tol.atol)
    if result.ok:
        return CheckResult(True, check.weight, f"{label}: correct")
    shape_problem = "expected" in result.message  # a wrong form, not a wrong value
    return CheckResult(
        False, check.weight, f"{label}: {result.message if shape_problem else 'incorrect'}"
    )


def _metric(check: MetricCheck, phase: PhaseResult, ctx: Context) -> CheckResult:
    label = check.label or check.metric
    args = []
    for arg in check.args:
        value, problem = _metric_arg(arg, phase, ctx)
        if problem:
            return CheckResult(False, check.weight, f"{label}: {problem}")
        args.append(value)
    try:
        with np.errstate(all="ignore"):
            value = float(ctx.metric(check.metric)(*args))
    except Exception as exc:  # the student's values did not fit the metric
        return CheckResult(
            False,
            check.weight,
            f"{label}: could not be computed from the returned values: "
            f"{type(exc).__name__}: {str(exc)[:300]}",
        )
    ok = (check.min is None or value >= check.min) and (check.max is None or value <= check.max)
    need = " and ".join(
        part
        for part in (
            f">= {check.min:g}" if check.min is not None else "",
            f"<= {check.max:g}" if check.max is not None else "",
        )
        if part
    )
    return CheckResult(ok, check.weight, f"{label} {value:.4f} (needs {need})")


def _metric_arg(arg: dict[str, Any], phase: PhaseResult, ctx: Context) -> tuple[Any, str]:
    if "ref" not in arg:
        return arg.get("value"), ""
    key = key_of(arg)
    if key in phase.values:
        return phase.values[key], ""
    if key in phase.value_errors:
        return None, phase.value_errors[key]
    try:
        return lookup({}, arg["ref"], arg["path"], ctx.fixture), ""
    except KeyError:
        return None, f"no value for {key}"
