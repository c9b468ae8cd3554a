"""The Docker implementation of the Sandbox protocol (docs/sandbox-contract.md).

One container per submission, named after the run id (a leftover of the same name
is removed first, so a retried job starts clean). Inputs are bind-mounted
read-only; nothing is mounted writable; the runner's report comes back on the
container's stdout, which only the runner can write to.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import shutil
import time
from pathlib import Path
from typing import Any

import docker
import docker.errors
from docker.models.containers import Container
from docker.types import LogConfig, Ulimit

import grader
import sandbox.container
from grader import wire
from grader.errors import InfrastructureError
from grader.sandbox import SandboxOutcome, SandboxRequest
from grader.spec import Limits

_CORE = Path(grader.__file__).parent
_CONTAINER = Path(sandbox.container.__file__).parent
# Exactly the files copied into the container, by their path under /grader/lib. The
# runner is the entry point, /grader/lib/runner.py; its package sits beside the core's
# modules so that both import as on the host.
CONTAINER_FILES: dict[str, Path] = {
    "runner.py": _CONTAINER / "runner.py",
    "grader/__init__.py": _CORE / "__init__.py",
    "grader/codec.py": _CORE / "codec.py",
    "grader/steps.py": _CORE / "steps.py",
    "grader/wire.py": _CORE / "wire.py",
    "sandbox/__init__.py": _CONTAINER.parent / "__init__.py",
    "sandbox/container/__init__.py": _CONTAINER / "__init__.py",
    "sandbox/container/child.py": _CONTAINER / "child.py",
    "sandbox/container/fixtures.py": _CONTAINER / "fixtures.py",
    "sandbox/container/isolation.py": _CONTAINER / "isolation.py",
}
RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}$")
START_MARGIN = 20.0  # seconds on top of the submission limit: container start, imports, report
SANDBOX_UID = 1000


def container_options(folder: Path, limits: Limits, group: str) -> dict[str, Any]:
    """How a sandbox container is created: every limit of docs/sandbox-contract.md."""
    threads = str(max(1, math.ceil(limits.cpus)))
    file_size = limits.file_size_mb << 20
    return {
        "command": ["python3", "/grader/lib/runner.py"],
        "user": f"{SANDBOX_UID}:{SANDBOX_UID}",
        "working_dir": "/workspace",
        "network_mode": "none",
        "read_only": True,
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "pids_limit": limits.pids,
        "mem_limit": f"{limits.memory_mb}m",
        "memswap_limit": f"{limits.memory_mb}m",
        "nano_cpus": int(limits.cpus * 1e9),
        "ulimits": [
            Ulimit(name="fsize", soft=file_size, hard=file_size),
            Ulimit(name="core", soft=0, hard=0),
            Ulimit(name="nofile", soft=256, hard=256),
        ],
        "tmpfs": {
            "/tmp": f"size={limits.tmp_mb}m,mode=1777,nosuid,nodev",
            "/workspace": f"size={limits.tmp_mb}m,uid={SANDBOX_UID},gid={SANDBOX_UID},"
            "mode=0700,nosuid,nodev",
        },
        "volumes": {
            str(folder / "grader"): {"bind": "/grader", "mode": "ro"},
            str(folder / "submission"): {"bind": "/submission", "mode": "ro"},
        },
        "environment": {
            "OMP_NUM_THREADS": threads,
            "OPENBLAS_NUM_THREADS": threads,
            "MKL_NUM_THREADS": threads,
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONHASHSEED": "0",
            "HOME": "/workspace",
        },
        "log_config": LogConfig(
            type="json-file",
            config={"max-size": f"{wire.stream_limit_mb(limits.output_mb)}m", "max-file": "1"},
        ),
        "hostname": "sandbox",
        "labels": {"mlgrader": "sandbox", "mlgrader.group": group},
    }


def ping_engine(timeout: float = 2) -> object:
    """The Docker engine's answer to a ping (True); raises when it cannot be reached.
    The API's health check uses it (api/wiring.py)."""
    client = docker.from_env(timeout=timeout)
    try:
        return client.ping()
    finally:
        client.close()


