"""The JSON bodies of the API, as pydantic models (they make the OpenAPI page)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from grader.spec import aware_time
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


class Late(BaseModel):
    """How late a submission was, against its student's own due (with an extension)."""

    days: int = Field(description="started days after the due: 1 for a second late")
    penalty: float = Field(description="the fraction of the raw score taken off, in [0, 1]")
    closed: bool = Field(
        description="made after submissions closed (accepted before an extension was taken "
        "back): no credit"
    )


class Results(BaseModel):
    """Gradescope's results.json (https://gradescope-autograders.readthedocs.io/en/latest/specs/);
    the grader always writes the total and the tests, and may write more. As shown, it adds
    ``raw_score`` and ``late``; ``score`` is the final score (the raw one less the late
    penalty), null for a student while any test is not released to them."""

    model_config = ConfigDict(extra="allow")
    score: float | None
    raw_score: float | None = None
    late: Late | None = None
    tests: list[dict[str, Any]]


class SubmissionSummary(BaseModel):
    id: str
    assignment_id: str
    student: str
    status: Status = Field(description="the status of the latest grading")
    attempts: int = Field(description="attempts of the latest grading")
    created_at: datetime
    graded_at: datetime | None = Field(description="when the results shown were produced")
    score: float | None = Field(
        description="the final score of the results shown (the raw score less the late "
        "penalty); null for a student while any test is not released to them"
    )
    raw_score: float | None = Field(
        default=None, description="the score of the results shown, before any late penalty"
    )
    late: Late | None = Field(default=None, description="null when on time")
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


class PoolFigures(BaseModel):
    """The warm sandbox pools of the live worker processes, summed (docs/service.md)."""

    ready: int = Field(description="containers started and waiting for a submission")
    starting: int = Field(description="containers being started")
    in_use: int = Field(description="containers grading a submission now")
    hits: int = Field(description="submissions that found a warm container")
    misses: int = Field(description="submissions that had to start their own")
    recycled: int = Field(description="warm containers removed after waiting too long")
    workers: int = Field(description="worker processes that reported their pool")


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    redis: bool
    store: bool
    docker: bool
    pool: PoolFigures | None = Field(
        None, description="the warm pools; null when Redis cannot be read"
    )


class PerDayPenalty(BaseModel):
    per_day: float = Field(description="the fraction off per started day late")


class PenaltyStep(BaseModel):
    days: float = Field(description="up to this many days late (inclusive)")
    penalty: float = Field(description="this fraction off")


class SubmissionLimit(BaseModel):
    count: int
    per_hours: float


class Extension(BaseModel):
    assignment_id: str
    student: str
    due: datetime = Field(description="the student's own due, in the zone it was given")
    closes_at: datetime = Field(
        description="when the student's submissions close: the due, or the end of the late "
        "window after it (the window keeps its length)"
    )
    granted_by: str
    granted_at: datetime


class ExtensionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    due: datetime = Field(
        description="the student's new due: ISO 8601 with a time zone, e.g. "
        "2026-12-10T23:59:00-08:00"
    )

    @field_validator("due", mode="before")
    @classmethod
    def _aware(cls, value: Any) -> datetime:
        return aware_time(value)


class Publication(BaseModel):
    assignment_id: str
    published: bool
    published_at: datetime | None = Field(
        description="from then on students see the tests marked after_published"
    )
    published_by: str | None


class AssignmentPolicy(BaseModel):
    """The assignment's policy (its YAML's ``policy:``), and where the caller stands."""

    assignment_id: str
    now: datetime = Field(description="the service's time, which every rule below uses")
    due: datetime | None = Field(description="the assignment's due; null: no due date")
    late_until: datetime | None = Field(description="late work is accepted until then")
    late_penalty: PerDayPenalty | list[PenaltyStep] | None
    max_submissions: SubmissionLimit | None
    published: bool
    published_at: datetime | None
    extension: Extension | None = Field(description="the caller's own extension")
    closes_at: datetime | None = Field(
        description="when the caller's submissions close (their extension applied)"
    )
    open: bool = Field(description="whether the caller's submissions are accepted now")
    submissions_left: int | None = Field(
        description="how many more the caller may submit now; null without a limit"
    )
    next_submission_at: datetime | None = Field(
        description="when the caller may submit again, while they have none left"
    )
