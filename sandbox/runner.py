"""The runner: PID 1 inside the sandbox container. See docs/sandbox-contract.md.

It never runs student code itself. For the import check and for each test it
forks a child that imports the student module, runs the steps (grader.steps) and
sends the encoded results back through a pipe. The child's stdout and stderr go to
another pipe, capped. After every child, the runner kills every other process in
the container (``kill(-1, SIGKILL)``, which spares PID 1), so a fork bomb, a hang
or a stray daemon costs one test only, and nothing the student started is alive
when the runner writes its report.

Only this process owns the container's stdout, and it is made non-dumpable so a
child cannot reach it through /proc/1/fd. The report goes out on stdout at the
end, as JSON lines ``{"file": NAME, "b64": DATA}`` then ``{"end": COUNT}``. The
runner decides nothing about correctness: it holds no expected value.

Standard library and NumPy only; copied into the container at /grader/lib.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import importlib
import json
import os
import select
import shutil
import signal
import struct
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

GRADER = Path("/grader")
SUBMISSION = Path("/submission")
SCRATCH = (Path("/workspace"), Path("/tmp"))
if (GRADER / "lib").is_dir():  # in the container; on the host `grader` is the installed core
    sys.path.insert(0, str(GRADER / "lib"))

from grader import codec, steps  # noqa: E402  (after the path is set)

RESERVE_SECONDS = 1.0  # kept back from the total budget to write the report
DRAIN_GRACE = 0.3  # how long to read pipes after the child is gone
HEADER = struct.Struct("!Q")


# ---------------------------------------------------------------- fixtures


class BlobDir(Mapping[str, bytes]):
    """Read-only view of the fixture folder's .npy files, loaded on demand."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __getitem__(self, name: str) -> bytes:
        if not codec.BLOB_NAME.match(name):
            raise KeyError(name)
        try:
            return (self.folder / name).read_bytes()
        except OSError:
            raise KeyError(name) from None

    def __contains__(self, name: object) -> bool:
        return (
            isinstance(name, str)
            and bool(codec.BLOB_NAME.match(name))
            and (self.folder / name).is_file()
        )

    def __iter__(self) -> Iterator[str]:
        return (p.name for p in self.folder.glob("*.npy"))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def load_fixtures(folder: Path, files: Mapping[str, str]) -> dict[str, Any]:
    """Codec fixtures by name; a ``file`` fixture is the path of its copy in ``files/``."""
    blobs = BlobDir(folder)
    values: dict[str, Any] = {
        path.stem: codec.decode(json.loads(path.read_text()), blobs, max_array_bytes=1 << 31)
        for path in sorted(folder.glob("*.json"))
    }
    values.update({name: str(folder / "files" / file) for name, file in files.items()})
    return values


# ---------------------------------------------------------------- the child side


def student_frames(tb: Any) -> str:
    """The traceback lines that point into the student's own files."""
    frames = [f for f in traceback.extract_tb(tb) if f.filename.startswith(str(SUBMISSION))]
    for frame in frames:
        frame.filename = frame.filename[len(str(SUBMISSION)) + 1 :]
    return "".join(traceback.format_list(frames))[-4000:]


def error_entry(exc: BaseException, step: str) -> dict[str, Any]:
    cause = exc.cause if isinstance(exc, steps.StepError) else exc
    step = exc.call if isinstance(exc, steps.StepError) else step
    return {
        "status": "error",
        "step": step,
        "error_type": type(cause).__name__,
        "message": str(cause)[:2000],
        "traceback": student_frames(cause.__traceback__),
    }


def run_child(
    module_name: str | None, test: dict[str, Any] | None, fixtures: dict[str, Any]
) -> dict[str, Any]:
    """Runs in the forked child: import the student module (if the assignment has one),
    then run the test."""
    module = None
    if module_name is not None:
        try:
            module = importlib.import_module(module_name)
        except BaseException as exc:  # SystemExit, KeyboardInterrupt included: all reported
            return error_entry(exc, "import")
    return {"status": "ok"} if test is None else run_test(module, test, fixtures, SUBMISSION)


def compile_programs(programs: list[str]) -> dict[str, Any]:
    """The import check of a program-only submission: compile, do not run (a program
    reads its command line, so importing it would run it without arguments)."""
    for name in programs:
        try:
            source = (SUBMISSION / name).read_bytes()
            compile(source, str(SUBMISSION / name), "exec", dont_inherit=True)
        except BaseException as exc:
            return error_entry(exc, name)
    return {"status": "ok"}


