"""Fork isolation (sandbox.container.isolation) on the host, without Docker: a real
child per job, its pipes, its limits (CPU time, wall clock, the process limit), its
end; every other process it started is gone afterwards and the scratch folders are
empty. (As PID 1 in the container the runner kills with ``kill(-1)``; here the
child's session is killed.) A fake cgroup folder stands for the container's where a
test needs one: the process limit's counter, jobs running side by side."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from grader import wire
from sandbox.container.child import Job
from sandbox.container.counters import Cgroup
from sandbox.container.isolation import ForkIsolation, JobLimits

STDOUT_CAP = 100
RESULT_CAP = 1 << 16


@pytest.fixture
def fork(tmp_path: Path) -> ForkIsolation:
    scratch = (tmp_path / "workspace", tmp_path / "tmp")
    for folder in (tmp_path / "submission", *scratch):
        folder.mkdir()
    return ForkIsolation(tmp_path / "submission", scratch)


def run(
    fork: ForkIsolation, job: Job, cpu: float = 5.0, wall: float = 10.0, name: str = ""
) -> tuple[dict[str, Any], dict]:
    return fork.run(job, JobLimits(cpu, wall, STDOUT_CAP, RESULT_CAP), name)


def without_timing(entry: dict[str, Any]) -> dict[str, Any]:
    assert entry["duration"] >= 0 and entry["cpu"] >= 0
    return {k: v for k, v in entry.items() if k not in ("duration", "cpu")}


def test_a_jobs_entry_and_blobs_come_back(fork: ForkIsolation) -> None:
    def job() -> dict[str, Any]:
        os.write(1, b"out ")
        os.write(2, b"err")
        return {**wire.ok(), "values": {"k": 1}, "blobs": {"t00_0_0.npy": b"\x93NUMPY"}}

    entry, blobs = run(fork, job)
    assert without_timing(entry) == {
        "status": "ok",
        "values": {"k": 1},
        "stdout": "out err",
        "stdout_bytes": 7,
    }
    assert blobs == {"t00_0_0.npy": b"\x93NUMPY"}


@pytest.mark.parametrize(("name", "folder"), [("", ""), ("t03", "t03")])
def test_the_child_runs_in_its_own_folder_of_the_first_scratch_folder(
    fork: ForkIsolation, name: str, folder: str
) -> None:
    def job() -> dict[str, Any]:
        return {**wire.ok(), "cwd": os.getcwd(), "path0": os.sys.path[0], "sid": os.getsid(0)}

    entry, _ = run(fork, job, name=name)
    assert entry["cwd"] == str(fork.scratch[0] / folder).rstrip("/")
    assert entry["path0"] == str(fork.submission)
    assert entry["sid"] != os.getsid(0)  # a session of its own
    assert list(fork.scratch[0].iterdir()) == []  # the job's folder is gone too


def burn(seconds: float = 60.0) -> None:
    """Compute for ``seconds`` of this process's CPU time."""
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (lambda: os._exit(3), {"status": "exited", "exit_code": 3}),
        (lambda: os.kill(os.getpid(), signal.SIGKILL), {"status": "killed", "signal": 9}),
        (lambda: os.kill(os.getpid(), signal.SIGTERM), {"status": "killed", "signal": 15}),
        (lambda: time.sleep(30), {"status": "timeout", "limit": "wall"}),
        (burn, {"status": "timeout", "limit": "cpu"}),
    ],
)
def test_how_a_child_ended(fork: ForkIsolation, action: Any, expected: dict[str, Any]) -> None:
    def job() -> dict[str, Any]:
        action()
        return wire.ok()

    started = time.monotonic()
    entry, blobs = run(fork, job, cpu=0.5, wall=3.0)
    assert time.monotonic() - started < 5
    assert {k: entry[k] for k in expected} == expected and blobs == {}


@pytest.mark.parametrize(
    ("action", "cpu", "wall"),
    [
        (lambda: burn(0.4), (0.3, 0.6), (0.35, 5.0)),
        (lambda: time.sleep(0.4), (0.0, 0.1), (0.35, 5.0)),
    ],
    ids=["computes", "sleeps"],
)
def test_the_cpu_time_a_job_used_is_reported_next_to_its_duration(
    fork: ForkIsolation, action: Any, cpu: tuple[float, float], wall: tuple[float, float]
) -> None:
    def job() -> dict[str, Any]:
        action()
        return wire.ok()

    entry, _ = run(fork, job)
    assert entry["status"] == "ok"
    assert cpu[0] <= entry["cpu"] <= cpu[1], entry
    assert wall[0] <= entry["duration"] <= wall[1], entry


