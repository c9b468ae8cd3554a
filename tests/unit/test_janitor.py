"""The janitor (worker/janitor.py): it removes the sandbox containers of finished jobs
only, on a real SQLite store whose clock is a ManualClock."""

from __future__ import annotations

import pytest

from store import JobStatus, ManualClock, SQLiteStore
from tests.unit.store_harness import submit
from worker import janitor


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


def job_in_state(store: SQLiteStore, state: str) -> str:
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
    store: SQLiteStore, state: str, reaped: bool
) -> None:
    job_id = job_in_state(store, state)
    engine = FakeContainers({job_id, "not-a-job-of-this-store"})
    assert janitor.reap(store, engine) == ([job_id] if reaped else [])
    assert engine.removed == ([job_id] if reaped else [])
    assert "not-a-job-of-this-store" in engine.present


def test_janitor_reaps_a_job_failed_at_claim_after_too_many_attempts(
    store: SQLiteStore, clock: ManualClock
) -> None:
    job_id = submit(store)
    for _ in range(3):  # three attempts, each worker killed: the lease lapses
        assert store.claim(job_id, 30, 3) is not None
        clock.advance(31)
    assert store.claim(job_id, 30, 3) is None
    assert store.job(job_id).status == JobStatus.FAILED  # type: ignore[union-attr]
    engine = FakeContainers({job_id})
    assert janitor.reap(store, engine) == [job_id]
    assert engine.present == set()
