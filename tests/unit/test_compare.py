"""Comparing a submission's values with the expected ones (grader/compare.py): arrays,
sequences, scalars and mappings, never showing an expected value."""

from __future__ import annotations

import numpy as np
import pytest

from grader.codec import Unsupported
from grader.compare import compare

A = np.array([[1.0, 2.0], [3.0, 4.0]])


@pytest.mark.parametrize(
    ("got", "expected", "ok", "fragment"),
    [
        (A.copy(), A, True, "matches"),
        (A + 1e-12, A, True, "matches"),
        (A + 1e-3, A, False, "4 of 4 values differ"),
        (A.ravel(), A, False, "expected shape (2, 2), got shape (4,)"),
        (A.T.copy() * np.array([[1, 1], [1, 1.0]]), A, False, "index (0, 1)"),
        (np.array([[1.0, np.nan], [3.0, 4.0]]), A, False, "first NaN at index (0, 1)"),
        (np.array([[1.0, np.inf], [3.0, 4.0]]), A, False, "infinite value"),
        (Unsupported("AlwaysEqual"), A, False, "got a AlwaysEqual object"),
        ([[1.0, 2.0], [3.0, 4.0]], A, True, "matches"),
        ("text", A, False, "expected a numeric array"),
        ((A, A), (A, A), True, "all 2 items match"),
        ((A, A + 1), (A, A), False, "[1]: 4 of 4 values differ"),
        ((A,), (A, A), False, "expected 2 items, got 1"),
        (A, (A, A), False, "expected a list of 2 items"),
        (2.5, 2.5, True, "matches"),
        (np.array(2.5), 2.5, True, "matches"),
    ],
)
def test_compare(got: object, expected: object, ok: bool, fragment: str) -> None:
    result = compare(got, expected, rtol=1e-7, atol=1e-10)
    assert result.ok is ok
    assert fragment in result.message


def test_message_never_prints_expected_values() -> None:
    expected = np.array([0.123456789, 0.987654321])
    result = compare(np.array([0.5, 0.5]), expected, rtol=1e-7, atol=1e-10)
    assert not result.ok
    assert "0.1234" not in result.message and "0.9876" not in result.message


def test_relative_tolerance_scales_with_magnitude() -> None:
    big = np.array([1e6])
    assert compare(big * (1 + 1e-9), big, rtol=1e-7, atol=0).ok
    assert not compare(big * (1 + 1e-6), big, rtol=1e-7, atol=0).ok


@pytest.mark.parametrize(
    ("got", "ok", "message"),
    [
        ({"a": 1.0, "b": 2.0}, True, "all 2 entries match"),
        (
            {"a": 1.0, "b": 2.1},
            False,
            "'b': differs beyond rtol=1e-06, atol=0: abs error 1.000e-01",
        ),
        ({"a": 1.0}, False, "missing 'b'"),
        ({"a": 1.0, "b": 2.0, "c": 3.0}, False, "unexpected 'c'"),
        ([1.0, 2.0], False, "expected a mapping of 2 entries, got a list of length 2"),
    ],
)
def test_mappings_compare_key_by_key(got: object, ok: bool, message: str) -> None:
    result = compare(got, {"a": 1.0, "b": 2.0}, rtol=1e-6, atol=0)
    assert result.ok is ok
    assert message in result.message
    if not ok:
        assert "2.0" not in result.message  # no expected value shown
