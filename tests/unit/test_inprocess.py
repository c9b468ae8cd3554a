"""The in-process fake (sandbox.inprocess): the container's loop and child code with an
inline isolation, and its outcome read back as the trusted side reads Docker's."""

from __future__ import annotations

import sys
import types
from typing import Any

import numpy as np
import pytest

from grader import report, wire
from grader.sandbox import SandboxRequest
from grader.spec import Limits
from sandbox.container.isolation import JobLimits, run_one
from sandbox.inprocess import InlineIsolation, InProcessSandbox

# ---------------------------------------------------------------- inline isolation


def run(job: Any, stdout_cap: int = 100, result_cap: int = 1 << 20) -> tuple[dict, dict]:
    _, entry, blobs = run_one(InlineIsolation(), job, JobLimits(1.0, 5.0, stdout_cap, result_cap))
    return entry, blobs


def test_a_jobs_entry_and_blobs_go_through_the_frame() -> None:
    entry, blobs = run(lambda: {**wire.ok(), "values": {"k": (1, 2)}, "blobs": {"a.npy": b"1"}})
    assert entry["values"] == {"k": [1, 2]}  # as JSON carries it, like the container's
    assert blobs == {"a.npy": b"1"}
    assert entry["stdout"] == "" and entry["stdout_bytes"] == 0 and entry["duration"] >= 0
    assert entry["cpu"] >= 0


def test_what_the_job_prints_is_captured_and_capped() -> None:
    def job() -> dict[str, Any]:
        print("é" * 60)
        print("to stderr", file=sys.stderr)
        return wire.ok()

    entry, _ = run(job, stdout_cap=20)
    assert entry["stdout"] == "é" * 10
    assert entry["stdout_bytes"] == len(("é" * 60 + "\nto stderr\n").encode())


@pytest.mark.parametrize("exc", [ValueError("v"), SystemExit(2), KeyboardInterrupt()])
def test_everything_the_job_raises_is_an_error_entry(exc: BaseException) -> None:
    def job() -> dict[str, Any]:
        raise exc

    entry, _ = run(job)
    assert entry["status"] == "error" and entry["error_type"] == type(exc).__name__


def test_a_result_over_the_cap_is_too_large() -> None:
    entry, blobs = run(lambda: {**wire.ok(), "blobs": {"a.npy": b"z" * 2000}}, result_cap=1000)
    assert entry["status"] == "too_large" and blobs == {}


# ---------------------------------------------------------------- the sandbox


def request(plan: dict[str, Any], submission: dict[str, bytes] | None = None) -> SandboxRequest:
    full = {
        "version": 1,
        "module": "hw2",
        "programs": [],
        "files": {},
        "preload": [],
        "import_timeout": 10.0,
        "deadline": 60.0,
        "stdout_bytes": 1024,
        "output_bytes": 1 << 20,
        **plan,
    }
    return SandboxRequest("r", full, submission or {"hw2.py": b""}, {}, Limits())


def step(call: str, *args: Any) -> dict[str, Any]:
    return {"call": call, "args": [{"value": a} for a in args], "kwargs": {}, "as": "r"}


def plan_test(tid: str, *steps: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": tid,
        "timeout": 5.0,
        "steps": list(steps),
        "outputs": {"r": {"ref": "r", "path": []}},
    }


def test_the_outcome_is_a_report_stream_read_back() -> None:
    module = types.ModuleType("hw2")
    module.ones = lambda n: np.ones(n)  # type: ignore[attr-defined]
    module.boom = lambda: 1 / 0  # type: ignore[attr-defined]
    plan = {"tests": [plan_test("t00", step("ones", 3)), plan_test("t01", step("boom"))]}
    outcome = InProcessSandbox(module).run(request(plan))
    assert set(outcome.files) == {wire.REPORT_FILE, "t00_0_0.npy"}
    assert outcome.exit_code == 0
    run = report.parse(outcome.files, 1 << 20)
    assert run is not None and run.complete and run.import_.status == "ok"
    np.testing.assert_array_equal(run.tests["t00"].values["r"], np.ones(3))
    failed = run.tests["t01"]
    assert (failed.status, failed.step, failed.error_type) == ("error", "boom", "ZeroDivisionError")


def test_programs_are_compiled_as_the_import_check() -> None:
    plan = {"module": None, "programs": ["prog.py"], "tests": [plan_test("t00")]}
    outcome = InProcessSandbox().run(request(plan, {"prog.py": b"def broken(:\n"}))
    run = report.parse(outcome.files, 1 << 20)
    assert run is not None and run.tests == {}
    assert (run.import_.status, run.import_.step) == ("error", "prog.py")
    assert run.import_.error_type == "SyntaxError"


def test_a_run_step_runs_the_submitted_program() -> None:
    program = (
        b"import sys\nprint('args', sys.argv[1:])\n"
        b"with open(sys.argv[2], 'w') as fh:\n    fh.write('7')\n"
    )
    run_step = {
        "run": "prog.py",
        "args": [{"value": "a"}, {"output": "out"}],
        "outputs": {"out": {"file": "out.txt", "max_bytes": 100}},
        "as": "r",
    }
    plan = {"module": None, "programs": ["prog.py"], "tests": [plan_test("t00", run_step)]}
    outcome = InProcessSandbox().run(request(plan, {"prog.py": program}))
    run = report.parse(outcome.files, 1 << 20)
    assert run is not None
    phase = run.tests["t00"]
    assert phase.values["r"] == {"out": "7"}
    assert phase.stdout.startswith("args ['a', ")
