"""The runner's report: what the sandbox wrote, read defensively.

The runner writes ``report.json`` and ``.npy`` blobs (see docs/sandbox-contract.md;
the formats are grader.wire's).
Everything here came out of a container that ran untrusted code, so it is parsed
as data with caps: JSON only, arrays through the codec (``allow_pickle=False``),
unknown fields ignored, wrong types turned into a "malformed output" status.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from grader import codec, wire
from grader.wire import REPORT_FILE, Limit, PhaseStatus

__all__ = ["REPORT_FILE", "PhaseResult", "RunReport", "parse"]

MAX_REPORT_BYTES = 8 * 1024 * 1024
MAX_TEXT = 8000
MAX_VALUE_ERRORS = 100  # reported value errors read per entry (one per output at most)
MAX_SECONDS = 1e6  # a reported duration or CPU time is read up to this (about 11 days)


@dataclass(frozen=True)
class PhaseResult:
    """The outcome of the import phase or of one test, as the runner saw it."""

    status: PhaseStatus
    duration: float = 0.0  # wall-clock seconds
    cpu: float = 0.0  # CPU seconds of its processes
    limit: Limit | None = None  # what stopped it (timeout: cpu, wall, total; killed: pids)
    error_type: str = ""
    message: str = ""
    traceback: str = ""
    step: str = ""
    signal: int | None = None
    exit_code: int | None = None
    oom: bool = False
    stdout: str = ""
    stdout_bytes: int = 0
    warnings: tuple[dict[str, str], ...] = ()
    values: Mapping[str, Any] = field(default_factory=dict)
    value_errors: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunReport:
    complete: bool
    import_: PhaseResult
    tests: Mapping[str, PhaseResult]


def parse(files: Mapping[str, bytes], max_array_bytes: int) -> RunReport | None:
    """None when there is no readable report at all."""
    raw = files.get(REPORT_FILE)
    if raw is None or len(raw) > MAX_REPORT_BYTES:
        return None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: brackets nested too deeply
        return None
    if not isinstance(data, dict):
        return None
    tests_raw = data.get("tests")
    tests: dict[str, PhaseResult] = {}
    if isinstance(tests_raw, dict):
        for test_id, entry in tests_raw.items():
            tests[str(test_id)] = _phase(entry, files, max_array_bytes)
    return RunReport(
        complete=data.get("complete") is True,
        import_=_phase(data.get("import"), files, max_array_bytes),
        tests=tests,
    )


def _reported_errors(raw: Any) -> dict[str, str]:
    """Why the runner could not give a value (``value_errors``: it could not look the
    output up in what the code returned, or not encode it), so a check can say so
    instead of "no value was returned". Untrusted: strings only, capped in number and
    length."""
    if not isinstance(raw, dict):
        return {}
    found = [(k, v) for k, v in raw.items() if isinstance(k, str) and isinstance(v, str)]
    return {key: _text(text, 500) for key, text in found[:MAX_VALUE_ERRORS]}


def _phase(entry: Any, files: Mapping[str, bytes], max_array_bytes: int) -> PhaseResult:
    if not isinstance(entry, dict):
        return PhaseResult(status=PhaseStatus.MISSING)
    values: dict[str, Any] = {}
    value_errors = _reported_errors(entry.get("value_errors"))
    raw_values = entry.get("values")
    if isinstance(raw_values, dict):
        for key, tree in raw_values.items():
            try:
                values[str(key)] = codec.decode(tree, files, max_array_bytes)
            except codec.CodecError as exc:
                value_errors[str(key)] = str(exc)
    warnings_raw = entry.get("warnings")
    warnings = tuple(
        {"call": _text(w.get("call"), 100), "message": _text(w.get("message"), 300)}
        for w in (warnings_raw if isinstance(warnings_raw, list) else [])[: wire.MAX_WARNINGS]
        if isinstance(w, dict)
    )
    return PhaseResult(
        status=_status(entry.get("status")),
        duration=_seconds(entry.get("duration")),
        cpu=_seconds(entry.get("cpu")),
        limit=_limit(entry.get("limit")),
        error_type=_text(entry.get("error_type"), 200),
        message=_text(entry.get("message"), 2000),
        traceback=_text(entry.get("traceback"), MAX_TEXT),
        step=_text(entry.get("step"), 200),
        signal=_int(entry.get("signal")),
        exit_code=_int(entry.get("exit_code")),
        oom=entry.get("oom") is True,
        stdout=_text(entry.get("stdout"), MAX_TEXT),
        stdout_bytes=int(_number(entry.get("stdout_bytes"))),
        warnings=warnings,
        values=values,
        value_errors=value_errors,
    )


def _status(value: Any) -> PhaseStatus:
    """The entry's status; none is MISSING, and one no writer uses is UNKNOWN."""
    if not isinstance(value, str) or not value:
        return PhaseStatus.MISSING
    try:
        return PhaseStatus(value)
    except ValueError:
        return PhaseStatus.UNKNOWN


def _limit(value: Any) -> Limit | None:
    """The limit a child was stopped at; None when none is named or one no writer uses."""
    try:
        return Limit(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _seconds(value: Any) -> float:
    """A time: a finite number in [0, MAX_SECONDS], else 0 (or the cap)."""
    return min(max(_number(value), 0.0), MAX_SECONDS)


def _text(value: Any, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _number(value: Any) -> float:
    """A finite number, else 0 (JSON as Python reads it allows NaN and Infinity)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0.0
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        return 0.0
    return number if math.isfinite(number) else 0.0


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
