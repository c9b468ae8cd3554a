"""The runner's counters (sandbox.container.counters), from file contents: the cgroup's
(v2 and v1 layouts, or none), /proc's stat lines, and the meter that turns them into
each job's CPU time and the container's idleness."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.container import counters
from sandbox.container.counters import Cgroup, Meter, Usage, keyed, parse_stat, session_cpu

TICKS = counters.CLOCK_TICKS


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n", "usage_usec", 2500000),
        ("usage_usec 12\n", "user_usec", None),
        ("max 3\n", "max", 3),
        ("max x\n", "max", None),
        ("max 1 2\n", "max", None),
        ("", "max", None),
        ("low 0\nhigh 0\nmax 4\noom 2\noom_kill 2\n", "oom_kill", 2),
    ],
)
def test_keyed(text: str, key: str, value: int | None) -> None:
    assert keyed(text, key) == value


V2 = {
    "cpu.stat": "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n",
    "pids.events": "max 5\n",
    "pids.current": "7\n",
    "pids.max": "64\n",
    "memory.current": "104857600\n",
    "memory.max": "536870912\n",
    "memory.events": "low 0\nhigh 0\nmax 4\noom 2\noom_kill 2\n",
}
V1 = {
    "cpuacct/cpuacct.usage": "2500000000\n",
    "pids/pids.events": "max 5\n",
    "pids/pids.current": "7\n",
    "pids/pids.max": "64\n",
    "memory/memory.usage_in_bytes": "104857600\n",
    "memory/memory.limit_in_bytes": "536870912\n",
    "memory/memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n",
}
UNLIMITED_V2 = {**V2, "pids.max": "max\n", "memory.max": "max\n"}
UNLIMITED_V1 = {**V1, "memory/memory.limit_in_bytes": "9223372036854771712\n"}
MERGED_V1 = {f"cpu,cpuacct/{k.split('/')[1]}": v for k, v in V1.items() if k.startswith("cpuacct")}


@pytest.mark.parametrize(
    ("files", "cpu", "refused", "pids", "memory", "ooms"),
    [
        (V2, 2.5, 5, (7, 64), (104857600, 536870912), 2),
        (V1, 2.5, 5, (7, 64), (104857600, 536870912), 2),
        (UNLIMITED_V2, 2.5, 5, (7, None), (104857600, None), 2),
        (UNLIMITED_V1, 2.5, 5, (7, 64), (104857600, None), 2),
        (MERGED_V1, 2.5, None, (None, None), (None, None), 0),
        ({}, None, None, (None, None), (None, None), 0),
        (
            {"cpu.stat": "garbage\n", "pids.events": "max many\n"},
            None,
            None,
            (None, None),
            (None, None),
            0,
        ),
        (
            {"memory.events": "oom 1\n", "memory/memory.oom_control": "oom_kill 3\n"},
            None,
            None,
            (None, None),
            (None, None),
            3,
        ),
    ],
    ids=["v2", "v1", "v2-unlimited", "v1-unlimited", "v1-cpu,cpuacct", "none", "garbage", "oom-v1"],
)
def test_cgroup_counters(
    tmp_path: Path,
    files: dict[str, str],
    cpu: float | None,
    refused: int | None,
    pids: tuple[int | None, int | None],
    memory: tuple[int | None, int | None],
    ooms: int,
) -> None:
    cgroup = Cgroup(write(tmp_path, files))
    assert cgroup.cpu_seconds() == cpu
    assert cgroup.pids_refused() == refused
    assert cgroup.pids() == pids
    assert cgroup.memory() == memory
    assert cgroup.oom_kills() == ooms


def stat_line(
    pid: int,
    session: int,
    utime: int,
    stime: int,
    cutime: int = 0,
    cstime: int = 0,
    name: str = "python3",
    state: str = "S",
) -> str:
    return (
        f"{pid} ({name}) {state} 1 {session} {session} 0 -1 4194560 100 0 0 0 "
        f"{utime} {stime} {cutime} {cstime} 20 0 1 0 100 1000 50\n"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (stat_line(12, 12, 150, 50, 30, 20), (12, "S", 12, 200 / TICKS, 50 / TICKS)),
        (stat_line(13, 12, 1, 2, name="a) (b c", state="R"), (13, "R", 12, 3 / TICKS, 0.0)),
        (stat_line(14, 12, 0, 0, state="Z"), (14, "Z", 12, 0.0, 0.0)),
        ("14 (x) S 1 2", None),
        ("garbage", None),
        ("", None),
    ],
)
def test_parse_stat(text: str, expected: tuple | None) -> None:
    found = parse_stat(text)
    got = found and (found.pid, found.state, found.session, found.own, found.children)
    assert got == expected


def fake_proc(root: Path, lines: dict[int, str]) -> Path:
    proc = root / "proc"
    for pid, line in lines.items():
        write(proc, {f"{pid}/stat": line})
    write(proc, {"self/stat": stat_line(1, 1, 999, 999), "meminfo": "x"})  # not a pid: skipped
    return proc


@pytest.mark.parametrize(
    ("leader_total", "expected_ticks"),
    [
        (None, 100 + 10 + 40 + 7 + 3),  # the leader's own and children's, the members' own
        (5.0, None),  # reaped: its rusage stands for it
    ],
)
def test_session_cpu(
    tmp_path: Path, leader_total: float | None, expected_ticks: int | None
) -> None:
    proc = fake_proc(
        tmp_path,
        {
            20: stat_line(20, 20, 60, 40, 6, 4),  # the leader
            21: stat_line(21, 20, 30, 10, 99, 99),  # a member: its children's not counted
            22: stat_line(22, 20, 5, 2, name="moved) group"),  # another group, same session
            23: stat_line(23, 23, 500, 500),  # another session
            24: stat_line(24, 20, 3, 0, state="Z"),  # a zombie still counts
        },
    )
    got = session_cpu(20, proc, leader_total)
    if leader_total is None:
        assert got == pytest.approx((100 + 10 + 40 + 7 + 3) / TICKS)
    else:
        assert got == pytest.approx(5.0 + (40 + 7 + 3) / TICKS)


class Box:
    """A fake container: its cgroup's CPU counter and its /proc, set by the test."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        monkeypatch.setattr(counters, "self_cpu", lambda: 0.0)
        (root / "cgroup").mkdir()
        self.cgroup = Cgroup(root / "cgroup")
        self.proc = root / "proc"
        self.proc.mkdir()
        self.now = 0.0

    def container(self, seconds: float) -> None:
        (self.cgroup.root / "cpu.stat").write_text(f"usage_usec {round(seconds * 1e6)}\n")

    def session(self, sid: int, ticks: int) -> None:
        write(self.proc, {f"{sid}/stat": stat_line(sid, sid, ticks, 0)})

    def sample(self, meter: Meter, jobs: list[Usage], **kw: bool) -> None:
        self.now += 1.0
        meter.sample(jobs, self.now, **kw)


