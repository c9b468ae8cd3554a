"""The fresh-container peer: the bare script of bench/grade_overhead.py in a fresh hardened
`docker run --rm` of the sandbox image per submission (Gradescope's model).

The container gets the sandbox's limits (no network, read-only root, no capabilities,
no new privileges, the sandbox's uid, memory without swap, pids, CPU quota, thread
count, tmpfs /tmp) and, read-only, the grader modules the bare script imports, the
submission and the staged inputs (plan, fixtures). Timed from `docker run` to its exit.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from bench.grade_overhead import BARE, THREAD_VARS, readable, threads
from grader.grading import Grader
from sandbox.docker_sandbox import SANDBOX_UID
from sandbox.staging import CONTAINER_FILES


def stage_peer(folder: Path) -> Path:
    """``folder``/lib: the core and container modules the bare script imports (the
    container's own copies, CONTAINER_FILES without the runner); ``folder``/bare.py."""
    for rel, source in CONTAINER_FILES.items():
        if rel.startswith(("grader/", "sandbox/")):
            (folder / "lib" / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, folder / "lib" / rel)
    (folder / "bare.py").write_text(BARE)
    readable(folder)
    return folder


def peer_argv(grader: Grader, image: str, folder: Path, sub: Path, inputs: Path) -> list[str]:
    limits = grader.assignment.limits
    argv = ["docker", "run", "--rm", "--network", "none", "--read-only"]
    argv += ["--cap-drop", "ALL", "--security-opt", "no-new-privileges"]
    argv += ["--user", f"{SANDBOX_UID}:{SANDBOX_UID}", "--memory", f"{limits.memory_mb}m"]
    argv += ["--memory-swap", f"{limits.memory_mb}m", "--pids-limit", str(limits.pids)]
    argv += ["--cpus", str(limits.cpus), "--tmpfs", f"/tmp:size={limits.tmp_mb}m,mode=1777"]
    argv += ["-v", f"{folder}:/bench:ro", "-v", f"{sub}:/submission:ro"]
    argv += ["-v", f"{inputs}:/inputs:ro", "-w", "/tmp"]
    for var in THREAD_VARS:
        argv += ["-e", f"{var}={threads(grader)}"]
    argv += ["-e", "PYTHONPATH=/submission:/bench/lib", "-e", "PYTHONDONTWRITEBYTECODE=1"]
    module = grader.assignment.submission.module or "-"
    return [*argv, image, "python3", "/bench/bare.py", "/submission", module, "/inputs"]


def peer_run(grader: Grader, image: str, folder: Path, sub: Path, inputs: Path) -> float:
    """Seconds from `docker run` to its exit."""
    argv = peer_argv(grader, image, folder, sub, inputs)
    started = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, stdin=subprocess.DEVNULL)
    return time.perf_counter() - started
