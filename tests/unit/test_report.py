"""grader.report.parse reads what came out of a container that ran student code:
tables of malformed and hostile reports. It never raises; it caps and drops."""

from __future__ import annotations

import io
import json
import pickle
from typing import Any

import numpy as np
import pytest

from grader import report, wire
from grader.codec import encode
from grader.report import MAX_REPORT_BYTES, MAX_SECONDS, MAX_TEXT, MAX_VALUE_ERRORS, PhaseResult

MAX_ARRAY = 1 << 20


def files_of(data: Any, **blobs: bytes) -> dict[str, bytes]:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return {wire.REPORT_FILE: raw, **blobs}


def parse_test(entry: Any, **blobs: bytes) -> PhaseResult:
    run = report.parse(files_of({"tests": {"t00": entry}}, **blobs), MAX_ARRAY)
    assert run is not None
    return run.tests["t00"]


def npy(value: Any) -> bytes:
    buf = io.BytesIO()
    np.save(buf, value, allow_pickle=True)
    return buf.getvalue()


@pytest.mark.parametrize(
    "files",
    [
        {},
        {"t00_0_0.npy": b"x"},
        files_of(b" " * (MAX_REPORT_BYTES + 1)),
        files_of(b"not json"),
        files_of(b"\xff\xfe\x00"),
        files_of(b"{" * 10),
        files_of(b"[" * 100_000),
        files_of([]),
        files_of(3),
        files_of("report"),
        files_of(None),
    ],
)
def test_no_readable_report(files: dict[str, bytes]) -> None:
    assert report.parse(files, MAX_ARRAY) is None


@pytest.mark.parametrize(
    ("data", "complete", "tests"),
    [
        ({}, False, {}),
        ({"complete": True, "tests": {}}, True, {}),
        ({"complete": "true", "tests": []}, False, {}),
        ({"complete": 1, "tests": "t00"}, False, {}),
        ({"tests": {"t00": None, "t01": [], "t02": "ok", "t03": 1}}, False, dict.fromkeys("0123")),
    ],
)
def test_report_shapes(data: dict[str, Any], complete: bool, tests: dict[str, None]) -> None:
    run = report.parse(files_of(data), MAX_ARRAY)
    assert run is not None
    assert run.complete is complete
    assert run.import_ == PhaseResult(status="missing")
    assert run.tests == {f"t0{k}": PhaseResult(status="missing") for k in tests}


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({}, PhaseResult(status="missing")),
        ({"status": 5}, PhaseResult(status="missing")),
        ({"status": ""}, PhaseResult(status="missing")),
        ({"status": "x" * 50}, PhaseResult(status="unknown")),
        ({"status": "weird"}, PhaseResult(status="unknown")),
        # a bool is not a number here
        (
            {"status": "killed", "signal": True, "oom": 1, "duration": True, "stdout_bytes": False},
            PhaseResult(status="killed"),
        ),
        ({"status": "exited", "exit_code": False}, PhaseResult(status="exited")),
        ({"status": "exited", "exit_code": 3.0}, PhaseResult(status="exited")),
        ({"status": "exited", "exit_code": "3"}, PhaseResult(status="exited")),
        ({"status": "killed", "signal": 9, "oom": True}, PhaseResult("killed", signal=9, oom=True)),
        ({"status": "ok", "oom": "yes"}, PhaseResult(status="ok")),
        ({"status": "ok", "duration": "1.5", "stdout_bytes": [1]}, PhaseResult(status="ok")),
        (
            {"status": "ok", "duration": 2, "stdout_bytes": 7.9},
            PhaseResult("ok", 2.0, stdout_bytes=7),
        ),
        ({"status": "ok", "stdout": 5, "message": None, "step": []}, PhaseResult(status="ok")),
        # the runner's value_errors are read (test_runner_value_errors_are_read_capped)
        (
            {"status": "ok", "values": [], "value_errors": {"k": "v"}},
            PhaseResult(status="ok", value_errors={"k": "v"}),
        ),
    ],
)
def test_entry_fields_of_the_wrong_type_are_dropped(
    entry: dict[str, Any], expected: PhaseResult
) -> None:
    assert parse_test(entry) == expected


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            wire.timeout(wire.Limit.CPU) | {"cpu": 10.02},
            PhaseResult("timeout", cpu=10.02, limit="cpu"),
        ),
        (
            {"status": "timeout", "limit": "wall", "cpu": 0.1},
            PhaseResult("timeout", cpu=0.1, limit="wall"),
        ),
        ({"status": "timeout", "limit": "total"}, PhaseResult("timeout", limit="total")),
        (wire.killed(9, False, wire.Limit.PIDS), PhaseResult("killed", signal=9, limit="pids")),
        ({"status": "timeout"}, PhaseResult("timeout")),  # a runner that names no limit
        ({"status": "timeout", "limit": "moon"}, PhaseResult("timeout")),  # one no writer uses
        ({"status": "timeout", "limit": ["cpu"]}, PhaseResult("timeout")),
        ({"status": "ok", "cpu": -3, "duration": -1}, PhaseResult("ok")),
        (
            {"status": "ok", "cpu": 1e300, "duration": 2e6},
            PhaseResult("ok", MAX_SECONDS, cpu=MAX_SECONDS),
        ),
        ({"status": "ok", "cpu": True}, PhaseResult("ok")),
        ({"status": "ok", "cpu": "2.5"}, PhaseResult("ok")),
    ],
)
def test_the_limit_and_cpu_time_are_read_checked(
    entry: dict[str, Any], expected: PhaseResult
) -> None:
    assert parse_test(entry) == expected


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e400", b"9" * 400])
def test_numbers_that_are_not_finite_become_zero(number: bytes) -> None:
    raw = b'{"tests": {"t00": {"status": "ok", "duration": %s, "stdout_bytes": %s}}}' % (
        number,
        number,
    )
    run = report.parse({wire.REPORT_FILE: raw}, MAX_ARRAY)
    assert run is not None
    assert run.tests["t00"] == PhaseResult(status="ok")


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("error_type", 200),
        ("message", 2000),
        ("traceback", MAX_TEXT),
        ("step", 200),
        ("stdout", MAX_TEXT),
    ],
)
def test_over_long_text_is_capped(field: str, limit: int) -> None:
    phase = parse_test({"status": "error", field: "é" * (limit + 100)})
    assert getattr(phase, field) == "é" * limit


