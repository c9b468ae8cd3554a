"""Per-test limits counted in CPU time, in real containers (docs/sandbox-contract.md).

A small assignment, written per test: the reference answers at once; the submission
computes for a given CPU time, computes forever, sleeps or fork-bombs. Each test reads
the runner's report too, for the durations and CPU times it measured:

- a busy host makes a correct solution slower in wall-clock time, not in CPU time: it
  keeps full marks though its tests run longer than their timeout;
- code that computes is stopped at its CPU time, code that sleeps at its wall-clock cap
  (timeout x wall_factor), each with its own message;
- a fork bomb is stopped the moment a fork is refused, not at its time limit;
- tests that sleep run side by side: N of them cost about one wall-clock cap, not N.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from grader import plan
from grader.grading import Grader
from grader.verdict import TestResult

pytestmark = pytest.mark.docker

REFERENCE = """
def burn(seconds):
    return 1

def forever():
    return 1

def nap():
    return 1

def fork_bomb():
    return 1
"""
SUBMISSION = """
import os, time

def burn(seconds):
    # Compute for `seconds` of this process's CPU time: the same work whatever the speed.
    end = time.process_time() + seconds
    n = 0
    while time.process_time() < end:
        n += 1
    return 1

def forever():
    while True:
        pass

def nap():
    time.sleep(3600)

def fork_bomb():
    while True:
        try:
            os.fork()
        except OSError:
            pass
