"""Store records (submissions and their jobs) as the API shows them.

A submission's status is its latest job's (a job ``received`` but not yet sent is
``queued``); its results are the latest job's if graded, else the latest graded
job's, so a regrade in progress or failed keeps showing the previous results.
Scores and results are as the viewer sees them (api/visibility.py): final scores, and
for a student only what is released to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from api.schemas import (
    Grading,
    Late,
    RegradeProgress,
    Status,
    SubmissionRecord,
    SubmissionSummary,
)
from api.visibility import View, utc
from grader.lateness import Lateness, Timing
from store import Job, JobStatus, Submission, shown_job


def shown_status(status: JobStatus) -> Status:
    """A job's status as clients see it: one received but not yet sent is queued."""
    return JobStatus.QUEUED if status == JobStatus.RECEIVED else status


def utc_or_none(timestamp: float | None) -> datetime | None:
    return None if timestamp is None else utc(timestamp)


def late(lateness: Lateness) -> Late | None:
    if lateness.timing == Timing.ON_TIME:
        return None
    closed = lateness.timing == Timing.CLOSED
    return Late(days=lateness.days, penalty=lateness.penalty, closed=closed)


def summary(submission: Submission, jobs: Sequence[Job], view: View) -> SubmissionSummary:
    latest = jobs[-1] if jobs else None
    shown = shown_job(jobs)
    status = shown_status(latest.status) if latest else JobStatus.QUEUED
    results = results_for(submission, jobs, view)
    return SubmissionSummary(
        id=submission.id,
        assignment_id=submission.assignment_id,
        student=submission.student,
        status=status,
        attempts=latest.attempts if latest else 0,
        created_at=utc(submission.created_at),
        graded_at=utc_or_none(shown.finished_at) if shown else None,
        score=number(results, "score"),
        raw_score=number(results, "raw_score"),
        late=late(view.terms.lateness(submission)),
        message=latest.message if latest and status == JobStatus.FAILED else None,
    )


def number(results: dict[str, Any] | None, key: str) -> float | None:
    value = (results or {}).get(key)
    return float(value) if isinstance(value, int | float) else None


def results_for(submission: Submission, jobs: Sequence[Job], view: View) -> dict[str, Any] | None:
    """The shown job's results as this viewer sees them; None before the first grading."""
    shown = shown_job(jobs)
    if shown is None or shown.results is None:
        return None
    return view.results(submission, shown.results)


def record(submission: Submission, jobs: Sequence[Job], view: View) -> SubmissionRecord:
    return SubmissionRecord(
        **summary(submission, jobs, view).model_dump(),
        results=results_for(submission, jobs, view),
        history=[grading(submission, job, view) for job in jobs],
    )


def grading(submission: Submission, job: Job, view: View) -> Grading:
    return Grading(
        job_id=job.id,
        reason=job.reason,
        requested_by=job.requested_by,
        status=shown_status(job.status),
        created_at=utc(job.created_at),
        finished_at=utc_or_none(job.finished_at),
        score=view.score(submission, job),
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