def test_one_job_is_counted_by_the_container_several_by_their_sessions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    box = Box(tmp_path, monkeypatch)
    meter = Meter(box.cgroup, box.proc)
    a, b = Usage(100), Usage(200)
    box.container(10.0)
    box.sample(meter, [], force=True)  # just before a's fork
    box.container(12.0)  # a computes 2 s (a daemon it left in another session counts too)
    box.session(100, 1 * TICKS)
    box.sample(meter, [a])
    assert (a.cpu, a.mark) == (pytest.approx(2.0), None)  # /proc was not needed
    box.container(13.0)
    box.session(100, 2 * TICKS)
    box.sample(meter, [a], force=True, ahead=True)  # b is about to start
    assert a.cpu == pytest.approx(3.0) and a.mark == pytest.approx(2.0)
    box.container(20.0)  # both run: the container's counter is not theirs to share
    box.session(100, 2 * TICKS + TICKS // 2)
    box.session(200, 3 * TICKS)  # b from its fork on
    box.sample(meter, [a, b])
    assert (a.cpu, b.cpu) == (pytest.approx(3.5), pytest.approx(3.0))
    b.total = 4.0  # b ends: reaped, its rusage stands for its /proc entry
    (box.proc / "200" / "stat").unlink()
    box.session(100, 3 * TICKS)
    box.sample(meter, [a, b], force=True)
    assert (a.cpu, b.cpu) == (pytest.approx(4.0), pytest.approx(4.0))
    box.container(21.5)  # a alone again: the container's counter from the last sample
    box.sample(meter, [a])
    assert a.cpu == pytest.approx(5.5)


def test_without_a_cgroup_a_job_is_counted_by_its_leader(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, {300: stat_line(300, 300, 50, 50, 20, 30)})
    meter = Meter(None, proc)
    job = Usage(300)
    meter.sample([job], 1.0)
    assert job.cpu == pytest.approx(150 / TICKS)
    write(proc, {"300/stat": stat_line(300, 300, 100, 50, 20, 30)})
    meter.sample([job], 1.01)  # too soon: not read
    assert job.cpu == pytest.approx(150 / TICKS)
    meter.sample([job], 2.0)
    assert job.cpu == pytest.approx(200 / TICKS)
    job.total = 3.0
    meter.sample([job], 3.0)
    assert job.cpu == pytest.approx(3.0)
    assert not meter.history  # no container counter, no idleness to judge


@pytest.mark.parametrize(
    ("readings", "idle"),
    [
        ([(0.0, 5.0), (0.5, 5.01), (1.0, 5.02), (1.2, 5.03)], True),  # 3% of a CPU
        ([(0.0, 5.0), (0.5, 5.01), (1.0, 5.2), (1.2, 5.2)], False),  # 20%
        ([(0.0, 5.0), (0.5, 5.0)], False),  # not a second of history yet
        ([(0.0, 5.0), (1.1, 5.0), (1.2, 5.0)], True),
        ([(0.0, 5.0), (1.1, 5.1), (1.2, 5.1)], False),  # 10% of a CPU
        ([], False),  # no cgroup counter: never idle
    ],
)
def test_idle_means_under_a_share_of_a_cpu_over_the_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, readings: list, idle: bool
) -> None:
    box = Box(tmp_path, monkeypatch)
    meter = Meter(box.cgroup, box.proc)
    for now, used in readings:
        box.container(used)
        meter.sample([], now, force=True)
    assert meter.idle(readings[-1][0] if readings else 0.0, 1.0, 0.05) is idle


def test_history_keeps_the_last_seconds_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    box = Box(tmp_path, monkeypatch)
    meter = Meter(box.cgroup, box.proc)
    box.container(1.0)
    for i in range(200):
        meter.sample([], i * 0.1, force=True)
    assert len(meter.history) == pytest.approx(counters.HISTORY_SECONDS / 0.1, abs=1)
