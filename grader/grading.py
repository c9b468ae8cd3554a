"""The grading pipeline: submission -> sandbox -> raw outputs -> checks -> feedback.

Everything here is trusted and pure: the sandbox is passed in (see grader.sandbox),
so the same pipeline runs with Docker in production and in-process in unit tests.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

from grader import feedback, report
from grader.answers import Answers, read_answers
from grader.context import Context
from grader.errors import InfrastructureError, SpecError
from grader.expected import ExpectedValues, load_reference, program_dir
from grader.failure import failure_message
from grader.fixtures import FixtureSet
from grader.parsers import parse_values
from grader.plan import build_plan, public_fixtures_used, test_id
from grader.report import PhaseResult, RunReport
from grader.sandbox import Sandbox, SandboxOutcome, SandboxRequest
from grader.scoring import score_test
from grader.spec import Assignment, TestSpec, load_assignment
from grader.submission import validate
from grader.verdict import TestResult
from grader.wire import PhaseStatus


@dataclass(frozen=True)
class Grader:
    """One assignment, loaded and ready: expected values are computed on load."""

    assignment: Assignment
    directory: Path
    fixtures: FixtureSet
    reference: ModuleType
    expected: ExpectedValues

    @classmethod
    def load(cls, directory: Path, cache_dir: Path | None = None) -> Grader:
        assignment = load_assignment(directory)
        fixtures = FixtureSet(assignment, directory)
        for name in assignment.fixtures:
            fixtures(name)  # fail now, naming the fixture, not mid-grading
        reference = load_reference(assignment)
        _check_functions(assignment, reference)
        _check_programs(assignment, reference)
        expected = ExpectedValues.compute(assignment, directory, fixtures, reference, cache_dir)
        return cls(assignment, Path(directory), fixtures, reference, expected)

    @cached_property
    def plan(self) -> dict[str, Any]:
        return build_plan(self.assignment)

    @cached_property
    def _sandbox_tests(self) -> set[str]:
        return {t["id"] for t in self.plan["tests"]}

    @cached_property
    def fixture_files(self) -> dict[str, bytes]:
        return self.fixtures.encoded(public_fixtures_used(self.assignment))

    def request(self, files: Mapping[str, bytes], run_id: str, group: str = "") -> SandboxRequest:
        return SandboxRequest(
            run_id=run_id,
            group=group,
            plan=self.plan,
            submission=dict(validate(dict(files), self.assignment.submission)),
            fixtures=self.fixture_files,
            limits=self.assignment.limits,
        )

    def grade(
        self, files: Mapping[str, bytes], sandbox: Sandbox, run_id: str, group: str = ""
    ) -> dict[str, Any]:
        """Gradescope results for one submission. Raises SubmissionError when it cannot
        be graded as given and InfrastructureError when the sandbox failed us."""
        request = self.request(files, run_id, group)
        started = time.monotonic()
        outcome = sandbox.run(request)
        tests = self.score(outcome, read_answers(request.submission, self.assignment.answers))
        note = self._note(outcome)
        return feedback.results_json(tests, time.monotonic() - started, note, outcome.log)

    def score(self, outcome: SandboxOutcome, answers: Answers | None = None) -> list[TestResult]:
        limits = self.assignment.limits
        run = report.parse(outcome.files, max_array_bytes=limits.output_mb * 1024 * 1024)
        if run is None:
            run = self._no_report(outcome)
        ctx = Context(
            assignment=self.assignment,
            answers=answers or Answers(problem="no answers were read"),
            expected=self.expected.get,
            metric=lambda name: getattr(self.reference, name),
            fixture=self.fixtures,
        )
        results = []
        for i, test in enumerate(self.assignment.tests):
            phase = self._phase_of(run, test_id(i), outcome)
            results.append(score_test(test, _parse_outputs(test, phase), ctx))
        return results

    def _phase_of(self, run: RunReport, tid: str, outcome: SandboxOutcome) -> PhaseResult:
        if tid not in self._sandbox_tests:  # answers only: nothing ran, nothing to fail
            return PhaseResult(status=PhaseStatus.OK)
        if run.import_.status not in (PhaseStatus.OK, PhaseStatus.MISSING):
            module = self.assignment.submission.module
            reason = failure_message(run.import_, self.assignment, None)
            what = f"import {module}.py" if module else "compile " + run.import_.step
            message = f"could not {what}: {reason}"
            return PhaseResult(status=PhaseStatus.IMPORT_FAILED, message=message)
        phase = run.tests.get(tid)
        if phase is not None and phase.status != PhaseStatus.MISSING:
            return phase
        if outcome.timed_out:
            total = self.assignment.limits.submission_timeout
            return PhaseResult(
                status=PhaseStatus.NOT_RUN,
                message=f"not run: the submission's total time limit of {total:g} s ran out",
            )
        return PhaseResult(status=PhaseStatus.MISSING)

    def _no_report(self, outcome: SandboxOutcome) -> RunReport:
        """The runner wrote nothing: the student's fault only when a limit killed it."""
        if outcome.timed_out or outcome.oom_killed:
            limits = self.assignment.limits
            why = (
                f"the total time limit of {limits.submission_timeout:g} s ran out"
                if outcome.timed_out
                else f"the sandbox ran out of memory ({limits.memory_mb} MiB)"
            )
            gone = PhaseResult(status=PhaseStatus.NOT_RUN, message=f"no result: {why}")
            tests = {test_id(i): gone for i in range(len(self.assignment.tests))}
            ok = PhaseResult(status=PhaseStatus.OK)
            return RunReport(complete=False, import_=ok, tests=tests)
        raise InfrastructureError(
            f"the sandbox produced no report (exit code {outcome.exit_code}); "
            f"runner log: {outcome.log[-800:]}"
        )

    def _note(self, outcome: SandboxOutcome) -> str:
        if outcome.timed_out:
            total = self.assignment.limits.submission_timeout
            return f"The submission hit its total time limit of {total:g} s."
        return ""


def _check_functions(assignment: Assignment, reference: ModuleType) -> None:
    """Every reference function a check calls (a metric) exists; fail on load."""
    for check in (c for t in assignment.tests for c in t.checks):
        name = check.reference_function
        if name is not None and not callable(getattr(reference, name, None)):
            raise SpecError(
                f"metric {name!r} is not a function of {assignment.reference.module}",
                f"test checks ({check.label or name})",
            )


def _check_programs(assignment: Assignment, reference: ModuleType) -> None:
    """Every program a run step executes is in the reference's folder."""
    folder = program_dir(reference)
    for program in assignment.programs:
        if folder is None or not (folder / program).is_file():
            raise SpecError(
                f"run steps execute {program}, which is not in the reference's folder ({folder})",
                "reference.module",
            )


def _parse_outputs(test: TestSpec, phase: PhaseResult) -> PhaseResult:
    """Program outputs come out of the sandbox as text; parse them (grader.parsers)."""
    declared = test.output_parsers()
    if phase.status != PhaseStatus.OK or not declared:
        return phase
    values, errors = parse_values(declared, phase.values)
    return replace(phase, values=values, value_errors={**phase.value_errors, **errors})


def grade_path(
    assignment_dir: Path,
    files: Mapping[str, bytes],
    sandbox: Sandbox,
    run_id: str,
    cache_dir: Path | None = None,
) -> dict[str, Any]:
    """Convenience: load the assignment and grade one submission."""
    return Grader.load(assignment_dir, cache_dir).grade(files, sandbox, run_id)
