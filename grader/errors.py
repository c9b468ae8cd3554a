"""The exception tree. Whose fault a failure is decides what happens next.

    GraderError                     grader/errors.py
    ├── SpecError                   the instructor's: assignment YAML, fixtures, reference.
    │                               Nothing is graded until the spec is fixed; a job fails
    │                               naming the instructor (worker/jobs.py), the API answers 503
    │                               (api/assignments.py), `grader` exits 2 (cli/main.py).
    ├── SubmissionError             the student's: a missing file, a bad zip, an upload too
    │                               large. "Not gradable", with the reason shown to them
    │                               (worker/jobs.py); a 413/422 error body (api/errors.py).
    └── InfrastructureError         ours: Docker unreachable, image missing, the runner itself
                                    broke. The job is retried (worker/jobs.py); the student is
                                    never blamed for it.

What the student's code does inside the sandbox (raising, hanging, crashing, eating
memory) is none of these: it is an ordinary graded outcome, reported per test. These
exceptions carry it, and never leave the place named:

    StepError       grader/steps.py    a step raised: the sandbox's child process turns it
                                       into an "error" report entry naming the step
                                       (sandbox/container/child.py).
    ProgramExit     grader/steps.py    a program ended with a non-zero status: raised inside
                                       a run step, so it arrives as a StepError.
    CodecError      grader/codec.py    a returned value the codec cannot read (ValueError):
                                       grader/report.py keeps it as that value's error, shown
                                       in the check that reads it.
    ParseError      grader/parsers.py  a program's output file without the declared format
                                       (ValueError): likewise, a value error of that output.

At the edges, errors of a protocol rather than of grading:

    ApiError        api/errors.py      an HTTP refusal: becomes the JSON error body with its
                                       status (an HTML error page for a web page's request);
                                       SubmissionError is turned into one there too.
    SignInRequired  api/pages/session.py  a page without a signed-in user: a redirect to
                                       the sign-in page (api/pages/access.py).
    CsrfError       api/pages/session.py  a form post without the session's CSRF token: a
                                       403 page, or the upload form again with the message.
    TokenFileError  api/auth.py        the operator's tokens file cannot be used: the API
                                       refuses to start, naming the file and the entry.
    LaunchError     lti/claims.py      an LTI launch refused, with a .code (re-exported by
                                       lti/launch.py): a 4xx page naming why, nothing kept
                                       (api/pages/lti_launch.py).
    RegistryError   lti/registry.py    the operator's LTI platform file cannot be used: the
                                       service refuses to start, naming file, entry and field.
    ServiceError    lti/services.py    a platform's grade or roster service failed; .retryable
                                       says how soon the worker tries again (worker/passback.py).
    ServiceError    cli/client.py      the service refused a request of the `grader` command:
                                       exit 2 for a 4xx, 3 for a 5xx (cli/main.py).

tests/unit/test_errors.py checks that every exception class of the project is drawn here.
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
