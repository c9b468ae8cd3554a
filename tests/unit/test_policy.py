"""The assignment's ``policy:`` block (grader/spec/policy.py): what it accepts, and the
message naming the field for what it refuses, as the loader reports it (file, line,
field path)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from grader.errors import SpecError
from grader.spec import (
    PenaltyStep,
    PenaltyTable,
    PerDayPenalty,
    Policy,
    SubmissionLimit,
    load_assignment,
)

REPO = Path(__file__).resolve().parents[2]
BASE = (REPO / "testcases" / "cs189_hw2" / "assignment.yaml").read_text()
PST = timezone(timedelta(hours=-8))
DUE = "due: 2026-12-10T23:59:00-08:00"
UNTIL = "late_until: 2026-12-13T23:59:00-08:00"  # three days after DUE


def load_policy(tmp_path: Path, *lines: str) -> Policy | None:
    """cs189_hw2's assignment with these lines under a top-level ``policy:``."""
    folder = tmp_path / "cs189_hw2"
    folder.mkdir(exist_ok=True)
    block = "policy:\n" + "".join(f"  {line}\n" for line in lines)
    (folder / "assignment.yaml").write_text(BASE.rstrip("\n") + "\n" + block)
    return load_assignment(folder).policy


def refusal(tmp_path: Path, *lines: str) -> str:
    with pytest.raises(SpecError) as caught:
        load_policy(tmp_path, *lines)
    where, _, message = str(caught.value).partition(": ")
    assert where.startswith(str(tmp_path / "cs189_hw2" / "assignment.yaml") + ":")
    return message


def test_an_assignment_without_a_policy_has_none() -> None:
    assert load_assignment(REPO / "testcases" / "cs189_hw2").policy is None


def test_a_whole_policy_is_read(tmp_path: Path) -> None:
    policy = load_policy(
        tmp_path,
        DUE,
        UNTIL,
        "late_penalty: [{days: 1, penalty: 0.1}, {days: 3, penalty: 0.3}]",
        "max_submissions: {count: 10, per_hours: 24}",
    )
    assert policy == Policy(
        due=datetime(2026, 12, 10, 23, 59, tzinfo=PST),
        late_until=datetime(2026, 12, 13, 23, 59, tzinfo=PST),
        late_penalty=PenaltyTable(
            steps=(PenaltyStep(days=1, penalty=0.1), PenaltyStep(days=3, penalty=0.3))
        ),
        max_submissions=SubmissionLimit(count=10, per_hours=24),
    )
    assert policy.late_window == timedelta(days=3)


@pytest.mark.parametrize(
    ("lines", "due"),
    [
        ([DUE], datetime(2026, 12, 11, 7, 59, tzinfo=UTC)),
        (["due: '2026-12-10T23:59:00-08:00'"], datetime(2026, 12, 11, 7, 59, tzinfo=UTC)),
        (["due: 2026-12-11T07:59:00Z"], datetime(2026, 12, 11, 7, 59, tzinfo=UTC)),
        (["due: '2026-12-11T09:59:00+02:00'"], datetime(2026, 12, 11, 7, 59, tzinfo=UTC)),
    ],
)
def test_a_due_is_an_instant_in_any_zone(tmp_path: Path, lines: list[str], due: datetime) -> None:
    policy = load_policy(tmp_path, *lines)
    assert policy is not None and policy.due == due


