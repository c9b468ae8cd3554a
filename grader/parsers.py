"""Parsers of the text files a student's program writes, run on the trusted side.

A run step (grader.steps) brings each output file out of the sandbox as raw text,
or None when the program did not write it. The output's ``parse`` option (see
docs/spec-language.md) names one of these parsers; the grader applies it to the
student's text and to the reference's alike, before any check looks at the value.
The text is untrusted: parsing is linear, never evaluates anything, and fails
with a message that names the file and the line.

    text        the text itself
    lines       one number per non-empty line -> a 1-D array (int64 if every line
                is an integer, else float64): a labels file
    key_values  one ``KEY: NUMBER`` per non-empty line -> a mapping KEY -> float,
                KEY stripped and its inner spaces collapsed: a metrics file such as
                ``epoch=1 crossentropy(train): 0.53``
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

INTEGER = re.compile(r"^[+-]?\d+$")
SPACES = re.compile(r"\s+")
SHOWN = 60  # characters of a bad line quoted in a message


class ParseError(ValueError):
    """The file does not have the declared format; the message says where."""


def _lines(text: str) -> list[tuple[int, str]]:
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def _number(token: str, file: str, n: int, line: str) -> float:
    try:
        value = float(token)
    except ValueError:
        raise ParseError(f"{file} line {n}: expected a number, got {line[:SHOWN]!r}") from None
    if math.isnan(value) or math.isinf(value):
        raise ParseError(f"{file} line {n}: {token[:SHOWN]!r} is not a finite number")
    return value


def parse_text(text: str, file: str) -> str:
    return text


def parse_lines(text: str, file: str) -> np.ndarray:
    rows = _lines(text)
    if all(INTEGER.match(line) for _, line in rows):
        try:
            return np.array([int(line) for _, line in rows], dtype=np.int64)
        except OverflowError:
            pass  # falls through to floats, which say which line is out of range
    return np.array([_number(line, file, n, line) for n, line in rows], dtype=np.float64)


def parse_key_values(text: str, file: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for n, line in _lines(text):
        key, colon, value = line.rpartition(":")
        key = SPACES.sub(" ", key.strip())
        if not colon or not key:
            raise ParseError(f"{file} line {n}: expected 'KEY: NUMBER', got {line[:SHOWN]!r}")
        if key in out:
            raise ParseError(f"{file} line {n}: {key[:SHOWN]!r} appears twice")
        out[key] = _number(value.strip(), file, n, line)
    return out


PARSERS: dict[str, Callable[[str, str], Any]] = {
    "text": parse_text,
    "lines": parse_lines,
    "key_values": parse_key_values,
}


def parse_output(parser: str, value: Any, file: str) -> Any:
    """Parse one output as it came out of a run step: text, or None if never written."""
    if value is None:
        raise ParseError(f"the program did not write {file}")
    if not isinstance(value, str):
        raise ParseError(f"{file}: expected the file's text, got a {type(value).__name__}")
    return PARSERS[parser](value, file)


def parse_values(
    declared: Mapping[str, tuple[str, str]], values: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Apply ``declared`` (output key -> (parser, file)) to the values that have one.

    Returns the values, parsed where declared, and the messages of those that failed
    (their keys are dropped from the values)."""
    parsed: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, value in values.items():
        if key not in declared:
            parsed[key] = value
            continue
        parser, file = declared[key]
        try:
            parsed[key] = parse_output(parser, value, file)
        except ParseError as exc:
            errors[key] = str(exc)
    return parsed, errors