def test_warnings_are_capped_and_checked() -> None:
    warnings: list[Any] = [
        {"call": "f" * 200, "message": "m" * 400},
        "not a dict",
        {"call": 5, "message": None},
        {},
        *({"call": "g", "message": "overflow"} for _ in range(100)),
    ]
    phase = parse_test({"status": "ok", "warnings": warnings})
    assert phase.warnings[0] == {"call": "f" * 100, "message": "m" * 300}
    assert phase.warnings[1] == {"call": "", "message": ""} == phase.warnings[2]
    assert len(phase.warnings) == 49  # the first 50 are read, one of them is not a dict
    assert parse_test({"status": "ok", "warnings": {"call": "f"}}).warnings == ()


def test_values_decode_with_their_blobs() -> None:
    tree, blobs = encode((np.arange(3.0), {"a": [1, float("nan")]}), prefix="t00_0_")
    phase = parse_test({"status": "ok", "values": {"out": tree}}, **blobs)
    value = phase.values["out"]
    np.testing.assert_array_equal(value[0], np.arange(3.0))
    assert value[1]["a"][0] == 1 and np.isnan(value[1]["a"][1])
    assert phase.value_errors == {}


@pytest.mark.parametrize(
    ("tree", "blobs", "fragment"),
    [
        ({"__ndarray__": "t00_0_0.npy"}, {}, "missing array file 't00_0_0.npy'"),
        ({"__ndarray__": "../secret.npy"}, {}, "missing array file"),
        ({"__ndarray__": 5}, {}, "malformed value node"),
        ({"__ndarray__": "a.npy"}, {"a.npy": b"not npy"}, "not a valid .npy file"),
        ({"__ndarray__": "a.npy"}, {"a.npy": npy(np.array([{}], dtype=object))}, "not a valid"),
        ({"__ndarray__": "a.npy"}, {"a.npy": npy(np.array(["s"]))}, "numeric array"),
        ({"__ndarray__": "a.npy"}, {"a.npy": npy(np.zeros(MAX_ARRAY))}, "larger than"),
        ({"__pickle__": pickle.dumps(1).hex()}, {}, "malformed value node"),
        ({"__float__": "1e5"}, {}, "malformed value node"),
        ({"__tuple__": 5}, {}, "malformed value node"),
        ({"a": 1, "b": 2}, {}, "malformed value node"),
        ([[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]], {}, "too deeply"),
    ],
)
def test_bad_value_trees_become_value_errors(
    tree: Any, blobs: dict[str, bytes], fragment: str
) -> None:
    phase = parse_test({"status": "ok", "values": {"out": tree, "fine": 1}}, **blobs)
    assert phase.values == {"fine": 1}
    assert fragment in phase.value_errors["out"]


def test_a_full_report_as_the_runner_writes_it() -> None:
    tree, blobs = encode(np.eye(2), prefix="t00_0_")
    test = {
        **wire.ok(),
        "warnings": [{"call": "f", "message": "overflow"}],
        "values": {"W": tree},
        "value_errors": {},
        "duration": 0.25,
        "cpu": 0.125,
        "stdout": "hi\n",
        "stdout_bytes": 3,
    }
    data = {**wire.new_report(), "complete": True, "import": wire.ok(), "tests": {"t00": test}}
    run = report.parse(wire.report_files(data, blobs), MAX_ARRAY)
    assert run is not None and run.complete and run.import_.status == wire.PhaseStatus.OK
    phase = run.tests["t00"]
    assert (phase.duration, phase.stdout, phase.stdout_bytes) == (0.25, "hi\n", 3)
    assert (phase.cpu, phase.limit) == (0.125, None)
    assert phase.warnings == ({"call": "f", "message": "overflow"},)
    np.testing.assert_array_equal(phase.values["W"], np.eye(2))


def test_runner_value_errors_are_read_capped() -> None:
    """The runner reports a value it could not look up or encode under ``value_errors``
    (sandbox.container.child.run_test): a check then says why, not "no value"."""
    phase = parse_test({"status": "ok", "values": {}, "value_errors": {"k": "cannot read k"}})
    assert phase.value_errors == {"k": "cannot read k"} and phase.values == {}
    many = {f"k{i}": "x" * 10_000 for i in range(500)} | {"bad": 3}
    phase = parse_test({"status": "ok", "values": {}, "value_errors": many})
    assert len(phase.value_errors) == MAX_VALUE_ERRORS and "bad" not in phase.value_errors
    assert max(len(text) for text in phase.value_errors.values()) == 500
    assert parse_test({"status": "ok", "value_errors": ["not", "a", "map"]}).value_errors == {}
