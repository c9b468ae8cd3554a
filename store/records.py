"""The records of the store: submissions, grading jobs and claims, and a job's states.

A job is one request to grade one submission (the upload, or a regrade). Its life:

    received ──enqueue──> queued ──claim──> running ──finish──> graded
                             ^                 │ ├──fail─────> failed
                             │                 │ └─(attempts exhausted at claim)─> failed
                             └──release/sweep──┘   (an infrastructure error, or a lease
                                                    that ran out because the worker died)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class JobStatus(StrEnum):
    """Where a job is in its life; the value is what the database stores."""

    RECEIVED = "received"  # stored, not yet sent to the queue
    QUEUED = "queued"
    RUNNING = "running"  # claimed by a worker, under a lease
    GRADED = "graded"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        """No worker will touch the job again."""
        return self in FINISHED


FINISHED = frozenset({JobStatus.GRADED, JobStatus.FAILED})


class JobReason(StrEnum):
    """Why a job was made."""

    SUBMIT = "submit"  # a student's upload
    REGRADE = "regrade"  # an instructor's regrade of the latest submissions


@dataclass(frozen=True)
class Job:
    id: str
    submission_id: str
    reason: JobReason
    requested_by: str
    regrade_id: str | None
    status: JobStatus
    attempts: int
    created_at: float
    queued_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    claim_token: str | None = None
    lease_until: float | None = None
    message: str | None = None
    results: dict[str, Any] | None = None

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Job:
        """A row of ``JOB_COLUMNS``: the fields in order, the results as JSON text."""
        values = list(row)
        values[2] = JobReason(values[2])
        values[5] = JobStatus(values[5])
        values[-1] = json.loads(values[-1]) if values[-1] else None
        return cls(*values)


@dataclass(frozen=True)
class Submission:
    id: str
    assignment_id: str
    student: str
    created_at: float


@dataclass(frozen=True)
class Claim:
    """The right to grade a job once: present the token to write the verdict."""

    job: Job
    token: str


@dataclass(frozen=True)
class Extension:
    """An instructor's extension: a new due for one student of one assignment (aware, in
    the zone the instructor gave it)."""

    assignment_id: str
    student: str
    due: datetime
    granted_by: str
    granted_at: float


@dataclass(frozen=True)
class Publication:
    """An assignment's publication: from ``published_at`` on, its students see the
    tests marked ``after_published``."""

    assignment_id: str
    published_at: float
    published_by: str


def score_of(job: Job | None) -> float | None:
    return None if job is None or job.results is None else job.results.get("score")


def shown_job(jobs: Sequence[Job]) -> Job | None:
    """The job whose results are shown (and sent to gradebooks): the latest graded one,
    so a regrade in progress or failed keeps the previous results."""
    return next((job for job in reversed(jobs) if job.status == JobStatus.GRADED), None)
