"""The assignment: what is submitted, the trusted reference, the limits, the
fixtures and the tests, checked against each other once loaded."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from grader.spec.checks import AnswerCheck, CheckBase, MatchCheck
from grader.spec.fixtures import Fixture
from grader.spec.model import ASSIGNMENT_DIR, MODULE_NAME, NAME, Model
from grader.spec.policy import Policy
from grader.spec.refs import functions_in
from grader.spec.testspec import TestSpec


class Submission(Model):
    """What the student hands in. ``module`` is imported for call steps; a submission
    that is only a program (run steps) has none."""

    files: Annotated[list[str], Field(min_length=1)]
    module: Annotated[str | None, Field(pattern=NAME)] = None
    max_bytes: Annotated[int, Field(gt=0)] = 1_048_576

    @field_validator("files")
    @classmethod
    def _plain_names(cls, v: list[str]) -> list[str]:
        for name in v:
            if name.startswith("/") or ".." in name.split("/") or not name:
                raise ValueError(f"{name!r} must be a relative path inside the submission")
        return v


class Reference(Model):
    """The trusted reference implementation: it computes the expected values and the
    metrics on the trusted side and never enters a sandbox. Either a module on the
    grader's Python path (`module: reference.cs189_hw2.hw2`), or, with `path`, a module in
    a folder of the assignment's own (`path: reference`, `module: layer`)."""

    module: Annotated[str, Field(pattern=MODULE_NAME)]
    """The reference module: a dotted module path importable by the grader, or, with
    `path`, the module's name inside that folder (`layer` for `reference/layer.py`). Run
    steps execute the reference's programs from the module's folder."""
    path: Annotated[str | None, Field(min_length=1, max_length=500)] = None
    """A folder relative to the assignment folder holding the reference module, e.g.
    `reference`. It is imported under a name unique to that folder, so assignments loaded
    in one process never share a reference; its modules import each other relatively
    (`from .helpers import f`). Nothing in it is sent to the sandbox."""
    _assignment_dir: Path | None = PrivateAttr(default=None)

    @field_validator("path")
    @classmethod
    def _relative_folder(cls, v: str | None) -> str | None:
        if v is not None and (v.startswith(("/", "~")) or "\\" in v or ":" in v):
            raise ValueError(
                f"{v!r} must be a folder relative to the assignment folder, written with /"
            )
        return v

    def model_post_init(self, context: Any, /) -> None:
        """The loader validates with ``context={ASSIGNMENT_DIR: folder}``: `path` is
        relative to it."""
        if isinstance(context, dict) and context.get(ASSIGNMENT_DIR) is not None:
            self._assignment_dir = Path(context[ASSIGNMENT_DIR])

    @property
    def assignment_dir(self) -> Path | None:
        """The folder the assignment was loaded from (None when validated without one)."""
        return self._assignment_dir

    @property
    def folder(self) -> Path | None:
        """The reference folder, absolute; None for a module on the Python path, or when
        the assignment was not loaded from a folder."""
        if self.path is None or self._assignment_dir is None:
            return None
        return (self._assignment_dir / self.path).resolve()


class Limits(Model):
    test_timeout: Annotated[float, Field(gt=0, le=3600)] = 10
    """Seconds of CPU time per test (a test may set its own `timeout`): the time its
    processes compute, so a busy machine cannot make a correct solution time out."""
    import_timeout: Annotated[float, Field(gt=0, le=600)] = 10
    """Seconds of CPU time to import the student module."""
    wall_factor: Annotated[float, Field(gt=1, le=100)] = 5
    """A test (and the import) is also stopped after `wall_factor` times its timeout in
    seconds of wall-clock time: code that waits or sleeps uses no CPU time."""
    submission_timeout: Annotated[float, Field(gt=0, le=7200)] = 300
    memory_mb: Annotated[int, Field(ge=64, le=65536)] = 512
    cpus: Annotated[float, Field(gt=0, le=64)] = 1
    pids: Annotated[int, Field(ge=8, le=4096)] = 64
    tmp_mb: Annotated[int, Field(ge=1, le=4096)] = 64
    file_size_mb: Annotated[int, Field(ge=1, le=4096)] = 64
    output_mb: Annotated[int, Field(ge=1, le=1024)] = 32
    stdout_kb: Annotated[int, Field(ge=1, le=10240)] = 64


class AnswersFile(Model):
    """The submission file with written answers: a YAML or JSON mapping of question ids
    to numbers. Not required: a submission without it loses only its answer checks."""

    file: str
    max_bytes: Annotated[int, Field(gt=0, le=1_048_576)] = 65_536


