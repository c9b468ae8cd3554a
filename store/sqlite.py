"""The embedded store: SQLite in WAL mode (``synchronous=FULL``) plus a folder of
submitted files; it needs no server.

Redis only carries job ids: every fact lives here, so a lost message is re-sent by
the sweep and a duplicate one is refused by ``claim``. ``claim`` hands out a fresh
token and a lease; only the holder of the current token can write the verdict, and
it can write it once. So each job is graded exactly once in the end, however often
its message is delivered. (A job's states: store/records.py.)
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import uuid
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import astuple
from pathlib import Path
from typing import Any

from store import database
from store.clock import SYSTEM_CLOCK, Clock
from store.policy_sqlite import PolicyQueries
from store.protocol import Admit
from store.records import Claim, Job, JobReason, JobStatus, Submission
from store.schema import JOB_COLUMNS, SCHEMA


class SQLiteStore(PolicyQueries):
    """The embedded SubmissionStore: SQLite in WAL mode and a folder of files (the
    extensions and publications: store/policy_sqlite.py)."""

    def __init__(self, data_dir: Path, clock: Clock = SYSTEM_CLOCK) -> None:
        self.data_dir = Path(data_dir)
        self.clock = clock
        self.files_dir = self.data_dir / "files"
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self.db_path = self.data_dir / "grader.sqlite3"
        database.create(self.db_path, SCHEMA)

    def _tx(self, immediate: bool = False) -> AbstractContextManager[sqlite3.Connection]:
        return database.transaction(self.db_path, immediate)

    # ------------------------------------------------------------------ writing

    def add_submission(
        self,
        assignment_id: str,
        student: str,
        files: Mapping[str, bytes],
        admit: Admit | None = None,
    ) -> tuple[Submission, Job]:
        """Store the files durably, then the records; the job starts as ``received``.

        ``admit(earlier, now)``, when given, is called in the transaction that writes the
        records, with the times of the student's earlier submissions of the assignment and
        the time this one gets; it raises to refuse it (nothing is kept). So two uploads
        at once cannot both take a quota's last place."""
        submission_id = uuid.uuid4().hex
        self._write_files(submission_id, files)
        try:
            with self._tx(immediate=True) as db:
                now = self.clock.now()
                if admit is not None:
                    admit(_times_of(db, assignment_id, student), now)
                submission = Submission(submission_id, assignment_id, student, now)
                job = _new_job(submission_id, JobReason.SUBMIT, student, None, now)
                db.execute(
                    "INSERT INTO submissions VALUES (?, ?, ?, ?)",
                    (submission_id, assignment_id, student, now),
                )
                _insert_job(db, job)
        except BaseException:
            self.remove_files(submission_id)
            raise
        return submission, job

    def _write_files(self, submission_id: str, files: Mapping[str, bytes]) -> None:
        final = self.files_dir / submission_id
        tmp = self.files_dir / f".{submission_id}.tmp"
        for name, data in files.items():
            path = tmp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        tmp.mkdir(parents=True, exist_ok=True)
        os.rename(tmp, final)
        _fsync_dir(self.files_dir)

    def mark_queued(self, job_id: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE jobs SET status = ?, queued_at = ? WHERE id = ? AND status IN (?, ?)",
                (JobStatus.QUEUED, self.clock.now(), job_id, JobStatus.RECEIVED, JobStatus.QUEUED),
            )

    def create_regrade(self, assignment_id: str, requested_by: str) -> tuple[str, list[Job]]:
        """A new job for the latest submission of every student; earlier results stay."""
        regrade_id = uuid.uuid4().hex
        at = self.clock.now()
        jobs = [
            _new_job(s.id, JobReason.REGRADE, requested_by, regrade_id, at)
            for s in self.latest_submissions(assignment_id)
        ]
        with self._tx(immediate=True) as db:
            db.execute(
                "INSERT INTO regrades VALUES (?, ?, ?, ?)",
                (regrade_id, assignment_id, requested_by, at),
            )
            for job in jobs:
                _insert_job(db, job)
        return regrade_id, jobs

    # ------------------------------------------------------------------ the job protocol

    def claim(self, job_id: str, lease_seconds: float, max_attempts: int) -> Claim | None:
        """Take a job to grade, or None when it is finished or held by a live lease.

        Counts an attempt; past ``max_attempts`` the job is failed instead: a job
        whose grading keeps dying (the worker killed each time) ends, with a message.
        """
        with self._tx(immediate=True) as db:
            row = db.execute(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                return None
            job = Job.from_row(row)
            t = self.clock.now()
            if job.status.finished:
                return None
            if job.status == JobStatus.RUNNING and (job.lease_until or 0) > t:
                return None
            attempts = job.attempts + 1
            if attempts > max_attempts:
                db.execute(
                    "UPDATE jobs SET status = ?, finished_at = ?, claim_token = NULL, "
                    "message = ? WHERE id = ?",
                    (JobStatus.FAILED, t, _gave_up(job, max_attempts), job_id),
                )
                return None
            token = uuid.uuid4().hex
            db.execute(
                "UPDATE jobs SET status = ?, attempts = ?, started_at = ?, "
                "claim_token = ?, lease_until = ? WHERE id = ?",
                (JobStatus.RUNNING, attempts, t, token, t + lease_seconds, job_id),
            )
        return Claim(self.job(job_id), token)  # type: ignore[arg-type]

    def renew(self, claim: Claim, lease_seconds: float) -> bool:
        return self._update_claimed(claim, "lease_until = ?", (self.clock.now() + lease_seconds,))

    def finish(self, claim: Claim, results: dict[str, Any]) -> bool:
        """Write the verdict; False (and nothing written) if the claim is no longer current."""
        return self._update_claimed(
            claim,
            "status = ?, finished_at = ?, results = ?, message = NULL, lease_until = NULL",
            (JobStatus.GRADED, self.clock.now(), json.dumps(results)),
        )

    def fail(self, claim: Claim, message: str) -> bool:
        return self._update_claimed(
            claim,
            "status = ?, finished_at = ?, message = ?, lease_until = NULL",
            (JobStatus.FAILED, self.clock.now(), message),
        )

    def release(self, claim: Claim, message: str) -> bool:
        """Give the job back (an infrastructure error): it is queued again."""
        return self._update_claimed(
            claim,
            "status = ?, queued_at = ?, message = ?, claim_token = NULL, lease_until = NULL",
            (JobStatus.QUEUED, self.clock.now(), message),
        )

    def _update_claimed(self, claim: Claim, assignments: str, values: tuple[Any, ...]) -> bool:
        with self._tx(immediate=True) as db:
            cursor = db.execute(
                f"UPDATE jobs SET {assignments} WHERE id = ? AND status = ? AND claim_token = ?",
                (*values, claim.job.id, JobStatus.RUNNING, claim.token),
            )
            return cursor.rowcount == 1

    def due_for_enqueue(self, queued_grace: float, received_grace: float = 5.0) -> list[str]:
        """Jobs whose message may be lost: never sent, queued too long, or holding an expired
        lease. Their queued time is reset, so one sweep sends each once."""
        t = self.clock.now()
        with self._tx(immediate=True) as db:
            rows = db.execute(
                "SELECT id FROM jobs WHERE "
                "(status = ? AND created_at < ?) OR "
                "(status = ? AND queued_at < ?) OR "
                "(status = ? AND lease_until < ?)",
                (
                    JobStatus.RECEIVED,
                    t - received_grace,
                    JobStatus.QUEUED,
                    t - queued_grace,
                    JobStatus.RUNNING,
                    t,
                ),
            ).fetchall()
            ids = [r[0] for r in rows]
            db.executemany(  # an expired lease releases the job: its old token is void
                "UPDATE jobs SET queued_at = ?, status = ?, claim_token = NULL, "
                "lease_until = NULL WHERE id = ?",
                [(t, JobStatus.QUEUED, i) for i in ids],
            )
        return ids

    # ------------------------------------------------------------------ reading

    def job(self, job_id: str) -> Job | None:
        with self._tx() as db:
            row = db.execute(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return Job.from_row(row) if row else None

    def jobs_of(self, submission_id: str) -> list[Job]:
        """Every grading of a submission, oldest first."""
        with self._tx() as db:
            rows = db.execute(
                f"SELECT {JOB_COLUMNS} FROM jobs WHERE submission_id = ? "
                "ORDER BY created_at, rowid",
                (submission_id,),
            ).fetchall()
        return [Job.from_row(r) for r in rows]

    def submission(self, submission_id: str) -> Submission | None:
        with self._tx() as db:
            row = db.execute(
                "SELECT id, assignment_id, student, created_at FROM submissions WHERE id = ?",
                (submission_id,),
            ).fetchone()
        return Submission(*row) if row else None

    def submissions(self, assignment_id: str) -> list[Submission]:
        with self._tx() as db:
            rows = db.execute(
                "SELECT id, assignment_id, student, created_at FROM submissions "
                "WHERE assignment_id = ? ORDER BY created_at, rowid",
                (assignment_id,),
            ).fetchall()
        return [Submission(*r) for r in rows]

    def student_submissions(self, assignment_id: str, student: str) -> list[Submission]:
        """One student's submissions of an assignment, oldest first."""
        with self._tx() as db:
            rows = db.execute(
                "SELECT id, assignment_id, student, created_at FROM submissions "
                "WHERE assignment_id = ? AND student = ? ORDER BY created_at, rowid",
                (assignment_id, student),
            ).fetchall()
        return [Submission(*r) for r in rows]

    def queue_position(self, job_id: str) -> int | None:
        """1 + the waiting jobs (received or queued) created before this one; None
        unless this job is itself waiting. Workers take jobs in about this order."""
        waiting = (JobStatus.RECEIVED.value, JobStatus.QUEUED.value)
        with self._tx() as db:
            row = db.execute(
                "SELECT created_at, rowid FROM jobs WHERE id = ? AND status IN (?, ?)",
                (job_id, *waiting),
            ).fetchone()
            if row is None:
                return None
            (ahead,) = db.execute(
                "SELECT COUNT(*) FROM jobs WHERE status IN (?, ?) "
                "AND (created_at < ? OR (created_at = ? AND rowid < ?))",
                (*waiting, row[0], row[0], row[1]),
            ).fetchone()
        return int(ahead) + 1

    def latest_submissions(self, assignment_id: str) -> list[Submission]:
        latest: dict[str, Submission] = {}
        for s in self.submissions(assignment_id):
            latest[s.student] = s
        return list(latest.values())

    def files(self, submission_id: str) -> dict[str, bytes]:
        folder = self.files_dir / submission_id
        return {
            p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*"))
            if p.is_file()
        }

    def regrade_jobs(self, regrade_id: str) -> tuple[str, list[Job]] | None:
        with self._tx() as db:
            row = db.execute(
                "SELECT assignment_id FROM regrades WHERE id = ?", (regrade_id,)
            ).fetchone()
            if row is None:
                return None
            rows = db.execute(
                f"SELECT {JOB_COLUMNS} FROM jobs WHERE regrade_id = ?", (regrade_id,)
            ).fetchall()
        return row[0], [Job.from_row(r) for r in rows]

    def ping(self) -> None:
        with self._tx() as db:
            db.execute("SELECT 1").fetchone()

    def remove_files(self, submission_id: str) -> None:  # for operators; never automatic
        shutil.rmtree(self.files_dir / submission_id, ignore_errors=True)


def _new_job(
    submission_id: str, reason: JobReason, by: str, regrade_id: str | None, at: float
) -> Job:
    return Job(uuid.uuid4().hex, submission_id, reason, by, regrade_id, JobStatus.RECEIVED, 0, at)


def _insert_job(db: sqlite3.Connection, job: Job) -> None:
    """A new job: its phase timestamps, claim and results start empty."""
    db.execute(
        "INSERT INTO jobs (id, submission_id, reason, requested_by, regrade_id, status, "
        "attempts, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        astuple(job)[:8],  # the fields above, in the dataclass's order
    )


def _times_of(db: sqlite3.Connection, assignment_id: str, student: str) -> list[float]:
    rows = db.execute(
        "SELECT created_at FROM submissions WHERE assignment_id = ? AND student = ? "
        "ORDER BY created_at",
        (assignment_id, student),
    ).fetchall()
    return [r[0] for r in rows]


def _gave_up(job: Job, max_attempts: int) -> str:
    last = f" The last error: {job.message}" if job.message else ""
    return (
        f"infrastructure failure: grading did not complete in {max_attempts} attempts "
        f"(the grader was interrupted or failed each time); this is not a problem with "
        f"the submission.{last}"
    )


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
