"""What the runner reads about the container's processes: the cgroup's counters (CPU
time, processes, memory, OOM kills) and /proc (a process's or a session's CPU time),
and the meter that turns them into each running job's CPU time.

A test's time limit is counted in CPU time, so that a busy host, which slows a test
down without making it compute more, cannot turn a correct solution into a timeout.
While one job runs, its CPU time is the container's (the cgroup counts every process
in it, also those that left the job's session or were orphaned) less the runner's
own; while several run, each job's is its session's, from /proc. Outside a container
(the runner's unit tests) there is no cgroup of our own: a job's CPU time is then its
leader's, from /proc.

Every reader returns None (or 0 for the OOM counter) when its file is missing or
malformed: a counter the kernel does not offer disables what depends on it, never
the run. Copied into the container: standard library only.
"""

from __future__ import annotations

import contextlib
import os
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")
PROC = Path("/proc")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
SAMPLE_SECONDS = 0.05  # the meter reads its counters at most this often
HISTORY_SECONDS = 5.0  # how far back the container's CPU use is remembered


def keyed(text: str, key: str) -> int | None:
    """The integer after ``key`` in ``key value`` lines (cpu.stat, pids.events, ...)."""
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == key:
            with contextlib.suppress(ValueError):
                return int(parts[1])
    return None


