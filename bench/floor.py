"""The floor of one container per submission: the machine's CPU time that creating,
starting, waiting for and removing a container that runs `true` costs (the engine,
containerd, runc, the kernel's namespaces, cgroups and mounts), with the sandbox's own
options (sandbox.docker_sandbox.container_options). No grading service that starts a
container per submission, the warm pool included, can spend less per submission.

Measured as the rise of the machine's busy time in /proc/stat over ``n`` containers in
a row, so other work on the machine meanwhile counts too: run it on an idle machine.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import docker

from grader.spec import Limits
from sandbox.docker_sandbox import container_options
from sandbox.staging import stage_runner


def busy_seconds() -> float:
    """CPU seconds the machine has spent not idle since boot (all cores)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


def empty_containers(image: str, limits: Limits, n: int) -> list[float]:
    """Machine CPU seconds of each of ``n`` empty containers, one after another."""
    client = docker.from_env(timeout=60)
    folder = Path(tempfile.mkdtemp(prefix="floor-"))
    seconds = []
    try:
        stage_runner(folder)
        options = container_options(folder, limits)
        options["command"] = ["true"]
        for _ in range(n):
            before = busy_seconds()
            container = client.containers.create(image, **options)
            container.start()
            container.wait()
            container.remove(force=True)
            seconds.append(busy_seconds() - before)
    finally:
        client.close()
        shutil.rmtree(folder, ignore_errors=True)
    return seconds