def run_test(
    module: Any, test: dict[str, Any], fixtures: dict[str, Any], programs: Path | None = None
) -> dict[str, Any]:
    """Run a test's steps and encode the values it asks for (also used by the in-process
    fake sandbox). The entry's ``blobs`` hold the .npy files."""
    try:
        run = steps.run_steps(module, test["steps"], fixtures.__getitem__, programs)
    except BaseException as exc:
        return error_entry(exc, "")
    values: dict[str, Any] = {}
    value_errors: dict[str, str] = {}
    blobs: dict[str, bytes] = {}
    for n, (key, ref) in enumerate(test["outputs"].items()):
        try:
            value = steps.lookup(run.env, ref["ref"], ref["path"], fixtures.__getitem__)
            tree, more = codec.encode(value, prefix=f"{test['id']}_{n}_")
        except Exception as exc:
            value_errors[key] = (
                f"cannot read {key} from the returned value: {type(exc).__name__}: {exc}"
            )
            continue
        values[key] = tree
        blobs.update(more)
    return {
        "status": "ok",
        "warnings": run.warnings[:50],
        "values": values,
        "value_errors": value_errors,
        "blobs": blobs,
    }


def child_main(result_w: int, output_w: int, job: Callable[[], dict[str, Any]]) -> None:
    me = os.getpid()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(output_w, 1)
    os.dup2(output_w, 2)
    with contextlib.suppress(OSError):
        Path("/proc/self/oom_score_adj").write_text("1000")  # the child dies first, not PID 1
    os.chdir(SCRATCH[0])
    sys.path.insert(0, str(SUBMISSION))
    entry: dict[str, Any]
    try:
        entry = job()
    except BaseException as exc:
        entry = error_entry(exc, "")
    if os.getpid() != me:  # a process the student forked: it has no result to send
        os._exit(0)
    blobs = entry.pop("blobs", {})
    encoded = {name: base64.b64encode(data).decode() for name, data in blobs.items()}
    payload = json.dumps({"entry": entry, "blobs": encoded}).encode()
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    view = memoryview(HEADER.pack(len(payload)) + payload)
    while view:
        view = view[os.write(result_w, view[: 1 << 20]) :]
    os._exit(0)


# ---------------------------------------------------------------- the parent side


def oom_kills() -> int:
    """The container's OOM-kill counter (cgroup v2 or v1), 0 if unreadable."""
    for path in ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control"):
        with contextlib.suppress(OSError, ValueError):
            for line in Path(path).read_text().splitlines():
                if line.startswith("oom_kill "):
                    return int(line.split()[1])
    return 0


def kill_everyone_else(child: int) -> None:
    """SIGKILL every process but this one, then reap them all."""
    if os.getpid() == 1:
        with contextlib.suppress(ProcessLookupError):
            os.kill(-1, signal.SIGKILL)  # as PID 1 this spares only ourselves
    else:  # running outside a container (tests of the runner): the child's group only
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child, signal.SIGKILL)
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return
        except InterruptedError:
            continue


def clean_scratch() -> None:
    for folder in SCRATCH:
        if not folder.is_dir():
            continue
        for item in folder.iterdir():
            with contextlib.suppress(OSError):
                if item.is_dir() and not item.is_symlink():
                    shutil.rmtree(item, ignore_errors=True)
                else:
                    item.unlink()


