"""The runner: PID 1 inside the sandbox container. See docs/sandbox-contract.md.

It never runs student code itself. For the import check and for each test it
forks a child (sandbox.container.isolation) that imports the student module, runs
the steps (sandbox.container.child) and sends the encoded results back through a
pipe. After every child, every other process in the container is killed, so
nothing the student started is alive when the runner writes its report.

Only this process owns the container's stdout, and it is made non-dumpable so a
child cannot reach it through /proc/1/fd. The report goes out on stdout at the
end, as the report stream of grader.wire. The runner decides nothing about
correctness: it holds no expected value.

``run_plan`` is the loop over the import check and the tests, with the deadline
and the output budget; the in-process fake (sandbox.inprocess) runs the same loop
with another isolation and another way to get the module.

Standard library and NumPy only; copied into the container as /grader/lib/runner.py,
with the rest of its package under /grader/lib/sandbox/container/.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import importlib
import json
import os
import select
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

GRADER = Path("/grader")
SCRATCH = (Path("/workspace"), Path("/tmp"))
if (GRADER / "lib").is_dir():  # in the container; on the host `grader` is the installed core
    sys.path.insert(0, str(GRADER / "lib"))

from grader import codec, wire  # noqa: E402  (after the path is set)
from sandbox.container.child import (  # noqa: E402
    SUBMISSION,
    LoadModule,
    import_check,
    run_child,
)
from sandbox.container.fixtures import load_fixtures  # noqa: E402
from sandbox.container.isolation import (  # noqa: E402
    TICK,
    ForkIsolation,
    Isolation,
    JobLimits,
    run_one,
)

RESERVE_SECONDS = 1.0  # kept back from the total budget to write the report
MIN_TEST_SECONDS = 0.5  # a test gets at least this much of the budget, or is not run
IMPORT_RESULT_CAP = 1 << 20
RESULT_MARGIN = 1024  # a test's frame may exceed the output budget by its header and JSON
MAX_RUNNING = 8  # tests running at once, when those running wait or sleep (may_add)


@dataclass(frozen=True)
class Session:
    """What one run of a plan works with: how jobs are isolated, how the student module
    is obtained, where the submission is, the decoded fixtures and the clock."""

    isolation: Isolation
    load_module: LoadModule
    submission: Path
    fixtures: Mapping[str, Any]
    started: float  # on ``clock``: the total time limit counts from here
    clock: Callable[[], float] = time.monotonic


def run_plan(plan: Mapping[str, Any], session: Session) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The import check, then every test unless the import failed: the report and its blobs."""
    report = wire.new_report()
    files: dict[str, bytes] = {}
    report["import"] = _import_phase(plan, session)
    if report["import"].get("status") == wire.PhaseStatus.OK:
        report["tests"] = _Tests(plan, session, int(plan["output_bytes"])).run(files)
    report["complete"] = True
    return report, files


def _import_phase(plan: Mapping[str, Any], session: Session) -> wire.Entry:
    programs = list(plan.get("programs", []))
    module, submission = plan["module"], session.submission
    timeout = float(plan["import_timeout"])
    limits = JobLimits(
        cpu=timeout,
        wall=float(plan.get("import_wall", timeout)),
        stdout_cap=int(plan["stdout_bytes"]),
        result_cap=IMPORT_RESULT_CAP,
    )
    job = lambda: import_check(session.load_module, module, programs, submission)  # noqa: E731
    _, entry, _ = run_one(session.isolation, job, limits)
    return entry


