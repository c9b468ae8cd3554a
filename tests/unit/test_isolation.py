"""Fork isolation (sandbox.container.isolation) on the host, without Docker: a real
child per job, its pipes, its deadline, its end; every other process it started is
gone afterwards and the scratch folders are empty. (As PID 1 in the container the
runner kills with ``kill(-1)``; here the child's process group is killed.)"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from grader import wire
from sandbox.container import isolation
from sandbox.container.child import Job
from sandbox.container.isolation import ForkIsolation

STDOUT_CAP = 100
RESULT_CAP = 1 << 16


@pytest.fixture
def fork(tmp_path: Path) -> ForkIsolation:
    scratch = (tmp_path / "workspace", tmp_path / "tmp")
    for folder in (tmp_path / "submission", *scratch):
        folder.mkdir()
    return ForkIsolation(tmp_path / "submission", scratch)


def run(fork: ForkIsolation, job: Job, timeout: float = 5.0) -> tuple[dict[str, Any], dict]:
    return fork.run(job, timeout, STDOUT_CAP, RESULT_CAP)


def without_timing(entry: dict[str, Any]) -> dict[str, Any]:
    assert entry["duration"] >= 0
    return {k: v for k, v in entry.items() if k != "duration"}


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


def test_the_child_runs_in_the_first_scratch_folder(fork: ForkIsolation) -> None:
    entry, _ = run(fork, lambda: {**wire.ok(), "cwd": os.getcwd(), "path0": os.sys.path[0]})
    assert entry["cwd"] == str(fork.scratch[0])
    assert entry["path0"] == str(fork.submission)


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (lambda: os._exit(3), {"status": "exited", "exit_code": 3}),
        (lambda: os.kill(os.getpid(), signal.SIGKILL), {"status": "killed", "signal": 9}),
        (lambda: os.kill(os.getpid(), signal.SIGTERM), {"status": "killed", "signal": 15}),
        (lambda: time.sleep(30), {"status": "timeout"}),
    ],
)
def test_how_a_child_ended(fork: ForkIsolation, action: Any, expected: dict[str, Any]) -> None:
    def job() -> dict[str, Any]:
        action()
        return wire.ok()

    started = time.monotonic()
    entry, blobs = run(fork, job, timeout=0.5)
    assert time.monotonic() - started < 5
    assert {k: entry[k] for k in expected} == expected and blobs == {}


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


@pytest.mark.parametrize(
    ("v2", "v1", "kills"),
    [
        ("low 0\nhigh 0\nmax 4\noom 2\noom_kill 2\n", None, 2),  # cgroup v2
        (None, "oom_kill_disable 0\nunder_oom 0\noom_kill 5\n", 5),  # cgroup v1
        ("oom 1\n", "oom_kill 3\n", 3),  # v2 without the line: v1 is read
        ("oom_kill x\n", None, 0),  # unreadable counts are no kills
        (None, None, 0),  # no cgroup files at all
    ],
)
def test_oom_kills_reads_the_cgroup_counter(
    tmp_path: Path, v2: str | None, v1: str | None, kills: int
) -> None:
    files = (tmp_path / "memory.events", tmp_path / "memory.oom_control")
    for path, text in zip(files, (v2, v1), strict=True):
        if text is not None:
            path.write_text(text)
    assert isolation.oom_kills(tuple(str(p) for p in files)) == kills


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
