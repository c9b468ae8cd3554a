"""A sandbox container's staging folder: what is copied into it and how.

The folder is bind-mounted read-only: ``grader/`` at /grader (the runner's code under
``lib/``, then the plan, the public fixtures and the named pipe ``go``) and
``submission/`` at /submission. The host writes into it; the container only reads.
"""

from __future__ import annotations

import os
from pathlib import Path

import grader
import sandbox.container
from grader import wire

POOL_PREFIX = "pool-"  # names of containers (and staging folders) not yet given a run
_CORE = Path(grader.__file__).parent
_CONTAINER = Path(sandbox.container.__file__).parent
# Exactly the files copied into the container, by their path under /grader/lib. The
# runner is the entry point, /grader/lib/runner.py; its package sits beside the core's
# modules so that both import as on the host.
CONTAINER_FILES: dict[str, Path] = {
    "runner.py": _CONTAINER / "runner.py",
    "grader/__init__.py": _CORE / "__init__.py",
    "grader/codec.py": _CORE / "codec.py",
    "grader/seeding.py": _CORE / "seeding.py",
    "grader/steps.py": _CORE / "steps.py",
    "grader/wire.py": _CORE / "wire.py",
    "sandbox/__init__.py": _CONTAINER.parent / "__init__.py",
    "sandbox/container/__init__.py": _CONTAINER / "__init__.py",
    "sandbox/container/child.py": _CONTAINER / "child.py",
    "sandbox/container/counters.py": _CONTAINER / "counters.py",
    "sandbox/container/fixtures.py": _CONTAINER / "fixtures.py",
    "sandbox/container/isolation.py": _CONTAINER / "isolation.py",
}


def stage_runner(folder: Path) -> None:
    """A new container's staging folder: the runner's code (exactly CONTAINER_FILES), an
    empty submission folder and the named pipe the request's start line comes on."""
    write_files(folder, {f"grader/lib/{k}": v.read_bytes() for k, v in CONTAINER_FILES.items()})
    (folder / "submission").mkdir(mode=0o755)
    os.mkfifo(folder / "grader" / wire.GO_FIFO, 0o644)
    (folder / "grader" / wire.GO_FIFO).chmod(0o644)  # whatever the umask


def write_files(folder: Path, files: dict[str, bytes]) -> None:
    """Files under ``folder``, readable by the sandbox user (the folder is mounted read-only)."""
    folder.mkdir(mode=0o755, parents=True, exist_ok=True)
    for rel, data in files.items():
        path = folder / rel
        for parent in reversed(path.relative_to(folder).parents):
            (folder / parent).mkdir(mode=0o755, exist_ok=True)
            (folder / parent).chmod(0o755)
        path.write_bytes(data)
        path.chmod(0o644)
