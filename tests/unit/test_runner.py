"""The runner's loop (sandbox.container.runner.run_plan) with a scripted isolation and
clock: the import check gates the tests, each test's limits (CPU time, wall-clock cap,
the deadline), the output budget, the blobs a test may keep, and tests started beside
others when the isolation allows it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from grader import wire
from sandbox.container import runner
from sandbox.container.child import Job
from sandbox.container.isolation import Finished, JobLimits
from sandbox.container.runner import Session, run_plan

Result = tuple[dict[str, Any], dict[str, bytes]]
WALL, TOTAL = wire.Limit.WALL, wire.Limit.TOTAL


@dataclass
class Scripted:
    """Returns the given results in turn, recording how each job was to be run (its
    limits and name). ``joins``: the answers of ``may_add``, in turn (then False);
    ``ends``: which running job each ``wait`` ends (an index among them; oldest first)."""

    results: list[Result]
    joins: list[bool] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    calls: list[tuple[JobLimits, str]] = field(default_factory=list)
    running: list[int] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    def start(self, job: Job, limits: JobLimits, name: str) -> int:
        self.calls.append((limits, name))
        self.log.append(f"start {name}")
        self.running.append(len(self.calls) - 1)
        return len(self.calls) - 1

    def wait(self, handles: Sequence[int], seconds: float) -> list[Finished]:
        assert sorted(handles) == sorted(self.running)
        handle = self.running.pop(self.ends.pop(0) if self.ends else 0)
        entry, blobs = self.results[handle]
        self.log.append(f"end {self.calls[handle][1]}")
        return [(handle, {**entry, "duration": 0.5, "cpu": 0.25}, blobs)]

    def may_add(self, handles: Sequence[int]) -> bool:
        return self.joins.pop(0) if self.joins else False


def limits(cpu: float, wall: float, result_cap: int, why: wire.Limit = WALL) -> JobLimits:
    return JobLimits(cpu, wall, 4096, result_cap, why)


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
            {
                "id": f"t{i:02d}",
                "name": f"test {i}",
                "timeout": 10.0,
                "wall": 50.0,
                "steps": [],
                "outputs": {},
            }
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
        "import": {**failed, "duration": 0.5, "cpu": 0.25},
    }
    assert files == {}
    assert isolation.calls == [(limits(7.0, 7.0, runner.IMPORT_RESULT_CAP), "")]


def test_the_import_check_has_its_wall_clock_cap() -> None:
    isolation = Scripted([OK])
    run_plan(plan(0, import_wall=35.0), session(isolation))
    assert isolation.calls == [(limits(7.0, 35.0, runner.IMPORT_RESULT_CAP), "")]


def test_every_test_runs_after_the_import_check() -> None:
    isolation = Scripted([OK, OK, OK, OK])
    report, _ = run_plan(plan(), session(isolation))
    assert list(report["tests"]) == ["t00", "t01", "t02"]
    assert report["complete"] is True
    cap = 1000 + runner.RESULT_MARGIN
    assert isolation.calls[1:] == [(limits(10.0, 50.0, cap), f"t0{i}") for i in range(3)]


def test_a_plan_without_wall_clock_caps_limits_the_wall_clock_to_the_timeout() -> None:
    """A plan written before the caps: its timeout held for the wall clock."""
    old = plan(1)
    del old["tests"][0]["wall"]
    isolation = Scripted([OK, OK])
    run_plan(old, session(isolation))
    assert isolation.calls[1] == (limits(10.0, 10.0, 1000 + runner.RESULT_MARGIN), "t00")


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
    assert report["tests"]["t01"] == {"status": "too_large", "duration": 0.5, "cpu": 0.25}
    assert files == {"t00_0_0.npy": b"x" * 600}
    caps = [limits.result_cap for limits, _ in isolation.calls[1:]]
    assert caps == [1000 + 1024, 400 + 1024, 1024, 1024]


def test_the_deadline_limits_and_then_skips_tests() -> None:
    times = iter([0.0, 45.0, 95.0, 98.6, 99.0])
    isolation = Scripted([OK, OK, OK, OK])
    report, _ = run_plan(plan(5), session(isolation, clock=lambda: next(times)))
    assert [limits for limits, _ in isolation.calls[1:]] == [
        limits(10.0, 50.0, 2024),
        limits(10.0, 50.0, 2024),  # 54 s left: all of its cap
        limits(10.0, 4.0, 2024, TOTAL),  # the rest, less the reserve: the total runs out
    ]
    message = "not run: the submission's total time limit of 100 s was used up by earlier tests"
    assert report["tests"]["t03"] == report["tests"]["t04"] == wire.not_run(message)


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
        def start(self, job: Job, limits: JobLimits, name: str) -> Any:
            self.entry = job()
            return "handle"

        def wait(self, handles: Sequence[Any], seconds: float) -> list[Finished]:
            return [("handle", self.entry, {})]

        def may_add(self, handles: Sequence[Any]) -> bool:
            return False

    state = Session(Calling(), loaded.append, tmp_path, {}, started=0.0)
    report, _ = run_plan(plan(0, module=module, programs=["prog.py"]), state)
    if module:
        assert loaded == ["hw2"] and report["import"] == {"status": "ok"}
    else:
        assert loaded == [] and report["import"]["error_type"] == "SyntaxError"
        assert report["import"]["step"] == "prog.py"


def test_tests_start_beside_others_when_the_isolation_allows_it() -> None:
    """A test starts beside those running only when the isolation says so (they sleep),
    in the plan's order; entries are keyed in the plan's order whatever ends first."""
    results = [OK] + [({"status": "ok", "n": i}, {}) for i in range(4)]
    isolation = Scripted(results, joins=[True, False, True], ends=[0, 1])
    report, _ = run_plan(plan(4), session(isolation))
    assert isolation.log == [
        "start ",
        "end ",
        "start t00",
        "start t01",  # joined: may_add said yes
        "end t01",  # ends first
        "start t02",  # may_add said no: waited for one to end, then one running: joins
        "end t00",
        "end t02",
        "start t03",
        "end t03",
    ]
    assert list(report["tests"]) == ["t00", "t01", "t02", "t03"]
    assert [report["tests"][t]["n"] for t in report["tests"]] == [0, 1, 2, 3]


def test_no_more_than_max_running_tests_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "MAX_RUNNING", 3)
    isolation = Scripted([OK] * 7, joins=[True] * 10)
    run_plan(plan(6), session(isolation))
    running, most = 0, 0
    for line in isolation.log[2:]:
        running += 1 if line.startswith("start") else -1
        most = max(most, running)
    assert most == 3


def test_a_refused_fork_beside_running_tests_waits_for_one_to_end() -> None:
    @dataclass
    class Refusing(Scripted):
        refusals: int = 1

        def start(self, job: Job, limits: JobLimits, name: str) -> int:
            if name == "t01" and self.refusals:
                self.refusals -= 1
                self.log.append("refused t01")
                raise BlockingIOError("fork refused")
            return super().start(job, limits, name)

    isolation = Refusing([OK] * 4, joins=[True, True])
    report, _ = run_plan(plan(3), session(isolation))
    assert isolation.log[2:6] == ["start t00", "refused t01", "end t00", "start t01"]
    assert [e["status"] for e in report["tests"].values()] == ["ok"] * 3


def test_a_refused_fork_with_nothing_running_is_the_runners_failure() -> None:
    @dataclass
    class Refusing(Scripted):
        def start(self, job: Job, limits: JobLimits, name: str) -> int:
            if name:
                raise BlockingIOError("fork refused")
            return super().start(job, limits, name)

    with pytest.raises(BlockingIOError):
        run_plan(plan(1), session(Refusing([OK])))


def test_preloading_a_package_imports_what_it_would_import_lazily(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    imported: list[str] = []
    monkeypatch.setattr(runner.importlib, "import_module", imported.append)
    runner.preload("torch")
    runner.preload("numpy")
    assert imported == ["torch", "torch._dynamo", "numpy"]
