"""Grades as CSV (api/pages/gradebook.py): one row per student in the summary's order,
numbers without float noise, UTC times with a Z, and names that cannot run as formulas.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta, timezone

import pytest

from api.pages.classroom import ClassSummary, StudentRow, histogram, summarize
from api.pages.gradebook import grades_csv
from store import Job, JobReason, JobStatus, Submission

AT = datetime(2025, 3, 1, 12, 0, 5, 250_000, tzinfo=UTC)


def row(name: str, score: float | None, at: datetime = AT) -> StudentRow:
    return StudentRow(name, 1, f"id-{name}", at, score, score)


def class_of(*rows: StudentRow, max_score: float = 10) -> ClassSummary:
    scores = [r.latest_score for r in rows if r.latest_score is not None]
    return ClassSummary(list(rows), len(rows), len(scores), max_score, histogram(scores, 10), [])


def parsed(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_one_row_per_student_in_order_after_the_header() -> None:
    text = grades_csv(class_of(row("bob", 7), row("alice", None), max_score=37))
    assert text == (
        "name,score,max_score,submitted_at\r\n"
        "bob,7,37,2025-03-01T12:00:05Z\r\n"
        "alice,,37,2025-03-01T12:00:05Z\r\n"
    )


@pytest.mark.parametrize(
    ("score", "cell"),
    [
        (7.0, "7"),
        (0.0, "0"),
        (7.5, "7.5"),
        (0.1 + 0.2, "0.3"),
        (123.4567, "123.4567"),  # not cut to 6 significant digits
        (1000000.0, "1000000"),
        (None, ""),
    ],
)
def test_a_score_is_written_without_float_noise(score: float | None, cell: str) -> None:
    assert parsed(grades_csv(class_of(row("a", score))))[1][1] == cell


@pytest.mark.parametrize(
    ("name", "cell"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("alice", "alice"),
        ("o'neil", "o'neil"),
        ("a=b", "a=b"),  # only the first character matters
        ("", ""),
    ],
)
def test_a_name_that_a_spreadsheet_would_run_gets_an_apostrophe(name: str, cell: str) -> None:
    assert parsed(grades_csv(class_of(row(name, 1))))[1][0] == cell


def test_numbers_are_not_mistaken_for_formulas() -> None:
    """Only the name is guarded: a negative adjustment stays a number."""
    [_, cells] = parsed(grades_csv(class_of(row("x", -1.5), max_score=10)))
    assert cells[1:3] == ["-1.5", "10"]


def test_names_with_commas_quotes_and_newlines_round_trip() -> None:
    names = ["Smith, Jo", 'say "hi"', "two\nlines", "ünïcödé 学生"]
    rows = [row(n, i) for i, n in enumerate(names)]
    got = parsed(grades_csv(class_of(*rows)))
    assert got[0] == ["name", "score", "max_score", "submitted_at"]
    assert [r[0] for r in got[1:]] == names
    assert [r[1] for r in got[1:]] == ["0", "1", "2", "3"]


@pytest.mark.parametrize(
    ("at", "cell"),
    [
        (AT, "2025-03-01T12:00:05Z"),
        (datetime(2025, 3, 1, 13, 0, tzinfo=timezone(timedelta(hours=1))), "2025-03-01T12:00:00Z"),
        (datetime(2024, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC), "2024-12-31T23:59:59Z"),
    ],
)
def test_the_time_is_iso_8601_utc_with_a_z(at: datetime, cell: str) -> None:
    assert parsed(grades_csv(class_of(row("a", 1, at))))[1][3] == cell


def test_no_students_is_the_header_alone() -> None:
    assert grades_csv(class_of()) == "name,score,max_score,submitted_at\r\n"


def test_the_csv_of_a_summary_has_each_students_latest_score() -> None:
    """From records to CSV: bob's latest submission is still queued, so his cell is empty
    even though an earlier one scored 9."""
    subs = [
        Submission("b1", "hw", "bob", 1_700_000_000.0),
        Submission("b2", "hw", "bob", 1_700_000_060.0),
        Submission("a1", "hw", "alice", 1_700_000_030.0),
    ]

    def job(sid: str, status: JobStatus, score: float | None) -> Job:
        results = None if score is None else {"score": score, "tests": []}
        return Job(sid, sid, JobReason.SUBMIT, "x", None, status, 1, 0.0, results=results)

    jobs = {
        "b1": [job("b1", JobStatus.GRADED, 9)],
        "b2": [job("b2", JobStatus.QUEUED, None)],
        "a1": [job("a1", JobStatus.GRADED, 4.25)],
    }
    got = parsed(grades_csv(summarize(subs, jobs.__getitem__, 10)))
    assert got[1:] == [
        ["alice", "4.25", "10", "2023-11-14T22:13:50Z"],
        ["bob", "", "10", "2023-11-14T22:14:20Z"],
    ]
