"""Process isolation: run jobs in forked children and collect their framed entries.

Each job runs in a child that leads a session of its own (``setsid``), in a working
folder of its own under the first scratch folder. Its stdout and stderr go to a pipe,
capped; its result to another, capped. A child is stopped when it used more CPU
time than its limit, ran longer than its wall-clock cap (it waits or sleeps), or,
the moment a fork is refused at the container's process limit (a fork bomb).

After a job, its processes are killed. When no other job runs, that is every other
process in the container (``kill(-1, SIGKILL)``, which spares PID 1), and the
scratch folders are emptied: a fork bomb, a hang or a stray daemon costs one test
only. When other jobs still run (``may_add`` let a job start beside jobs that
sleep), only the job's session is killed and its working folder removed.

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
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, Protocol

from grader import wire
from sandbox.container.child import Job, child_main
from sandbox.container.counters import Cgroup, Meter, Usage, session_members

DRAIN_GRACE = 0.3  # how long to read pipes after the child is gone
TICK = 0.05  # the longest the loop sleeps between two looks at its children
IDLE_WINDOW = 1.0  # seconds the container must have been idle before a job joins
IDLE_SHARE = 0.05  # of one CPU: below it, nobody in the container is computing

Finished = tuple[Any, wire.Entry, dict[str, bytes]]  # (handle, entry, blobs)


@dataclass(frozen=True)
class JobLimits:
    """A job's limits: CPU seconds, wall-clock seconds, and the caps on what it sends.
    ``wall_limit`` says what running out of ``wall`` means: the job's own cap, or the
    submission's total time (when less of it was left than the cap)."""

    cpu: float
    wall: float
    stdout_cap: int
    result_cap: int
    wall_limit: wire.Limit = wire.Limit.WALL


class Isolation(Protocol):
    """How jobs are run: in forked children (the container) or inline (the fake)."""

    def start(self, job: Job, limits: JobLimits, name: str) -> Any:
        """Start a job; a handle to pass to ``wait``. ``name``: its working folder's."""
        ...

    def wait(self, handles: Sequence[Any], seconds: float) -> list[Finished]:
        """Run the jobs for up to ``seconds``: those that ended meanwhile, each with its
        entry (with ``duration``, ``cpu``, ``stdout`` and ``stdout_bytes``) and blobs."""
        ...

    def may_add(self, handles: Sequence[Any]) -> bool:
        """Whether another job may start while these run."""
        ...


def run_one(isolation: Isolation, job: Job, limits: JobLimits, name: str = "") -> Finished:
    """Start one job and wait until it ends."""
    handle = isolation.start(job, limits, name)
    while True:
        for finished in isolation.wait([handle], 1.0):
            return finished


