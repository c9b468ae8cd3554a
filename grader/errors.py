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
    """The submission cannot be graded as given (the student can fix it).

    ``code`` names the rule that was broken, for machines (the HTTP API returns it):
    ``too_large``, ``too_many_files``, ``missing_file``, ``unsafe_path``,
    ``bad_file_name``, ``duplicate_file``, ``bad_zip``, ``empty_upload``, or the
    generic ``invalid_submission``.
    """

    def __init__(self, message: str, code: str = "invalid_submission") -> None:
        super().__init__(message)
        self.code = code


class InfrastructureError(GraderError):
    """Something on our side failed; the same job may succeed when retried."""
