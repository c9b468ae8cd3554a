"""Sandbox containers and staging folders that no run will clean up, found and removed.

A worker killed mid-grade leaves its run's container (named ``mlgrader-{job}-{attempt}``)
and staging folder behind; a worker killed with a warm pool leaves its waiting
containers (``mlgrader-pool-...``), which exit on their own once they stop waiting.
The job's next attempt removes its group's leftovers (``remove_group``); the worker's
sweep removes those of finished jobs (worker/janitor.py) and exited containers no one
removed (``remove_stale``).
"""

from __future__ import annotations

import os
import shutil
import socket
import time
from datetime import UTC, datetime
from pathlib import Path

import docker
import docker.errors
from docker.models.containers import Container

from grader.errors import InfrastructureError
from sandbox.staging import POOL_PREFIX

OWNER = "mlgrader.owner"  # label of a warm container: the process whose pool started it


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def orphaned(owner: str) -> bool:
    """Whether ``owner`` (host:pid) is a process of this host that no longer runs."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another host's (or container's) process: not ours to judge
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def remove_container(container: Container) -> None:
    """Remove a container; one already gone, or whose removal is under way (another
    process's), is as good as removed."""
    try:
        container.remove(force=True)
    except docker.errors.NotFound:
        return
    except docker.errors.APIError as exc:
        if exc.status_code != 409:  # 409: "removal of container ... is already in progress"
            raise


class Leftovers:
    """The sandbox containers on one Docker engine, and staging folders under ``work_dir``."""

    def __init__(self, client: docker.DockerClient, work_dir: Path) -> None:
        self.client = client
        self.work_dir = work_dir

    def groups(self) -> set[str]:
        """The groups (job ids) that have a sandbox container on this engine, running or
        not: a container is named ``mlgrader-{group}-{attempt}`` once it has a run."""
        return {group for group, _ in self._runs()}

    def remove_group(self, group: str) -> None:
        """Remove every container and staging folder of ``group``: the leftovers of
        attempts whose worker was killed before it could clean up."""
        try:
            for found, container in self._runs():
                if found == group:
                    remove_container(container)
        except docker.errors.DockerException as exc:
            raise InfrastructureError(f"cannot remove leftover containers: {exc}") from None
        for stale in self.work_dir.glob(f"{group}-*"):
            shutil.rmtree(stale, ignore_errors=True)

    def remove_stale(self, max_age: float) -> int:
        """Remove the warm containers of a pool whose process is gone (a worker killed on
        this host), sandbox containers that exited more than ``max_age`` seconds ago, and
        staging folders of warm containers that no longer exist; the number removed."""
        removed = 0
        try:
            for container in self._sandboxes():
                waiting = container.name.startswith(f"mlgrader-{POOL_PREFIX}")
                if (container.status == "exited" and _exited_for(container) > max_age) or (
                    waiting and orphaned(container.labels.get(OWNER, ""))
                ):
                    remove_container(container)
                    removed += 1
            names = {c.name for c in self._sandboxes()}
        except docker.errors.DockerException as exc:
            raise InfrastructureError(f"cannot remove stale containers: {exc}") from None
        for folder in self.work_dir.glob(f"{POOL_PREFIX}*"):  # not one being started now
            if f"mlgrader-{folder.name}" not in names and _age(folder) > 60:
                shutil.rmtree(folder, ignore_errors=True)
        return removed

    def _sandboxes(self, **filters: str) -> list[Container]:
        # ignore_removed: a container removed between the list and its inspection (the
        # pools remove used ones all the time) is left out instead of failing the list
        return self.client.containers.list(
            all=True, filters={"label": "mlgrader=sandbox", **filters}, ignore_removed=True
        )

    def _runs(self) -> list[tuple[str, Container]]:
        """(group, container) for every sandbox container that has been given a run."""
        try:
            containers = self._sandboxes()
        except docker.errors.DockerException as exc:
            raise InfrastructureError(f"cannot list sandbox containers: {exc}") from None
        runs = []
        for container in containers:
            run_id = container.name.removeprefix("mlgrader-")
            if not run_id.startswith(POOL_PREFIX) and "-" in run_id:
                runs.append((run_id.rsplit("-", 1)[0], container))
        return runs


def _exited_for(container: Container) -> float:
    """Seconds since the container exited (0 if unknown)."""
    finished = container.attrs.get("State", {}).get("FinishedAt", "")
    try:
        stamp = datetime.fromisoformat(finished[:26].rstrip("Z") + "+00:00")
        return (datetime.now(UTC) - stamp).total_seconds()
    except ValueError:
        return 0.0


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0
