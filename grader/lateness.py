"""Lateness: where a submission's time falls against one student's deadlines, and what
that costs.

A student's deadlines are the policy's (grader/spec/policy.py), moved by their extension:
an extension is a new due for that student, and the late window keeps its length after
it. A submission is

- on time up to and including the due second,
- late after it, up to and including the close (``late_until``, moved the same way),
  with the penalty of its lateness,
- closed after the close: such a submission is refused when it is made; one that was
  accepted earlier (before an extension was taken back) is worth nothing.

No clock is read here: every time is passed in, as an aware datetime. Arithmetic is on
UTC instants, so a day late is 24 hours even across a change of daylight saving time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from grader.spec.policy import DAY, Policy


class Timing(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    CLOSED = "closed"


@dataclass(frozen=True)
class Deadlines:
    """One student's deadlines: the due, and the close (the last instant at which work
    is accepted: the due itself when the policy takes no late work)."""

    due: datetime
    closes: datetime

    @property
    def takes_late_work(self) -> bool:
        return self.closes > self.due


def deadlines(policy: Policy | None, extension: datetime | None = None) -> Deadlines | None:
    """The student's deadlines, or None when the assignment has no due date."""
    if policy is None or policy.due is None:
        return None
    due = extension if extension is not None else policy.due
    window = policy.late_window or timedelta(0)
    closes = utc(due) + window
    return Deadlines(due, closes.astimezone(due.tzinfo) if window else due)


@dataclass(frozen=True)
class Lateness:
    timing: Timing
    seconds: float = 0.0  # how long after the due (0 when on time)
    penalty: float = 0.0  # the fraction of the raw score taken off

    @property
    def days(self) -> int:
        """Started days late: 1 for a second late, 2 for a day and a second."""
        return math.ceil(self.seconds / DAY.total_seconds())

    def final(self, raw: float) -> float:
        """The score after the penalty (to 4 decimals, as the grader writes scores)."""
        return round(raw * (1.0 - self.penalty), 4)


ON_TIME = Lateness(Timing.ON_TIME)


def assess(
    policy: Policy | None, submitted_at: datetime, extension: datetime | None = None
) -> Lateness:
    """The lateness of a submission made at ``submitted_at`` (aware)."""
    found = deadlines(policy, extension)
    if found is None:
        return ON_TIME
    late = (utc(submitted_at) - utc(found.due)).total_seconds()
    if late <= 0:
        return ON_TIME
    if utc(submitted_at) > utc(found.closes):
        return Lateness(Timing.CLOSED, late, 1.0)
    penalty = policy.late_penalty.penalty(late) if policy and policy.late_penalty else 0.0
    return Lateness(Timing.LATE, late, penalty)


def is_open(policy: Policy | None, at: datetime, extension: datetime | None = None) -> bool:
    """Whether a submission made at ``at`` is accepted."""
    return assess(policy, at, extension).timing != Timing.CLOSED


def utc(moment: datetime) -> datetime:
    """The same instant in UTC; a naive time is refused (its instant is unknown)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a time without a time zone: {moment.isoformat()}")
    return moment.astimezone(UTC)
