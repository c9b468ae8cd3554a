"""The wire formats that cross the sandbox boundary, defined once.

Three formats cross it (docs/sandbox-contract.md):

- the plan, going in: ``/grader/plan.json`` and the fixture folder beside it;
- the child frame, inside the container: a forked test process sends its report
  entry and its ``.npy`` blobs to the runner (PID 1) as a length header and JSON
  ``{"entry": ENTRY, "blobs": {NAME: BASE64}}``;
- the report stream, coming out: the runner's stdout, JSON lines
  ``{"file": NAME, "b64": DATA}`` then ``{"end": COUNT}``, whose files are
  ``report.json`` (the report entries, see PhaseStatus) and the blobs.

Writers and readers sit side by side, so the two ends cannot drift apart. The
readers treat every byte as hostile (a child or the whole container may have been
taken over by student code): they never raise on bad input, they drop it.

This module is copied into the sandbox: standard library only.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import struct
from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Any, TextIO

# ---------------------------------------------------------------- the plan

PLAN_VERSION = 1  # the plan's format: /grader/plan.json in the sandbox
PLAN_FILE = "plan.json"  # in the grader folder (/grader)
FIXTURES_DIR = "fixtures"  # in the grader folder: NAME.json + NAME_k.npy (grader.codec)
GO_FIFO = "go"  # in the grader folder: a named pipe; the host's line on it starts the run
FIXTURE_FILES_DIR = "files"  # in the fixture folder: ``file`` fixtures, their bytes

# The names a plan may use for harness helpers and probe functions; grader.steps
# implements exactly these (a unit test holds the two together).
HELPER_NAMES = ("param_count", "predict", "grad_of")
PROBE_NAMES = ("cubic_sine", "coupled_cubic", "quadratic")

# ---------------------------------------------------------------- report entries

REPORT_FILE = "report.json"
REPORT_VERSION = 1

Entry = dict[str, Any]  # one report entry: the import check's or one test's
MAX_WARNINGS = 50  # floating-point warnings an entry carries at most


class PhaseStatus(StrEnum):
    """The status of a report entry; members compare equal to their strings."""

    OK = "ok"
    ERROR = "error"  # with error_type, message, step, traceback
    TIMEOUT = "timeout"  # with limit (cpu, wall or total; none from an older runner)
    KILLED = "killed"  # with signal, oom, and limit "pids" when the runner killed it there
    EXITED = "exited"  # with exit_code
    TOO_LARGE = "too_large"
    NOT_RUN = "not_run"  # with message
    # Never written by the runner; the trusted side's names for what it did not get.
    MISSING = "missing"
    IMPORT_FAILED = "import_failed"
    UNKNOWN = "unknown"  # a status no writer uses: what a tampered report may hold


def ok() -> Entry:
    return {"status": PhaseStatus.OK.value}


def error(
    error_type: str, message: str, *, step: str | None = None, traceback: str | None = None
) -> Entry:
    entry: Entry = {"status": PhaseStatus.ERROR.value}
    if step is not None:
        entry["step"] = step
    entry.update(error_type=error_type, message=message)
    if traceback is not None:
        entry["traceback"] = traceback
    return entry


class Limit(StrEnum):
    """The limit a runner stopped a child at: an entry's ``limit``, with status
    ``timeout`` (cpu, wall, total) or ``killed`` (pids)."""

    CPU = "cpu"  # it used more CPU time than its timeout
    WALL = "wall"  # it ran longer than its wall-clock cap (timeout x wall_factor)
    TOTAL = "total"  # the submission's total time ran out while it ran
    PIDS = "pids"  # it reached the container's process limit: a fork was refused


def timeout(limit: Limit | None = None) -> Entry:
    entry: Entry = {"status": PhaseStatus.TIMEOUT.value}
    if limit is not None:
        entry["limit"] = limit.value
    return entry


def killed(signal: int, oom: bool, limit: Limit | None = None) -> Entry:
    entry: Entry = {"status": PhaseStatus.KILLED.value, "signal": signal, "oom": oom}
    if limit is not None:
        entry["limit"] = limit.value
    return entry


def exited(exit_code: int | None) -> Entry:
    return {"status": PhaseStatus.EXITED.value, "exit_code": exit_code}


def too_large() -> Entry:
    return {"status": PhaseStatus.TOO_LARGE.value}


def not_run(message: str) -> Entry:
    return {"status": PhaseStatus.NOT_RUN.value, "message": message}


def new_report() -> dict[str, Any]:
    """An empty report; the runner fills ``import`` and ``tests`` and sets ``complete``."""
    return {"version": REPORT_VERSION, "complete": False, "tests": {}}


def report_files(report: Mapping[str, Any], blobs: Mapping[str, bytes]) -> dict[str, bytes]:
    """The files of a finished run: ``report.json`` first, then the blobs."""
    return {REPORT_FILE: json.dumps(report).encode(), **blobs}


# ---------------------------------------------------------------- the child frame

FRAME_HEADER = struct.Struct("!Q")  # the payload's length in bytes


def encode_frame(entry: Mapping[str, Any]) -> bytes:
    """What a child sends: its entry, whose ``blobs`` (name -> bytes) travel base64-encoded."""
    body = {k: v for k, v in entry.items() if k != "blobs"}
    blobs = entry.get("blobs", {})
    encoded = {name: base64.b64encode(data).decode() for name, data in blobs.items()}
    payload = json.dumps({"entry": body, "blobs": encoded}).encode()
    return FRAME_HEADER.pack(len(payload)) + payload


def is_whole_frame(data: bytes) -> bool:
    """True when ``data`` is a header and exactly as many bytes as it announces."""
    size = FRAME_HEADER.size
    return len(data) >= size and len(data) == size + FRAME_HEADER.unpack_from(data)[0]


def decode_frame(data: bytes) -> tuple[Entry, dict[str, bytes]]:
    """The entry and blobs of a whole frame; raises on a malformed payload."""
    message = json.loads(bytes(data[FRAME_HEADER.size :]))
    entry = dict(message["entry"])
    blobs = {str(k): base64.b64decode(v) for k, v in message["blobs"].items()}
    return entry, blobs


def interpret(
    result: bytes,
    status_code: int | None,
    too_large_result: bool,
    oom: bool,
    stopped: Limit | None = None,
) -> tuple[Entry, dict[str, bytes]]:
    """Turn what came back from a child (its frame, its wait status or None while it
    still runs, whether it sent too much, whether the kernel OOM-killed something,
    the limit the runner stopped it at) into a report entry and its blobs."""
    if too_large_result:
        return too_large(), {}
    if is_whole_frame(result):
        try:
            return decode_frame(result)
        except Exception as exc:
            message = f"the test process sent malformed data ({type(exc).__name__})"
            return error("MalformedResult", message), {}
    if stopped == Limit.PIDS:
        return killed(9, oom, stopped), {}  # SIGKILL, by the runner
    if status_code is None or stopped is not None:
        return timeout(stopped), {}
    if os.WIFSIGNALED(status_code):
        return killed(os.WTERMSIG(status_code), oom), {}
    return exited(os.WEXITSTATUS(status_code) if os.WIFEXITED(status_code) else None), {}


# ---------------------------------------------------------------- the report stream

STREAM_NAME = re.compile(r"[\w.-]{1,120}")


def stream_limit_mb(output_mb: int) -> int:
    """The most the runner's stdout may carry: values and report, base64 (4/3) and margin."""
    return 2 * output_mb + 16


