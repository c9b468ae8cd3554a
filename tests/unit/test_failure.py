"""The messages a student reads when a test (or the import) did not return normally.

Exact strings: these are what students see, so a change here is a change of
behaviour, not a refactoring."""

from __future__ import annotations

from typing import Any

import pytest

from grader.failure import failure_message, stdout_lines
from grader.report import PhaseResult
from grader.spec import Assignment, TestSpec

ASSIGNMENT = Assignment.model_validate(
    {
        "version": 1,
        "id": "demo",
        "title": "Demo",
        "submission": {"files": ["m.py"], "module": "m"},
        "reference": {"module": "ref"},
        "limits": {
            "memory_mb": 256,
            "test_timeout": 7,
            "import_timeout": 3,
            "output_mb": 5,
            "wall_factor": 4,
            "pids": 48,
            "submission_timeout": 90,
        },
        "tests": [
            {"name": "t", "points": 1, "steps": [{"call": "f"}], "checks": [{"no_warnings": True}]}
        ],
    }
)
TEST = ASSIGNMENT.tests[0]
TEST_WITH_TIMEOUT = TEST.model_copy(update={"timeout": 2.5})
EXIT_HINT = "does the code call exit(), sys.exit() or os._exit()?"
NO_RESULT = "no result: the sandbox stopped before this test finished"


def message(test: TestSpec | None = TEST, **fields: Any) -> str:
    return failure_message(PhaseResult(**fields), ASSIGNMENT, test)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"error_type": "ValueError", "message": "bad shape", "step": "forward"},
            "ValueError in forward: bad shape",
        ),
        ({"error_type": "ValueError", "message": "bad shape"}, "ValueError: bad shape"),
        ({"error_type": "ValueError", "step": "forward"}, "ValueError in forward"),
        ({"error_type": "ValueError"}, "ValueError"),
        (
            {"error_type": "ValueError", "message": "bad", "traceback": "Traceback:\n  line 1\n"},
            "ValueError: bad\nTraceback:\n  line 1",
        ),
        (
            {"error_type": "NotImplementedError", "message": "todo", "step": "forward"},
            "not implemented: forward raises NotImplementedError",
        ),
        (
            {"error_type": "NotImplementedError"},
            "not implemented: this function raises NotImplementedError",
        ),
        (
            {"error_type": "NotImplementedError", "step": "f", "traceback": "tb\n"},
            "not implemented: f raises NotImplementedError\ntb",
        ),
        (
            {"error_type": "MemoryError", "step": "forward"},
            "MemoryError in forward (the memory limit is 256 MiB)",
        ),
        (
            {"error_type": "MemoryError", "message": "big", "traceback": "tb\n"},
            "MemoryError: big (the memory limit is 256 MiB)\ntb",
        ),
    ],
)
def test_error(fields: dict[str, Any], expected: str) -> None:
    assert message(status="error", **fields) == expected


