"""What each check kind says about itself: the reference it reads, the values the
sandbox must send back, and what it needs from the assignment and the reference.
Nothing outside the check classes asks a check for its type, so these answers are
the whole contract."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from grader.parsers import PARSERS
from grader.spec import CHECK_CLASSES, CHECK_KINDS, PARSER_NAMES, Check, CheckBase

CHECK = TypeAdapter(Check)
PRODUCED = {"out", "run"}


def check(raw: dict[str, Any]) -> CheckBase:
    return CHECK.validate_python(raw)


def test_the_parser_names_are_the_parsers() -> None:
    assert set(PARSER_NAMES) == set(PARSERS)


def test_the_kinds_are_the_classes_in_order() -> None:
    assert CHECK_KINDS == ("match", "no_warnings", "shape", "length", "stats", "metric", "answer")
    assert [cls.kind for cls in CHECK_CLASSES] == list(CHECK_KINDS)


@pytest.mark.parametrize(
    ("raw", "kind", "ref", "outputs"),
    [
        ({"match": "$out[0]"}, "match", "$out[0]", [{"ref": "out", "path": [0]}]),
        ({"no_warnings": True}, "no_warnings", None, []),
        ({"shape": "$out.W", "equals": [2]}, "shape", "$out.W", [{"ref": "out", "path": ["W"]}]),
        ({"length": "$out", "equals": 2}, "length", "$out", [{"ref": "out", "path": []}]),
        ({"stats": "$x", "mean": [0, 1]}, "stats", "$x", [{"ref": "x", "path": []}]),
        (
            {"metric": "acc", "args": ["$out[1]", "$y", [1, "$run"], 3], "min": 0.5},
            "metric",
            None,
            [{"ref": "out", "path": [1]}, {"ref": "run", "path": []}],  # not the fixture $y
        ),
        ({"answer": "q1", "equals": 1.5}, "answer", None, []),
    ],
)
def test_what_a_check_reads(
    raw: dict[str, Any], kind: str, ref: str | None, outputs: list[dict[str, Any]]
) -> None:
    c = check(raw)
    assert (c.kind, c.ref, c.outputs(PRODUCED)) == (kind, ref, outputs)


@pytest.mark.parametrize(
    ("raw", "expected_key", "function", "tolerance", "answers", "steps", "inputs"),
    [
        ({"match": "$out[0].b"}, "out[0].b", None, True, False, True, []),
        ({"match": "$out", "rtol": 0, "atol": 0}, "out", None, False, False, True, []),
        ({"match": "$out", "rtol": 0}, "out", None, True, False, True, []),
        ({"no_warnings": True}, None, None, False, False, True, []),
        ({"shape": "$out", "equals": []}, None, None, False, False, True, []),
        ({"length": "$out", "equals": 0}, None, None, False, False, True, []),
        ({"stats": "$out", "std": [0, 1]}, None, None, False, False, True, []),
        (
            {"metric": "acc", "args": ["$out", ["$y"], 1], "max": 1},
            None,
            "acc",
            False,
            False,
            True,
            ["out", "y"],
        ),
        ({"answer": "q", "equals": [1, 2]}, None, None, True, True, False, []),
        ({"answer": "q", "equals": 1, "rtol": 0, "atol": 1}, None, None, False, True, False, []),
    ],
)
def test_what_a_check_needs(
    raw: dict[str, Any],
    expected_key: str | None,
    function: str | None,
    tolerance: bool,
    answers: bool,
    steps: bool,
    inputs: list[str],
) -> None:
    c = check(raw)
    assert c.expected_key == expected_key
    assert c.reference_function == function
    assert c.needs_tolerance is tolerance
    assert c.needs_answers is answers
    assert c.needs_steps is steps
    assert c.inputs() == inputs


def test_a_metric_reads_its_direct_references_whatever_saved_them() -> None:
    c = check({"metric": "acc", "args": ["$out", "$y", ["$run"]], "min": 0})
    assert c.refs() == [{"ref": "out", "path": []}, {"ref": "y", "path": []}]
    assert c.outputs(set()) == []
