"""The grading service with real Redis, real Celery workers, real Docker, over HTTP.

Nothing accepted is lost or graded twice: checked through the API and in the store
(each upload has exactly one grading job, graded once, with its attempt count).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docker
import httpx
import pytest

from store import SQLiteStore
from tests.conftest import REFERENCE_SOURCE
from tests.integration.service_stack import Stack, running

pytestmark = pytest.mark.docker

SLOW = REFERENCE_SOURCE + (
    "\nimport time\n"
    "def finite_difference(f, a, eps=1e-5):\n"
    "    time.sleep(30)\n"  # within its wall-clock cap (10 s x wall_factor 5): ~30 s
)
LOSS_SIGN_BUG = REFERENCE_SOURCE.replace(
    "dL_dg = -y / g + (1.0 - y) / (1.0 - g)", "dL_dg = y / g - (1.0 - y) / (1.0 - g)"
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, docker_sandbox: object) -> Iterator[Stack]:
    with running(tmp_path_factory.mktemp("stack")) as service:
        yield service


@pytest.fixture
def store(stack: Stack) -> SQLiteStore:
    return SQLiteStore(Path(stack.env["GRADER_DATA_DIR"]))


def ensure_worker(stack: Stack) -> None:
    if stack.worker is None or not stack.worker.alive():
        stack.start_worker()


def containers_of(job_id: str) -> list[str]:
    """A job's sandbox containers: named mlgrader-{job id}-a{attempt} once they have a run."""
    listed = docker.from_env().containers.list(
        all=True, filters={"label": "mlgrader=sandbox"}, ignore_removed=True
    )
    return [c.name for c in listed if c.name.startswith(f"mlgrader-{job_id}-")]


def warm_containers_of(stack: Stack) -> list[str]:
    """The waiting containers of this stack's worker processes (their staging folders are
    under its GRADER_WORK_DIR)."""
    work = stack.env["GRADER_WORK_DIR"]
    listed = docker.from_env().containers.list(
        all=True, filters={"label": "mlgrader=sandbox"}, ignore_removed=True
    )
    return [
        c.name
        for c in listed
        if c.name.startswith("mlgrader-pool-")
        and any(m.get("Source", "").startswith(work) for m in c.attrs.get("Mounts", []))
    ]


