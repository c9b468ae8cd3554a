"""The course policy of an assignment (its optional top-level ``policy:``): the due date,
late work and its penalty, and the limit on submissions.

    policy:
      due: 2026-12-10T23:59:00-08:00           # a time zone is required
      late_until: 2026-12-13T23:59:00-08:00    # late work accepted until then (optional)
      late_penalty: {per_day: 0.1}             # or [{days: 1, penalty: 0.1}, {days: 3, ...}]
      max_submissions: {count: 10, per_hours: 24}

What these mean for a submission at a time is grader/lateness.py and grader/quota.py;
what a student sees when is grader/release.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator, model_validator

from grader.spec.model import Model

DAY = timedelta(days=1)
ZONE_EXAMPLE = "2026-12-10T23:59:00-08:00"
PENALTY_FORMS = "give {per_day: 0.1}, or a table [{days: 1, penalty: 0.1}, {days: 3, penalty: 0.3}]"


def aware_time(value: Any) -> datetime:
    """An ISO 8601 date and time with a time zone (a YAML timestamp or a string); a
    ValueError naming what is wrong otherwise."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(
                f"{value!r} is not an ISO 8601 date and time, e.g. {ZONE_EXAMPLE}"
            ) from None
    if isinstance(value, date) and not isinstance(value, datetime):
        raise ValueError(f"give a time and a time zone too, e.g. {ZONE_EXAMPLE}")
    if not isinstance(value, datetime):
        raise ValueError(f"give an ISO 8601 date and time with a time zone, e.g. {ZONE_EXAMPLE}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"give a time zone, e.g. {ZONE_EXAMPLE}")
    return value


class PerDayPenalty(Model):
    """``per_day`` of the raw score off per started day late (24 hours, whatever the
    clocks of the zone do), at most all of it."""

    per_day: Annotated[float, Field(ge=0, le=1)]
    """The fraction of the raw score off per started day late."""

    def penalty(self, seconds_late: float) -> float:
        started_days = -(-seconds_late // DAY.total_seconds())  # ceil, on floats
        return round(min(1.0, self.per_day * started_days), 9)  # 0.3, not 0.30000000000000004


class PenaltyStep(Model):
    """Up to ``days`` days late (inclusive), ``penalty`` of the raw score off."""

    days: Annotated[float, Field(gt=0)]
    """Up to this many days late (24 hours each), inclusive."""
    penalty: Annotated[float, Field(ge=0, le=1)]
    """The fraction of the raw score taken off."""


class PenaltyTable(Model):
    steps: tuple[PenaltyStep, ...]

    def penalty(self, seconds_late: float) -> float:
        """The first step that reaches this lateness; past the last one, everything off
        (the policy's own check makes the table cover its late window)."""
        for step in self.steps:
            if seconds_late <= step.days * DAY.total_seconds():
                return step.penalty
        return 1.0


LatePenalty = PerDayPenalty | PenaltyTable


def _located(error: dict[str, Any], prefix: str = "") -> str:
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
    where = (prefix + where).lstrip(".")
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def penalty_of(value: Any) -> LatePenalty | None:
    """``{per_day: x}`` or a list of ``{days, penalty}`` steps: days increasing, penalties
    not decreasing. Errors name the place under ``late_penalty`` (``[1].penalty: ...``)."""
    if value is None or isinstance(value, PerDayPenalty | PenaltyTable):
        return value
    if isinstance(value, dict):
        try:
            return PerDayPenalty.model_validate(value)
        except ValidationError as exc:
            raise ValueError(_located(exc.errors()[0])) from None
    if not isinstance(value, list) or not value:
        raise ValueError(PENALTY_FORMS)
    steps: list[PenaltyStep] = []
    for i, item in enumerate(value):
        try:
            step = PenaltyStep.model_validate(item)
        except ValidationError as exc:
            raise ValueError(_located(exc.errors()[0], f"[{i}]")) from None
        if steps and step.days <= steps[-1].days:
            raise ValueError(
                f"[{i}].days: the steps must go up in days ({step.days:g} follows "
                f"{steps[-1].days:g})"
            )
        if steps and step.penalty < steps[-1].penalty:
            raise ValueError(
                f"[{i}].penalty: a later step cannot take off less ({step.penalty:g} follows "
                f"{steps[-1].penalty:g})"
            )
        steps.append(step)
    return PenaltyTable(steps=tuple(steps))


class SubmissionLimit(Model):
    """At most ``count`` submissions per student in any trailing ``per_hours`` hours."""

    count: Annotated[int, Field(ge=1)]
    """Submissions allowed in the window."""
    per_hours: Annotated[float, Field(gt=0)]
    """The length of the trailing window, in hours."""

    @property
    def window(self) -> timedelta:
        return timedelta(hours=self.per_hours)

    def text(self) -> str:
        return (
            f"{self.count} submission{'s' * (self.count != 1)} per {self.per_hours:g} "
            f"hour{'s' * (self.per_hours != 1)}"
        )


class Policy(Model):
    """The course policy: due date, late work and its penalty, submission limit."""

    due: datetime | None = None
    """The due date, ISO 8601 with a time zone: 2026-12-10T23:59:00-08:00. A submission at
    the due second is on time."""
    late_until: datetime | None = None
    """Late work is accepted until then (after `due`); without it nothing is accepted
    after `due`."""
    late_penalty: LatePenalty | None = None
    """With `late_until`: `{per_day: 0.1}` (that fraction of the raw score off per started
    day late), or a table `[{days: 1, penalty: 0.1}, {days: 3, penalty: 0.3}]` (up to
    `days` days late, `penalty` off) covering the late window."""
    max_submissions: SubmissionLimit | None = None
    """`{count: 10, per_hours: 24}`: at most `count` submissions per student in any
    trailing `per_hours` hours (regrades do not count)."""

    @field_validator("due", "late_until", mode="before")
    @classmethod
    def _aware(cls, value: Any) -> datetime | None:
        return None if value is None else aware_time(value)

    @field_validator(
        "late_penalty",
        mode="before",
        json_schema_input_type=PerDayPenalty
        | Annotated[list[PenaltyStep], Field(min_length=1)]
        | None,
    )
    @classmethod
    def _penalty(cls, value: Any) -> LatePenalty | None:
        return penalty_of(value)

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        if self.late_until is not None:
            if self.due is None:
                raise ValueError("late_until: needs `due` (late work is work after the due date)")
            if self.late_until <= self.due:
                raise ValueError(
                    f"late_until: must be after due ({self.late_until.isoformat()} is not "
                    f"after {self.due.isoformat()})"
                )
        if self.late_penalty is not None and self.late_window is None:
            raise ValueError(
                "late_penalty: needs late_until (without it nothing is accepted after due, "
                "so nothing is late)"
            )
        window = self.late_window
        if isinstance(self.late_penalty, PenaltyTable) and window is not None:
            last = self.late_penalty.steps[-1]
            if last.days * DAY < window:
                days = window / DAY
                raise ValueError(
                    f"late_penalty[{len(self.late_penalty.steps) - 1}].days: the table ends at "
                    f"{last.days:g} days late, but late work is accepted until {days:g} days "
                    f"after due; add a step up to {days:g} days"
                )
        return self

    @property
    def late_window(self) -> timedelta | None:
        """How long after the due late work is accepted; None when it is not."""
        if self.due is None or self.late_until is None:
            return None
        return self.late_until.astimezone(UTC) - self.due.astimezone(UTC)