"""


@dataclass(frozen=True)
class Graded:
    """A grading's results, the runner's entry per test name, and its wall-clock time."""

    results: list[TestResult]
    entries: dict[str, dict[str, Any]]
    seconds: float

    def output(self, name: str) -> str:
        return next(r.output for r in self.results if r.name == name)

    @property
    def score(self) -> float:
        return sum(r.score for r in self.results)

    @property
    def max_score(self) -> float:
        return sum(r.max_score for r in self.results)


def tiny(tmp_path: Path, limits: dict[str, Any], calls: list[tuple]) -> Grader:
    """An assignment of one test per (name, function, args[, timeout]), each checking
    the value it returns."""
    folder = tmp_path / "assignment"
    (folder / "reference").mkdir(parents=True)
    (folder / "reference" / "work.py").write_text(REFERENCE)
    spec = {
        "version": 1,
        "id": "cpu_limits",
        "title": "CPU limits",
        "submission": {"files": ["work.py"], "module": "work"},
        "reference": {"module": "work", "path": "reference"},
        "tolerance": {"rtol": 0, "atol": 0},
        "limits": {"submission_timeout": 120, **limits},
        "tests": [
            {
                "name": name,
                "points": 1,
                **({"timeout": timeout[0]} if timeout else {}),
                "steps": [{"call": call, "args": args, "as": "r"}],
                "checks": [{"match": "$r"}],
            }
            for name, call, args, *timeout in calls
        ],
    }
    (folder / "assignment.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    return Grader.load(folder, cache_dir=tmp_path / "cache")


def grade(grader: Grader, sandbox: Any) -> Graded:
    request = grader.request({"work.py": SUBMISSION.encode()}, f"test-{uuid.uuid4().hex[:10]}")
    started = time.monotonic()
    outcome = sandbox.run(request)
    seconds = time.monotonic() - started
    report = json.loads(outcome.files["report.json"])
    names = {plan.test_id(i): t.name for i, t in enumerate(grader.assignment.tests)}
    entries = {names[tid]: entry for tid, entry in report["tests"].items()}
    return Graded(grader.score(outcome), entries, seconds)


@pytest.fixture
def cpu_hogs(docker_sandbox: Any) -> Iterator[int]:
    """Four processes per core that compute forever, in a container of their own with
    eight times a container's CPU weight: a sibling of the sandbox's container in the
    engine's cgroup, so the sandbox gets about a ninth of the machine whatever cgroup
    the test itself runs in (hogs started beside pytest competed only with pytest's
    own cgroup under CI, and the sandbox kept a whole core). Always removed."""
    import docker

    n = 4 * (os.cpu_count() or 1)
    client = docker.from_env(timeout=60)
    loop = "python3 -c 'while True: pass' & "
    hogs = client.containers.run(
        docker_sandbox.image,
        ["sh", "-c", loop * n + "wait"],
        detach=True,
        network_mode="none",
        cpu_shares=8192,
        labels={"mlgrader-test": "cpu-hogs"},
    )
    try:
        time.sleep(1.0)
        yield n
    finally:
        hogs.remove(force=True)
        client.close()


def test_a_busy_host_does_not_fail_a_correct_solution(
    tmp_path: Path, docker_sandbox: Any, cpu_hogs: int
) -> None:
    """Each test computes 0.6 s of CPU time against a timeout of 1 s of CPU time. On a
    host busy with CPU hogs the tests take longer than 1 s of wall-clock time (a
    wall-clock limit of 1 s would have failed them) and still keep their points."""
    calls = [(f"computes 0.6 s ({i})", "burn", [0.6]) for i in range(3)]
    grader = tiny(tmp_path, {"test_timeout": 1.0, "wall_factor": 10}, calls)
    graded = grade(grader, docker_sandbox)
    assert graded.score == graded.max_score == 3, [r.output for r in graded.results]
    for name, entry in graded.entries.items():
        assert entry["status"] == "ok"
        assert 0.55 <= entry["cpu"] < 1.0, (name, entry)
        assert entry["duration"] > 1.0, (name, entry)  # the wall clock passed the timeout


def test_computing_meets_the_cpu_limit_and_sleeping_the_wall_clock_cap(
    tmp_path: Path, docker_sandbox: Any
) -> None:
    """Computing forever stops at 0.5 s of CPU time (its wall-clock cap, 5 s, leaves room
    for a busy host); sleeping stops at 0.3 s x 10 of wall-clock time."""
    calls = [("computes forever", "forever", [], 0.5), ("sleeps", "nap", [], 0.3)]
    grader = tiny(tmp_path, {"wall_factor": 10}, calls)
    graded = grade(grader, docker_sandbox)
    assert graded.score == 0
    computes, sleeps = graded.entries["computes forever"], graded.entries["sleeps"]
    assert (computes["status"], computes["limit"]) == ("timeout", "cpu"), graded.entries
    assert 0.5 <= computes["cpu"] < 0.8, computes
    assert graded.output("computes forever") == "timed out: used more than 0.5 s of CPU time"
    assert (sleeps["status"], sleeps["limit"]) == ("timeout", "wall")
    # its process's start (fork, the module's import) costs some CPU: 0.093 s once in CI,
    # still far under the 0.3 s that would have stopped it by CPU time
    assert 3.0 <= sleeps["duration"] < 4.5 and sleeps["cpu"] < 0.15, sleeps
    assert graded.output("sleeps").startswith(
        "timed out: still running after 3 s (wall clock) while using little CPU"
    )
    assert graded.output("sleeps").endswith("is it waiting or sleeping?")


def test_a_fork_bomb_is_stopped_at_the_process_limit_at_once(
    tmp_path: Path, docker_sandbox: Any
) -> None:
    """With a timeout of 10 s, the fork bomb ends within a second or two (about half a
    second on an idle host; it cost its 10 s before); the next test runs in a clean
    container."""
    calls = [("fork bomb", "fork_bomb", []), ("computes 0.1 s", "burn", [0.1])]
    grader = tiny(tmp_path, {"test_timeout": 10, "pids": 32}, calls)
    graded = grade(grader, docker_sandbox)
    bomb = graded.entries["fork bomb"]
    assert (bomb["status"], bomb["limit"]) == ("killed", "pids")
    assert bomb["duration"] < 2.0, bomb
    assert graded.output("fork bomb") == "killed: reached the limit of 32 processes (a fork bomb?)"
    assert graded.entries["computes 0.1 s"]["status"] == "ok"
    assert graded.score == 1


def test_tests_that_sleep_cost_about_one_wall_clock_cap_together(
    tmp_path: Path, docker_sandbox: Any
) -> None:
    """Six tests sleep, two compute, the timeout is 4 s of CPU time and the wall-clock cap
    20 s. One after the other, the sleepers would cost 6 x 20 s; side by side (each
    starts once the container has been idle for a second) they cost about one cap (and
    a second or so per test). The computing tests, run beside sleeping ones, are counted
    their own CPU time only."""
    calls = [
        ("sleeps 0", "nap", []),
        ("sleeps 1", "nap", []),
        ("computes 0.5 s (a)", "burn", [0.5]),
        *[(f"sleeps {i}", "nap", []) for i in range(2, 6)],
        ("computes 0.5 s (b)", "burn", [0.5]),
    ]
    grader = tiny(tmp_path, {"test_timeout": 4, "wall_factor": 5}, calls)
    graded = grade(grader, docker_sandbox)
    assert graded.seconds < 2 * 20, graded.entries  # not 6 x 20 s
    for i in range(6):
        entry = graded.entries[f"sleeps {i}"]
        assert (entry["status"], entry["limit"]) == ("timeout", "wall"), entry
        assert 20 <= entry["duration"] < 22, entry
    for name in ("computes 0.5 s (a)", "computes 0.5 s (b)"):
        entry = graded.entries[name]
        assert entry["status"] == "ok" and 0.45 <= entry["cpu"] < 1.0, (name, entry)
    assert graded.score == 2