def run_isolated(
    job: Callable[[], dict[str, Any]], timeout: float, stdout_cap: int, result_cap: int
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Fork, run ``job`` in the child, collect its result; always leaves no other process."""
    result_r, result_w = os.pipe()
    output_r, output_w = os.pipe()
    oom_before = oom_kills()
    sys.stdout.flush()
    sys.stderr.flush()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(result_r)
        os.close(output_r)
        if os.getpid() != 1:
            os.setpgid(0, 0)
        child_main(result_w, output_w, job)
    os.close(result_w)
    os.close(output_w)
    result, output = bytearray(), bytearray()
    output_total, too_large, status_code, gone_at = 0, False, None, None
    open_fds = {result_r, output_r}
    deadline = started + timeout
    while open_fds:
        now = time.monotonic()
        if status_code is None:
            done, code = os.waitpid(pid, os.WNOHANG)
            if done:
                status_code, gone_at = code, now
        if now >= deadline or (gone_at is not None and now - gone_at > DRAIN_GRACE):
            break
        ready, _, _ = select.select(list(open_fds), [], [], min(0.05, max(deadline - now, 0)))
        for fd in ready:
            data = os.read(fd, 1 << 16)
            if not data:
                open_fds.discard(fd)
            elif fd == result_r:
                too_large = too_large or len(result) + len(data) > result_cap
                if not too_large:
                    result += data
            else:
                output_total += len(data)
                output += data[: max(stdout_cap - len(output), 0)]
    while status_code is None and time.monotonic() < deadline:  # pipes closed, still running
        done, code = os.waitpid(pid, os.WNOHANG)
        status_code = code if done else None
        time.sleep(0 if done else 0.01)
    duration = time.monotonic() - started
    kill_everyone_else(pid)
    for fd in (result_r, output_r):
        with contextlib.suppress(OSError):
            os.close(fd)
    clean_scratch()
    entry, blobs = interpret(result, status_code, too_large, oom_kills() > oom_before)
    entry.update(
        duration=round(duration, 4),
        stdout=output.decode("utf-8", "replace"),
        stdout_bytes=output_total,
    )
    return entry, blobs


def interpret(
    result: bytes, status_code: int | None, too_large: bool, oom: bool
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Turn what came back from a child into a report entry and its blobs."""
    if too_large:
        return {"status": "too_large"}, {}
    if len(result) >= HEADER.size and len(result) == HEADER.size + HEADER.unpack_from(result)[0]:
        try:
            message = json.loads(bytes(result[HEADER.size :]))
            entry = dict(message["entry"])
            blobs = {str(k): base64.b64decode(v) for k, v in message["blobs"].items()}
            return entry, blobs
        except Exception as exc:
            return {
                "status": "error",
                "error_type": "MalformedResult",
                "message": f"the test process sent malformed data ({type(exc).__name__})",
            }, {}
    if status_code is None:
        return {"status": "timeout"}, {}
    if os.WIFSIGNALED(status_code):
        return {"status": "killed", "signal": os.WTERMSIG(status_code), "oom": oom}, {}
    return {
        "status": "exited",
        "exit_code": os.WEXITSTATUS(status_code) if os.WIFEXITED(status_code) else None,
    }, {}


def harden_self() -> None:
    """No signal handlers a child could trigger; no /proc/1 access for children."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0


def emit(report: dict[str, Any], files: dict[str, bytes]) -> None:
    out = sys.stdout
    files = {"report.json": json.dumps(report).encode(), **files}
    for name, data in files.items():
        out.write(json.dumps({"file": name, "b64": base64.b64encode(data).decode()}) + "\n")
    out.write(json.dumps({"end": len(files)}) + "\n")
    out.flush()


def main() -> int:
    started = time.monotonic()
    harden_self()
    plan = json.loads((GRADER / "plan.json").read_text())
    for name in plan.get("preload", []):
        importlib.import_module(name)
    fixtures = load_fixtures(GRADER / "fixtures", plan.get("files", {}))
    module, output_budget = plan["module"], int(plan["output_bytes"])
    stdout_cap = int(plan["stdout_bytes"])
    report: dict[str, Any] = {"version": 1, "complete": False, "tests": {}}
    files: dict[str, bytes] = {}

    check = (
        (lambda: run_child(module, None, fixtures))
        if module is not None
        else (lambda: compile_programs(list(plan.get("programs", []))))
    )
    entry, _ = run_isolated(
        check,
        float(plan["import_timeout"]),
        stdout_cap,
        1 << 20,
    )
    report["import"] = entry
    if entry.get("status") == "ok":
        for test in plan["tests"]:
            remaining = float(plan["deadline"]) - (time.monotonic() - started) - RESERVE_SECONDS
            if remaining <= 0.5:
                report["tests"][test["id"]] = {
                    "status": "not_run",
                    "message": "not run: the submission's total time limit of "
                    f"{plan['deadline']:g} s was used up by earlier tests",
                }
                continue
            entry, blobs = run_isolated(
                lambda test=test: run_child(module, test, fixtures),
                min(float(test["timeout"]), remaining),
                stdout_cap,
                max(output_budget, 0) + 1024,
            )
            blobs = {
                k: v
                for k, v in blobs.items()
                if k.startswith(f"{test['id']}_") and codec.BLOB_NAME.match(k)
            }
            output_budget -= sum(len(v) for v in blobs.values())
            if output_budget < 0:
                entry, blobs = {"status": "too_large", "duration": entry.get("duration", 0)}, {}
            report["tests"][test["id"]] = entry
            files.update(blobs)
    report["complete"] = True
    emit(report, files)
    return 0


if __name__ == "__main__":
    sys.exit(main())
