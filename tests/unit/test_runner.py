"""The runner's loop (sandbox.container.runner.run_plan) with a scripted isolation and
clock: the import check gates the tests, the deadline, the output budget, the blobs
a test may keep."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from grader import wire
from sandbox.container import runner
from sandbox.container.child import Job
from sandbox.container.runner import Session, run_plan

Result = tuple[dict[str, Any], dict[str, bytes]]


@dataclass
class Scripted:
    """Returns the given results in turn, recording how each job was to be run."""

    results: list[Result]
    calls: list[tuple[float, int, int]] = field(default_factory=list)

    def run(self, job: Job, timeout: float, stdout_cap: int, result_cap: int) -> Result:
        self.calls.append((timeout, stdout_cap, result_cap))
        entry, blobs = self.results.pop(0)
        return {**entry, "duration": 0.5}, blobs


def plan(n_tests: int = 3, **overrides: Any) -> dict[str, Any]:
    return {
        "version": 1,
        "module": "hw2",
        "programs": [],
        "files": {},
        "preload": [],
        "import_timeout": 7.0,
        "deadline": 100.0,
        "stdout_bytes": 4096,
        "output_bytes": 1000,
        "tests": [
            {"id": f"t{i:02d}", "name": f"test {i}", "timeout": 10.0, "steps": [], "outputs": {}}
            for i in range(n_tests)
        ],
        **overrides,
    }


def session(isolation: Scripted, clock: Callable[[], float] = lambda: 0.0) -> Session:
    return Session(isolation, lambda name: None, Path("/nowhere"), {}, started=0.0, clock=clock)


OK: Result = (wire.ok(), {})


def test_a_failed_import_check_runs_no_test() -> None:
    failed = wire.error("SyntaxError", "invalid syntax", step="import", traceback="")
    isolation = Scripted([(failed, {"t00_0_0.npy": b"ignored"})])
    report, files = run_plan(plan(), session(isolation))
    assert report == {
        "version": 1,
        "complete": True,
        "tests": {},
        "import": {**failed, "duration": 0.5},
    }
    assert files == {}
    assert isolation.calls == [(7.0, 4096, runner.IMPORT_RESULT_CAP)]


def test_every_test_runs_after_the_import_check() -> None:
    isolation = Scripted([OK, OK, OK, OK])
    report, _ = run_plan(plan(), session(isolation))
    assert list(report["tests"]) == ["t00", "t01", "t02"]
    assert report["complete"] is True
    assert isolation.calls[1:] == [(10.0, 4096, 1000 + runner.RESULT_MARGIN)] * 3


def test_a_test_keeps_only_its_own_blobs() -> None:
    blobs = {
        "t00_0_0.npy": b"mine",
        "t01_0_0.npy": b"another test's",
        "t00_../x.npy": b"bad name",
        "t00_0_0.json": b"not a blob",
        "report.json": b"{}",
    }
    report, files = run_plan(plan(1), session(Scripted([OK, (wire.ok(), blobs)])))
    assert files == {"t00_0_0.npy": b"mine"}
    assert report["tests"]["t00"]["status"] == "ok"


def test_the_output_budget_spans_the_tests() -> None:
    """Once the budget is spent, every later test is too large, even one that returns
    nothing; the cap on a test's frame shrinks with the budget left."""
    six = {"status": "ok"}, {"t00_0_0.npy": b"x" * 600}
    isolation = Scripted(
        [OK, six, ({"status": "ok"}, {"t01_0_0.npy": b"y" * 600}), OK, OK],
    )
    report, files = run_plan(plan(4), session(isolation))
    statuses = [report["tests"][t]["status"] for t in ("t00", "t01", "t02", "t03")]
    assert statuses == ["ok", "too_large", "too_large", "too_large"]
    assert report["tests"]["t01"] == {"status": "too_large", "duration": 0.5}
    assert files == {"t00_0_0.npy": b"x" * 600}
    caps = [cap for _, _, cap in isolation.calls[1:]]
    assert caps == [1000 + 1024, 400 + 1024, 1024, 1024]


def test_the_deadline_limits_and_then_skips_tests() -> None:
    times = iter([0.0, 95.0, 98.6, 99.0])
    isolation = Scripted([OK, OK, OK])
    report, _ = run_plan(plan(4), session(isolation, clock=lambda: next(times)))
    timeouts = [timeout for timeout, _, _ in isolation.calls[1:]]
    assert timeouts == [10.0, 4.0]  # the second test gets what is left, less the reserve
    message = "not run: the submission's total time limit of 100 s was used up by earlier tests"
    assert report["tests"]["t02"] == report["tests"]["t03"] == wire.not_run(message)


def test_not_run_tests_are_not_turned_too_large() -> None:
    over = {"status": "ok"}, {"t00_0_0.npy": b"x" * 2000}
    times = iter([0.0, 99.0])
    report, _ = run_plan(plan(2), session(Scripted([OK, over]), clock=lambda: next(times)))
    assert report["tests"]["t00"]["status"] == "too_large"
    assert report["tests"]["t01"]["status"] == "not_run"


@pytest.mark.parametrize("module", ["hw2", None])
def test_the_import_check_job_is_the_childs(module: str | None, tmp_path: Path) -> None:
    """The job given to the isolation is the child's import check: a module is imported
    by the injected loader, programs are compiled."""
    (tmp_path / "prog.py").write_text("def broken(:\n")
    loaded: list[str] = []

    @dataclass
    class Calling:
        def run(self, job: Job, timeout: float, stdout_cap: int, result_cap: int) -> Result:
            return job(), {}

    state = Session(Calling(), loaded.append, tmp_path, {}, started=0.0)
    report, _ = run_plan(plan(0, module=module, programs=["prog.py"]), state)
    if module:
        assert loaded == ["hw2"] and report["import"] == {"status": "ok"}
    else:
        assert loaded == [] and report["import"]["error_type"] == "SyntaxError"
        assert report["import"]["step"] == "prog.py"
