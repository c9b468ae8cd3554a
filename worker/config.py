"""All configuration, from environment variables, in one place.

GRADER_SANDBOX_IMAGE      (mlgrader-sandbox:1)
    the Docker image the sandboxes run
GRADER_WORK_DIR           (/var/tmp/mlgrader/runs)
    staging of sandbox inputs; a path the Docker engine sees (the same host)
GRADER_CACHE_DIR          (<repo>/.cache)
    cache of expected values, one folder per spec version
GRADER_ASSIGNMENTS_DIR    (<repo>/testcases)
    folder of assignments, one sub-folder per assignment id
GRADER_DATA_DIR           (<repo>/.run/data)
    the durable store: SQLite database and submitted files
GRADER_REDIS_URL          (redis://127.0.0.1:6379/0)
    the Celery broker
GRADER_TOKENS_FILE        (unset: no one can log in)
    YAML file mapping each bearer token to {role: student|instructor, name: ...}
GRADER_API_HOST           (127.0.0.1)   where the API listens
GRADER_API_PORT           (8000)
GRADER_MAX_UPLOAD_BYTES   (5242880)     largest upload, and largest unpacked zip
GRADER_MAX_UPLOAD_FILES   (50)          most files in one upload (after unpacking)
GRADER_MAX_ATTEMPTS       (3)           grading attempts before a submission is failed
GRADER_LEASE_SECONDS      (30)          a running job unrenewed this long is re-queued
GRADER_SWEEP_SECONDS      (10)          how often the sweep looks for stuck jobs
GRADER_QUEUED_GRACE       (60)          a job queued this long without starting is re-sent
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
    assignments_dir: Path
    data_dir: Path
    redis_url: str
    tokens_file: Path | None
    api_host: str
    api_port: int
    max_upload_bytes: int
    max_upload_files: int
    max_attempts: int
    lease_seconds: float
    sweep_seconds: float
    queued_grace: float

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        tokens = env.get("GRADER_TOKENS_FILE")
        return cls(
            sandbox_image=env.get("GRADER_SANDBOX_IMAGE", "mlgrader-sandbox:1"),
            work_dir=Path(env.get("GRADER_WORK_DIR", "/var/tmp/mlgrader/runs")),
            cache_dir=Path(env.get("GRADER_CACHE_DIR", str(REPO / ".cache"))),
            assignments_dir=Path(env.get("GRADER_ASSIGNMENTS_DIR", str(REPO / "testcases"))),
            data_dir=Path(env.get("GRADER_DATA_DIR", str(REPO / ".run" / "data"))),
            redis_url=env.get("GRADER_REDIS_URL", "redis://127.0.0.1:6379/0"),
            tokens_file=Path(tokens) if tokens else None,
            api_host=env.get("GRADER_API_HOST", "127.0.0.1"),
            api_port=int(env.get("GRADER_API_PORT", "8000")),
            max_upload_bytes=int(env.get("GRADER_MAX_UPLOAD_BYTES", str(5 * 1024 * 1024))),
            max_upload_files=int(env.get("GRADER_MAX_UPLOAD_FILES", "50")),
            max_attempts=int(env.get("GRADER_MAX_ATTEMPTS", "3")),
            lease_seconds=float(env.get("GRADER_LEASE_SECONDS", "30")),
            sweep_seconds=float(env.get("GRADER_SWEEP_SECONDS", "10")),
            queued_grace=float(env.get("GRADER_QUEUED_GRACE", "60")),
        )