class Tolerance(Model):
    rtol: Annotated[float, Field(ge=0)]
    atol: Annotated[float, Field(ge=0)]


class Assignment(Model):
    version: Literal[1]
    id: Annotated[str, Field(pattern=NAME)]
    title: str
    submission: Submission
    reference: Reference
    limits: Limits = Limits()
    preload: list[Annotated[str, Field(pattern=MODULE_NAME)]] = Field(
        default_factory=lambda: ["numpy"]
    )
    tolerance: Tolerance | None = None
    seed: Annotated[int, Field(ge=0, lt=2**32)] = 0
    """The base of every test's seed. Before a test runs (from the student module's
    import on), Python's `random`, NumPy's global generator, `default_rng()` without
    a seed and torch's generator are seeded from this and the test's name, in the
    sandbox and for the reference alike: the same submission gets the same numbers,
    and so the same results, on every run (grader/seeding.py)."""
    # what an LMS gradebook gets (LTI): the latest submission's score, or the best one's
    gradebook_score: Literal["latest", "best"] = "latest"
    # due date, late work and its penalty, submission limit (grader/spec/policy.py)
    policy: Policy | None = None
    answers: AnswersFile | None = None
    fixtures: dict[Annotated[str, Field(pattern=NAME)], Fixture] = Field(default_factory=dict)
    tests: Annotated[list[TestSpec], Field(min_length=1)]

    @model_validator(mode="after")
    def _cross_references(self) -> Assignment:
        seen: set[str] = set()
        for i, test in enumerate(self.tests):
            if test.name in seen:
                raise ValueError(f"tests[{i}].name: two tests are named {test.name!r}")
            seen.add(test.name)
            self._check_code_steps(i, test)
            self._check_fixture_uses(i, test)
            for j, check in enumerate(test.checks):
                self._check_check(f"tests[{i}].checks[{j}]", test, check)
        return self

    def _check_code_steps(self, i: int, test: TestSpec) -> None:
        """Call steps need the module; run steps need a program among the files."""
        for k, step in enumerate(test.steps):
            uses_module = (step.call and not step.on) or any(
                functions_in(a) for a in step.arguments()
            )
            if uses_module and self.submission.module is None:
                raise ValueError(
                    f"tests[{i}].steps[{k}]: calls student code, but `submission.module` "
                    "names no module to import"
                )
            if step.run and step.run not in self.submission.files:
                raise ValueError(
                    f"tests[{i}].steps[{k}].run: {step.run!r} is not one of the required "
                    f"submission files ({', '.join(self.submission.files)})"
                )

    def _check_fixture_uses(self, i: int, test: TestSpec) -> None:
        """Names the steps read must be fixtures, and public: they enter the sandbox."""
        for k, name in test.fixture_uses():
            fixture = self.fixtures.get(name)
            if fixture is None:
                raise ValueError(
                    f"tests[{i}].steps[{k}]: uses ${name}, which is neither a fixture "
                    "nor a result saved by an earlier step"
                )
            if fixture.visibility != "public":
                raise ValueError(
                    f"tests[{i}].steps[{k}]: passes hidden fixture ${name} to student "
                    "code; hidden fixtures never enter the sandbox (mark it public, or use "
                    "it only in a metric check)"
                )

    def _check_check(self, where: str, test: TestSpec, check: CheckBase) -> None:
        """What a check needs from the assignment: the answers file, a tolerance, and
        the names its trusted-side computation reads."""
        if check.needs_answers and self.answers is None:
            raise ValueError(
                f"{where}: an answer check needs the top-level "
                "`answers: {file: ...}` naming the submission's answers file"
            )
        if check.needs_tolerance and self.tolerance is None:
            raise ValueError(
                f"{where}: a match or answer check needs rtol and atol, "
                "on the check or in the assignment's tolerance"
            )
        for name in check.inputs():
            if name not in self.fixtures and name not in test.saved_names():
                raise ValueError(
                    f"{where}: uses ${name}, which is neither a fixture nor a saved step result"
                )

    @property
    def programs(self) -> list[str]:
        """The submission files that run steps execute."""
        return sorted({s.run for t in self.tests for s in t.steps if s.run})

    def tolerance_of(self, check: MatchCheck | AnswerCheck) -> Tolerance:
        default = self.tolerance
        rtol = check.rtol if check.rtol is not None else default.rtol  # type: ignore[union-attr]
        atol = check.atol if check.atol is not None else default.atol  # type: ignore[union-attr]
        return Tolerance(rtol=rtol, atol=atol)

    @property
    def max_score(self) -> float:
        return sum(t.points for t in self.tests)