def test_the_cpu_limit_counts_cpu_time_not_waiting(fork: ForkIsolation) -> None:
    """A job that sleeps 1 s and computes 0.2 s stays within a CPU limit of 0.5 s though
    it runs longer than 0.5 s; its wall-clock cap is what a sleeper meets."""

    def job() -> dict[str, Any]:
        time.sleep(1.0)
        burn(0.2)
        return wire.ok()

    entry, _ = run(fork, job, cpu=0.5, wall=5.0)
    assert entry["status"] == "ok" and entry["duration"] > 1.0 and entry["cpu"] < 0.5


def test_sys_exit_is_an_error_not_an_exit(fork: ForkIsolation) -> None:
    def job() -> dict[str, Any]:
        raise SystemExit(4)

    entry, _ = run(fork, job)
    assert (entry["status"], entry["error_type"], entry["message"]) == ("error", "SystemExit", "4")


def test_output_is_capped_and_counted(fork: ForkIsolation) -> None:
    def job() -> dict[str, Any]:
        for _ in range(50):
            os.write(1, b"x" * 1000)
        return wire.ok()

    entry, _ = run(fork, job)
    assert entry["stdout"] == "x" * STDOUT_CAP and entry["stdout_bytes"] == 50_000


def test_a_result_over_the_cap_is_too_large(fork: ForkIsolation) -> None:
    entry, blobs = run(fork, lambda: {**wire.ok(), "blobs": {"a.npy": b"z" * RESULT_CAP}})
    assert entry["status"] == "too_large" and blobs == {}


