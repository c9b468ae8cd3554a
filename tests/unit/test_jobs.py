"""The job protocol (worker/store.py + worker/jobs.py) on a real SQLite store.

The sandbox here is the in-process fake; the same protocol runs with real Redis,
Celery workers and Docker in tests/integration/test_service.py.
"""

from __future__ import annotations

import time
import types
from pathlib import Path
from typing import Any

import pytest

from grader.errors import InfrastructureError, SpecError
from grader.grading import Grader
from grader.sandbox import SandboxOutcome, SandboxRequest
from sandbox.inprocess import InProcessSandbox
from worker import janitor
from worker.jobs import JobRunner
from worker.store import Store, SubmissionStore

REPO = Path(__file__).resolve().parents[2]
CS189 = REPO / "testcases" / "cs189_hw2"
SOURCE = (REPO / "reference" / "cs189_hw2" / "hw2.py").read_text()


@pytest.fixture(scope="module")
def grader(tmp_path_factory: pytest.TempPathFactory) -> Grader:
    return Grader.load(CS189, cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "data")


def reference_sandbox() -> InProcessSandbox:
    module = types.ModuleType("hw2")
    exec(compile(SOURCE, "hw2.py", "exec"), module.__dict__)  # trusted source
    return InProcessSandbox(module)


class BrokenSandbox:
    def __init__(self) -> None:
        self.calls = 0

    def run(self, request: SandboxRequest) -> SandboxOutcome:
        self.calls += 1
        raise InfrastructureError("cannot reach the Docker engine")


def runner(store: Store, grader: Grader, sandbox: Any, **kw: Any) -> JobRunner:
    return JobRunner(store, lambda _: grader, sandbox, kw.get("lease", 30), kw.get("attempts", 3))


def submit(store: Store) -> str:
    _, job = store.add_submission("cs189_hw2", "alice", {"hw2.py": SOURCE.encode()})
    store.mark_queued(job.id)
    return job.id


def test_a_job_is_graded_once_however_often_it_is_delivered(store: Store, grader: Grader) -> None:
    job_id = submit(store)
    jobs = runner(store, grader, reference_sandbox())
    assert jobs.run(job_id).kind == "graded"
    assert jobs.run(job_id).kind == "skipped"  # a duplicate message
    job = store.job(job_id)
    assert job is not None and job.status == "graded" and job.attempts == 1
    assert job.results is not None and job.results["score"] == 37


def test_the_sqlite_store_implements_the_store_interface(store: Store) -> None:
    assert isinstance(store, SubmissionStore)
    public = {name for name in dir(Store) if not name.startswith("_")}
    assert public >= {name for name in dir(SubmissionStore) if not name.startswith("_")}


def test_files_are_stored_before_the_job_is_visible(store: Store) -> None:
    submission, job = store.add_submission("cs189_hw2", "bob", {"a/b.py": b"x", "hw2.py": b"y"})
    assert store.files(submission.id) == {"a/b.py": b"x", "hw2.py": b"y"}
    assert job.status == "received"


def test_a_live_lease_keeps_other_workers_out(store: Store) -> None:
    job_id = submit(store)
    first = store.claim(job_id, lease_seconds=30, max_attempts=3)
    assert first is not None
    assert store.claim(job_id, lease_seconds=30, max_attempts=3) is None


def test_an_expired_lease_is_swept_and_the_old_claim_cannot_write(store: Store) -> None:
    job_id = submit(store)
    stale = store.claim(job_id, lease_seconds=0.05, max_attempts=3)
    assert stale is not None
    time.sleep(0.1)
    assert job_id in store.due_for_enqueue(queued_grace=60)
    fresh = store.claim(job_id, lease_seconds=30, max_attempts=3)
    assert fresh is not None and fresh.token != stale.token
    assert not store.finish(stale, {"score": 99})  # the dead worker's verdict is refused
    assert store.finish(fresh, {"score": 1})
    assert not store.finish(fresh, {"score": 2})  # and a verdict is written once
    job = store.job(job_id)
    assert job is not None and job.results == {"score": 1} and job.attempts == 2


def test_a_job_that_keeps_dying_fails_after_max_attempts(store: Store) -> None:
    job_id = submit(store)
    for _ in range(3):  # each attempt dies with its worker: the lease runs out
        assert store.claim(job_id, lease_seconds=0.01, max_attempts=3) is not None
        time.sleep(0.02)
        store.due_for_enqueue(queued_grace=60)
    assert store.claim(job_id, lease_seconds=30, max_attempts=3) is None
    job = store.job(job_id)
    assert job is not None and job.status == "failed" and job.attempts == 3
    assert job.message is not None and "did not complete in 3 attempts" in job.message


