"""What the store keeps for LTI 1.3: the LMS's resource links, its people, the nonces of
launches, and the outbox of scores owed to gradebooks.

An outbox score's life:

    pending ──(the LMS accepted it)──> sent
       │  └──(a failure: attempts + 1, next try after a backoff; last_error kept)──┐
       │     while it waits after a retryable failure, the later scores of its link wait
       │     behind it, so an LMS gets each column's scores in the order they were made
       │  <─────────────────────────────────────────────────────────────────────────┘
       └──(a newer score for the same person and link was queued)──> superseded
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ScoreState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class LtiLink:
    """A resource link of an LMS course, and the assignment it opens."""

    id: str  # ours: a digest of issuer, deployment and the LMS's resource link id
    issuer: str
    client_id: str
    deployment_id: str
    resource_link_id: str
    assignment_id: str
    context_id: str = ""
    context_title: str = ""
    lineitem: str | None = None  # where scores go (the launch's, or one the tool created)
    lineitems: str | None = None  # the course's line-item container
    memberships_url: str | None = None
    updated_at: float = 0.0


@dataclass(frozen=True)
class LtiPerson:
    """An LMS user as this service knows them: ``key`` is the student name used in
    submissions; ``subject`` is the LMS's user id, to which scores are sent."""

    key: str
    issuer: str
    subject: str
    name: str
    email: str
    role: str
    updated_at: float = 0.0


@dataclass(frozen=True)
class OutboxScore:
    id: str
    link_id: str
    person: str
    user_id: str
    job_id: str
    score_given: float
    score_maximum: float
    comment: str
    timestamp: str  # ISO 8601 with microseconds: when the score was produced
    state: ScoreState
    attempts: int
    created_at: float
    next_at: float
    last_error: str | None = None
    sent_at: float | None = None
    retryable: bool = True  # False after an error that waiting will not fix (a 4xx)


OUTBOX_COLUMNS = (
    "id, link_id, person, user_id, job_id, score_given, score_maximum, comment, timestamp, "
    "state, attempts, created_at, next_at, last_error, sent_at, retryable"
)


def outbox_score(row: tuple[object, ...]) -> OutboxScore:
    values = list(row)
    values[9] = ScoreState(values[9])
    values[15] = bool(values[15])
    return OutboxScore(*values)  # type: ignore[arg-type]
