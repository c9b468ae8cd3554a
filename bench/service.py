"""The service rows: a private stack (tests/integration/service_stack.py: Redis, the API,
a Celery worker of --concurrency processes), reached over HTTP as a student and an
instructor would.

  latency     one upload at a time, from POST to the graded record (GET polled every
              50 ms); before each upload the service is left idle until the workers'
              warm pools (GET /api/health) are ready: an upload that meets an idle service
  uploads     N students upload at once; until all N are graded (GET of the instructor's
              list every 2 s: listing N submissions costs the API, on the worker's cores):
              how the N latest submissions the regrade takes are made
  regrade     POST /api/assignments/{id}/regrade (every student's latest submission),
              until GET /api/regrades/{id} says done (polled every 0.5 s)
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from tests.integration import service_stack

FINISHED = {"graded", "failed"}
PROF = "tok-prof"
POOL_PUBLISH_SECONDS = 5.5  # worker/pool_report.py publishes every 5 s


def student(i: int) -> str:
    return f"tok-s{i}"


@contextlib.contextmanager
def stack(
    root: Path, concurrency: int, students: int, env: Mapping[str, str]
) -> Iterator[service_stack.Stack]:
    """A private stack with a worker of ``concurrency`` processes and ``students`` tokens."""
    for i in range(students):  # the tokens file is written from this table
        service_stack.TOKENS.setdefault(student(i), {"role": "student", "name": f"student{i}"})
    with service_stack.running(root, ("redis",), **env) as running:
        running.start_worker(concurrency=concurrency)
        running.start_api()
        yield running


def upload(stack: service_stack.Stack, token: str, assignment: str, files: Mapping) -> str:
    with stack.client(token) as http:
        response = http.post(
            f"/api/assignments/{assignment}/submissions",
            files=[("files", (name, data)) for name, data in files.items()],
        )
    response.raise_for_status()
    return str(response.json()["id"])


def pool_figures(stack: service_stack.Stack) -> dict[str, int] | None:
    """The workers' warm pools, summed (None without a pool or its figures)."""
    try:
        pool = httpx.get(f"{stack.base_url}/api/health", timeout=5).json().get("pool")
    except (httpx.HTTPError, ValueError):
        return None
    return dict(pool) if pool else None


def settle(stack: service_stack.Stack, timeout: float = 120) -> None:
    """Wait until no warm container is starting or in use (figures published after the
    last grading); returns at once when the service has no pool figures."""
    deadline = time.monotonic() + timeout
    figures = pool_figures(stack)
    if not figures or not figures.get("workers"):
        return
    time.sleep(POOL_PUBLISH_SECONDS)
    while time.monotonic() < deadline:
        figures = pool_figures(stack) or {}
        if not figures.get("starting") and not figures.get("in_use"):
            return
        time.sleep(0.5)


def wait_graded(stack: service_stack.Stack, token: str, sid: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    with stack.client(token) as http:
        while time.monotonic() < deadline:
            record = http.get(f"/api/submissions/{sid}").json()
            if record["status"] in FINISHED:
                if record["status"] != "graded":
                    raise RuntimeError(f"{sid} {record['status']}: {record.get('message')}")
                return dict(record)
            time.sleep(0.05)
    raise RuntimeError(f"{sid} not graded after {timeout} s")


def latency(
    stack: service_stack.Stack, assignment: str, files: Mapping, n: int, timeout: float
) -> tuple[list[float], set[Any]]:
    """Seconds from upload to graded record, ``n`` times after one unmeasured warm-up,
    and the scores seen."""
    times, scores = [], set()
    for i in range(n + 1):
        settle(stack)
        t0 = time.perf_counter()
        sid = upload(stack, student(0), assignment, files)
        record = wait_graded(stack, student(0), sid, timeout)
        if i:
            times.append(time.perf_counter() - t0)
            scores.add(record.get("score"))
    return times, scores


def upload_all(
    stack: service_stack.Stack, assignment: str, files: Mapping, n: int, timeout: float
) -> float:
    """Seconds until ``n`` students' simultaneous uploads are all graded."""
    tokens = [student(i) for i in range(n)]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(min(n, 32)) as pool:
        pending = set(pool.map(lambda tok: upload(stack, tok, assignment, files), tokens))
    deadline = time.monotonic() + timeout
    with stack.client(PROF) as http:
        while pending:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(pending)} uploads not graded after {timeout} s")
            time.sleep(2)
            listed = http.get(f"/api/assignments/{assignment}/submissions").json()
            for summary in listed:
                if summary["id"] in pending and summary["status"] in FINISHED:
                    if summary["status"] != "graded":
                        raise RuntimeError(f"{summary['id']} failed: {summary.get('message')}")
                    pending.discard(summary["id"])
    return time.perf_counter() - t0


def regrade(stack: service_stack.Stack, assignment: str, timeout: float) -> tuple[float, int]:
    """Seconds until a regrade of every student's latest submission is done, and its jobs."""
    with stack.client(PROF) as http:
        t0 = time.perf_counter()
        accepted = http.post(f"/api/assignments/{assignment}/regrade")
        accepted.raise_for_status()
        regrade_id, jobs = accepted.json()["regrade_id"], accepted.json()["jobs"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(0.5)
            progress = http.get(f"/api/regrades/{regrade_id}").json()
            if progress["done"]:
                if progress["failed"]:
                    raise RuntimeError(f"regrade {regrade_id}: {progress}")
                return time.perf_counter() - t0, int(jobs)
    raise RuntimeError(f"regrade {regrade_id} not done after {timeout} s")
