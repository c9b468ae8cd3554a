"""Compare a student's value with the expected one and say how they differ.

Messages tell the student what differed, by how much and where: shapes, the
number of mismatches, the largest absolute and relative error and its index. They
never print expected values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.codec import Unsupported


@dataclass(frozen=True)
class Comparison:
    ok: bool
    message: str


def describe(value: Any) -> str:
    if isinstance(value, Unsupported):
        return f"a {value.type_name} object"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of length {len(value)}"
    return f"a {type(value).__name__}"


def as_numeric(value: Any) -> np.ndarray | None:
    """An array for a numeric value (array, number, nested numeric list), else None."""
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float, list, tuple)):
        return None
    try:
        arr = np.asarray(value)
    except ValueError:
        return None
    return arr if arr.dtype.kind in "biuf" else None


def compare(got: Any, expected: Any, rtol: float, atol: float, where: str = "") -> Comparison:
    """Structural comparison: arrays within tolerance, containers item by item."""
    label = f"{where}: " if where else ""
    if isinstance(expected, Mapping):
        return _compare_mappings(got, expected, rtol, atol, where)
    if isinstance(expected, (list, tuple)) and not _is_numeric_list(expected):
        if not isinstance(got, (list, tuple)):
            return Comparison(
                False, f"{label}expected a list of {len(expected)} items, got {describe(got)}"
            )
        if len(got) != len(expected):
            return Comparison(False, f"{label}expected {len(expected)} items, got {len(got)}")
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            result = compare(g, e, rtol, atol, f"{where}[{i}]")
            if not result.ok:
                return result
        return Comparison(True, f"{label}all {len(expected)} items match")
    exp = as_numeric(expected)
    if exp is None:
        same = got == expected
        return Comparison(bool(same), f"{label}{'matches' if same else 'does not match'}")
    arr = as_numeric(got)
    if arr is None:
        return Comparison(
            False, f"{label}expected a numeric array of shape {exp.shape}, got {describe(got)}"
        )
    return compare_arrays(arr, exp, rtol, atol, label)


def _compare_mappings(
    got: Any, expected: Mapping[Any, Any], rtol: float, atol: float, where: str
) -> Comparison:
    """Keys must be the same (they are names, such as the lines of a metrics file, not
    secrets); values are compared key by key, in the expected order."""
    label = f"{where}: " if where else ""
    if not isinstance(got, Mapping):
        return Comparison(
            False, f"{label}expected a mapping of {len(expected)} entries, got {describe(got)}"
        )
    missing = [k for k in expected if k not in got]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        return Comparison(False, f"{label}missing {missing[0]!r}{more}")
    extra = [k for k in got if k not in expected]
    if extra:
        more = f" (and {len(extra) - 1} more)" if len(extra) > 1 else ""
        return Comparison(False, f"{label}unexpected {extra[0]!r}{more}")
    worst = 0.0
    for key, value in expected.items():
        result = compare(got[key], value, rtol, atol, f"{where}[{key!r}]" if where else repr(key))
        if not result.ok:
            return result
        exp, arr = as_numeric(value), as_numeric(got[key])
        if exp is not None and arr is not None and exp.shape == arr.shape and exp.size:
            with np.errstate(all="ignore"):
                worst = max(worst, float(np.max(np.abs(arr.astype(float) - exp.astype(float)))))
    return Comparison(True, f"{label}all {len(expected)} entries match (max abs error {worst:.2e})")


def _is_numeric_list(value: Any) -> bool:
    """A flat list of plain numbers is one array; anything else is compared item by item."""
    return all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in value)


def compare_arrays(
    got: np.ndarray, exp: np.ndarray, rtol: float, atol: float, label: str = ""
) -> Comparison:
    if got.shape != exp.shape:
        return Comparison(False, f"{label}expected shape {exp.shape}, got shape {got.shape}")
    got = got.astype(np.float64, copy=False)
    exp = exp.astype(np.float64, copy=False)
    bad_got = ~np.isfinite(got) & np.isfinite(exp)
    if bad_got.any():
        index = _index(np.argwhere(bad_got)[0])
        kind = "NaN" if np.isnan(got[tuple(np.argwhere(bad_got)[0])]) else "an infinite value"
        return Comparison(
            False, f"{label}{int(bad_got.sum())} non-finite value(s); first {kind} at index {index}"
        )
    with np.errstate(all="ignore"):
        err = np.abs(got - exp)
        allowed = atol + rtol * np.abs(exp)
        same_nonfinite = ~np.isfinite(exp) & (got == exp)
        close = (err <= allowed) | same_nonfinite
        if close.all():
            worst = float(np.max(err, initial=0.0, where=np.isfinite(err)))
            return Comparison(True, f"{label}matches (max abs error {worst:.2e})")
        finite_err = np.where(np.isfinite(err), err, np.inf)
        worst_at = np.unravel_index(int(np.argmax(np.where(close, -1.0, finite_err))), err.shape)
        rel = err / np.maximum(np.abs(exp), np.finfo(np.float64).tiny)
    n_bad = int((~close).sum())
    # No relative error where the reference is 0 (it would be meaningless, and say so).
    relative = f", rel {float(rel[worst_at]):.3e}" if exp[worst_at] != 0 else ""
    if exp.ndim == 0:
        return Comparison(
            False,
            f"{label}differs beyond rtol={rtol:g}, atol={atol:g}: "
            f"abs error {float(err[worst_at]):.3e}{relative}",
        )
    return Comparison(
        False,
        f"{label}{n_bad} of {err.size} values differ beyond rtol={rtol:g}, atol={atol:g}; "
        f"largest error at index {_index(worst_at)}: abs {float(err[worst_at]):.3e}{relative}",
    )


def _index(idx: Any) -> str:
    values = tuple(int(i) for i in idx)
    return str(values[0]) if len(values) == 1 else str(values)
