"""The Docker implementation of the Sandbox protocol (docs/sandbox-contract.md).

One container per submission. A container is started with only the runner's code
in its staging folder; the runner imports the preload modules and waits on the
named pipe /grader/go. The submission's files, plan and fixtures are then written
into the staging folder (bind-mounted read-only), the container takes the run's
name, and one line on the pipe starts the run. With a warm pool (sandbox.pool) the
start happens before the submission arrives; without, right when it does: the same
steps either way. The runner's report comes back on the container's stdout, which
only the runner can write to; the container is always removed afterwards.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import math
import os
import re
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.errors
from docker.models.containers import Container
from docker.types import LogConfig, Ulimit

from grader import wire
from grader.errors import InfrastructureError
from grader.sandbox import SandboxOutcome, SandboxRequest
from grader.spec import Limits
from sandbox.leftovers import OWNER, Leftovers, remove_container, this_process
from sandbox.pool import PoolKey, WarmPool
from sandbox.report_reader import ReportReader
from sandbox.staging import POOL_PREFIX, stage_runner, write_files

RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}$")
START_MARGIN = 20.0  # seconds: the runner's start (imports) and its report, on top of the limits
WAIT_MARGIN = 60.0  # a waiting runner outlives the pool's idle recycling by this much
SANDBOX_UID = 1000
log = logging.getLogger(__name__)


def container_options(folder: Path, limits: Limits) -> dict[str, Any]:
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
        "labels": {"mlgrader": "sandbox"},
    }


def ping_engine(timeout: float = 2) -> object:
    """The Docker engine's answer to a ping (True); raises when it cannot be reached.
    The API's health check uses it (api/wiring.py)."""
    client = docker.from_env(timeout=timeout)
    try:
        return client.ping()
    finally:
        client.close()


@dataclass
class Started:
    """A sandbox container started and (once ``fifo`` is open) waiting for its request on
    /grader/go; ``folder`` is its staging folder, bind-mounted read-only."""

    key: PoolKey
    name: str
    folder: Path
    container: Container
    fifo: int | None = None  # our end of /grader/go, open while the runner listens


