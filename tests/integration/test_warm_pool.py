"""The warm pool in real containers: a warm container serves one submission only, and
nothing a submission leaves behind reaches the next one the same sandbox grades.

Submission A leaves traces everywhere it can: files in /tmp and in /workspace (its
working directory and HOME), an environment variable, a background `sleep` in its own
session and a double-forked daemon that keeps writing to /tmp. Submission B, graded
next by the same DockerSandbox from its pool, looks for each of them from inside its
tests and returns wrong values (and prints what it saw) if it finds any.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from grader.grading import Grader
from sandbox.docker_sandbox import DockerSandbox
from sandbox.leftovers import OWNER, this_process
from tests.conftest import REFERENCE_SOURCE, by_name

pytestmark = pytest.mark.docker

RELU = "relu_activation"
FULL = 37

LEAVE_TRACES = """
import os, subprocess, time
_relu = relu_activation
_left = []
def relu_activation(s):
    if not _left:  # once per test process: the training tests call it per batch
        _leave_traces()
        _left.append(True)
    return _relu(s)
def _leave_traces():
    for folder in ("/tmp", "/workspace", os.path.expanduser("~")):
        with open(os.path.join(folder, "trace-from-a"), "w") as fh:
            fh.write("a was here")
    os.environ["TRACE_FROM_A"] = "1"
    os.putenv("TRACE_FROM_A", "1")
    subprocess.Popen(["sleep", "600"], start_new_session=True)
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            while True:
                with open("/tmp/daemon-from-a", "w") as fh:
                    fh.write(str(time.time()))
                time.sleep(0.05)
        os._exit(0)
    time.sleep(0.2)  # the daemon is up and writing before this test ends
"""

LOOK_FOR_TRACES = """
import os
_relu = relu_activation
def _traces():
    found = []
    for path in ("/tmp/trace-from-a", "/workspace/trace-from-a", "/tmp/daemon-from-a"):
        if os.path.exists(path):
            found.append(path)
    found += [f"{k} in the environment" for k in os.environ if k.startswith("TRACE_FROM")]
    me = os.getpid()
    for pid in os.listdir("/proc"):
        if pid.isdigit() and int(pid) not in (1, me):
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                found.append("process " + fh.read().replace(b"\\0", b" ").decode())
    return found
def relu_activation(s):
    found = _traces()
    if found:
        print("TRACES:", found)
        z = s * 0 - 1
        return z, z
    return _relu(s)
"""


@pytest.fixture
def pooled(docker_sandbox: DockerSandbox) -> Iterator[DockerSandbox]:
    box = DockerSandbox(docker_sandbox.image, docker_sandbox.work_dir, pool_size=1)
    yield box
    box.close()


def grade(grader: Grader, box: DockerSandbox, source: str, run_id: str) -> dict[str, Any]:
    return grader.grade({"hw2.py": source.encode()}, box, run_id=run_id)


def test_a_submission_leaves_nothing_for_the_next_one(cs189: Grader, pooled: DockerSandbox) -> None:
    assert pooled.pool is not None
    first = grade(cs189, pooled, REFERENCE_SOURCE + LEAVE_TRACES, "warm-leak-a")
    assert first["score"] == FULL  # A's traces cost it nothing either
    assert pooled.pool.wait_ready(60)
    before = pooled.pool.stats()
    second = grade(cs189, pooled, REFERENCE_SOURCE + LOOK_FOR_TRACES, "warm-leak-b")
    after = pooled.pool.stats()
    assert after.hits == before.hits + 1, "B was not graded in a warm container"
    relu = by_name(second)[RELU]
    assert "TRACES" not in relu["output"], relu["output"]
    assert second["score"] == FULL


def test_the_probe_finds_traces_where_there_are_some(cs189: Grader, pooled: DockerSandbox) -> None:
    """The probe of the test above is not blind: in one submission that both leaves
    traces (at import) and looks for them, it finds the environment variable."""
    source = REFERENCE_SOURCE + "\nimport os\nos.environ['TRACE_FROM_A'] = '1'\n" + LOOK_FOR_TRACES
    relu = by_name(grade(cs189, pooled, source, "warm-probe"))[RELU]
    assert relu["score"] == 0 and "TRACE_FROM_A in the environment" in relu["output"]


def test_warm_containers_wait_and_are_removed_when_the_pool_closes(
    cs189: Grader, docker_sandbox: DockerSandbox
) -> None:
    box = DockerSandbox(docker_sandbox.image, docker_sandbox.work_dir, pool_size=2)
    try:
        assert box.pool is not None
        earlier = {c.name for c in warm_containers()}  # other tests' pools, closing
        grade(cs189, box, REFERENCE_SOURCE, "warm-close")
        assert box.pool.wait_ready(60)
        waiting = [c for c in warm_containers() if c.name not in earlier]
        assert len(waiting) >= 2
        for container in waiting:
            assert container.status == "running"
            top = container.top()["Processes"]  # the runner alone, idle, waiting
            assert len(top) == 1 and "runner.py" in top[0][-1], top
    finally:
        box.close()
    deadline = time.monotonic() + 20
    while set(c.name for c in warm_containers()) & {c.name for c in waiting}:
        assert time.monotonic() < deadline, "warm containers left after close()"
        time.sleep(0.2)
    folders = [Path(box.work_dir) / c.name.removeprefix("mlgrader-") for c in waiting]
    assert not [f for f in folders if f.exists()], "their staging folders are left"


def warm_containers() -> list[Any]:
    """The warm containers of this test process's pools (not of other processes')."""
    listed = docker.from_env().containers.list(
        all=True, filters={"label": f"{OWNER}={this_process()}"}, ignore_removed=True
    )
    return [c for c in listed if c.name.startswith("mlgrader-pool-")]
