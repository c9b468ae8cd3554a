"""Scores owed to LMS gradebooks (LTI 1.3 Assignment and Grade Services).

``sync`` works out, for every person who launched an assignment from an LMS link, the
score the gradebook should show (the latest or the best submission's final score, as the
assignment's ``gradebook_score`` says: the raw score less its late penalty, against the
student's own due with their extension) and queues it in the store's outbox when it is
new. It is idempotent, so running it after each grading and on every sweep means a
worker killed between writing a verdict and queuing its score loses nothing, and an
extension granted (or taken back) later changes what is owed, which the next sweep sends.
``send_due`` sends the queued scores, oldest first, each leased to one sender; a
failure keeps the score pending with the error and a later time to try (backoff), so
an LMS that is down for an hour gets every score when it is back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from grader.feedback import late_line
from grader.lateness import Lateness, Timing, assess
from grader.spec import Assignment
from lti.keys import ToolKey
from lti.registry import Registry
from lti.services import Score, ServiceClient, ServiceError
from store import (
    Job,
    LtiLink,
    LtiPerson,
    OutboxScore,
    ScoreState,
    SQLiteLtiStore,
    Submission,
    SubmissionStore,
    shown_job,
)
from store.clock import Clock

log = logging.getLogger(__name__)
BACKOFF = (5.0, 15.0, 60.0, 180.0, 600.0)  # seconds before the next try, by attempts so far
LEASE_SECONDS = 60
Specs = Callable[[str], Assignment | None]


@dataclass(frozen=True)
class Owed:
    """A graded job and what the gradebook gets for it."""

    job: Job
    lateness: Lateness
    score: float  # final: the raw score less the late penalty


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="microseconds")


class Passback:
    def __init__(
        self,
        store: SubmissionStore,
        lti: SQLiteLtiStore,
        specs: Specs,
        registry: Registry,
        key: ToolKey,
        http: httpx.Client,
        clock: Clock,
        backoff: tuple[float, ...] = BACKOFF,
    ) -> None:
        self.store, self.lti, self.specs = store, lti, specs
        self.backoff = backoff or BACKOFF
        self.registry, self.key, self.http, self.clock = registry, key, http, clock
        self._clients: dict[tuple[str, str], ServiceClient] = {}

    # ------------------------------------------------------------------ what is owed

    def sync(self) -> int:
        """Queue every score that a gradebook does not have yet; returns how many."""
        queued = 0
        for link, person in self.lti.enrolments():
            spec = self.specs(link.assignment_id)
            owed = None if spec is None else self._owed(link.assignment_id, person.key, spec)
            if spec is None or owed is None:
                continue
            queued += self.lti.queue_score(self._score(link, person, owed, spec))
        return queued

    def _owed(self, assignment_id: str, student: str, spec: Assignment) -> Owed | None:
        """The latest submission's, or the best final score's (ties: the earliest)."""
        extension = self.store.extension(assignment_id, student)
        due = extension.due if extension else None
        each = [
            self._graded(s, spec, due)
            for s in self.store.student_submissions(assignment_id, student)
        ]
        if spec.gradebook_score == "best":
            graded = [owed for owed in each if owed is not None]
            return max(graded, key=lambda owed: owed.score, default=None)
        return each[-1] if each else None

    def _graded(
        self, submission: Submission, spec: Assignment, due: datetime | None
    ) -> Owed | None:
        job = shown_job(self.store.jobs_of(submission.id))
        if job is None or job.results is None:
            return None
        lateness = assess(spec.policy, datetime.fromtimestamp(submission.created_at, UTC), due)
        raw = job.results.get("score", 0.0)
        return Owed(job, lateness, lateness.final(float(raw)))

    def _score(self, link: LtiLink, person: LtiPerson, owed: Owed, spec: Assignment) -> OutboxScore:
        results = owed.job.results or {}
        now = self.clock.now()
        summary = str(results.get("output", "")).splitlines()[:1]
        comment = summary[0] if summary else ""
        if owed.lateness.timing != Timing.ON_TIME:
            comment = f"{comment} {late_line(owed.lateness)}".strip()
        return OutboxScore(
            id=self.lti.new_score_id(),
            link_id=link.id,
            person=person.key,
            user_id=person.subject,
            job_id=owed.job.id,
            score_given=owed.score,
            score_maximum=float(spec.max_score),
            comment=comment,
            # when the score was queued, not when its job finished: with "best" the score
            # may move back to an older job, and the LMS keeps only the newest timestamp
            timestamp=iso(now),
            state=ScoreState.PENDING,
            attempts=0,
            created_at=now,
            next_at=now,
        )

    # ------------------------------------------------------------------ sending

    def send_due(self, limit: int = 50) -> int:
        """Send the due scores; returns how many the LMS accepted."""
        sent = 0
        held: set[str] = set()  # links whose earlier score failed: the rest wait, in order
        for due in self.lti.due_scores(limit):
            score = None if due.link_id in held else self.lti.take_score(due.id, LEASE_SECONDS)
            if score is None:  # held, another sender has it, or it was superseded
                continue
            try:
                self._send(score)
            except ServiceError as exc:
                self._failed(score, exc)
                if exc.retryable:
                    held.add(score.link_id)
                continue
            self.lti.mark_sent(score.id)
            sent += 1
        return sent

    def _failed(self, score: OutboxScore, exc: ServiceError) -> None:
        """Try again later: soon if waiting may help (the LMS is down), at the longest
        backoff if not (a refusal an administrator must fix), never give up."""
        backoff = self.backoff
        delay = backoff[min(score.attempts, len(backoff) - 1)] if exc.retryable else backoff[-1]
        self.lti.mark_failed(score.id, str(exc), self.clock.now() + delay, exc.retryable)
        log.warning(
            "score %s for %s not sent (try %d): %s", score.id, score.person, score.attempts + 1, exc
        )

    def _send(self, score: OutboxScore) -> None:
        link = self.lti.link(score.link_id)
        if link is None:
            raise ServiceError(f"no LTI link {score.link_id}", retryable=False)
        client = self._client(link)
        lineitem = link.lineitem or self._create_lineitem(client, link, score)
        client.post_score(
            lineitem,
            Score(
                user_id=score.user_id,
                score_given=score.score_given,
                score_maximum=score.score_maximum,
                comment=score.comment,
                timestamp=score.timestamp,
            ),
        )

    def _create_lineitem(self, client: ServiceClient, link: LtiLink, score: OutboxScore) -> str:
        if not link.lineitems:
            raise ServiceError("the launch gave neither a line item nor a container", False)
        found = client.find_lineitem(link.lineitems, link.resource_link_id)
        spec = self.specs(link.assignment_id)
        label = spec.title if spec is not None else link.assignment_id
        lineitem = found or client.create_lineitem(
            link.lineitems, label, score.score_maximum, link.assignment_id, link.resource_link_id
        )
        self.lti.set_lineitem(link.id, lineitem)
        return lineitem

    def _client(self, link: LtiLink) -> ServiceClient:
        platform = self.registry.find(link.issuer, link.client_id)
        if platform is None:
            raise ServiceError(f"the LMS {link.issuer} is no longer registered", False)
        cache_key = (platform.issuer, platform.client_id)
        if cache_key not in self._clients:
            self._clients[cache_key] = ServiceClient(self.key, platform, self.http, self.clock.now)
        return self._clients[cache_key]
