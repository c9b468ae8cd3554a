"""The trusted parsers of the files a program writes (grader/parsers.py): pure logic."""

from __future__ import annotations

import numpy as np
import pytest

from grader.parsers import ParseError, parse_output, parse_values


@pytest.mark.parametrize(
    ("parser", "text", "expected"),
    [
        ("lines", "3\n9\n\n0\n", np.array([3, 9, 0])),
        ("lines", "  1 \r\n-2\r\n", np.array([1, -2])),
        ("lines", "0.5\n1\n", np.array([0.5, 1.0])),
        ("lines", "", np.array([], dtype=np.int64)),
        (
            "key_values",
            "epoch=1 crossentropy(train): 0.5\nerror(train):  0.25\n",
            {"epoch=1 crossentropy(train)": 0.5, "error(train)": 0.25},
        ),
        ("key_values", "a  b:1e-3\n\n", {"a b": 0.001}),
        ("text", "anything\n", "anything\n"),
    ],
)
def test_parsers_read_well_formed_files(parser: str, text: str, expected: object) -> None:
    got = parse_output(parser, text, "out.txt")
    if isinstance(expected, np.ndarray):
        assert got.dtype == expected.dtype or expected.size == 0
        np.testing.assert_array_equal(got, expected)
    else:
        assert got == expected


@pytest.mark.parametrize(
    ("parser", "text", "message"),
    [
        ("lines", None, "the program did not write out.txt"),
        ("lines", "1\nseven\n", "out.txt line 2: expected a number, got 'seven'"),
        ("lines", "1\nnan\n", "out.txt line 2: 'nan' is not a finite number"),
        ("key_values", "error(train) 0.5\n", "out.txt line 1: expected 'KEY: NUMBER'"),
        ("key_values", ": 0.5\n", "out.txt line 1: expected 'KEY: NUMBER'"),
        ("key_values", "a: 1\na: 2\n", "out.txt line 2: 'a' appears twice"),
        ("key_values", "a: x\n", "out.txt line 1: expected a number, got 'a: x'"),
        ("text", 3, "out.txt: expected the file's text, got a int"),
    ],
)
def test_parsers_name_the_file_and_line(parser: str, text: object, message: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_output(parser, text, "out.txt")
    assert str(info.value).startswith(message)


def test_parse_values_keeps_undeclared_values_and_reports_failures() -> None:
    values, errors = parse_values(
        {"r.labels": ("lines", "l.txt"), "r.metrics": ("key_values", "m.txt")},
        {"r.labels": "1\n2\n", "r.metrics": None, "other": 5},
    )
    assert values["other"] == 5 and list(values["r.labels"]) == [1, 2]
    assert errors == {"r.metrics": "the program did not write m.txt"}
