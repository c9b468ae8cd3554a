"""The submission quota: at most ``count`` submissions per student in any trailing window
of ``per_hours`` hours (``policy.max_submissions``), so hidden tests cannot be probed by
submitting a thousand times.

At a time ``now`` the window is (now - per_hours, now]: a submission made exactly
``per_hours`` ago no longer counts. Only the student's own uploads count (regrades are
the instructor's). No clock is read here: the times are passed in, aware.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from grader.lateness import utc
from grader.spec.policy import SubmissionLimit


@dataclass(frozen=True)
class Quota:
    """Where a student stands at a time."""

    limit: SubmissionLimit
    used: int  # submissions in the window
    next_at: datetime | None  # when one is allowed again (UTC); None while one is allowed now

    @property
    def allowed(self) -> bool:
        return self.next_at is None

    @property
    def left(self) -> int:
        return max(0, self.limit.count - self.used)

    def refusal(self) -> str:
        """Why a submission is refused now, naming when the next one is allowed."""
        assert self.next_at is not None
        return f"{self.limit.text()}: the next is allowed at {iso_second(self.next_at)}"


def quota(limit: SubmissionLimit, earlier: Iterable[datetime], now: datetime) -> Quota:
    """The quota at ``now`` given the times of the student's earlier submissions."""
    start = utc(now) - limit.window
    counted = sorted(t for t in map(utc, earlier) if t > start)
    if len(counted) < limit.count:
        return Quota(limit, len(counted), None)
    # the window must lose len - count + 1 of them; each leaves per_hours after it was made
    leaving = counted[len(counted) - limit.count]
    return Quota(limit, len(counted), leaving + limit.window)


def iso_second(moment: datetime) -> str:
    """UTC to the second with a Z, rounded up, so the time named is never too early:
    2026-12-10T14:03:00Z."""
    moment = utc(moment)
    whole = moment.replace(microsecond=0)
    if whole < moment:
        whole += timedelta(seconds=1)
    return whole.isoformat().replace("+00:00", "Z")
