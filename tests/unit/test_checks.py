"""What each check kind says about itself: the reference it reads, the values the
sandbox must send back, and what it needs from the assignment and the reference.
Nothing outside the check classes asks a check for its type, so these answers are
the whole contract."""

from __future__ import annotations

import re
from typing import Any, cast

import pytest
from pydantic import TypeAdapter, ValidationError

from grader.context import Context
from grader.parsers import PARSERS
from grader.report import PhaseResult
from grader.spec import CHECK_CLASSES, CHECK_KINDS, PARSER_NAMES, Check, CheckBase
from grader.wire import PhaseStatus

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


def evaluate(raw: dict[str, Any], values: dict[str, Any]) -> tuple[bool, str, float | None]:
    """Score a check against returned ``values`` with a context whose only metric is
    ``mean`` and whose only fixture is ``$y``."""
    ctx = Context(
        assignment=cast(Any, None),
        answers=cast(Any, None),
        expected=lambda test, key: None,
        metric={"mean": lambda xs, y: sum(xs) / len(xs) + y}.__getitem__,
        fixture={"y": 0.0}.__getitem__,
    )
    phase = PhaseResult(status=PhaseStatus.OK, values=values)
    r = check(raw).evaluate(phase, ctx)
    return r.passed, r.message, r.value


RUNS = {"a": [0.9], "b": [0.2], "c": [0.95]}


@pytest.mark.parametrize(
    ("bounds", "passed", "message"),
    [
        (
            {"min": 0.85},
            True,
            "acc 0.9000, the median of 3 runs: 0.9000, 0.2000, 0.9500 (needs >= 0.85)",
        ),
        (
            {"min": 0.92},
            False,
            "acc 0.9000, the median of 3 runs: 0.9000, 0.2000, 0.9500 (needs >= 0.92)",
        ),
        (
            {"max": 0.9},
            True,
            "acc 0.9000, the median of 3 runs: 0.9000, 0.2000, 0.9500 (needs <= 0.9)",
        ),
    ],
)
def test_a_metric_over_runs_holds_their_median_to_the_bounds(
    bounds: dict[str, float], passed: bool, message: str
) -> None:
    raw = {
        "metric": "mean",
        "label": "acc",
        "median_of": [["$a", "$y"], ["$b", "$y"], ["$c", "$y"]],
    }
    assert evaluate({**raw, **bounds}, RUNS) == (passed, message, 0.9)


def test_a_metric_of_one_run_names_no_median() -> None:
    raw = {"metric": "mean", "args": ["$c", "$y"], "min": 0.9}
    assert evaluate(raw, RUNS) == (True, "mean 0.9500 (needs >= 0.9)", 0.95)


def test_a_run_without_its_value_fails_the_check_and_says_which() -> None:
    raw = {"metric": "mean", "median_of": [["$a", "$y"], ["$b", "$y"], ["$gone", "$y"]], "min": 0}
    passed, message, _ = evaluate(raw, RUNS)
    assert (passed, message) == (False, "mean: run 3 of 3: no value for gone")


def test_every_run_of_a_median_is_sent_back() -> None:
    c = check(
        {"metric": "m", "median_of": [["$out[0]", "$y"], ["$run", "$y"], ["$x", 1]], "min": 0}
    )
    assert c.outputs({"out", "run", "x"}) == [
        {"ref": "out", "path": [0]},
        {"ref": "run", "path": []},
        {"ref": "x", "path": []},
    ]
    assert c.inputs() == ["out", "y", "run", "y", "x"]


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ({"metric": "m", "min": 0}, "needs args or median_of (one of them)"),
        ({"metric": "m", "args": [], "median_of": [[], [], []], "min": 0}, "one of them"),
        (
            {"metric": "m", "median_of": [[], []], "min": 0},
            "an odd number of runs, 3 or more (it has 2)",
        ),
        ({"metric": "m", "median_of": [[]], "min": 0}, "3 or more (it has 1)"),
        ({"metric": "m", "args": []}, "needs min, max or both"),
    ],
)
def test_a_malformed_metric_check_is_refused_with_the_reason(
    raw: dict[str, Any], error: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(error)):
        check(raw)


def test_a_run_whose_metric_is_nan_fails_the_median() -> None:
    raw = {"metric": "mean", "median_of": [["$a", "$y"], ["$n", "$y"], ["$c", "$y"]], "min": 0}
    passed, message, _ = evaluate(raw, {**RUNS, "n": [float("nan")]})
    assert (passed, message) == (
        False,
        "mean nan, the median of 3 runs: 0.9000, nan, 0.9500 (needs >= 0)",
    )
