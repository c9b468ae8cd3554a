"""Lateness (grader/lateness.py): a submission's time against one student's deadlines,
boundaries to the second, extensions, time zones, and the final score."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from grader.lateness import ON_TIME, Deadlines, Lateness, Timing, assess, deadlines, is_open
from grader.spec import PenaltyStep, PenaltyTable, PerDayPenalty, Policy

PST = timezone(timedelta(hours=-8))
DUE = datetime(2026, 12, 10, 23, 59, tzinfo=PST)
UNTIL = DUE + timedelta(days=3)
SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)

PER_DAY = Policy(due=DUE, late_until=UNTIL, late_penalty=PerDayPenalty(per_day=0.1))
TABLE = Policy(
    due=DUE,
    late_until=UNTIL,
    late_penalty=PenaltyTable(
        steps=(PenaltyStep(days=1, penalty=0.1), PenaltyStep(days=3, penalty=0.3))
    ),
)
NO_LATE_WORK = Policy(due=DUE)
LATE_FREE = Policy(due=DUE, late_until=UNTIL)  # late work accepted, no penalty


@pytest.mark.parametrize(
    ("policy", "at", "expected"),
    [
        (PER_DAY, DUE - DAY, ON_TIME),
        (PER_DAY, DUE, ON_TIME),  # the due second is on time
        (PER_DAY, DUE + SECOND, Lateness(Timing.LATE, 1, 0.1)),
        (PER_DAY, DUE + DAY, Lateness(Timing.LATE, 86400, 0.1)),
        (PER_DAY, DUE + DAY + SECOND, Lateness(Timing.LATE, 86401, 0.2)),
        (PER_DAY, UNTIL, Lateness(Timing.LATE, 3 * 86400, 0.3)),  # the close is accepted
        (PER_DAY, UNTIL + SECOND, Lateness(Timing.CLOSED, 3 * 86400 + 1, 1.0)),
        (TABLE, DUE + SECOND, Lateness(Timing.LATE, 1, 0.1)),
        (TABLE, DUE + DAY, Lateness(Timing.LATE, 86400, 0.1)),
        (TABLE, DUE + DAY + SECOND, Lateness(Timing.LATE, 86401, 0.3)),
        (TABLE, UNTIL, Lateness(Timing.LATE, 3 * 86400, 0.3)),
        (NO_LATE_WORK, DUE, ON_TIME),
        (NO_LATE_WORK, DUE + SECOND, Lateness(Timing.CLOSED, 1, 1.0)),
        (LATE_FREE, DUE + 2 * DAY, Lateness(Timing.LATE, 2 * 86400, 0.0)),
        (Policy(), DUE + 100 * DAY, ON_TIME),  # no due date: never late
        (None, DUE + 100 * DAY, ON_TIME),
    ],
)
def test_a_submission_is_on_time_late_or_closed(
    policy: Policy | None, at: datetime, expected: Lateness
) -> None:
    got = assess(policy, at)
    assert (got.timing, got.seconds) == (expected.timing, expected.seconds)
    assert got.penalty == pytest.approx(expected.penalty)
    assert is_open(policy, at) == (expected.timing != Timing.CLOSED)


@pytest.mark.parametrize(
    ("at", "timing"),
    [
        (DUE.astimezone(UTC), Timing.ON_TIME),  # the same instant, written in UTC
        (DUE.astimezone(ZoneInfo("Europe/Paris")), Timing.ON_TIME),
        (datetime(2026, 12, 11, 7, 59, tzinfo=UTC), Timing.ON_TIME),
        (datetime(2026, 12, 11, 7, 59, 1, tzinfo=UTC), Timing.LATE),
        (datetime(2026, 12, 11, 8, 59, 0, tzinfo=timezone(timedelta(hours=1))), Timing.ON_TIME),
        (datetime(2026, 12, 11, 8, 59, 1, tzinfo=timezone(timedelta(hours=1))), Timing.LATE),
    ],
)
def test_time_zones_compare_instants(at: datetime, timing: Timing) -> None:
    assert assess(PER_DAY, at).timing == timing


def test_a_day_late_is_24_hours_across_a_change_of_daylight_saving() -> None:
    """Clocks in New York go back an hour on 2026-11-01: local midnight to midnight is
    25 hours that day, but a day late is still 24 hours."""
    zone = ZoneInfo("America/New_York")
    due = datetime(2026, 10, 31, 12, 0, tzinfo=zone)
    policy = Policy(due=due, late_until=due + 5 * DAY, late_penalty=PerDayPenalty(per_day=0.1))
    next_local_noon = datetime(2026, 11, 1, 12, 0, tzinfo=zone)  # 25 hours later
    got = assess(policy, next_local_noon)
    assert got.seconds == 25 * 3600 and got.days == 2 and got.penalty == pytest.approx(0.2)
    day_later = (due.astimezone(UTC) + DAY).astimezone(zone)  # 11:00 local
    assert assess(policy, day_later).penalty == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("policy", "extension", "expected"),
    [
        (PER_DAY, None, Deadlines(DUE, UNTIL)),
        (PER_DAY, DUE + 2 * DAY, Deadlines(DUE + 2 * DAY, UNTIL + 2 * DAY)),  # window kept
        (NO_LATE_WORK, None, Deadlines(DUE, DUE)),
        (NO_LATE_WORK, DUE + DAY, Deadlines(DUE + DAY, DUE + DAY)),
        (Policy(), DUE, None),
        (None, None, None),
    ],
)
def test_an_extension_moves_the_due_and_keeps_the_late_window(
    policy: Policy | None, extension: datetime | None, expected: Deadlines | None
) -> None:
    got = deadlines(policy, extension)
    assert got == expected
    if got is not None:
        assert got.takes_late_work == (policy is PER_DAY)


def test_a_submission_is_judged_against_its_students_extension() -> None:
    extension = DUE + 2 * DAY
    assert assess(PER_DAY, extension, extension) == ON_TIME
    late = assess(PER_DAY, extension + SECOND, extension)
    assert (late.timing, late.penalty) == (Timing.LATE, pytest.approx(0.1))
    assert assess(PER_DAY, UNTIL + DAY, extension).timing == Timing.LATE
    assert assess(PER_DAY, extension + 3 * DAY + SECOND, extension).timing == Timing.CLOSED
    utc_extension = extension.astimezone(UTC)  # given in another zone: the same instant
    assert assess(PER_DAY, extension, utc_extension) == ON_TIME


@pytest.mark.parametrize(
    ("seconds", "days"),
    [(0, 0), (1, 1), (86400, 1), (86401, 2), (2.5 * 86400, 3)],
)
def test_days_late_are_started_days(seconds: float, days: int) -> None:
    assert Lateness(Timing.LATE, seconds, 0.0).days == days


@pytest.mark.parametrize(
    ("penalty", "raw", "final"),
    [(0.0, 7.0, 7.0), (0.1, 7.0, 6.3), (0.3, 37.0, 25.9), (1.0, 37.0, 0.0), (0.1, 0.0, 0.0)],
)
def test_the_final_score_is_the_raw_score_less_the_penalty(
    penalty: float, raw: float, final: float
) -> None:
    assert Lateness(Timing.LATE, 1, penalty).final(raw) == final


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="without a time zone"):
        assess(PER_DAY, datetime(2026, 12, 11))
