"""Process isolation: run a job in a forked child and collect its framed entry.

After every child the parent kills every other process in the container
(``kill(-1, SIGKILL)``, which spares PID 1) and empties the scratch folders, so a
fork bomb, a hang or a stray daemon costs one test only. The child's stdout and
stderr go to a pipe, capped; its result to another, capped.

Copied into the container: standard library only (and the core's wire formats).
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn, Protocol

from grader import wire
from sandbox.container.child import Job, child_main

DRAIN_GRACE = 0.3  # how long to read pipes after the child is gone


class Isolation(Protocol):
    """How a job is run: in a forked child (the container) or inline (the fake)."""

    def run(
        self, job: Job, timeout: float, stdout_cap: int, result_cap: int
    ) -> tuple[wire.Entry, dict[str, bytes]]:
        """The job's entry, with ``duration``, ``stdout`` and ``stdout_bytes``, and its blobs."""
        ...


@dataclass(frozen=True)
class ForkIsolation:
    """Fork, run the job in the child, collect its result; always leaves no other process.

    ``scratch`` folders are emptied after every job; the first is the child's
    working directory. ``submission`` goes first on the child's ``sys.path``."""

    submission: Path
    scratch: tuple[Path, ...]

    def run(
        self, job: Job, timeout: float, stdout_cap: int, result_cap: int
    ) -> tuple[wire.Entry, dict[str, bytes]]:
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
            self._child(result_w, output_w, job)
        os.close(result_w)
        os.close(output_w)
        pipes = _Pipes(result_r, output_r, stdout_cap, result_cap)
        status_code = pipes.collect(pid, started + timeout)
        duration = time.monotonic() - started
        kill_everyone_else(pid)
        pipes.close()
        clean_scratch(self.scratch)
        oom = oom_kills() > oom_before
        entry, blobs = wire.interpret(pipes.result, status_code, pipes.too_large, oom)
        entry.update(
            duration=round(duration, 4),
            stdout=pipes.output.decode("utf-8", "replace"),
            stdout_bytes=pipes.output_total,
        )
        return entry, blobs

    def _child(self, result_w: int, output_w: int, job: Job) -> NoReturn:
        """Never returns into the parent's code, whatever happens."""
        try:
            if os.getpid() != 1:
                os.setpgid(0, 0)
            child_main(result_w, output_w, job, self.submission, self.scratch[0])
        except BaseException:
            traceback.print_exc()  # as an uncaught exception would (into the output pipe)
        finally:
            os._exit(1)


@dataclass
class _Pipes:
    """The child's two pipes, read until it is done or the deadline passes."""

    result_r: int
    output_r: int
    stdout_cap: int
    result_cap: int
    result: bytearray = field(default_factory=bytearray)
    output: bytearray = field(default_factory=bytearray)
    output_total: int = 0
    too_large: bool = False

    def collect(self, pid: int, deadline: float) -> int | None:
        """Read both pipes; the child's wait status, or None if it still runs at the deadline."""
        status_code, gone_at = None, None
        open_fds = {self.result_r, self.output_r}
        while open_fds:
            now = time.monotonic()
            if status_code is None:
                done, code = os.waitpid(pid, os.WNOHANG)
                if done:
                    status_code, gone_at = code, now
            if now >= deadline or (gone_at is not None and now - gone_at > DRAIN_GRACE):
                break
            wait = min(0.05, max(deadline - now, 0))
            ready, _, _ = select.select(list(open_fds), [], [], wait)
            for fd in ready:
                if not self._read(fd):
                    open_fds.discard(fd)
        while status_code is None and time.monotonic() < deadline:  # pipes closed, still running
            done, code = os.waitpid(pid, os.WNOHANG)
            status_code = code if done else None
            time.sleep(0 if done else 0.01)
        return status_code

    def _read(self, fd: int) -> bool:
        """Read what is there; False at the end of the pipe."""
        data = os.read(fd, 1 << 16)
        if not data:
            return False
        if fd == self.result_r:
            self.too_large = self.too_large or len(self.result) + len(data) > self.result_cap
            if not self.too_large:
                self.result += data
        else:
            self.output_total += len(data)
            self.output += data[: max(self.stdout_cap - len(self.output), 0)]
        return True

    def close(self) -> None:
        for fd in (self.result_r, self.output_r):
            with contextlib.suppress(OSError):
                os.close(fd)


OOM_COUNTERS = ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control")


def oom_kills(counters: tuple[str, ...] = OOM_COUNTERS) -> int:
    """The container's OOM-kill counter (cgroup v2 or v1), 0 if unreadable."""
    for path in counters:
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
        reap(-1)
    else:  # running outside a container (tests of the runner): the child's group only,
        # and only it is waited for: the host process may have children of its own
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child, signal.SIGKILL)
        reap(-child)


def reap(which: int) -> None:
    """Wait for every child that ``waitpid(which)`` names (-1: all; -pgid: a group)."""
    while True:
        try:
            os.waitpid(which, 0)
        except ChildProcessError:
            return
        except InterruptedError:
            continue


def clean_scratch(folders: tuple[Path, ...]) -> None:
    """Empty each folder (the folders themselves stay)."""
    for folder in folders:
        if not folder.is_dir():
            continue
        for item in folder.iterdir():
            with contextlib.suppress(OSError):
                if item.is_dir() and not item.is_symlink():
                    shutil.rmtree(item, ignore_errors=True)
                else:
                    item.unlink()
