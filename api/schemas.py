"""The JSON bodies of the API, as pydantic models (they make the OpenAPI page)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from store import JobReason, JobStatus

# A job's status as clients see it: a job received but not yet sent shows as queued.
# Literals of the members keep the JSON and the OpenAPI schema those of plain strings.
Status = Literal[JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.GRADED, JobStatus.FAILED]
Reason = Literal[JobReason.SUBMIT, JobReason.REGRADE]


class ErrorDetail(BaseModel):
    code: str = Field(description="machine-readable, e.g. missing_file; see docs/api.md")
    message: str = Field(description="for people: what was wrong and how to fix it")


class ErrorBody(BaseModel):
    error: ErrorDetail


class Accepted(BaseModel):
    id: str
    status: Literal[JobStatus.QUEUED] = JobStatus.QUEUED


class Grading(BaseModel):
    """One grading of a submission: the upload's, or a regrade's."""

    job_id: str
    reason: Reason
    requested_by: str
    status: Status
    created_at: datetime
    finished_at: datetime | None
    score: float | None


class Results(BaseModel):
    """Gradescope's results.json (https://gradescope-autograders.readthedocs.io/en/latest/specs/);
    the grader always writes the total and the tests, and may write more."""

    model_config = ConfigDict(extra="allow")
    score: float
    tests: list[dict[str, Any]]


class SubmissionSummary(BaseModel):
    id: str
    assignment_id: str
    student: str
    status: Status = Field(description="the status of the latest grading")
    attempts: int = Field(description="attempts of the latest grading")
    created_at: datetime
    graded_at: datetime | None = Field(description="when the results shown were produced")
    score: float | None = Field(description="the score of the results shown")
    message: str | None = Field(description="why the latest grading failed, if it did")


class SubmissionRecord(SubmissionSummary):
    results: dict[str, Any] | None = Field(
        description="Gradescope results.json of the latest graded grading (students see "
        "only tests with visibility 'visible')"
    )
    history: list[Grading] = Field(description="every grading, oldest first; the last is current")


class RegradeAccepted(BaseModel):
    regrade_id: str
    jobs: int = Field(description="gradings started: one per student's latest submission")


class RegradeProgress(BaseModel):
    regrade_id: str
    assignment_id: str
    total: int
    graded: int
    failed: int
    pending: int
    done: bool


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    redis: bool
    store: bool
    docker: bool
