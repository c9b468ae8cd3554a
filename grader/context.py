"""What a check may consult besides the student's values while it is scored."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from grader.steps import lookup

if TYPE_CHECKING:
    from grader.answers import Answers
    from grader.spec import Assignment


@dataclass(frozen=True)
class Context:
    """All of it trusted but ``answers``, which is the student's answers file read as
    data. ``test`` names the test being scored (see for_test)."""

    assignment: Assignment
    answers: Answers
    expected: Callable[[str, str], Any]  # (test name, output key) -> value
    metric: Callable[[str], Callable[..., Any]]  # metric name -> trusted function
    fixture: Callable[[str], Any]
    test: str = ""

    def for_test(self, name: str) -> Context:
        return replace(self, test=name)

    def expected_value(self, key: str) -> Any:
        """The reference's value of output ``key`` in the test being scored."""
        return self.expected(self.test, key)

    def fixture_value(self, ref: dict[str, Any]) -> Any:
        """A parsed reference followed from a fixture; KeyError when there is none."""
        return lookup({}, ref["ref"], ref["path"], self.fixture)
