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

import contextlib
import ctypes
import importlib
import json
import signal
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
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
from sandbox.container.isolation import ForkIsolation, Isolation  # noqa: E402

RESERVE_SECONDS = 1.0  # kept back from the total budget to write the report
MIN_TEST_SECONDS = 0.5  # a test gets at least this much of the budget, or is not run
IMPORT_RESULT_CAP = 1 << 20
RESULT_MARGIN = 1024  # a test's frame may exceed the output budget by its header and JSON


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
        budget = int(plan["output_bytes"])
        for test in plan["tests"]:
            remaining = float(plan["deadline"]) - (session.clock() - session.started)
            remaining -= RESERVE_SECONDS
            if remaining <= MIN_TEST_SECONDS:
                report["tests"][test["id"]] = wire.not_run(
                    "not run: the submission's total time limit of "
                    f"{plan['deadline']:g} s was used up by earlier tests"
                )
                continue
            entry, blobs = _test_phase(plan, test, session, remaining, budget)
            budget -= sum(len(v) for v in blobs.values())
            if budget < 0:
                entry, blobs = {**wire.too_large(), "duration": entry.get("duration", 0)}, {}
            report["tests"][test["id"]] = entry
            files.update(blobs)
    report["complete"] = True
    return report, files


def _import_phase(plan: Mapping[str, Any], session: Session) -> wire.Entry:
    programs = list(plan.get("programs", []))
    module, submission = plan["module"], session.submission
    entry, _ = session.isolation.run(
        lambda: import_check(session.load_module, module, programs, submission),
        float(plan["import_timeout"]),
        int(plan["stdout_bytes"]),
        IMPORT_RESULT_CAP,
    )
    return entry


def _test_phase(
    plan: Mapping[str, Any],
    test: Mapping[str, Any],
    session: Session,
    remaining: float,
    budget: int,
) -> tuple[wire.Entry, dict[str, bytes]]:
    """One test, given the seconds left and the output budget; only its own blobs are kept."""
    module, submission, fixtures = plan["module"], session.submission, session.fixtures
    entry, blobs = session.isolation.run(
        lambda: run_child(session.load_module, module, test, fixtures, submission),
        min(float(test["timeout"]), remaining),
        int(plan["stdout_bytes"]),
        max(budget, 0) + RESULT_MARGIN,
    )
    prefix = f"{test['id']}_"
    kept = {k: v for k, v in blobs.items() if k.startswith(prefix) and codec.BLOB_NAME.match(k)}
    return entry, kept


def harden_self() -> None:
    """No signal handlers a child could trigger; no /proc/1 access for children."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0


def main() -> int:
    started = time.monotonic()
    harden_self()
    plan = json.loads((GRADER / wire.PLAN_FILE).read_text())
    for name in plan.get("preload", []):
        importlib.import_module(name)
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