@pytest.mark.parametrize(
    ("test", "fields", "expected"),
    [
        (TEST, {}, "timed out after 7 s"),
        (TEST, {"step": "forward"}, "timed out after 7 s in forward"),
        (TEST_WITH_TIMEOUT, {"step": "forward"}, "timed out after 2.5 s in forward"),
        (None, {"step": "import m"}, "timed out after 3 s in import m"),  # the import
        (None, {}, "timed out after 3 s"),
        # the limit it hit: CPU time, the wall-clock cap (timeout x wall_factor), the total
        (TEST, {"limit": "cpu", "cpu": 7.03}, "timed out: used more than 7 s of CPU time"),
        (
            TEST_WITH_TIMEOUT,
            {"limit": "cpu", "step": "forward"},
            "timed out in forward: used more than 2.5 s of CPU time",
        ),
        (
            None,
            {"limit": "cpu", "step": "import m"},
            "timed out in import m: used more than 3 s of CPU time",
        ),
        (
            TEST,
            {"limit": "wall", "cpu": 0.04},
            "timed out: still running after 28 s (wall clock) while using little CPU (0.0 s): "
            "is it waiting or sleeping?",
        ),
        (
            None,
            {"limit": "wall", "cpu": 0.3},
            "timed out: still running after 12 s (wall clock) while using little CPU (0.3 s): "
            "is it waiting or sleeping?",
        ),
        (
            TEST,
            {"limit": "wall", "cpu": 5.2},
            "timed out: still running after 28 s (wall clock), having used 5.2 s of its 7 s of "
            "CPU time",
        ),
        (
            TEST_WITH_TIMEOUT,
            {"limit": "total", "cpu": 1.0, "step": "train"},
            "stopped in train: the submission's total time limit of 90 s ran out",
        ),
    ],
)
def test_timeout(test: TestSpec | None, fields: dict[str, Any], expected: str) -> None:
    assert message(test, status="timeout", **fields) == expected


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"signal": 9, "oom": True},
            "killed (SIGKILL): out of memory, the memory limit is 256 MiB",
        ),
        ({"oom": True}, "killed (signal 0): out of memory, the memory limit is 256 MiB"),
        (
            {"signal": 9},
            "killed (SIGKILL): most likely out of memory, the memory limit is 256 MiB",
        ),
        (
            {"signal": 11, "oom": True},
            "killed (SIGSEGV): out of memory, the memory limit is 256 MiB",
        ),
        ({"signal": 11}, "crashed with SIGSEGV (segmentation fault)"),
        (
            {"signal": 9, "limit": "pids"},
            "killed: reached the limit of 48 processes (a fork bomb?)",
        ),
        (
            {"signal": 9, "oom": True, "limit": "pids"},
            "killed: reached the limit of 48 processes (a fork bomb?)",
        ),
        ({"signal": 15}, "crashed with SIGTERM"),
        ({"signal": 6}, "crashed with SIGABRT"),
        ({"signal": 99}, "crashed with signal 99"),  # no such signal
        ({"signal": -3}, "crashed with signal -3"),
        ({"signal": None}, "crashed with signal 0"),
        (
            {"signal": 9, "step": "forward"},
            "killed (SIGKILL): most likely out of memory, the memory limit is 256 MiB",
        ),  # the step is not named
    ],
)
def test_killed(fields: dict[str, Any], expected: str) -> None:
    assert message(status="killed", **fields) == expected


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"exit_code": 3},
            f"the process exited with code 3 before returning a result: {EXIT_HINT}",
        ),
        (
            {"exit_code": 0, "step": "train"},
            f"the process exited with code 0 before returning a result in train: {EXIT_HINT}",
        ),
        ({}, f"the process exited with code None before returning a result: {EXIT_HINT}"),
    ],
)
def test_exited(fields: dict[str, Any], expected: str) -> None:
    assert message(status="exited", **fields) == expected


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"status": "too_large"},
            "the returned values are larger than the output limit of 5 MiB",
        ),
        (
            {"status": "too_large", "message": "ignored"},
            "the returned values are larger than the output limit of 5 MiB",
        ),
        ({"status": "not_run", "message": "not run: time is up"}, "not run: time is up"),
        ({"status": "not_run"}, "not run"),
        (
            {"status": "import_failed", "message": "could not import m.py: SyntaxError"},
            "could not import m.py: SyntaxError",
        ),
        ({"status": "import_failed"}, "not run"),
        ({"status": "missing"}, NO_RESULT),
        ({"status": "missing", "message": "lost"}, "lost"),
        ({"status": "weird"}, NO_RESULT),  # an unknown status: the sandbox stopped
        ({"status": "weird", "message": "said so"}, "said so"),
        ({"status": ""}, NO_RESULT),
    ],
)
def test_other_statuses(fields: dict[str, Any], expected: str) -> None:
    assert message(**fields) == expected


@pytest.mark.parametrize(
    ("stdout", "stdout_bytes", "expected"),
    [
        ("", 0, []),
        ("ignored", 0, []),  # no bytes counted: nothing printed
        ("hello\n", 6, ["Your code printed:", "hello"]),
        ("hi  \n\n", 50, ["Your code printed (first 6 of 50 bytes):", "hi"]),
        ("x" * 2500, 9000, ["Your code printed (first 2000 of 9000 bytes):", "x" * 2000]),
        ("x" * 2000, 2000, ["Your code printed:", "x" * 2000]),
        ("é" * 1500, 3000, ["Your code printed:", "é" * 1500]),  # 3000 bytes, all shown
        ("é" * 2500, 5000, ["Your code printed (first 4000 of 5000 bytes):", "é" * 2000]),
    ],
)
def test_printed_output(stdout: str, stdout_bytes: int, expected: list[str]) -> None:
    phase = PhaseResult(status="timeout", stdout=stdout, stdout_bytes=stdout_bytes)
    assert stdout_lines(phase) == expected
    assert message(status="timeout", stdout=stdout, stdout_bytes=stdout_bytes) == "\n".join(
        ["timed out after 7 s", *expected]
    )


def test_printed_output_follows_an_error_and_its_traceback() -> None:
    got = message(
        status="error", error_type="E", message="m", traceback="tb", stdout="out", stdout_bytes=3
    )
    assert got == "E: m\ntb\nYour code printed:\nout"
