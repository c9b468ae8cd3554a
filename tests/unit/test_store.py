"""The SQLite store (store/sqlite.py): submissions and their files, job states, leases,
attempts and the sweep of jobs to send again.

The store's clock is a ManualClock: leases and queues age when a test advances it, not
by sleeping. Grading jobs from the store is tested in test_jobs.py; the same protocol runs
with real Redis, Celery workers and Docker in tests/integration/test_service.py.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from store import JobReason, JobStatus, ManualClock, SQLiteStore, SubmissionStore
from tests.unit.store_harness import submit


def test_the_sqlite_store_implements_the_store_interface(store: SQLiteStore) -> None:
    assert isinstance(store, SubmissionStore)
    public = {name for name in dir(SQLiteStore) if not name.startswith("_")}
    assert public >= {name for name in dir(SubmissionStore) if not name.startswith("_")}


def test_files_are_stored_before_the_job_is_visible(store: SQLiteStore) -> None:
    submission, job = store.add_submission("cs189_hw2", "bob", {"a/b.py": b"x", "hw2.py": b"y"})
    assert store.files(submission.id) == {"a/b.py": b"x", "hw2.py": b"y"}
    assert job.status == "received"


def test_states_and_reasons_are_stored_as_plain_strings(store: SQLiteStore) -> None:
    job_id = submit(store)
    claim = store.claim(job_id, 30, 3)
    assert claim is not None and store.finish(claim, {"score": 1})
    store.create_regrade("cs189_hw2", "prof")
    with closing(sqlite3.connect(store.db_path)) as db:
        rows = db.execute("SELECT status, typeof(status), reason FROM jobs ORDER BY rowid")
        assert rows.fetchall() == [("graded", "text", "submit"), ("received", "text", "regrade")]
    job = store.job(job_id)
    assert job is not None and job.status is JobStatus.GRADED and job.reason is JobReason.SUBMIT


def test_a_live_lease_keeps_other_workers_out(store: SQLiteStore) -> None:
    job_id = submit(store)
    first = store.claim(job_id, lease_seconds=30, max_attempts=3)
    assert first is not None
    assert store.claim(job_id, lease_seconds=30, max_attempts=3) is None


def test_an_expired_lease_is_swept_and_the_old_claim_cannot_write(
    store: SQLiteStore, clock: ManualClock
) -> None:
    job_id = submit(store)
    stale = store.claim(job_id, lease_seconds=30, max_attempts=3)
    assert stale is not None
    clock.advance(29)
    assert store.due_for_enqueue(queued_grace=60) == []  # the lease still runs
    clock.advance(2)
    assert job_id in store.due_for_enqueue(queued_grace=60)
    fresh = store.claim(job_id, lease_seconds=30, max_attempts=3)
    assert fresh is not None and fresh.token != stale.token
    assert not store.finish(stale, {"score": 99})  # the dead worker's verdict is refused
    assert store.finish(fresh, {"score": 1})
    assert not store.finish(fresh, {"score": 2})  # and a verdict is written once
    job = store.job(job_id)
    assert job is not None and job.results == {"score": 1} and job.attempts == 2


def test_a_job_that_keeps_dying_fails_after_max_attempts(
    store: SQLiteStore, clock: ManualClock
) -> None:
    job_id = submit(store)
    for _ in range(3):  # each attempt dies with its worker: the lease runs out
        assert store.claim(job_id, lease_seconds=30, max_attempts=3) is not None
        clock.advance(31)
        store.due_for_enqueue(queued_grace=60)
    assert store.claim(job_id, lease_seconds=30, max_attempts=3) is None
    job = store.job(job_id)
    assert job is not None and job.status == "failed" and job.attempts == 3
    assert job.message is not None and "did not complete in 3 attempts" in job.message


def test_jobs_never_sent_or_waiting_too_long_are_swept(
    store: SQLiteStore, clock: ManualClock
) -> None:
    _, never_sent = store.add_submission("cs189_hw2", "carol", {"hw2.py": b""})
    clock.advance(4)
    assert store.due_for_enqueue(queued_grace=60) == []  # within the received grace (5 s)
    clock.advance(2)
    assert store.due_for_enqueue(queued_grace=60) == [never_sent.id]
    clock.advance(59)
    assert store.due_for_enqueue(queued_grace=60) == []  # once per grace
    clock.advance(2)
    assert store.due_for_enqueue(queued_grace=60) == [never_sent.id]


def test_queue_position_counts_the_waiting_jobs_ahead(
    store: SQLiteStore, clock: ManualClock
) -> None:
    jobs = []
    for student in ("ann", "ben", "cid"):
        _, job = store.add_submission("cs189_hw2", student, {"hw2.py": b"x"})
        jobs.append(job.id)
        clock.advance(1)
    store.mark_queued(jobs[1])  # received and queued both wait
    assert [store.queue_position(j) for j in jobs] == [1, 2, 3]
    claim = store.claim(jobs[0], 30, 3)
    assert claim is not None
    assert [store.queue_position(j) for j in jobs] == [None, 1, 2]
    assert store.finish(claim, {"score": 1})
    assert store.queue_position(jobs[0]) is None and store.queue_position("nope") is None


def test_a_students_submissions_are_only_theirs_oldest_first(
    store: SQLiteStore, clock: ManualClock
) -> None:
    first, _ = store.add_submission("cs189_hw2", "ann", {"hw2.py": b"1"})
    clock.advance(1)
    store.add_submission("cs189_hw2", "ben", {"hw2.py": b"2"})
    store.add_submission("mit6390_nn", "ann", {"code.py": b"3"})
    second, _ = store.add_submission("cs189_hw2", "ann", {"hw2.py": b"4"})
    found = store.student_submissions("cs189_hw2", "ann")
    assert [s.id for s in found] == [first.id, second.id]
    assert store.student_submissions("cs189_hw2", "zed") == []


class Refused(Exception):
    pass


def test_admit_sees_the_students_earlier_submissions_and_the_new_time(
    store: SQLiteStore, clock: ManualClock
) -> None:
    seen: list[tuple[list[float], float]] = []
    first, _ = store.add_submission("cs189_hw2", "ann", {"hw2.py": b"1"})
    clock.advance(5)
    store.add_submission("cs189_hw2", "ben", {"hw2.py": b"2"})  # another student's
    store.add_submission("mit6390_nn", "ann", {"code.py": b"3"})  # another assignment's
    clock.advance(5)
    second, _ = store.add_submission(
        "cs189_hw2", "ann", {"hw2.py": b"4"}, lambda earlier, now: seen.append((earlier, now))
    )
    assert seen == [([first.created_at], clock.time)]
    assert second.created_at == clock.time


def test_a_refused_submission_leaves_nothing(store: SQLiteStore) -> None:
    def refuse(earlier: list[float], now: float) -> None:
        raise Refused(f"{len(earlier)} already")

    store.add_submission("cs189_hw2", "ann", {"hw2.py": b"1"})
    with pytest.raises(Refused, match="1 already"):
        store.add_submission("cs189_hw2", "ann", {"hw2.py": b"2"}, refuse)
    [only] = store.student_submissions("cs189_hw2", "ann")
    assert [p.name for p in store.files_dir.iterdir()] == [only.id]
    assert len(store.jobs_of(only.id)) == 1