def test_an_error_that_cannot_be_reported_ends_the_child(fork: ForkIsolation) -> None:
    """An exception whose message itself raises: the child prints the traceback (to its
    output pipe in the container) and exits; it never returns into the runner's code."""

    class Hostile(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no message")

    def job() -> dict[str, Any]:
        raise Hostile

    parent = os.getpid()
    entry, _ = run(fork, job)
    assert os.getpid() == parent
    assert (entry["status"], entry["exit_code"]) == ("exited", 1)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_processes_the_job_started_are_killed(fork: ForkIsolation, tmp_path: Path) -> None:
    record = tmp_path / "pids"

    def job() -> dict[str, Any]:
        pid = os.fork()
        if pid == 0:  # a daemon the student left behind: it returns no result
            time.sleep(60)
            return {**wire.ok(), "from": "grandchild"}
        record.write_text(str(pid))
        return {**wire.ok(), "from": "child"}

    entry, _ = run(fork, job)
    assert entry["from"] == "child"
    grandchild = int(record.read_text())
    deadline = time.monotonic() + 5
    while alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(grandchild)


def test_a_forked_process_that_returns_sends_nothing(fork: ForkIsolation) -> None:
    def job() -> dict[str, Any]:
        pid = os.fork()
        if pid == 0:
            return {**wire.ok(), "from": "grandchild"}
        os.waitpid(pid, 0)
        return {**wire.ok(), "from": "child"}

    entry, _ = run(fork, job)
    assert entry["from"] == "child"


def test_the_scratch_folders_are_emptied(fork: ForkIsolation) -> None:
    def job() -> dict[str, Any]:
        Path("left.txt").write_text("x")
        (fork.scratch[1] / "dir" / "sub").mkdir(parents=True)
        (fork.scratch[1] / "link").symlink_to(fork.submission)
        return wire.ok()

    (fork.submission / "hw2.py").write_text("")
    run(fork, job)
    assert [list(folder.iterdir()) for folder in fork.scratch] == [[], []]
    assert (fork.submission / "hw2.py").is_file()  # a symlink's target is left alone


def test_outside_a_container_only_the_jobs_processes_are_waited_for(fork: ForkIsolation) -> None:
    """The host process (here pytest, which may be running a browser driver) has
    children of its own: finishing a job must neither wait for them nor kill them."""
    import subprocess

    bystander = subprocess.Popen(["sleep", "30"])
    try:
        started = time.monotonic()
        entry, _ = run(fork, lambda: wire.ok())
        assert entry["status"] == "ok"
        assert time.monotonic() - started < 10
        assert bystander.poll() is None  # untouched
    finally:
        bystander.kill()
        bystander.wait()


# ---------------------------------------------------------------- with a (fake) cgroup


@pytest.fixture
def cgroup(tmp_path: Path) -> Path:
    """A cgroup v2 folder as the container shows it: idle, with room to spare."""
    folder = tmp_path / "cgroup"
    folder.mkdir()
    files = {
        "cpu.stat": "usage_usec 1000\nuser_usec 800\nsystem_usec 200\n",
        "pids.events": "max 0\n",
        "pids.current": "3\n",
        "pids.max": "64\n",
        "memory.current": "50000000\n",
        "memory.max": "536870912\n",
        "memory.events": "oom 0\noom_kill 0\n",
    }
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


@pytest.fixture
def boxed(fork: ForkIsolation, cgroup: Path) -> ForkIsolation:
    return ForkIsolation(fork.submission, fork.scratch, cgroup=Cgroup(cgroup))


def test_a_refused_fork_stops_the_job_at_once(boxed: ForkIsolation, cgroup: Path) -> None:
    """The kernel counts a refused fork in pids.events; the job that forked is killed
    then, not at its time limit."""

    def job() -> dict[str, Any]:
        time.sleep(0.2)
        (cgroup / "pids.events").write_text("max 1\n")  # as the kernel would
        time.sleep(30)
        return wire.ok()

    started = time.monotonic()
    entry, _ = run(boxed, job, cpu=20, wall=30)
    assert time.monotonic() - started < 2
    assert (entry["status"], entry["signal"], entry["limit"]) == ("killed", 9, "pids")


def test_refusals_before_the_job_are_not_its_own(boxed: ForkIsolation, cgroup: Path) -> None:
    (cgroup / "pids.events").write_text("max 7\n")
    entry, _ = run(boxed, lambda: (time.sleep(0.3), wire.ok())[1])
    assert entry["status"] == "ok"


def test_without_a_cgroup_no_job_joins_another(fork: ForkIsolation) -> None:
    first = fork.start(lambda: (time.sleep(1.5), wire.ok())[1], JobLimits(5, 10, 100, 1000), "a")
    time.sleep(1.2)
    assert fork.wait([first], 0.1) == []
    assert not fork.may_add([first])
    while not fork.wait([first], 1.0):
        pass


def test_a_job_joins_one_that_sleeps_and_each_is_counted_and_killed_apart(
    boxed: ForkIsolation, tmp_path: Path
) -> None:
    """After a second of an idle container, a job may start beside a sleeping one. Each
    gets its own folder and its own CPU time; when the second ends, only its session
    is killed (its daemon), the first runs on undisturbed."""
    record = tmp_path / "daemon"
    limits = JobLimits(5, 20, STDOUT_CAP, RESULT_CAP)

    def sleeper() -> dict[str, Any]:
        Path("mine").write_text("a")
        time.sleep(2.5)
        return {**wire.ok(), "files": sorted(os.listdir("."))}

    def worker() -> dict[str, Any]:
        Path("theirs").write_text("b")
        pid = os.fork()
        if pid == 0:
            time.sleep(60)
            os._exit(0)
        record.write_text(str(pid))
        burn(0.5)
        return wire.ok()

    first = boxed.start(sleeper, limits, "t00")
    assert not boxed.may_add([first])  # it has only just started
    deadline = time.monotonic() + 5
    while not boxed.may_add([first]) and time.monotonic() < deadline:
        assert boxed.wait([first], 0.1) == []
    second = boxed.start(worker, limits, "t01")
    finished = []
    while len(finished) < 1:
        finished += boxed.wait([first, second], 1.0)
    assert [f[0] for f in finished] == [second]
    daemon = int(record.read_text())
    deadline = time.monotonic() + 5
    while alive(daemon) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(daemon)
    assert (boxed.scratch[0] / "t00" / "mine").exists()
    assert not (boxed.scratch[0] / "t01").exists()
    while len(finished) < 2:
        finished += boxed.wait([first], 1.0)
    (_, sleeping, _), (_, working, _) = finished[1], finished[0]
    assert sleeping["status"] == working["status"] == "ok"
    assert sleeping["files"] == ["mine"]
    assert sleeping["cpu"] < 0.2 and 0.4 <= working["cpu"] <= 0.8, (sleeping, working)
    assert [list(folder.iterdir()) for folder in boxed.scratch] == [[], []]


def test_no_job_joins_when_memory_or_processes_are_half_used(
    boxed: ForkIsolation, cgroup: Path
) -> None:
    """Beside a job that sleeps: yes with room to spare; no once half the memory or half
    the process limit is in use, or when the memory limit cannot be read."""
    first = boxed.start(lambda: (time.sleep(5), wire.ok())[1], JobLimits(5, 20, 100, 1000), "a")
    deadline = time.monotonic() + 5
    while not boxed.may_add([first]) and time.monotonic() < deadline:
        boxed.wait([first], 0.1)
    answers = {"room": boxed.may_add([first])}
    for name, text in [("memory.current", "300000000\n"), ("pids.current", "32\n")]:
        before = (cgroup / name).read_text()
        (cgroup / name).write_text(text)
        answers[name] = boxed.may_add([first])
        (cgroup / name).write_text(before)
    (cgroup / "memory.max").unlink()
    answers["no memory.max"] = boxed.may_add([first])
    os.kill(first.pid, signal.SIGKILL)
    while not boxed.wait([first], 1.0):
        pass
    assert answers == {
        "room": True,
        "memory.current": False,
        "pids.current": False,
        "no memory.max": False,
    }