def stream_lines(files: Mapping[str, bytes]) -> Iterator[str]:
    for name, data in files.items():
        yield json.dumps({"file": name, "b64": base64.b64encode(data).decode()}) + "\n"
    yield json.dumps({"end": len(files)}) + "\n"


def write_stream(out: TextIO, files: Mapping[str, bytes]) -> None:
    for line in stream_lines(files):
        out.write(line)
    out.flush()


def parse_stream(stdout: bytes, max_bytes: int) -> dict[str, bytes]:
    """Files from the runner's JSON-lines stream; an incomplete stream yields what parsed.

    Lines that are not a well-formed file item are skipped; only the first
    ``max_bytes`` of the stream are read, and decoding stops at ``max_bytes`` of
    content. Names are plain file names (no ``/``, not ``.`` or ``..``)."""
    files: dict[str, bytes] = {}
    total = 0
    for line in stdout[:max_bytes].splitlines():
        item = _stream_item(line)
        if item is None:
            continue
        name, content = item
        total += len(content)
        if total > max_bytes:
            break
        files[name] = content
    return files


def _stream_item(line: bytes) -> tuple[str, bytes] | None:
    try:
        item: Any = json.loads(line)
    except (ValueError, RecursionError):  # RecursionError: brackets nested too deeply
        return None
    if not isinstance(item, dict) or "end" in item:
        return None
    name, data = item.get("file"), item.get("b64")
    if not isinstance(name, str) or not isinstance(data, str):
        return None
    if not STREAM_NAME.fullmatch(name) or not name.strip("."):
        return None
    try:
        return name, base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None
