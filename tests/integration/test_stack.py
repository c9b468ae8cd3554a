"""`make up`, a request, `make down`: the local stack's process management end to end.

The stack runs in a private run folder (GRADER_RUN_DIR) on free ports, so it does not
meet a developer's own `make up`. After `make down` none of its processes may be left:
not the pids of the pid files, and no process whose command line or environment names
the run folder (Celery's pool children among them).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.docker

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("redis", "api", "worker")


def free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


def make(target: str, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(REPO), target],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def output(done: subprocess.CompletedProcess[str]) -> str:
    return f"exit {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"


def alive(pid: int) -> bool:
    """A process that exists and is not a zombie (here no one may reap the orphans)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def stack_processes(run_dir: Path) -> dict[int, str]:
    """Live processes whose command line or environment mentions run_dir."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        marked = f"GRADER_RUN_DIR={run_dir}".encode() in environ
        if (str(run_dir) in cmdline or marked) and alive(int(proc.name)):
            found[int(proc.name)] = cmdline.strip()
    return found


def pids(run_dir: Path) -> dict[str, int]:
    return {name: int((run_dir / f"{name}.pid").read_text().split()[0]) for name in SERVICES}


def get_health(port: int) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=10) as r:
            return r.status, dict(json.loads(r.read()))
    except urllib.error.HTTPError as exc:
        return exc.code, {"body": exc.read().decode(errors="replace")}


def test_make_up_request_make_down(tmp_path: Path, docker_sandbox: object) -> None:
    run_dir = tmp_path / "run"
    api_port, redis_port = free_ports(2)
    env = {
        **os.environ,
        "GRADER_RUN_DIR": str(run_dir),
        "GRADER_API_PORT": str(api_port),
        "GRADER_REDIS_PORT": str(redis_port),
        "GRADER_WORKER_CONCURRENCY": "1",
    }
    for derived in ("GRADER_REDIS_URL", "GRADER_DATA_DIR", "GRADER_API_HOST", "MAKEFLAGS"):
        env.pop(derived, None)  # up.sh derives them from the above (or uses its defaults)

    started: dict[str, int] = {}
    try:
        # `make up` runs `make setup` first: quick when the machine is set up already.
        up = make("up", env, timeout=900)
        assert up.returncode == 0, f"make up failed:\n{output(up)}"
        started = pids(run_dir)
        for name, pid in started.items():
            assert alive(pid), f"{name} (pid {pid}) is not running after make up:\n{output(up)}"

        status, health = get_health(api_port)
        assert status == 200, health
        assert health.get("redis") is True and health.get("store") is True, health

        # Idempotent: a second `make up` starts nothing and keeps the same processes.
        again = make("up", env, timeout=300)
        assert again.returncode == 0, f"second make up failed:\n{output(again)}"
        assert pids(run_dir) == started
        assert "started" not in again.stdout, again.stdout

        st = make("status", env, timeout=60)
        assert st.returncode == 0, output(st)
        for name, pid in started.items():
            assert f"{name}" in st.stdout and str(pid) in st.stdout, st.stdout
    finally:
        down = make("down", env, timeout=180)
        left = stack_processes(run_dir)
        for pid in left:  # whatever happened, leave nothing running behind the test
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    assert down.returncode == 0, f"make down failed:\n{output(down)}"
    assert not [n for n, pid in started.items() if alive(pid)], f"still running: {started}"
    assert not left, f"processes of the stack left after make down: {left}\n{output(down)}"
    assert not list(run_dir.glob("*.pid")), "make down left pid files"

    st = make("status", env, timeout=60)
    assert st.stdout.count("not running") == 3, output(st)
    script = subprocess.run(
        ["bash", str(REPO / "scripts" / "status.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert script.returncode == 3, script.stdout
