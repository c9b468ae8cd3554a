"""The job protocol's worker side (worker/jobs.py): a JobRunner grading jobs of a real
SQLite store, once however often a job is delivered, retrying infrastructure errors.

The sandbox here is the in-process fake; the same protocol runs with real Redis,
Celery workers and Docker in tests/integration/test_service.py.
"""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

import pytest

from grader.errors import InfrastructureError, SpecError
from grader.grading import Grader
from grader.sandbox import SandboxOutcome, SandboxRequest
from sandbox.inprocess import InProcessSandbox
from store import SQLiteStore
from tests.unit.store_harness import SOURCE, submit
from worker.jobs import JobRunner

REPO = Path(__file__).resolve().parents[2]
CS189 = REPO / "testcases" / "cs189_hw2"


@pytest.fixture(scope="module")
def grader(tmp_path_factory: pytest.TempPathFactory) -> Grader:
    return Grader.load(CS189, cache_dir=tmp_path_factory.mktemp("cache"))


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


def runner(store: SQLiteStore, grader: Grader, sandbox: Any, **kw: Any) -> JobRunner:
    return JobRunner(store, lambda _: grader, sandbox, kw.get("lease", 30), kw.get("attempts", 3))


def test_a_job_is_graded_once_however_often_it_is_delivered(
    store: SQLiteStore, grader: Grader
) -> None:
    job_id = submit(store)
    jobs = runner(store, grader, reference_sandbox())
    assert jobs.run(job_id).kind == "graded"
    assert jobs.run(job_id).kind == "skipped"  # a duplicate message
    job = store.job(job_id)
    assert job is not None and job.status == "graded" and job.attempts == 1
    assert job.results is not None and job.results["score"] == 37


def test_infrastructure_errors_are_retried_then_failed(store: SQLiteStore, grader: Grader) -> None:
    job_id = submit(store)
    broken = BrokenSandbox()
    jobs = runner(store, grader, broken)
    assert [jobs.run(job_id).kind for _ in range(3)] == ["released", "released", "failed"]
    job = store.job(job_id)
    assert job is not None and job.status == "failed" and broken.calls == 3
    assert job.message is not None and "not a problem with the submission" in job.message
    assert "Docker" in job.message


def test_a_broken_spec_fails_the_job_naming_the_instructor(store: SQLiteStore) -> None:
    job_id = submit(store)

    def no_grader(_: str) -> Grader:
        raise SpecError("tests[0].points: Input should be a valid number", "assignment.yaml:12")

    outcome = JobRunner(store, no_grader, BrokenSandbox(), 30, 3).run(job_id)
    assert outcome.kind == "failed"
    job = store.job(job_id)
    assert job is not None and job.status == "failed"
    assert job.message is not None and "misconfigured (instructor)" in job.message


def test_regrade_keeps_history(store: SQLiteStore, grader: Grader) -> None:
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