class DockerSandbox:
    """Runs a SandboxRequest in a locked-down container of ``image``, one container per
    submission; with ``pool_size`` > 0 the containers are started ahead (sandbox.pool)."""

    def __init__(
        self,
        image: str,
        work_dir: Path,
        client: docker.DockerClient | None = None,
        pool_size: int = 0,
        pool_idle: float = 600.0,
    ) -> None:
        self.image = image
        self.work_dir = Path(work_dir)
        self._client = client
        self.wait_seconds = pool_idle + WAIT_MARGIN  # a runner nobody took exits after this
        self.pool: WarmPool[Started] | None = None
        if pool_size > 0:
            self.pool = WarmPool(pool_size, pool_idle, self._start_listening, self._destroy)

    @property
    def client(self) -> docker.DockerClient:
        if self._client is None:
            try:
                self._client = docker.from_env(timeout=60)
                self._client.ping()
            except docker.errors.DockerException as exc:
                raise InfrastructureError(f"cannot reach the Docker engine: {exc}") from None
        return self._client

    @property
    def leftovers(self) -> Leftovers:
        return Leftovers(self.client, self.work_dir)

    def key_of(self, request: SandboxRequest) -> PoolKey:
        return PoolKey(self.image, request.limits, tuple(request.plan.get("preload", [])))

    def run(self, request: SandboxRequest) -> SandboxOutcome:
        check_names(request)
        if request.group:  # an earlier attempt's container and files, left by a killed worker
            self.leftovers.remove_group(request.group)
        key = self.key_of(request)
        started = self.pool.take(key) if self.pool else None
        try:
            if started is not None:
                self._claim(started, request)
                if self._go(started, patience=0):
                    return self._collect(started.container, request.limits)
                log.warning("a warm sandbox %s was gone; starting one", started.name)
                self._destroy(started)
                started = None
            started = self._start(key)
            self._claim(started, request)
            if not self._go(started, patience=START_MARGIN):
                raise InfrastructureError(_never_listened(started))
            return self._collect(started.container, request.limits)
        except docker.errors.DockerException as exc:
            raise InfrastructureError(f"the sandbox container failed: {exc}") from None
        finally:
            if self.pool:  # the pool's thread removes it, off the submission's path
                self.pool.done(key, started)
            elif started is not None:
                self._destroy(started)

    def close(self) -> None:
        """Remove the warm containers (a worker's shutdown)."""
        if self.pool:
            self.pool.close()

    # -------------------------------------------------------------- starting

    def _start(self, key: PoolKey) -> Started:
        """Create and start a container whose runner imports the preload modules and
        then waits for its request; its staging folder holds only the runner's code."""
        uid = uuid.uuid4().hex[:16]
        folder, name = self.work_dir / f"{POOL_PREFIX}{uid}", f"mlgrader-{POOL_PREFIX}{uid}"
        stage_runner(folder)
        options = container_options(folder, key.limits)
        options["labels"][OWNER] = this_process()
        options["command"] += [
            "--preload",
            ",".join(key.preload),
            "--wait",
            f"{self.wait_seconds:g}",
        ]
        try:
            container = self.client.containers.create(self.image, name=name, **options)
            started = Started(key, name, folder, container)
            container.start()
        except docker.errors.ImageNotFound:
            shutil.rmtree(folder, ignore_errors=True)
            raise InfrastructureError(
                f"the sandbox image {self.image!r} is missing; build it with `make setup`"
            ) from None
        except docker.errors.DockerException as exc:
            self._remove(name)
            shutil.rmtree(folder, ignore_errors=True)
            raise InfrastructureError(f"cannot start a sandbox container: {exc}") from None
        return started

    def _start_listening(self, key: PoolKey) -> Started:
        """A started container whose runner is already waiting (the pool's items)."""
        started = self._start(key)
        started.fifo = _open_fifo(started, patience=START_MARGIN)
        if started.fifo is None:
            self._destroy(started)
            raise InfrastructureError(_never_listened(started))
        return started

    def _claim(self, started: Started, request: SandboxRequest) -> None:
        """Give the container its request's files and its run's name (a leftover of that
        name, from a killed attempt, is removed first)."""
        files: dict[str, bytes] = {f"grader/{wire.PLAN_FILE}": json.dumps(request.plan).encode()}
        files.update({f"grader/{wire.FIXTURES_DIR}/{k}": v for k, v in request.fixtures.items()})
        files.update({f"submission/{k}": v for k, v in request.submission.items()})
        write_files(started.folder, files)
        name, folder = f"mlgrader-{request.run_id}", self.work_dir / request.run_id
        self._remove(name)
        shutil.rmtree(folder, ignore_errors=True)
        started.container.rename(name)
        started.folder.rename(folder)  # the bind mount follows the folder
        started.name, started.folder = name, folder

    def _go(self, started: Started, patience: float) -> bool:
        """Send the request's start line; False if the runner is not listening (it died,
        or did not get there within ``patience`` seconds)."""
        fd = started.fifo if started.fifo is not None else _open_fifo(started, patience)
        started.fifo = None
        if fd is None:
            return False
        try:
            os.write(fd, b"go\n")
            return True
        except OSError:  # EPIPE: the runner is gone
            return False
        finally:
            os.close(fd)
            with contextlib.suppress(OSError):
                (started.folder / "grader" / wire.GO_FIFO).unlink()

    def _destroy(self, started: Started) -> None:
        if started.fifo is not None:
            with contextlib.suppress(OSError):
                os.close(started.fifo)
            started.fifo = None
        try:
            remove_container(started.container)
        except docker.errors.DockerException as exc:
            raise InfrastructureError(f"cannot remove container {started.name}: {exc}") from None
        finally:
            shutil.rmtree(started.folder, ignore_errors=True)

    # -------------------------------------------------------------- running

    def _collect(self, container: Container, limits: Limits) -> SandboxOutcome:
        """Follow the report while the runner works, and stop at its end line; at the
        wall-clock limit kill the container. Without an end line, the container's own
        account (exit code, OOM kill, the whole log) is read once it has stopped."""
        budget = wire.stream_limit_mb(limits.output_mb) << 20
        began = time.monotonic()
        stream = container.attach(stdout=True, stderr=False, stream=True, logs=True)
        reader = ReportReader(iter(stream), budget)
        try:
            timed_out = not reader.wait(limits.submission_timeout + START_MARGIN)
            if timed_out:
                with contextlib.suppress(docker.errors.DockerException):
                    container.kill()
            if reader.ended and not reader.truncated:
                files = wire.parse_stream(bytes(reader.data), max_bytes=budget)
                return SandboxOutcome(files, None, duration=time.monotonic() - began)
        finally:
            reader.close(stream)
        return self._account(container, limits, timed_out, time.monotonic() - began)

    def _account(
        self, container: Container, limits: Limits, timed_out: bool, duration: float
    ) -> SandboxOutcome:
        """The outcome of a run that ended without its report's end line."""
        try:
            exit_code = container.wait(timeout=START_MARGIN).get("StatusCode")
        except Exception:  # still not stopped (requests raises its own types)
            exit_code = None
            with contextlib.suppress(docker.errors.DockerException):
                container.kill()
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

    def _remove(self, name: str) -> None:
        try:
            remove_container(self.client.containers.get(name))
        except docker.errors.NotFound:
            return
        except docker.errors.DockerException as exc:
            raise InfrastructureError(f"cannot remove container {name}: {exc}") from None


def check_names(request: SandboxRequest) -> None:
    """Run ids and groups become container names: safe characters, and a run of a group
    is named ``{group}-{suffix}`` (suffix without '-'), which is how leftovers are found."""
    for label in (request.run_id, request.group or "x"):
        if not RUN_ID.match(label) or label.startswith(POOL_PREFIX):
            raise ValueError(f"{label!r} is not a safe container name or label")
    suffix = request.run_id.removeprefix(f"{request.group}-")
    if request.group and (suffix == request.run_id or "-" in suffix):
        raise ValueError(f"run {request.run_id!r} is not named {request.group!r}-SUFFIX")


def _open_fifo(started: Started, patience: float) -> int | None:
    """Our write end of the container's /grader/go, once its runner listens (opening a
    named pipe for writing without blocking fails until a reader has it open); None if
    the runner does not get there within ``patience`` seconds or its container stops."""
    fifo = started.folder / "grader" / wire.GO_FIFO
    deadline, checked = time.monotonic() + patience, time.monotonic()
    while True:
        try:
            return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENXIO:
                return None
        now = time.monotonic()
        if now >= deadline:
            return None
        if now - checked > 0.5:
            checked = now
            started.container.reload()
            if started.container.status not in ("created", "running"):
                return None
        time.sleep(0.005)


def _never_listened(started: Started) -> str:
    try:
        log_tail = started.container.logs(stdout=False, stderr=True, tail=20)
    except docker.errors.DockerException:
        log_tail = b""
    return (
        f"the sandbox runner in {started.name} did not start within {START_MARGIN:g} s: "
        + log_tail.decode("utf-8", "replace")[-1000:]
    )
