"""An in-process fake of the Sandbox protocol, for unit tests of the grading core.

It runs the container's own code (sandbox.container): the runner's loop over the
import check and the tests with its deadline and output budget, the fixture folder
read as the runner reads it, the child's per-test code, the child frame encoded and
interpreted, and the report stream written and parsed (grader.wire). Only two
things differ from the container, and they are injected:

- isolation: ``InlineIsolation`` runs each job in this very process, catching
  everything; it enforces no time limit and kills nothing;
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
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from grader import wire
from grader.sandbox import SandboxOutcome, SandboxRequest
from sandbox.container.child import Job, outcome_of
from sandbox.container.fixtures import load_fixtures
from sandbox.container.runner import Session, run_plan


class InlineIsolation:
    """Runs a job in this process, catching everything it raises. It enforces no time
    limit (``timeout`` is ignored) and kills nothing. What the job prints through
    Python's ``sys.stdout`` and ``sys.stderr`` is captured as a child's output is."""

    def run(
        self, job: Job, timeout: float, stdout_cap: int, result_cap: int
    ) -> tuple[wire.Entry, dict[str, bytes]]:
        started = time.monotonic()
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            entry = outcome_of(job)
        frame = wire.encode_frame(entry)
        duration = time.monotonic() - started
        entry, blobs = wire.interpret(frame, 0, len(frame) > result_cap, False)
        output = printed.getvalue().encode("utf-8", "replace")
        entry.update(
            duration=round(duration, 4),
            stdout=output[:stdout_cap].decode("utf-8", "replace"),
            stdout_bytes=len(output),
        )
        return entry, blobs


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