def no_container_left(job_id: str, timeout: float = 30) -> None:
    """A killed attempt's container is removed by the next attempt or, when the job has
    none, by the sweep (worker/janitor.py) within a few sweep intervals."""
    deadline = time.monotonic() + timeout
    while (left := containers_of(job_id)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert left == [], f"containers of job {job_id} left behind"


def graded_once(store: SQLiteStore, submission_id: str, attempts: int = 1) -> None:
    jobs = store.jobs_of(submission_id)
    assert len(jobs) == 1, jobs
    assert jobs[0].status == "graded" and jobs[0].results is not None
    assert jobs[0].attempts == attempts


def test_reference_and_buggy_submissions_over_http(stack: Stack, store: SQLiteStore) -> None:
    started = time.monotonic()
    good = stack.upload("tok-alice", REFERENCE_SOURCE)
    record = stack.wait_status("tok-alice", good, {"graded", "failed"})
    elapsed = time.monotonic() - started
    assert record["status"] == "graded" and record["results"]["score"] == 37
    assert record["student"] == "alice" and record["assignment_id"] == "cs189_hw2"
    print(f"\nend-to-end time of one submission (upload to graded): {elapsed:.2f} s")
    bad = stack.upload("tok-alice", LOSS_SIGN_BUG)
    record = stack.wait_status("tok-alice", bad, {"graded", "failed"})
    assert record["results"]["score"] == 37 - 2 - 6 - 8  # derivative, backward, training
    graded_once(store, good)
    graded_once(store, bad)


def test_fifty_concurrent_uploads_are_each_graded_once(stack: Stack, store: SQLiteStore) -> None:
    ensure_worker(stack)
    tokens = [f"tok-s{i % 5}" for i in range(50)]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        ids = list(pool.map(lambda t: stack.upload(t, REFERENCE_SOURCE), tokens))
    accepted = time.monotonic() - started
    assert len(set(ids)) == 50
    for token, submission_id in zip(tokens, ids, strict=True):
        record = stack.wait_status(token, submission_id, {"graded", "failed"}, timeout=600)
        assert record["status"] == "graded" and record["results"]["score"] == 37
    total = time.monotonic() - started
    print(
        f"\n50 uploads accepted in {accepted:.2f} s; all graded after {total:.1f} s "
        f"({50 / total:.2f} submissions/s with 2 worker processes)"
    )
    for submission_id in ids:
        graded_once(store, submission_id)
    # each student sees their own submissions only
    with stack.client("tok-s0") as http:
        for token, submission_id in zip(tokens, ids, strict=True):
            status = http.get(f"/api/submissions/{submission_id}").status_code
            assert status == (200 if token == "tok-s0" else 404)


def test_worker_killed_mid_grade_is_graded_once_after_restart(
    stack: Stack, store: SQLiteStore
) -> None:
    ensure_worker(stack)
    submission_id = stack.upload("tok-bob", SLOW)
    stack.wait_status("tok-bob", submission_id, {"running"})
    deadline = time.monotonic() + 30  # the pool refills behind the job it just served
    while not (orphans := set(warm_containers_of(stack))) and time.monotonic() < deadline:
        time.sleep(0.5)
    stack.kill_worker()  # kill -9, the whole process group: its warm containers stay behind
    restarted = time.monotonic()
    stack.start_worker()
    record = stack.wait_status("tok-bob", submission_id, {"graded", "failed"}, timeout=90)
    recovery = time.monotonic() - restarted
    assert record["status"] == "graded"
    assert recovery < 60 + 20, f"graded {recovery:.1f} s after the restart"
    print(f"\nkilled mid-grade: graded {recovery:.1f} s after the worker restarted")
    graded_once(store, submission_id, attempts=2)
    no_container_left(store.jobs_of(submission_id)[0].id)
    assert orphans, "the killed worker had no warm container to leave behind"
    assert not orphans & set(warm_containers_of(stack)), "the sweep left the killed pool's"


def test_health_shows_the_warm_pools(stack: Stack) -> None:
    """Each worker process publishes its pool's figures; the health answer sums them."""
    ensure_worker(stack)
    submission_id = stack.upload("tok-alice", REFERENCE_SOURCE)
    stack.wait_status("tok-alice", submission_id, {"graded"})
    deadline, pool = time.monotonic() + 30, None
    while time.monotonic() < deadline:
        pool = httpx.get(f"{stack.base_url}/api/health", timeout=5).json()["pool"]
        if pool and pool["workers"] >= 1 and pool["ready"] >= 1 and pool["hits"] + pool["misses"]:
            break
        time.sleep(1)
    assert pool is not None, "no pool figures"
    assert pool["workers"] >= 1 and pool["ready"] >= 1, pool
    assert pool["hits"] + pool["misses"] >= 1, pool


def test_redis_killed_with_submissions_queued_loses_nothing(
    stack: Stack, store: SQLiteStore
) -> None:
    if stack.worker is not None and stack.worker.alive():
        stack.worker.stop()  # nothing consumes: the jobs wait in Redis
    ids = [stack.upload("tok-alice", REFERENCE_SOURCE) for _ in range(5)]
    assert stack.redis is not None
    stack.redis.signal_group(9)  # kill -9: the last second of the AOF may be lost
    stack.redis.popen.wait(10)
    stack.start_redis()
    stack.start_worker()
    for submission_id in ids:
        record = stack.wait_status("tok-alice", submission_id, {"graded", "failed"}, timeout=180)
        assert record["status"] == "graded"
        graded_once(store, submission_id)


def test_api_restart_keeps_records_and_results(stack: Stack) -> None:
    ensure_worker(stack)
    submission_id = stack.upload("tok-alice", REFERENCE_SOURCE)
    before = stack.wait_status("tok-alice", submission_id, {"graded"})
    assert stack.api is not None
    stack.api.stop()
    stack.start_api()
    assert stack.record("tok-alice", submission_id) == before
    with stack.client("tok-prof") as http:
        listed = http.get("/api/assignments/cs189_hw2/submissions")
    assert listed.status_code == 200
    assert submission_id in listed.text


def test_a_job_that_keeps_crashing_the_worker_fails_after_three_attempts(
    stack: Stack, store: SQLiteStore
) -> None:
    ensure_worker(stack)
    submission_id = stack.upload("tok-bob", SLOW)
    for attempt in (1, 2, 3):  # each attempt killed while its container runs
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            job = store.jobs_of(submission_id)[0]
            if f"mlgrader-{job.id}-a{attempt}" in containers_of(job.id):
                break
            time.sleep(0.2)
        else:
            raise AssertionError(f"attempt {attempt} never started its container: {job}")
        stack.kill_worker()
        stack.start_worker()
    record = stack.wait_status("tok-bob", submission_id, {"graded", "failed"}, timeout=90)
    assert record["status"] == "failed"
    assert "did not complete in 3 attempts" in (record.get("message") or "")
    job = store.jobs_of(submission_id)[0]
    assert job.attempts == 3 and job.results is None
    no_container_left(job.id)