class DockerSandbox:
    """Runs a SandboxRequest in a locked-down container of ``image``."""

    def __init__(
        self, image: str, work_dir: Path, client: docker.DockerClient | None = None
    ) -> None:
        self.image = image
        self.work_dir = Path(work_dir)
        self._client = client

    @property
    def client(self) -> docker.DockerClient:
        if self._client is None:
            try:
                self._client = docker.from_env(timeout=60)
                self._client.ping()
            except docker.errors.DockerException as exc:
                raise InfrastructureError(f"cannot reach the Docker engine: {exc}") from None
        return self._client

    def run(self, request: SandboxRequest) -> SandboxOutcome:
        for label in (request.run_id, request.group or "x"):
            if not RUN_ID.match(label):
                raise ValueError(f"{label!r} is not a safe container name or label")
        folder = self.work_dir / request.run_id
        name = f"mlgrader-{request.run_id}"
        if request.group:  # an earlier attempt's container and files, left by a killed worker
            self.remove_group(request.group)
        shutil.rmtree(folder, ignore_errors=True)
        try:
            self._stage(folder, request)
            self._remove(name)
            return self._run_container(name, folder, request.limits, request.group)
        finally:
            self._remove(name)
            shutil.rmtree(folder, ignore_errors=True)

    # -------------------------------------------------------------- staging

    def _stage(self, folder: Path, request: SandboxRequest) -> None:
        files: dict[str, bytes] = {f"grader/{wire.PLAN_FILE}": json.dumps(request.plan).encode()}
        files.update({f"grader/lib/{k}": v.read_bytes() for k, v in CONTAINER_FILES.items()})
        files.update({f"grader/{wire.FIXTURES_DIR}/{k}": v for k, v in request.fixtures.items()})
        files.update({f"submission/{k}": v for k, v in request.submission.items()})
        for rel, data in files.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            path.chmod(0o644)
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir():
                path.chmod(0o755)

    # -------------------------------------------------------------- running

    def _run_container(self, name: str, folder: Path, limits: Limits, group: str) -> SandboxOutcome:
        try:
            container = self.client.containers.create(
                self.image, name=name, **container_options(folder, limits, group)
            )
        except docker.errors.ImageNotFound:
            raise InfrastructureError(
                f"the sandbox image {self.image!r} is missing; build it with `make setup`"
            ) from None
        except docker.errors.DockerException as exc:
            raise InfrastructureError(f"cannot create the sandbox container: {exc}") from None
        try:
            return self._wait(container, limits)
        except docker.errors.DockerException as exc:
            raise InfrastructureError(f"the sandbox container failed: {exc}") from None

    def _wait(self, container: Container, limits: Limits) -> SandboxOutcome:
        """Start the container, wait for it (killing it at the wall-clock limit), read
        its report stream and the facts of the run."""
        started = time.monotonic()
        timed_out = False
        container.start()
        try:
            exit_code = container.wait(timeout=limits.submission_timeout + START_MARGIN).get(
                "StatusCode"
            )
        except Exception:  # the wait timed out (requests raises its own types)
            timed_out, exit_code = True, None
            with contextlib.suppress(docker.errors.DockerException):
                container.kill()
        duration = time.monotonic() - started
        container.reload()
        stdout = container.logs(stdout=True, stderr=False)
        stderr = container.logs(stdout=False, stderr=True, tail=200)
        return SandboxOutcome(
            files=wire.parse_stream(stdout, max_bytes=wire.stream_limit_mb(limits.output_mb) << 20),
            exit_code=exit_code,
            timed_out=timed_out,
            oom_killed=bool(container.attrs.get("State", {}).get("OOMKilled")),
            duration=duration,
            log=stderr.decode("utf-8", "replace")[-4000:],
        )

    def groups(self) -> set[str]:
        """The groups (job ids) that have a sandbox container on this engine, running or not."""
        try:
            containers = self.client.containers.list(
                all=True, filters={"label": "mlgrader=sandbox"}
            )
        except docker.errors.DockerException as exc:
            raise InfrastructureError(f"cannot list sandbox containers: {exc}") from None
        return {c.labels.get("mlgrader.group", "") for c in containers} - {""}

    def remove_group(self, group: str) -> None:
        """Remove every container and staging folder of ``group``: the leftovers of
        attempts whose worker was killed before it could clean up."""
        try:
            leftovers = self.client.containers.list(
                all=True, filters={"label": f"mlgrader.group={group}"}
            )
            for container in leftovers:
                container.remove(force=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.DockerException as exc:
            raise InfrastructureError(f"cannot remove leftover containers: {exc}") from None
        for stale in self.work_dir.glob(f"{group}-*"):
            shutil.rmtree(stale, ignore_errors=True)

    def _remove(self, name: str) -> None:
        try:
            self.client.containers.get(name).remove(force=True)
        except docker.errors.NotFound:
            return
        except docker.errors.DockerException as exc:
            raise InfrastructureError(f"cannot remove container {name}: {exc}") from None
