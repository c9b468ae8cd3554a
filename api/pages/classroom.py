"""The class's numbers for an instructor's dashboard: one row per student, the spread of
scores and how often each test passes.

A student's *latest* score is exactly what ``GET /api/assignments/{id}/submissions?latest=true``
shows for them: the score of their most recent submission's shown job (its latest graded
one, api/records.py), so None while that submission is still queued, running or failed,
even when an earlier submission was graded; that earlier score still counts in *best*.
Scores are final scores (the raw score less a late penalty) when ``summarize`` is given
the assignment's scoring (``Terms.final_score``, api/visibility.py).
The histogram and the pass rates describe the latest submissions that have results, so
they show where the class stands now, not its history.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.records import utc
from store import Job, Submission, score_of, shown_job


@dataclass(frozen=True)
class StudentRow:
    student: str
    submissions: int
    latest_id: str
    latest_at: datetime  # UTC: when the latest submission was received
    latest_score: float | None  # the latest submission's shown score
    best_score: float | None  # the highest shown score over all their submissions


@dataclass(frozen=True)
class TestPassRate:
    __test__ = False  # not a pytest class

    name: str
    passed: int
    graded: int  # latest submissions with results that include this test

    @property
    def rate(self) -> float:
        return self.passed / self.graded if self.graded else 0.0


@dataclass(frozen=True)
class ScoreBin:
    low: float
    high: float
    count: int


@dataclass(frozen=True)
class ClassSummary:
    students: list[StudentRow]  # by name
    submitted: int  # students with at least one submission
    graded: int  # students whose latest submission has a score
    max_score: float
    bins: list[ScoreBin]  # the latest scores' histogram over [0, max_score]
    pass_rates: list[TestPassRate]  # most failed first


Score = Callable[[Submission, Job | None], float | None]


def raw_score(_: Submission, job: Job | None) -> float | None:
    return score_of(job)


def summarize(
    submissions: Sequence[Submission],
    jobs_of: Callable[[str], Sequence[Job]],
    max_score: float,
    score: Score = raw_score,
) -> ClassSummary:
    """The summary of one assignment's submissions (any order; the store's, oldest first,
    decides ties in time the way ``latest_submissions`` does). ``jobs_of`` gives a
    submission's jobs oldest first, as ``SubmissionStore.jobs_of`` does; ``score`` a
    submission's score from its shown job (the final score, with the late penalty)."""
    by_student: dict[str, list[Submission]] = {}
    for s in sorted(submissions, key=lambda s: s.created_at):  # stable: keeps store order
        by_student.setdefault(s.student, []).append(s)
    rows: list[StudentRow] = []
    latest_results: list[Mapping[str, Any]] = []
    for student in sorted(by_student, key=lambda name: (name.casefold(), name)):
        row, results = _student(student, by_student[student], jobs_of, score)
        rows.append(row)
        if results is not None:
            latest_results.append(results)
    latest_scores = [r.latest_score for r in rows if r.latest_score is not None]
    return ClassSummary(
        students=rows,
        submitted=len(rows),
        graded=len(latest_scores),
        max_score=max_score,
        bins=histogram(latest_scores, max_score),
        pass_rates=pass_rates(latest_results),
    )


def _student(
    student: str,
    submissions: Sequence[Submission],
    jobs_of: Callable[[str], Sequence[Job]],
    score: Score,
) -> tuple[StudentRow, Mapping[str, Any] | None]:
    """A student's row, and their latest submission's shown results (None if ungraded)."""
    shown = [shown_job(jobs_of(s.id)) for s in submissions]
    each = [score(s, job) for s, job in zip(submissions, shown, strict=True)]
    scores = [found for found in each if found is not None]
    latest = submissions[-1]
    row = StudentRow(
        student=student,
        submissions=len(submissions),
        latest_id=latest.id,
        latest_at=utc(latest.created_at),
        latest_score=each[-1],
        best_score=max(scores, default=None),
    )
    return row, shown[-1].results if shown[-1] is not None else None


def passed(test: Mapping[str, Any]) -> bool:
    """Whether a test passed: full marks (score >= max_score, the grader's own rule in
    grader/verdict.py, which also writes its status from it). A test without both numbers
    (Gradescope allows a status alone) passed when its status says so."""
    score, max_score = test.get("score"), test.get("max_score")
    if isinstance(score, int | float) and isinstance(max_score, int | float):
        return score >= max_score
    return test.get("status") == "passed"


def pass_rates(results: Iterable[Mapping[str, Any]]) -> list[TestPassRate]:
    """How many of the given results.json passed each test, hidden tests included, the
    least passed first (then by name). A test counts only in the results that include it."""
    passes: dict[str, int] = {}
    graded: dict[str, int] = {}
    for result in results:
        for test in result.get("tests") or []:
            name = str(test.get("name", ""))
            graded[name] = graded.get(name, 0) + 1
            passes[name] = passes.get(name, 0) + int(passed(test))
    rates = [TestPassRate(name, passes[name], graded[name]) for name in graded]
    return sorted(rates, key=lambda r: (r.rate, r.name))


def histogram(scores: Sequence[float], max_score: float, bins: int = 10) -> list[ScoreBin]:
    """``bins`` equal bins over [0, max_score], each closed on the left, the last closed on
    both sides so a full score counts. A score outside the range (extra credit, a negative
    adjustment) counts in the nearest end bin. With no positive max_score there is one bin,
    [0, 0], holding every score."""
    if bins < 1:
        raise ValueError(f"bins must be at least 1, got {bins}")
    if max_score <= 0:
        return [ScoreBin(0.0, 0.0, len(scores))]
    edges = [max_score * i / bins for i in range(bins + 1)]
    counts = [0] * bins
    for score in scores:
        index = bisect.bisect_right(edges, score) - 1
        counts[min(max(index, 0), bins - 1)] += 1
    return [ScoreBin(edges[i], edges[i + 1], counts[i]) for i in range(bins)]