def number(text: str) -> int | None:
    """A file that holds one integer, or ``max`` (no limit: None)."""
    try:
        return int(text.strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class Cgroup:
    """The container's cgroup, v2 (one folder) or v1 (a folder per controller), as
    mounted at ``root`` inside the container."""

    root: Path = CGROUP

    @classmethod
    def of_container(cls) -> Cgroup | None:
        """The cgroup at /sys/fs/cgroup when the runner is the container's PID 1; None
        elsewhere, where that folder is the host's (the runner's unit tests)."""
        return cls() if os.getpid() == 1 else None

    def _read(self, *names: str) -> str | None:
        for name in names:
            with contextlib.suppress(OSError, UnicodeDecodeError):
                return (self.root / name).read_text()
        return None

    def cpu_seconds(self) -> float | None:
        """CPU time used by every process of the container since it started."""
        v2 = self._read("cpu.stat")
        usec = keyed(v2, "usage_usec") if v2 is not None else None
        if usec is not None:
            return usec / 1e6
        v1 = self._read("cpuacct/cpuacct.usage", "cpu,cpuacct/cpuacct.usage")
        nsec = number(v1) if v1 is not None else None
        return nsec / 1e9 if nsec is not None else None

    def pids_refused(self) -> int | None:
        """How many forks (or threads) were refused at the process limit, ever."""
        text = self._read("pids.events", "pids/pids.events")
        return keyed(text, "max") if text is not None else None

    def pids(self) -> tuple[int | None, int | None]:
        """(processes and threads now, the limit); None where unknown or unlimited."""
        current = self._read("pids.current", "pids/pids.current")
        limit = self._read("pids.max", "pids/pids.max")
        return (
            number(current) if current is not None else None,
            number(limit) if limit is not None else None,
        )

    def memory(self) -> tuple[int | None, int | None]:
        """(bytes in use now, the limit); None where unknown or unlimited."""
        current = self._read("memory.current", "memory/memory.usage_in_bytes")
        limit = self._read("memory.max", "memory/memory.limit_in_bytes")
        top = number(limit) if limit is not None else None
        return (
            number(current) if current is not None else None,
            top if top is not None and top < 1 << 60 else None,  # v1 writes "no limit" as 2^63
        )

    def oom_kills(self) -> int:
        """The container's OOM-kill counter (v2 memory.events, v1 memory.oom_control)."""
        for name in ("memory.events", "memory/memory.oom_control"):
            text = self._read(name)
            found = keyed(text, "oom_kill") if text is not None else None
            if found is not None:
                return found
        return 0


@dataclass(frozen=True)
class ProcStat:
    """The fields of /proc/PID/stat the runner uses; times in seconds."""

    pid: int
    state: str
    session: int
    own: float  # utime + stime: this process's own CPU time
    children: float  # cutime + cstime: its children's, once it has waited for them


def parse_stat(text: str) -> ProcStat | None:
    """/proc/PID/stat; the command name (in parentheses) may hold spaces and ``)``."""
    head, _, rest = text.rpartition(")")
    fields = rest.split()
    try:
        pid = int(head.split("(", 1)[0])
        utime, stime, cutime, cstime = (int(f) for f in fields[11:15])
        return ProcStat(
            pid=pid,
            state=fields[0],
            session=int(fields[3]),
            own=(utime + stime) / CLOCK_TICKS,
            children=(cutime + cstime) / CLOCK_TICKS,
        )
    except (ValueError, IndexError):
        return None


def read_stat(pid: int, proc: Path = PROC) -> ProcStat | None:
    try:
        return parse_stat((proc / str(pid) / "stat").read_text())
    except (OSError, UnicodeDecodeError):
        return None


def processes(proc: Path = PROC) -> Iterator[ProcStat]:
    """Every process /proc shows (in the container: the container's)."""
    with contextlib.suppress(OSError):
        for entry in proc.iterdir():
            if entry.name.isdigit():
                found = read_stat(int(entry.name), proc)
                if found is not None:
                    yield found


def session_members(sid: int, proc: Path = PROC) -> list[int]:
    return [p.pid for p in processes(proc) if p.session == sid]


def session_cpu(sid: int, proc: Path = PROC, leader_total: float | None = None) -> float:
    """CPU time of a job's session: its live members' own, and the leader's children's
    (those it waited for). ``leader_total``: the leader's, self and children, once the
    runner has reaped it (its /proc entry is gone)."""
    total = leader_total or 0.0
    for p in processes(proc):
        if p.session == sid and not (p.pid == sid and leader_total is not None):
            total += p.own + (p.children if p.pid == sid else 0.0)
    return total


def self_cpu() -> float:
    """The runner's own CPU time (all its threads; not its children's)."""
    times = os.times()
    return times.user + times.system


@dataclass(eq=False)
class Usage:
    """One job's CPU time as the meter counts it. ``total`` is set once the runner has
    reaped the job's leader: its CPU time and that of the children it waited for."""

    pid: int
    cpu: float = 0.0
    fresh: bool = True  # not counted yet: its own reading is all its own (from its fork)
    mark: float | None = None  # its own reading at the last sample, when one was taken
    total: float | None = None


@dataclass
class Meter:
    """Counts each running job's CPU time, and the container's recent CPU use.

    An interval between two samples is counted by who ran during it. One job, in a
    container: the container's CPU time less the runner's. Several (or no cgroup):
    each job's own reading from /proc (its session's, or without a cgroup its
    leader's). The isolation samples just before it forks, so a job's interval starts
    before its first instruction; with ``ahead`` (another job is about to start) each
    running job's own reading is taken too, as the next interval will need it."""

    cgroup: Cgroup | None
    proc: Path = PROC
    history: deque[tuple[float, float]] = field(default_factory=deque)
    _mark: float | None = None  # the container's reading at the last sample
    _last: float = float("-inf")

    def container_cpu(self) -> float | None:
        """The CPU time of the container's processes other than the runner."""
        used = self.cgroup.cpu_seconds() if self.cgroup is not None else None
        return None if used is None else used - self_cpu()

    def reading(self, usage: Usage) -> float | None:
        """A job's own CPU time so far: its session's in a container, else its leader's."""
        if self.cgroup is not None:
            return session_cpu(usage.pid, self.proc, usage.total)
        if usage.total is not None:
            return usage.total
        stat = read_stat(usage.pid, self.proc)
        return stat.own + stat.children if stat is not None else None

    def sample(
        self, jobs: Sequence[Usage], now: float, force: bool = False, ahead: bool = False
    ) -> None:
        """Add to each job of ``jobs`` (all that ran since the last sample) its CPU time
        since then. Unforced samples come at most every SAMPLE_SECONDS."""
        if not force and now - self._last < SAMPLE_SECONDS:
            return
        self._last = now
        container = self.container_cpu()
        if container is not None:
            self.history.append((now, container))
            while self.history and self.history[0][0] < now - HISTORY_SECONDS:
                self.history.popleft()
        alone = container is not None and self._mark is not None and len(jobs) == 1
        if alone:
            jobs[0].cpu += max(container - self._mark, 0.0)  # type: ignore[operator]
            jobs[0].fresh = False
        for usage in jobs:
            if alone and not ahead:
                usage.mark = None
                continue
            reading = self.reading(usage)
            if reading is None:
                continue
            if not alone:
                base = 0.0 if usage.fresh else usage.mark
                usage.cpu += max(reading - base, 0.0) if base is not None else 0.0
                usage.fresh = False
            usage.mark = reading
        self._mark = container

    def idle(self, now: float, window: float, share: float) -> bool:
        """True when the container used less than ``share`` of a CPU over the last
        ``window`` seconds (nobody in it is computing); False when unknown."""
        past = [(t, c) for t, c in self.history if t <= now - window]
        if not past:
            return False
        (then, before), (last, after) = past[-1], self.history[-1]
        return last - then >= window * 0.9 and after - before < share * (last - then)