def test_a_limit_alone_needs_no_due(tmp_path: Path) -> None:
    policy = load_policy(tmp_path, "max_submissions: {count: 2, per_hours: 0.5}")
    assert policy == Policy(max_submissions=SubmissionLimit(count=2, per_hours=0.5))
    assert policy.max_submissions is not None
    assert policy.max_submissions.window == timedelta(minutes=30)
    assert policy.max_submissions.text() == "2 submissions per 0.5 hours"


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            ["due: 2026-12-10T23:59:00"],
            "policy.due: give a time zone, e.g. 2026-12-10T23:59:00-08:00",
        ),
        (
            ["due: '2026-12-10 23:59'"],
            "policy.due: give a time zone, e.g. 2026-12-10T23:59:00-08:00",
        ),
        (
            ["due: 2026-12-10"],
            "policy.due: give a time and a time zone too, e.g. 2026-12-10T23:59:00-08:00",
        ),
        (
            ["due: next friday"],
            "policy.due: 'next friday' is not an ISO 8601 date and time, "
            "e.g. 2026-12-10T23:59:00-08:00",
        ),
        (["due: 5"], "policy.due: give an ISO 8601 date and time with a time zone"),
        ([DUE, "late_until: 2026-12-13T23:59:00"], "policy.late_until: give a time zone"),
        (
            [DUE, "late_until: 2026-12-10T23:59:00-08:00"],
            "policy.late_until: must be after due (2026-12-10T23:59:00-08:00 is not after "
            "2026-12-10T23:59:00-08:00)",
        ),
        (
            [UNTIL],
            "policy.late_until: needs `due` (late work is work after the due date)",
        ),
        (
            [DUE, "late_penalty: {per_day: 0.1}"],
            "policy.late_penalty: needs late_until (without it nothing is accepted after due",
        ),
        (
            [DUE, UNTIL, "late_penalty: {per_day: 1.5}"],
            "policy.late_penalty.per_day: Input should be less than or equal to 1",
        ),
        (
            [DUE, UNTIL, "late_penalty: {per_day: -0.1}"],
            "policy.late_penalty.per_day: Input should be greater than or equal to 0",
        ),
        (
            [DUE, UNTIL, "late_penalty: {per_hour: 0.1}"],
            "policy.late_penalty.per_day: Field required",
        ),
        (
            [DUE, UNTIL, "late_penalty: 0.1"],
            "policy.late_penalty: give {per_day: 0.1}, or a table [{days: 1, penalty: 0.1}, "
            "{days: 3, penalty: 0.3}]",
        ),
        ([DUE, UNTIL, "late_penalty: []"], "policy.late_penalty: give {per_day: 0.1}, or a"),
        (
            [DUE, UNTIL, "late_penalty: [{days: 1, penalty: 0.1}, {days: 3, penalty: 1.2}]"],
            "policy.late_penalty[1].penalty: Input should be less than or equal to 1",
        ),
        (
            [DUE, UNTIL, "late_penalty: [{days: 0, penalty: 0.1}, {days: 3, penalty: 0.3}]"],
            "policy.late_penalty[0].days: Input should be greater than 0",
        ),
        (
            [DUE, UNTIL, "late_penalty: [{days: 2, penalty: 0.1}, {days: 2, penalty: 0.3}]"],
            "policy.late_penalty[1].days: the steps must go up in days (2 follows 2)",
        ),
        (
            [DUE, UNTIL, "late_penalty: [{days: 1, penalty: 0.3}, {days: 3, penalty: 0.1}]"],
            "policy.late_penalty[1].penalty: a later step cannot take off less (0.1 follows 0.3)",
        ),
        (
            [DUE, UNTIL, "late_penalty: [{days: 1, penalty: 0.1}, {days: 2, penalty: 0.2}]"],
            "policy.late_penalty[1].days: the table ends at 2 days late, but late work is "
            "accepted until 3 days after due; add a step up to 3 days",
        ),
        (
            ["max_submissions: {count: 0, per_hours: 24}"],
            "policy.max_submissions.count: Input should be greater than or equal to 1",
        ),
        (
            ["max_submissions: {count: 10}"],
            "policy.max_submissions.per_hours: Field required",
        ),
        (["deadline: 2026-12-10T23:59:00Z"], "policy.deadline: Extra inputs are not permitted"),
    ],
)
def test_a_bad_policy_is_refused_naming_the_field(
    tmp_path: Path, lines: list[str], message: str
) -> None:
    assert refusal(tmp_path, *lines).startswith(message)


def test_the_refusal_names_the_line_of_the_field(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_policy(tmp_path, DUE, UNTIL, "late_penalty: {per_day: 2}")
    line = BASE.rstrip("\n").count("\n") + 1 + 4  # policy:, due, late_until, late_penalty
    assert f"assignment.yaml:{line}: policy.late_penalty.per_day" in str(caught.value)


@pytest.mark.parametrize(
    ("hours_late", "penalty"),
    [
        (0.0, 0.0),
        (1 / 3600, 0.1),  # a second late: a started day
        (24, 0.1),
        (24 + 1 / 3600, 0.2),
        (48, 0.2),
        (71.5, 0.3),
        (240, 1.0),  # ten days and more: everything, never more
        (1000, 1.0),
    ],
)
def test_a_per_day_penalty_counts_started_days(hours_late: float, penalty: float) -> None:
    assert PerDayPenalty(per_day=0.1).penalty(hours_late * 3600) == pytest.approx(penalty)


TABLE = PenaltyTable(steps=(PenaltyStep(days=1, penalty=0.1), PenaltyStep(days=3, penalty=0.3)))


@pytest.mark.parametrize(
    ("seconds_late", "penalty"),
    [
        (1, 0.1),
        (86400, 0.1),  # up to and including a day
        (86401, 0.3),
        (3 * 86400, 0.3),
        (3 * 86400 + 1, 1.0),  # past the table (the policy makes it cover its window)
    ],
)
def test_a_penalty_table_takes_the_first_step_that_reaches(
    seconds_late: float, penalty: float
) -> None:
    assert TABLE.penalty(seconds_late) == penalty


def test_a_per_day_penalty_is_written_without_float_noise() -> None:
    assert PerDayPenalty(per_day=0.1).penalty(3 * 86400) == 0.3
