"""What a person sees of a student's results: the core's rules (grader/lateness.py,
grader/release.py, grader/feedback.py) applied with the assignment's policy, the
student's extension, the publication and the store's time.

The stored results.json is the raw grading. Everyone sees it with its lateness:
``raw_score``, ``late`` and ``score`` the final score. A student sees only the tests
released to them at that time, and no total while any test is withheld (Gradescope's
rule); ``extra_data`` (the sandbox log) is for instructors only. Instructors see
everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from api.errors import ApiError
from api.services import Services
from grader import feedback, release
from grader.lateness import Deadlines, Lateness, assess, deadlines
from grader.quota import Quota, quota
from grader.spec import Policy, Visibility
from store import Job, Submission


def utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


@dataclass(frozen=True)
class Terms:
    """An assignment's policy and the instructors' decisions about it, at one time."""

    policy: Policy | None
    now: datetime
    extensions: Mapping[str, datetime] = field(default_factory=dict)  # student -> new due
    published_at: datetime | None = None

    def deadlines(self, student: str) -> Deadlines | None:
        return deadlines(self.policy, self.extensions.get(student))

    def lateness(self, submission: Submission) -> Lateness:
        return assess(
            self.policy, utc(submission.created_at), self.extensions.get(submission.student)
        )

    def released(self, student: str) -> frozenset[Visibility]:
        return release.released(self.deadlines(student), self.published_at, self.now)

    def quota(self, earlier: list[float]) -> Quota | None:
        """Where a student stands against the submission limit; None without one."""
        limit = self.policy.max_submissions if self.policy else None
        return None if limit is None else quota(limit, map(utc, earlier), self.now)

    def results(
        self, submission: Submission, results: Mapping[str, Any], instructor: bool
    ) -> dict[str, Any]:
        graded = feedback.with_lateness(results, self.lateness(submission))
        if instructor:
            return graded
        return release.for_student(graded, self.released(submission.student))

    def score(self, submission: Submission, job: Job | None, instructor: bool) -> float | None:
        """The score this viewer sees of a job: the final one; None when the job has no
        results or the student's total is withheld."""
        if job is None or job.results is None:
            return None
        score = self.results(submission, job.results, instructor).get("score")
        return float(score) if isinstance(score, int | float) else None

    def final_score(self, submission: Submission, job: Job | None) -> float | None:
        """The final score, whatever the students see of it: the gradebook's."""
        return self.score(submission, job, instructor=True)


def terms_of(svc: Services, assignment_id: str) -> Terms:
    """The assignment's terms now: 503 if its definition cannot be loaded (its scores
    cannot be judged); an assignment no longer in the folder has no policy, so its
    submissions stay readable."""
    try:
        policy = svc.assignments.spec(assignment_id).policy
    except ApiError as exc:
        if exc.status != 404:
            raise
        policy = None
    publication = svc.store.publication(assignment_id)
    return Terms(
        policy=policy,
        now=utc(svc.clock.now()),
        extensions={e.student: e.due for e in svc.store.extensions(assignment_id)},
        published_at=utc(publication.published_at) if publication else None,
    )


@dataclass(frozen=True)
class View:
    """One viewer's view of an assignment's submissions."""

    terms: Terms
    instructor: bool

    def results(self, submission: Submission, results: Mapping[str, Any]) -> dict[str, Any]:
        return self.terms.results(submission, results, self.instructor)

    def score(self, submission: Submission, job: Job | None) -> float | None:
        return self.terms.score(submission, job, self.instructor)


def view_of(svc: Services, assignment_id: str, instructor: bool) -> View:
    return View(terms_of(svc, assignment_id), instructor)
