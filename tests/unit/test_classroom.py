"""The class summary behind the instructor's dashboard (api/pages/classroom.py): each
student's latest and best scores, the histogram of latest scores and the tests' pass rates.

Records are built directly; one test runs a real SQLiteStore to check that the latest
scores are exactly what the JSON API lists with ``?latest=true``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from api import records
from api.pages.classroom import (
    ScoreBin,
    StudentRow,
    TestPassRate,
    histogram,
    passed,
    summarize,
)
from api.visibility import Terms, View
from grader.spec import PerDayPenalty, Policy
from store import Job, JobReason, JobStatus, ManualClock, SQLiteStore, Submission

T0 = 1_700_000_000.0
NOW = datetime.fromtimestamp(T0 + 100, UTC)
INSTRUCTOR = View(Terms(None, NOW), instructor=True)  # no policy: final scores are raw
GRADED, QUEUED, RUNNING, FAILED = (
    JobStatus.GRADED,
    JobStatus.QUEUED,
    JobStatus.RUNNING,
    JobStatus.FAILED,
)


def sub(sid: str, student: str, at: float) -> Submission:
    return Submission(sid, "hw", student, T0 + at)


def job(sid: str, status: JobStatus, score: float | None = None, **tests: float) -> Job:
    """A job of submission ``sid``; ``tests`` maps a test name to its score out of 1."""
    results = None
    if score is not None:
        results = {
            "score": score,
            "tests": [{"name": n, "score": s, "max_score": 1} for n, s in tests.items()],
        }
    return Job(f"{sid}-{status}", sid, JobReason.SUBMIT, "x", None, status, 1, T0, results=results)


def jobs_from(*jobs: Job) -> Callable[[str], list[Job]]:
    """A lookup like the store's ``jobs_of``: a submission's jobs, oldest first."""
    table: dict[str, list[Job]] = {}
    for j in jobs:
        table.setdefault(j.submission_id, []).append(j)
    return lambda sid: table.get(sid, [])


def test_a_student_with_several_submissions_has_latest_and_best() -> None:
    subs = [sub("a1", "alice", 1), sub("a2", "alice", 2), sub("a3", "alice", 3)]
    look = jobs_from(job("a1", GRADED, 5), job("a2", GRADED, 8), job("a3", GRADED, 6))
    [row] = summarize(subs, look, 10).students
    assert row == StudentRow("alice", 3, "a3", datetime.fromtimestamp(T0 + 3, UTC), 6, 8)
    assert row.latest_at.tzinfo is UTC


def test_scores_are_final_with_the_terms_of_the_assignment() -> None:
    """Late work loses its penalty, best is the best final score, and an extension moves
    one student's due: alice's 8 a day and a second late is 6.4, below her on-time 7."""
    due = datetime.fromtimestamp(T0 + 10, UTC)
    day = 86400
    policy = Policy(
        due=due,
        late_until=datetime.fromtimestamp(T0 + 10 + 3 * day, UTC),
        late_penalty=PerDayPenalty(per_day=0.1),
    )
    terms = Terms(policy, NOW, extensions={"bob": datetime.fromtimestamp(T0 + 2 * day, UTC)})
    subs = [sub("a1", "alice", 5), sub("a2", "alice", 11 + day), sub("b1", "bob", 11 + day)]
    look = jobs_from(job("a1", GRADED, 7), job("a2", GRADED, 8), job("b1", GRADED, 8))
    alice, bob = summarize(subs, look, 10, terms.final_score).students
    assert (alice.latest_score, alice.best_score) == (6.4, 7)
    assert (bob.latest_score, bob.best_score) == (8, 8)  # on time with his extension
    raw = summarize(subs, look, 10).students[0]
    assert (raw.latest_score, raw.best_score) == (8, 8)


@pytest.mark.parametrize(
    ("latest_jobs", "latest", "best"),
    [
        # still queued: nothing shown for the latest, the earlier 7 is the best
        ([job("b2", QUEUED)], None, 7),
        ([job("b2", RUNNING)], None, 7),
        ([job("b2", FAILED)], None, 7),
        # a regrade running or failed keeps showing the latest submission's graded score
        ([job("b2", GRADED, 3), job("b2", RUNNING)], 3, 7),
        ([job("b2", GRADED, 9), job("b2", FAILED)], 9, 9),
        # the latest graded job is shown, not the best one
        ([job("b2", GRADED, 4), job("b2", GRADED, 2)], 2, 7),
    ],
)
def test_the_latest_score_is_the_latest_submissions_shown_score(
    latest_jobs: list[Job], latest: float | None, best: float | None
) -> None:
    subs = [sub("b1", "bob", 1), sub("b2", "bob", 2)]
    look = jobs_from(job("b1", GRADED, 7), *latest_jobs)
    [row] = summarize(subs, look, 10).students
    assert (row.latest_id, row.latest_score, row.best_score) == ("b2", latest, best)
    assert row.latest_score == records.summary(subs[-1], look("b2"), INSTRUCTOR).score


def test_a_student_never_graded_has_no_scores_and_is_not_counted_as_graded() -> None:
    subs = [sub("c1", "carol", 1), sub("d1", "dave", 1)]
    summary = summarize(subs, jobs_from(job("c1", FAILED), job("d1", GRADED, 4)), 10)
    assert [(r.student, r.latest_score, r.best_score) for r in summary.students] == [
        ("carol", None, None),
        ("dave", 4, 4),
    ]
    assert (summary.submitted, summary.graded) == (2, 1)
    assert sum(b.count for b in summary.bins) == 1


def test_students_are_sorted_by_name_ignoring_case_and_the_latest_is_by_time() -> None:
    subs = [sub("z2", "zoe", 5), sub("B1", "Bob", 1), sub("a1", "alice", 2), sub("z1", "zoe", 3)]
    look = jobs_from(*(job(s.id, GRADED, 1) for s in subs))
    rows = summarize(subs, look, 10).students
    assert [(r.student, r.latest_id, r.submissions) for r in rows] == [
        ("alice", "a1", 1),
        ("Bob", "B1", 1),
        ("zoe", "z2", 2),
    ]


def test_the_histogram_is_of_latest_scores_not_best() -> None:
    subs = [sub("a1", "alice", 1), sub("a2", "alice", 2), sub("b1", "bob", 1)]
    look = jobs_from(job("a1", GRADED, 10), job("a2", GRADED, 1), job("b1", GRADED, 10))
    summary = summarize(subs, look, 10)
    assert [b.count for b in summary.bins] == [0, 1, 0, 0, 0, 0, 0, 0, 0, 1]
    assert summary.max_score == 10


def test_latest_scores_agree_with_the_json_apis_latest_listing(tmp_path: Path) -> None:
    """Submissions stored in the same instant (the store's order breaks the tie), some
    graded, some still running, then a regrade that fails for one student and succeeds
    for another: every latest score is what ``?latest=true`` lists."""
    store = SQLiteStore(tmp_path / "data", ManualClock())
    plan = [
        ("eve", 0),
        ("eve", None),
        ("bob", 1),
        ("ann", 3),
        ("bob", 4),
        ("eve", 5),
        ("cat", None),
    ]
    for student, score in plan:
        _, j = store.add_submission("hw", student, {"a.py": b"x"})
        claim = store.claim(j.id, 30, 3)
        assert claim is not None
        if score is not None:
            assert store.finish(claim, {"score": score, "tests": []})
    _, regrade = store.create_regrade("hw", "prof")
    student_of = {s.id: s.student for s in store.submissions("hw")}
    for j in regrade:
        claim = store.claim(j.id, 30, 3)
        assert claim is not None
        if student_of[j.submission_id] == "eve":
            assert store.fail(claim, "broken")
        elif student_of[j.submission_id] == "bob":
            assert store.finish(claim, {"score": 8, "tests": []})

    summary = summarize(store.submissions("hw"), store.jobs_of, 10)
    api = [
        records.summary(s, store.jobs_of(s.id), INSTRUCTOR) for s in store.latest_submissions("hw")
    ]
    got = {r.student: (r.latest_id, r.latest_score) for r in summary.students}
    assert got == {s.student: (s.id, s.score) for s in api}
    assert {name: score for name, (_, score) in got.items()} == {
        "ann": 3,
        "bob": 8,
        "cat": None,
        "eve": 5,
    }


@pytest.mark.parametrize(
    ("test", "expected"),
    [
        ({"score": 1, "max_score": 1}, True),
        ({"score": 1.5, "max_score": 1}, True),  # extra credit
        ({"score": 0.99, "max_score": 1}, False),  # partial credit is not a pass
        ({"score": 0, "max_score": 0}, True),  # a test worth nothing, ungraded
        # the numbers win over a status that disagrees
        ({"score": 0, "max_score": 1, "status": "passed"}, False),
        ({"score": 1, "max_score": 1, "status": "failed"}, True),
        # without both numbers, the status decides
        ({"status": "passed"}, True),
        ({"score": 2, "status": "passed"}, True),
        ({"status": "failed"}, False),
        ({}, False),
    ],
)
def test_a_test_passes_with_full_marks(test: dict[str, Any], expected: bool) -> None:
    assert passed(test) is expected


def test_pass_rates_count_latest_graded_submissions_most_failed_first() -> None:
    subs = [
        sub("a1", "alice", 1),
        sub("a2", "alice", 2),
        sub("b1", "bob", 1),
        sub("c1", "carol", 1),
        sub("c2", "carol", 2),
    ]
    look = jobs_from(
        job("a1", GRADED, 0, easy=0, hard=0),  # not latest: does not count
        job("a2", GRADED, 2, easy=1, hard=0, mid=1),
        job("b1", GRADED, 1, easy=1, hard=0, mid=0),
        job("c1", GRADED, 3, easy=0, hard=1, mid=1),  # latest is ungraded: no results count
        job("c2", QUEUED),
    )
    rates = summarize(subs, look, 3).pass_rates
    assert rates == [
        TestPassRate("hard", 0, 2),
        TestPassRate("mid", 1, 2),
        TestPassRate("easy", 2, 2),
    ]
    assert [r.rate for r in rates] == [0, 0.5, 1]


def test_pass_rates_tie_by_name_include_hidden_tests_and_count_only_where_run() -> None:
    hidden = {"name": "secret", "score": 0, "max_score": 1, "visibility": "hidden"}
    results = {"score": 1, "tests": [{"name": "b", "score": 1, "max_score": 1}, hidden]}
    old = {"score": 1, "tests": [{"name": "a", "score": 1, "max_score": 1}]}
    subs = [sub("x", "xi", 1), sub("y", "yu", 1)]
    look = jobs_from(
        Job("jx", "x", JobReason.SUBMIT, "x", None, GRADED, 1, T0, results=results),
        Job("jy", "y", JobReason.SUBMIT, "y", None, GRADED, 1, T0, results=old),
    )
    assert summarize(subs, look, 2).pass_rates == [
        TestPassRate("secret", 0, 1),
        TestPassRate("a", 1, 1),
        TestPassRate("b", 1, 1),
    ]


def test_a_rate_with_nothing_graded_is_zero() -> None:
    assert TestPassRate("t", 0, 0).rate == 0


@pytest.mark.parametrize(
    ("scores", "max_score", "bins", "counts"),
    [
        ([], 10, 5, [0, 0, 0, 0, 0]),
        ([0], 10, 5, [1, 0, 0, 0, 0]),
        ([10], 10, 5, [0, 0, 0, 0, 1]),  # a full score is in the last bin, closed on the right
        ([2], 10, 5, [0, 1, 0, 0, 0]),  # an inner edge starts the next bin
        ([1.999], 10, 5, [1, 0, 0, 0, 0]),
        ([0.3], 1, 10, [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]),  # 0.3 / 0.1 is 2.999... in floats
        ([11, -1], 10, 5, [1, 0, 0, 0, 1]),  # out of range: the nearest end bin
        ([3.7, 37, 0, 18.5], 37, 10, [1, 1, 0, 0, 0, 1, 0, 0, 0, 1]),
        ([5, 5], 10, 1, [2]),
    ],
)
def test_histogram_bins(
    scores: Sequence[float], max_score: float, bins: int, counts: list[int]
) -> None:
    got = histogram(scores, max_score, bins)
    assert [b.count for b in got] == counts
    assert got[0].low == 0 and got[-1].high == max_score
    assert all(a.high == b.low for a, b in pairwise(got))


def test_histogram_edges_are_even() -> None:
    assert histogram([], 37)[:2] == [ScoreBin(0, 3.7, 0), ScoreBin(3.7, 7.4, 0)]


@pytest.mark.parametrize(("scores", "count"), [([], 0), ([0, 0, 1], 3)])
def test_histogram_with_no_max_score_is_one_bin(scores: list[float], count: int) -> None:
    assert histogram(scores, 0) == [ScoreBin(0, 0, count)]


def test_histogram_needs_a_bin() -> None:
    with pytest.raises(ValueError, match="bins"):
        histogram([1], 10, 0)


def test_nothing_submitted_is_an_empty_summary() -> None:
    summary = summarize([], jobs_from(), 10)
    assert (summary.students, summary.submitted, summary.graded, summary.pass_rates) == (
        [],
        0,
        0,
        [],
    )
    assert [b.count for b in summary.bins] == [0] * 10
