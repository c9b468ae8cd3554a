"""Every process's configuration, from environment variables, in one place.

Shared (the API, the worker and the ``grader`` command):
GRADER_ASSIGNMENTS_DIR    (<repo>/testcases)
    folder of assignments, one sub-folder per assignment id
GRADER_DATA_DIR           (<repo>/.run/data)
    the durable store: SQLite database and submitted files
GRADER_CACHE_DIR          (<repo>/.cache)
    cache of expected values, one folder per spec version
GRADER_REDIS_URL          (redis://127.0.0.1:6379/0)
    the Celery broker
GRADER_LTI_CONFIG         (unset: no LMS may launch the tool)
    YAML list of the LTI 1.3 platforms registered with this tool (docs/lti.md)

API only (``settings.api``; the ``grader`` command takes its default URL from the first two):
GRADER_API_HOST           (127.0.0.1)   where the API listens
GRADER_API_PORT           (8000)
GRADER_TOKENS_FILE        (unset: no one can log in)
    YAML file mapping each bearer token to {role: student|instructor, name: ...}
GRADER_MAX_UPLOAD_BYTES   (5242880)     largest upload, and largest unpacked zip
GRADER_MAX_UPLOAD_FILES   (50)          most files in one upload (after unpacking)
GRADER_UPLOAD_DRAIN_BYTES (67108864)    an upload over the limit is read and discarded up
    to this many bytes, so that every client (urllib, browsers) can read the 413; a
    larger body is cut off
GRADER_SESSION_SECRET     (unset: a random key kept in <data dir>/session.key)
    signs the web pages' session cookies; set the same one on every API process
GRADER_SESSION_HOURS      (12)          a web sign-in lasts this long
GRADER_PUBLIC_URL         (unset: the address each request came to)
    the service's address as browsers and LMSs reach it, e.g. https://grader.example.edu

Worker only (``settings.worker``; ``grader grade`` uses the first two):
GRADER_SANDBOX_IMAGE      (mlgrader-sandbox:1)
    the Docker image the sandboxes run
GRADER_WORK_DIR           (/var/tmp/mlgrader/runs)
    staging of sandbox inputs; a path the Docker engine sees (the same host)
GRADER_MAX_ATTEMPTS       (3)           grading attempts before a submission is failed
GRADER_LEASE_SECONDS      (30)          a running job unrenewed this long is re-queued
GRADER_SWEEP_SECONDS      (10)          how often the sweep looks for stuck jobs
GRADER_QUEUED_GRACE       (60)          a job queued this long without starting is re-sent
GRADER_PASSBACK_BACKOFF   (5,15,60,180,600)
    seconds between tries of a score an LMS did not accept (the last repeats)
GRADER_POOL_SIZE          (1)           warm sandbox containers kept ready per worker
    process for each kind of container it has used (image, limits, preload); 0: none,
    each submission starts its own (docs/sandbox-contract.md, "The warm pool")
GRADER_POOL_IDLE          (600)         seconds a warm container may wait before it is
    recycled; a kind unused this long is no longer kept warm
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def env_var(name: str, default: str, parse: Callable[[str], Any] = str) -> Any:
    """A field read from the environment variable ``name`` (``default`` when unset)."""
    return field(metadata={"env": name, "default": default, "parse": parse})


def optional_path(text: str) -> Path | None:
    return Path(text) if text else None


def seconds_list(text: str) -> tuple[float, ...]:
    return tuple(float(part) for part in text.split(",") if part.strip())


def read(cls: type[T], env: Mapping[str, str]) -> T:
    """An instance of a settings class whose fields are all ``env_var`` fields."""
    values = {
        f.name: f.metadata["parse"](env.get(f.metadata["env"], f.metadata["default"]))
        for f in fields(cls)  # type: ignore[arg-type]
    }
    return cls(**values)


@dataclass(frozen=True)
class ApiSettings:
    """What only the HTTP API reads."""

    host: str = env_var("GRADER_API_HOST", "127.0.0.1")
    port: int = env_var("GRADER_API_PORT", "8000", int)
    tokens_file: Path | None = env_var("GRADER_TOKENS_FILE", "", optional_path)
    max_upload_bytes: int = env_var("GRADER_MAX_UPLOAD_BYTES", str(5 * 1024 * 1024), int)
    max_upload_files: int = env_var("GRADER_MAX_UPLOAD_FILES", "50", int)
    upload_drain_bytes: int = env_var("GRADER_UPLOAD_DRAIN_BYTES", str(64 * 1024 * 1024), int)
    session_secret: str = env_var("GRADER_SESSION_SECRET", "")
    session_hours: float = env_var("GRADER_SESSION_HOURS", "12", float)
    public_url: str = env_var("GRADER_PUBLIC_URL", "")


@dataclass(frozen=True)
class WorkerSettings:
    """What only the worker (and local grading) reads."""

    sandbox_image: str = env_var("GRADER_SANDBOX_IMAGE", "mlgrader-sandbox:1")
    work_dir: Path = env_var("GRADER_WORK_DIR", "/var/tmp/mlgrader/runs", Path)
    max_attempts: int = env_var("GRADER_MAX_ATTEMPTS", "3", int)
    lease_seconds: float = env_var("GRADER_LEASE_SECONDS", "30", float)
    sweep_seconds: float = env_var("GRADER_SWEEP_SECONDS", "10", float)
    queued_grace: float = env_var("GRADER_QUEUED_GRACE", "60", float)
    passback_backoff: tuple[float, ...] = env_var(
        "GRADER_PASSBACK_BACKOFF", "5,15,60,180,600", seconds_list
    )
    pool_size: int = env_var("GRADER_POOL_SIZE", "1", int)
    pool_idle: float = env_var("GRADER_POOL_IDLE", "600", float)


@dataclass(frozen=True)
class SharedSettings:
    """What every process reads."""

    assignments_dir: Path = env_var("GRADER_ASSIGNMENTS_DIR", str(REPO / "testcases"), Path)
    data_dir: Path = env_var("GRADER_DATA_DIR", str(REPO / ".run" / "data"), Path)
    cache_dir: Path = env_var("GRADER_CACHE_DIR", str(REPO / ".cache"), Path)
    redis_url: str = env_var("GRADER_REDIS_URL", "redis://127.0.0.1:6379/0")
    lti_config: Path | None = env_var("GRADER_LTI_CONFIG", "", optional_path)


@dataclass(frozen=True)
class Settings:
    """The shared settings, and the API's and the worker's own."""

    assignments_dir: Path
    data_dir: Path
    cache_dir: Path
    redis_url: str
    lti_config: Path | None
    api: ApiSettings
    worker: WorkerSettings

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        shared = read(SharedSettings, env)
        return cls(
            **{f.name: getattr(shared, f.name) for f in fields(SharedSettings)},
            api=read(ApiSettings, env),
            worker=read(WorkerSettings, env),
        )
