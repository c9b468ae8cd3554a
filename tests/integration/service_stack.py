"""Real processes for service tests: redis-server, a Celery worker, the API.

Each runs in its own process group with its own log, on free ports and in a
private folder, so a test can kill -9 any of them and start it again.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import yaml

REPO = Path(__file__).resolve().parents[2]
TOKENS = {
    "tok-alice": {"role": "student", "name": "alice"},
    "tok-bob": {"role": "student", "name": "bob"},
    "tok-prof": {"role": "instructor", "name": "prof"},
}
for i in range(5):
    TOKENS[f"tok-s{i}"] = {"role": "student", "name": f"student{i}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Proc:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.log = name, log
        with open(log, "ab") as out:
            self.popen = subprocess.Popen(
                argv,
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        self.signal_group(sig)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.signal_group(signal.SIGKILL)
            self.popen.wait(10)
        self.signal_group(signal.SIGKILL)  # pool children, if any survived their parent

    def tail(self, n: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])


class Stack:
    """One private grading service: Redis + worker + API."""

    def __init__(self, root: Path, **env_overrides: str) -> None:
        self.root = root
        for sub in ("data", "redis", "logs", "runs", "cache"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        self.redis_port, self.api_port = free_port(), free_port()
        tokens = root / "tokens.yaml"
        tokens.write_text(yaml.safe_dump(TOKENS))
        self.env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "GRADER_REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "GRADER_DATA_DIR": str(root / "data"),
            "GRADER_WORK_DIR": str(root / "runs"),
            "GRADER_CACHE_DIR": str(root / "cache"),
            "GRADER_TOKENS_FILE": str(tokens),
            "GRADER_API_PORT": str(self.api_port),
            "GRADER_LEASE_SECONDS": "6",
            "GRADER_SWEEP_SECONDS": "2",
            "GRADER_QUEUED_GRACE": "15",
            **env_overrides,
        }
        self.redis: Proc | None = None
        self.worker: Proc | None = None
        self.api: Proc | None = None
        self.base_url = f"http://127.0.0.1:{self.api_port}"

    # ---------------------------------------------------------------- processes

    def start_redis(self) -> None:
        argv = [
            "redis-server",
            "--port",
            str(self.redis_port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.root / "redis"),
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--maxmemory-policy",
            "noeviction",
            "--save",
            "",
        ]
        self.redis = Proc("redis", argv, self.env, self.root / "logs" / "redis.log")
        self._wait(lambda: self._redis_ping(), "redis", self.redis)

    def stop_redis(self) -> None:
        subprocess.run(
            ["redis-cli", "-p", str(self.redis_port), "shutdown"],
            capture_output=True,
            timeout=30,
            check=False,
        )
        assert self.redis is not None
        self.redis.popen.wait(30)

    def start_worker(self, concurrency: int = 2) -> None:
        argv = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "worker.app",
            "worker",
            "--loglevel=INFO",
            f"--concurrency={concurrency}",
            "-n",
            f"w{time.monotonic_ns()}@%h",
        ]
        log = self.root / "logs" / "worker.log"
        start = log.stat().st_size if log.exists() else 0
        self.worker = Proc("worker", argv, self.env, log)
        self._wait(lambda: b" ready." in log.read_bytes()[start:], "worker", self.worker)

    def kill_worker(self) -> None:
        assert self.worker is not None
        self.worker.signal_group(signal.SIGKILL)
        self.worker.popen.wait(10)

    def start_api(self) -> None:
        argv = [sys.executable, "-m", "api"]
        self.api = Proc("api", argv, self.env, self.root / "logs" / "api.log")
        self._wait(lambda: self._api_up(), "api", self.api)

    def stop(self) -> None:
        for proc in (self.api, self.worker, self.redis):
            if proc is not None and proc.alive():
                proc.stop()

    def _redis_ping(self) -> bool:
        done = subprocess.run(
            ["redis-cli", "-p", str(self.redis_port), "ping"],
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout.strip() == "PONG"

    def _api_up(self) -> bool:
        try:
            return httpx.get(f"{self.base_url}/api/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def _wait(self, ready: Any, what: str, proc: Proc, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready():
                return
            if not proc.alive():
                raise RuntimeError(f"{what} exited:\n{proc.tail()}")
            time.sleep(0.2)
        raise RuntimeError(f"{what} not ready after {timeout} s:\n{proc.tail()}")

    # ---------------------------------------------------------------- HTTP

    def client(self, token: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url, timeout=30, headers={"Authorization": f"Bearer {token}"}
        )

    def upload(self, token: str, source: str, assignment: str = "cs189_hw2") -> str:
        with self.client(token) as http:
            response = http.post(
                f"/api/assignments/{assignment}/submissions",
                files=[("files", ("hw2.py", source.encode(), "text/x-python"))],
            )
        assert response.status_code == 202, response.text
        return str(response.json()["id"])

    def record(self, token: str, submission_id: str) -> dict[str, Any]:
        with self.client(token) as http:
            response = http.get(f"/api/submissions/{submission_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def wait_status(
        self, token: str, submission_id: str, statuses: set[str], timeout: float = 120
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        record: dict[str, Any] = {}
        while time.monotonic() < deadline:
            record = self.record(token, submission_id)
            if record["status"] in statuses:
                return record
            time.sleep(0.25)
        raise AssertionError(
            f"{submission_id} still {record.get('status')} after {timeout} s; "
            f"worker log:\n{self.worker.tail() if self.worker else ''}"
        )


@contextlib.contextmanager
def running(
    root: Path, parts: tuple[str, ...] = ("redis", "worker", "api"), **env: str
) -> Iterator[Stack]:
    """A private stack with these of its processes started, stopped on the way out."""
    stack = Stack(root, **env)
    try:
        for part in parts:
            getattr(stack, f"start_{part}")()
        yield stack
    finally:
        stack.stop()
