"""The exception tree. Whose fault a failure is decides what happens next.

    GraderError
    ├── SpecError            the instructor's: assignment YAML, fixtures, reference.
    │                        Nothing can be graded until the spec is fixed.
    ├── SubmissionError      the student's: a missing file, a bad zip, an upload too large.
    │                        The submission is "not gradable", with the reason shown to them.
    └── InfrastructureError  ours: Docker unreachable, image missing, the runner itself broke.
                             The job is retried; the student is never blamed for it.

What the student's code does inside the sandbox (raising, hanging, crashing, eating
memory) is none of these: it is an ordinary graded outcome, reported per test.
"""

from __future__ import annotations


class GraderError(Exception):
    """Base of every error the grader raises on purpose."""


class SpecError(GraderError):
    """The assignment definition is wrong. ``where`` names the file, line and field."""

    def __init__(self, message: str, where: str = "") -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where
        self.detail = message


class SubmissionError(GraderError):
    """The submission cannot be graded as given (the student can fix it)."""


class InfrastructureError(GraderError):
    """Something on our side failed; the same job may succeed when retried."""