@dataclass
class ForkIsolation:
    """Fork, run each job in a child, collect its result; when the last job ends, no
    other process is left. ``scratch`` folders are emptied then; the first holds the
    jobs' working folders. ``submission`` goes first on the child's ``sys.path``.
    ``cgroup``: the container's (None outside a container: no process limit to watch,
    no concurrency, CPU time from /proc)."""

    submission: Path
    scratch: tuple[Path, ...]
    cgroup: Cgroup | None = field(default_factory=Cgroup.of_container)
    meter: Meter = field(init=False)
    live: list[_Child] = field(init=False, default_factory=list)
    _refused: int | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.meter = Meter(self.cgroup)

    def run(self, job: Job, limits: JobLimits, name: str = "") -> tuple[wire.Entry, dict]:
        _, entry, blobs = run_one(self, job, limits, name)
        return entry, blobs

    def start(self, job: Job, limits: JobLimits, name: str = "") -> _Child:
        """Fork the job's child. Raises OSError when the fork is refused."""
        workdir = self._workdir(name)
        result_r, result_w = os.pipe()
        output_r, output_w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        started = time.monotonic()
        self.meter.sample([c.usage for c in self.live], started, force=True, ahead=bool(self.live))
        self._refused = self._pids_refused()
        oom_before = self._oom_kills()
        try:
            pid = os.fork()
        except OSError:
            for fd in (result_r, result_w, output_r, output_w):
                os.close(fd)
            self._refused = self._pids_refused()  # our own refused fork blames no job
            raise
        if pid == 0:
            os.close(result_r)
            os.close(output_r)
            self._child(result_w, output_w, job, workdir)
        os.close(result_w)
        os.close(output_w)
        pipes = _Pipes(result_r, output_r, limits.stdout_cap, limits.result_cap)
        child = _Child(pid, limits, pipes, started, workdir, oom_before, Usage(pid))
        self.live.append(child)
        return child

    def wait(self, handles: Sequence[Any], seconds: float) -> list[Finished]:
        """Read the pipes of every live child, stop those past a limit, return those
        that ended (at least one, or none after ``seconds``)."""
        end = time.monotonic() + seconds
        while True:
            now = time.monotonic()
            for child in self.live:
                child.poll_exit(now)
            self.meter.sample([c.usage for c in self.live], now)
            self._check_pids()
            for child in self.live:
                child.check_limits(now)
            done = [c for c in self.live if c.done(now)]
            if done:
                self.meter.sample([c.usage for c in self.live], now, force=True)
                return [self._finish(child) for child in done]
            if now >= end:
                return []
            self._read_pipes(min(TICK, end - now))

    def may_add(self, handles: Sequence[Any]) -> bool:
        """True when every live job has run for a while, the container has been idle
        over the last IDLE_WINDOW (they wait or sleep), and less than half of its
        memory and of its process limit is in use. Never without a cgroup."""
        now = time.monotonic()
        if self.cgroup is None or not self.live:
            return False
        if any(c.status_code is not None or c.stopped for c in self.live):
            return False  # one is ending: its slot frees itself
        if any(now - c.started < IDLE_WINDOW for c in self.live):
            return False
        if not self.meter.idle(now, IDLE_WINDOW, IDLE_SHARE):
            return False
        return all(
            used is not None and top is not None and used < top / 2
            for used, top in (self.cgroup.memory(), self.cgroup.pids())
        )

    def _workdir(self, name: str) -> Path:
        """The job's own folder under the first scratch folder (that folder itself for a
        nameless job, or when the folder cannot be made: the scratch space is full)."""
        folder = self.scratch[0] / name if name else self.scratch[0]
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
        except OSError:
            return self.scratch[0]
        return folder

    def _pids_refused(self) -> int | None:
        return self.cgroup.pids_refused() if self.cgroup is not None else None

    def _oom_kills(self) -> int:
        return self.cgroup.oom_kills() if self.cgroup is not None else 0

    def _check_pids(self) -> None:
        """A fork refused at the process limit since the last look stops the job that
        forked: the only one running, else the one whose session has most processes."""
        refused = self._pids_refused()
        if refused is None:
            return
        if self._refused is not None and refused > self._refused:
            running = [c for c in self.live if c.status_code is None and not c.stopped]
            sizes = {c: len(session_members(c.pid)) for c in running} if len(running) > 1 else {}
            for child in running:
                if not sizes or sizes[child] == max(sizes.values()):
                    child.stopped = wire.Limit.PIDS
        self._refused = refused

    def _read_pipes(self, seconds: float) -> None:
        owners = {fd: c for c in self.live if not c.stopped for fd in c.pipes.open_fds}
        if not owners:
            time.sleep(min(seconds, 0.01))
            return
        ready, _, _ = select.select(list(owners), [], [], seconds)
        for fd in ready:
            owners[fd].pipes.read(fd)

    def _finish(self, child: _Child) -> Finished:
        """Kill what is left of the job, then its entry: with the limit it hit, its CPU
        time and what it printed."""
        duration = time.monotonic() - child.started
        self.live.remove(child)
        if self.live:
            kill_session(child.pid)
            if child.workdir != self.scratch[0]:  # its own folder, not the others' parent
                shutil.rmtree(child.workdir, ignore_errors=True)
        else:
            kill_everyone_else(child.pid)
            clean_scratch(self.scratch)
        child.pipes.close()
        oom = self._oom_kills() > child.oom_before
        pipes = child.pipes
        entry, blobs = wire.interpret(
            pipes.result, child.status_code, pipes.too_large, oom, child.stopped
        )
        entry.update(
            duration=round(duration, 4),
            cpu=round(child.usage.cpu, 4),
            stdout=pipes.output.decode("utf-8", "replace"),
            stdout_bytes=pipes.output_total,
        )
        return child, entry, blobs

    def _child(self, result_w: int, output_w: int, job: Job, workdir: Path) -> NoReturn:
        """Never returns into the parent's code, whatever happens."""
        try:
            with contextlib.suppress(OSError):
                os.setsid()  # a session of its own: its CPU time and processes, found by id
            child_main(result_w, output_w, job, self.submission, workdir)
        except BaseException:
            traceback.print_exc()  # as an uncaught exception would (into the output pipe)
        finally:
            os._exit(1)