@dataclass
class _Tests:
    """The plan's tests, started in its order: one at a time, and another beside those
    running when they all wait or sleep (``Isolation.may_add``), up to MAX_RUNNING. The
    output budget spans them; the entries come back keyed in the plan's order."""

    plan: Mapping[str, Any]
    session: Session
    budget: int
    entries: dict[str, wire.Entry] = field(default_factory=dict)

    def run(self, files: dict[str, bytes]) -> dict[str, wire.Entry]:
        isolation = self.session.isolation
        queue = deque(self.plan["tests"])
        running: dict[Any, Mapping[str, Any]] = {}
        held = False  # our own fork was refused: nothing joins until a test ends
        while queue or running:
            if queue and (not running or (not held and self._may_add(running))):
                test = queue.popleft()
                limits = self._limits(test)
                if limits is None:
                    self.entries[test["id"]] = wire.not_run(
                        "not run: the submission's total time limit of "
                        f"{self.plan['deadline']:g} s was used up by earlier tests"
                    )
                    continue
                try:
                    running[self._start(test, limits)] = test
                except OSError:
                    if not running:
                        raise
                    queue.appendleft(test)
                    held = True
                continue
            for handle, entry, blobs in isolation.wait(list(running), TICK):
                held = False
                self._record(running.pop(handle), entry, blobs, files)
        return {test["id"]: self.entries[test["id"]] for test in self.plan["tests"]}

    def _may_add(self, running: Mapping[Any, Any]) -> bool:
        return len(running) < MAX_RUNNING and self.session.isolation.may_add(list(running))

    def _limits(self, test: Mapping[str, Any]) -> JobLimits | None:
        """The test's limits: its CPU time, its wall-clock cap or what is left of the
        submission's total time if less; None when too little is left to run it."""
        remaining = float(self.plan["deadline"]) - (self.session.clock() - self.session.started)
        remaining -= RESERVE_SECONDS
        if remaining <= MIN_TEST_SECONDS:
            return None
        cpu = float(test["timeout"])
        cap = float(test.get("wall", cpu))  # a plan without caps: the timeout is wall clock too
        return JobLimits(
            cpu=cpu,
            wall=min(cap, remaining),
            stdout_cap=int(self.plan["stdout_bytes"]),
            result_cap=max(self.budget, 0) + RESULT_MARGIN,
            wall_limit=wire.Limit.WALL if cap <= remaining else wire.Limit.TOTAL,
        )

    def _start(self, test: Mapping[str, Any], limits: JobLimits) -> Any:
        session, module = self.session, self.plan["module"]
        return session.isolation.start(
            lambda: run_child(
                session.load_module, module, test, session.fixtures, session.submission
            ),
            limits,
            test["id"],
        )

    def _record(
        self,
        test: Mapping[str, Any],
        entry: wire.Entry,
        blobs: Mapping[str, bytes],
        files: dict[str, bytes],
    ) -> None:
        """Keep the test's entry and only its own blobs, within the output budget."""
        prefix = f"{test['id']}_"
        kept = {k: v for k, v in blobs.items() if k.startswith(prefix) and codec.BLOB_NAME.match(k)}
        self.budget -= sum(len(v) for v in kept.values())
        if self.budget < 0:
            timing = {k: entry[k] for k in ("duration", "cpu") if k in entry}
            entry, kept = {**wire.too_large(), "duration": 0, **timing}, {}
        self.entries[test["id"]] = entry
        files.update(kept)


def harden_self() -> None:
    """No signal handlers a child could trigger; no /proc/1 access for children."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0


def wait_for_request(fifo: Path, seconds: float) -> bool:
    """Block, using no CPU, until the host writes to ``fifo``; False after ``seconds``
    (a warm container nobody took: it exits and is swept)."""
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    deadline = time.monotonic() + seconds
    try:
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([fd], [], [], left)
            if ready and os.read(fd, 64):
                return True
            if ready:  # a writer came and went without a word: wait on
                time.sleep(0.05)
        return False
    finally:
        os.close(fd)


# Modules a preloaded package imports lazily on first use. PyTorch's optimizers import
# torch._dynamo on their first step (about 0.5 s); importing it before the fork lets
# every test's child share it instead of paying for it again.
WARM_IMPORTS: dict[str, tuple[str, ...]] = {"torch": ("torch._dynamo",)}


def preload(name: str) -> None:
    """Import ``name`` and the modules it would import lazily later."""
    importlib.import_module(name)
    for extra in WARM_IMPORTS.get(name, ()):
        importlib.import_module(extra)


def main(argv: list[str] | None = None) -> int:
    """``runner.py [--preload a,b] [--wait SECONDS]``: import the preload modules, then
    (with --wait) wait for the request on /grader/go before reading the plan. The
    time limits count from the request, not from the container's start."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--preload", default="")
    parser.add_argument("--wait", type=float, default=0.0)
    args = parser.parse_args(argv)
    harden_self()
    for name in filter(None, args.preload.split(",")):
        preload(name)
    if args.wait and not wait_for_request(GRADER / wire.GO_FIFO, args.wait):
        return 0
    started = time.monotonic()
    plan = json.loads((GRADER / wire.PLAN_FILE).read_text())
    for name in plan.get("preload", []):
        preload(name)
    fixtures = load_fixtures(GRADER / wire.FIXTURES_DIR, plan.get("files", {}))
    session = Session(
        isolation=ForkIsolation(SUBMISSION, SCRATCH),
        load_module=importlib.import_module,
        submission=SUBMISSION,
        fixtures=fixtures,
        started=started,
    )
    report, files = run_plan(plan, session)
    wire.write_stream(sys.stdout, wire.report_files(report, files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
