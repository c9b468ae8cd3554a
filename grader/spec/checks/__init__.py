"""The check kinds, and ``Check``: the one a YAML check is, told by its key."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Discriminator, Tag

from grader.spec.checks.answer import AnswerCheck
from grader.spec.checks.base import CheckBase, ValueCheck
from grader.spec.checks.metric import MetricCheck
from grader.spec.checks.returned import (
    LengthCheck,
    MatchCheck,
    NoWarningsCheck,
    ShapeCheck,
    StatsCheck,
)

CHECK_CLASSES: tuple[type[CheckBase], ...] = (
    MatchCheck,
    NoWarningsCheck,
    ShapeCheck,
    LengthCheck,
    StatsCheck,
    MetricCheck,
    AnswerCheck,
)
CHECK_KINDS = tuple(cls.kind for cls in CHECK_CLASSES)


def _check_kind(raw: Any) -> str | None:
    if isinstance(raw, dict):
        kinds = [k for k in CHECK_KINDS if k in raw]
        if len(kinds) == 1:
            return kinds[0]
    return None


Check = Annotated[
    Annotated[MatchCheck, Tag(MatchCheck.kind)]
    | Annotated[NoWarningsCheck, Tag(NoWarningsCheck.kind)]
    | Annotated[ShapeCheck, Tag(ShapeCheck.kind)]
    | Annotated[LengthCheck, Tag(LengthCheck.kind)]
    | Annotated[StatsCheck, Tag(StatsCheck.kind)]
    | Annotated[MetricCheck, Tag(MetricCheck.kind)]
    | Annotated[AnswerCheck, Tag(AnswerCheck.kind)],
    Discriminator(
        _check_kind,
        custom_error_type="check_kind",
        custom_error_message="a check has exactly one of the keys " + ", ".join(CHECK_KINDS),
    ),
]

__all__ = [
    "CHECK_CLASSES",
    "CHECK_KINDS",
    "AnswerCheck",
    "Check",
    "CheckBase",
    "LengthCheck",
    "MatchCheck",
    "MetricCheck",
    "NoWarningsCheck",
    "ShapeCheck",
    "StatsCheck",
    "ValueCheck",
]