@dataclass(eq=False)
class _Child:
    """A running job: its process, limits, pipes and CPU time; why it was stopped."""

    pid: int
    limits: JobLimits
    pipes: _Pipes
    started: float
    workdir: Path
    oom_before: int
    usage: Usage
    status_code: int | None = None
    gone_at: float | None = None
    stopped: wire.Limit | None = None

    def poll_exit(self, now: float) -> None:
        """Reap the child if it has ended; its CPU time then comes from its rusage."""
        if self.status_code is not None:
            return
        with contextlib.suppress(ChildProcessError):
            pid, code, rusage = os.wait4(self.pid, os.WNOHANG)
            if pid:
                self.status_code, self.gone_at = code, now
                self.usage.total = rusage.ru_utime + rusage.ru_stime

    def check_limits(self, now: float) -> None:
        if self.status_code is not None or self.stopped:
            return
        if self.usage.cpu > self.limits.cpu:
            self.stopped = wire.Limit.CPU
        elif now - self.started > self.limits.wall:
            self.stopped = self.limits.wall_limit

    def done(self, now: float) -> bool:
        """Stopped, or ended and its pipes read (or DRAIN_GRACE passed: a process it
        left behind may hold them open)."""
        if self.stopped:
            return True
        if self.gone_at is None:
            return False
        return not self.pipes.open_fds or now - self.gone_at > DRAIN_GRACE


@dataclass
class _Pipes:
    """A child's two pipes, read as data arrives."""

    result_r: int
    output_r: int
    stdout_cap: int
    result_cap: int
    result: bytearray = field(default_factory=bytearray)
    output: bytearray = field(default_factory=bytearray)
    output_total: int = 0
    too_large: bool = False
    open_fds: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.open_fds = {self.result_r, self.output_r}

    def read(self, fd: int) -> None:
        """Read what is there; at the end of the pipe, stop watching it."""
        data = os.read(fd, 1 << 16)
        if not data:
            self.open_fds.discard(fd)
        elif fd == self.result_r:
            self.too_large = self.too_large or len(self.result) + len(data) > self.result_cap
            if not self.too_large:
                self.result += data
        else:
            self.output_total += len(data)
            self.output += data[: max(self.stdout_cap - len(self.output), 0)]

    def close(self) -> None:
        self.open_fds.clear()
        for fd in (self.result_r, self.output_r):
            with contextlib.suppress(OSError):
                os.close(fd)


def kill_everyone_else(child: int) -> None:
    """SIGKILL every process but this one, then reap them all."""
    if os.getpid() == 1:
        with contextlib.suppress(ProcessLookupError):
            os.kill(-1, signal.SIGKILL)  # as PID 1 this spares only ourselves
        reap(-1)
    else:  # running outside a container (tests of the runner): the child's session only,
        # and only it is waited for: the host process may have children of its own
        kill_session(child)


def kill_session(leader: int) -> None:
    """SIGKILL the job's process group and every other process of its session, and
    reap those that are (or have become, as orphans of PID 1) our children."""
    members = session_members(leader)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(leader, signal.SIGKILL)
    for pid in members:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    reap(-leader)
    for pid in members:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


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
