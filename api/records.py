"""Store records (submissions and their jobs) as the API shows them.

A submission's status is its latest job's (a job ``received`` but not yet sent is
``queued``); its results are the latest job's if graded, else the latest graded
job's, so a regrade in progress or failed keeps showing the previous results.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from api.schemas import Grading, RegradeProgress, Status, SubmissionRecord, SubmissionSummary
from api.visibility import for_student
from store import Job, JobStatus, Submission, score_of, shown_job


def shown_status(status: JobStatus) -> Status:
    """A job's status as clients see it: one received but not yet sent is queued."""
    return JobStatus.QUEUED if status == JobStatus.RECEIVED else status


def utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def utc_or_none(timestamp: float | None) -> datetime | None:
    return None if timestamp is None else utc(timestamp)


def summary(submission: Submission, jobs: Sequence[Job]) -> SubmissionSummary:
    latest = jobs[-1] if jobs else None
    shown = shown_job(jobs)
    status = shown_status(latest.status) if latest else JobStatus.QUEUED
    return SubmissionSummary(
        id=submission.id,
        assignment_id=submission.assignment_id,
        student=submission.student,
        status=status,
        attempts=latest.attempts if latest else 0,
        created_at=utc(submission.created_at),
        graded_at=utc_or_none(shown.finished_at) if shown else None,
        score=score_of(shown),
        message=latest.message if latest and status == JobStatus.FAILED else None,
    )


def results_for(jobs: Sequence[Job], instructor: bool) -> dict[str, Any] | None:
    shown = shown_job(jobs)
    if shown is None or shown.results is None:
        return None
    return shown.results if instructor else for_student(shown.results)


def record(submission: Submission, jobs: Sequence[Job], instructor: bool) -> SubmissionRecord:
    return SubmissionRecord(
        **summary(submission, jobs).model_dump(),
        results=results_for(jobs, instructor),
        history=[grading(job) for job in jobs],
    )


def grading(job: Job) -> Grading:
    return Grading(
        job_id=job.id,
        reason=job.reason,
        requested_by=job.requested_by,
        status=shown_status(job.status),
        created_at=utc(job.created_at),
        finished_at=utc_or_none(job.finished_at),
        score=score_of(job),
    )


def progress(regrade_id: str, assignment_id: str, jobs: Sequence[Job]) -> RegradeProgress:
    graded = sum(1 for job in jobs if job.status == JobStatus.GRADED)
    failed = sum(1 for job in jobs if job.status == JobStatus.FAILED)
    pending = len(jobs) - graded - failed
    return RegradeProgress(
        regrade_id=regrade_id,
        assignment_id=assignment_id,
        total=len(jobs),
        graded=graded,
        failed=failed,
        pending=pending,
        done=pending == 0,
    )
