"""An in-process fake of the Sandbox protocol, for unit tests of the grading core.

It runs the container's own code (sandbox.container): the runner's loop over the
import check and the tests with its deadline and output budget, the fixture folder
read as the runner reads it, the child's per-test code, the child frame encoded and
interpreted, and the report stream written and parsed (grader.wire). Only two
things differ from the container, and they are injected:

- isolation: ``InlineIsolation`` runs each job in this very process, when it is
  started, one at a time, catching everything; it enforces no limit and kills nothing;
- the student module: the module object it was given (or None for an assignment of
  command-line programs), not an import by name.

Run steps execute the request's own submission files, written to a temporary folder
with the fixtures. It isolates nothing: never give it untrusted code. It exists so
the core (spec, plan, compare, scoring, feedback) can be tested fast, as httpx
tests clients with a mock transport.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from grader import wire
from grader.sandbox import SandboxOutcome, SandboxRequest
from sandbox.container.child import Job, outcome_of
from sandbox.container.fixtures import load_fixtures
from sandbox.container.isolation import Finished, JobLimits
from sandbox.container.runner import Session, run_plan


class InlineIsolation:
    """Runs a job in this process as it is started, catching everything it raises. It
    enforces no limit (``limits`` gives only the caps on what a job sends), kills
    nothing and never runs two jobs at once. What the job prints through Python's
    ``sys.stdout`` and ``sys.stderr`` is captured as a child's output is; its CPU time
    is this process's."""

    def start(self, job: Job, limits: JobLimits, name: str = "") -> _Done:
        started, cpu = time.monotonic(), time.process_time()
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            entry = outcome_of(job)
        frame = wire.encode_frame(entry)
        duration, cpu = time.monotonic() - started, time.process_time() - cpu
        entry, blobs = wire.interpret(frame, 0, len(frame) > limits.result_cap, False)
        output = printed.getvalue().encode("utf-8", "replace")
        entry.update(
            duration=round(duration, 4),
            cpu=round(cpu, 4),
            stdout=output[: limits.stdout_cap].decode("utf-8", "replace"),
            stdout_bytes=len(output),
        )
        return _Done(entry, blobs)

    def wait(self, handles: Sequence[_Done], seconds: float) -> list[Finished]:
        """Every handle: each job ended when it was started."""
        return [(handle, handle.entry, handle.blobs) for handle in handles]

    def may_add(self, handles: Sequence[_Done]) -> bool:
        return False


@dataclass(eq=False)
class _Done:
    """A job that ran inline, and what it returned."""

    entry: wire.Entry
    blobs: dict[str, bytes]


class InProcessSandbox:
    def __init__(self, module: ModuleType | None = None) -> None:
        self.module = module

    def run(self, request: SandboxRequest) -> SandboxOutcome:
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="inprocess-") as tmp:
            root = Path(tmp)
            submission = root / "submission"
            _write(submission, request.submission)
            _write(root / wire.FIXTURES_DIR, request.fixtures)
            session = Session(
                isolation=InlineIsolation(),
                load_module=lambda _name: self.module,
                submission=submission,
                fixtures=load_fixtures(root / wire.FIXTURES_DIR, request.plan.get("files", {})),
                started=started,
            )
            report, blobs = run_plan(request.plan, session)
        stream = io.StringIO()
        wire.write_stream(stream, wire.report_files(report, blobs))
        limit = wire.stream_limit_mb(request.limits.output_mb) << 20
        files = wire.parse_stream(stream.getvalue().encode(), max_bytes=limit)
        return SandboxOutcome(files=files, exit_code=0)


def _write(folder: Path, files: Mapping[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