def test_infrastructure_errors_are_retried_then_failed(store: Store, grader: Grader) -> None:
    job_id = submit(store)
    broken = BrokenSandbox()
    jobs = runner(store, grader, broken)
    assert [jobs.run(job_id).kind for _ in range(3)] == ["released", "released", "failed"]
    job = store.job(job_id)
    assert job is not None and job.status == "failed" and broken.calls == 3
    assert job.message is not None and "not a problem with the submission" in job.message
    assert "Docker" in job.message


def test_a_broken_spec_fails_the_job_naming_the_instructor(store: Store) -> None:
    job_id = submit(store)

    def no_grader(_: str) -> Grader:
        raise SpecError("tests[0].points: Input should be a valid number", "assignment.yaml:12")

    outcome = JobRunner(store, no_grader, BrokenSandbox(), 30, 3).run(job_id)
    assert outcome.kind == "failed"
    job = store.job(job_id)
    assert job is not None and job.status == "failed"
    assert job.message is not None and "misconfigured (instructor)" in job.message


def test_jobs_never_sent_or_waiting_too_long_are_swept(store: Store) -> None:
    _, never_sent = store.add_submission("cs189_hw2", "carol", {"hw2.py": b""})
    assert store.due_for_enqueue(queued_grace=60, received_grace=0.0) == [never_sent.id]
    assert store.due_for_enqueue(queued_grace=60, received_grace=0.0) == []  # once per grace
    time.sleep(0.05)
    assert store.due_for_enqueue(queued_grace=0.01) == [never_sent.id]


def test_regrade_keeps_history(store: Store, grader: Grader) -> None:
    job_id = submit(store)
    jobs = runner(store, grader, reference_sandbox())
    jobs.run(job_id)
    regrade_id, new_jobs = store.create_regrade("cs189_hw2", "prof")
    assert len(new_jobs) == 1 and new_jobs[0].reason == "regrade"
    assert jobs.run(new_jobs[0].id).kind == "graded"
    history = store.jobs_of(new_jobs[0].submission_id)
    assert [j.reason for j in history] == ["submit", "regrade"]
    assert all(j.status == "graded" for j in history)
    found = store.regrade_jobs(regrade_id)
    assert found is not None and found[0] == "cs189_hw2"


class FakeContainers:
    """Groups of containers on an engine, as DockerSandbox.groups() lists them."""

    def __init__(self, groups: set[str]) -> None:
        self.present = set(groups)
        self.removed: list[str] = []

    def groups(self) -> set[str]:
        return set(self.present)

    def remove_group(self, group: str) -> None:
        self.present.discard(group)
        self.removed.append(group)


def job_in_state(store: Store, state: str) -> str:
    """A job left queued, running (live lease), graded or failed."""
    job_id = submit(store)
    if state == "queued":
        return job_id
    claim = store.claim(job_id, 30, 3)
    assert claim is not None
    if state == "graded":
        assert store.finish(claim, {"score": 1.0, "tests": []})
    elif state == "failed":
        assert store.fail(claim, "gave up")
    return job_id


@pytest.mark.parametrize(
    ("state", "reaped"),
    [("queued", False), ("running", False), ("graded", True), ("failed", True)],
)
def test_janitor_removes_containers_of_finished_jobs_only(
    store: Store, state: str, reaped: bool
) -> None:
    job_id = job_in_state(store, state)
    engine = FakeContainers({job_id, "not-a-job-of-this-store"})
    assert janitor.reap(store, engine) == ([job_id] if reaped else [])
    assert engine.removed == ([job_id] if reaped else [])
    assert "not-a-job-of-this-store" in engine.present


def test_janitor_reaps_a_job_failed_at_claim_after_too_many_attempts(store: Store) -> None:
    job_id = submit(store)
    for _ in range(3):  # three attempts, each worker killed: the lease lapses
        assert store.claim(job_id, 0.01, 3) is not None
        time.sleep(0.02)
    assert store.claim(job_id, 0.01, 3) is None
    assert store.job(job_id).status == "failed"  # type: ignore[union-attr]
    engine = FakeContainers({job_id})
    assert janitor.reap(store, engine) == [job_id]
    assert engine.present == set()
