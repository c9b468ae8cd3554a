"""The submission quota (grader/quota.py): a trailing window, exact at its edges, and the
time of the next allowed submission."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from grader.quota import iso_second, quota
from grader.spec import SubmissionLimit

T0 = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)
TWO_A_DAY = SubmissionLimit(count=2, per_hours=24)


@pytest.mark.parametrize(
    ("earlier", "now", "used", "next_at"),
    [
        ([], T0, 0, None),
        ([T0], T0 + HOUR, 1, None),
        ([T0, T0 + HOUR], T0 + 2 * HOUR, 2, T0 + 24 * HOUR),  # the oldest must leave
        ([T0, T0 + HOUR], T0 + 24 * HOUR - SECOND, 2, T0 + 24 * HOUR),
        ([T0, T0 + HOUR], T0 + 24 * HOUR, 1, None),  # exactly 24 hours on: it has left
        ([T0, T0 + HOUR], T0 + 25 * HOUR, 0, None),
        # three in the window (the limit was lower when they were made): two must leave
        ([T0, T0 + HOUR, T0 + 2 * HOUR], T0 + 3 * HOUR, 3, T0 + 25 * HOUR),
        # given out of order, and in another zone: the same instants
        (
            [(T0 + HOUR).astimezone(timezone(timedelta(hours=-8))), T0],
            T0 + 2 * HOUR,
            2,
            T0 + 24 * HOUR,
        ),
    ],
)
def test_the_window_counts_the_trailing_hours(
    earlier: list[datetime], now: datetime, used: int, next_at: datetime | None
) -> None:
    got = quota(TWO_A_DAY, earlier, now)
    assert (got.used, got.next_at, got.allowed) == (used, next_at, next_at is None)
    assert got.left == max(0, 2 - used)


def test_at_the_time_named_a_submission_is_allowed() -> None:
    earlier = [T0, T0 + HOUR]
    refused = quota(TWO_A_DAY, earlier, T0 + 2 * HOUR)
    assert refused.next_at is not None
    assert quota(TWO_A_DAY, earlier, refused.next_at).allowed
    assert not quota(TWO_A_DAY, earlier, refused.next_at - timedelta(microseconds=1)).allowed


def test_the_refusal_names_the_limit_and_the_next_time() -> None:
    limit = SubmissionLimit(count=10, per_hours=24)
    earlier = [T0 + timedelta(minutes=3 + i) for i in range(10)]
    refused = quota(limit, earlier, T0 + HOUR)
    assert refused.refusal() == (
        "10 submissions per 24 hours: the next is allowed at 2026-12-11T12:03:00Z"
    )
    one = quota(SubmissionLimit(count=1, per_hours=1), [T0], T0)
    assert one.refusal() == "1 submission per 1 hour: the next is allowed at 2026-12-10T13:00:00Z"


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (T0, "2026-12-10T12:00:00Z"),
        (T0 + timedelta(microseconds=1), "2026-12-10T12:00:01Z"),  # never too early
        (T0.astimezone(timezone(timedelta(hours=2))), "2026-12-10T12:00:00Z"),
    ],
)
def test_times_are_named_in_utc_to_the_second(moment: datetime, text: str) -> None:
    assert iso_second(moment) == text
