"""All configuration, from environment variables, in one place.

GRADER_SANDBOX_IMAGE  (mlgrader-sandbox:1)
    the Docker image the sandboxes run
GRADER_WORK_DIR       (/var/tmp/mlgrader/runs)
    staging of sandbox inputs; a path the Docker engine sees (the same host)
GRADER_CACHE_DIR      (<repo>/.cache)
    cache of expected values, one folder per spec version
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    sandbox_image: str
    work_dir: Path
    cache_dir: Path

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            sandbox_image=env.get("GRADER_SANDBOX_IMAGE", "mlgrader-sandbox:1"),
            work_dir=Path(env.get("GRADER_WORK_DIR", "/var/tmp/mlgrader/runs")),
            cache_dir=Path(env.get("GRADER_CACHE_DIR", str(REPO / ".cache"))),
        )
