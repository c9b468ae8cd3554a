"""``grader check ASSIGNMENT_DIR``: the pre-flight check of an assignment (docs/check.md).

Grades in the real Docker sandbox, as ``grader grade`` does: the reference submitted as
a student, the starter, each one-bug variant of ``mutants.yaml`` and, with ``--seeds N``,
the reference's metric tests under N seeds; then prints one row per finding. What the
runs mean is decided by grader.preflight (pure); this module only makes the runs.

Exit status: 0 nothing failed (warnings allowed), 1 something failed, 2 unusable input
(an invalid assignment or variants file, an unknown ``--variant``), 3 an
infrastructure failure (worth retrying).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from config import Settings
from grader.answers import read_answers
from grader.errors import InfrastructureError, SpecError, SubmissionError
from grader.expected import program_dir
from grader.grading import Grader
from grader.preflight import (
    STARTER_DIR,
    Candidate,
    Finding,
    MetricKey,
    Stage,
    Verdict,
    coverage_findings,
    exit_status,
    gather,
    metric_tests,
    metric_values,
    reference_findings,
    render,
    rerun_offset,
    reseeded_grader,
    skipped,
    spread_findings,
    starter_findings,
    timing_findings,
    unusable_variant,
    variant_findings,
    with_variant,
    worst,
)
from grader.sandbox import Sandbox
from grader.spec import VARIANTS_FILE, Variant, VariantsFile, load_variants
from grader.verdict import TestResult
from sandbox.docker_sandbox import DockerSandbox


def register(commands: Any) -> None:
    """Add ``check`` to the ``grader`` command's subparsers."""
    check = commands.add_parser(
        "check",
        help="check an assignment: reference, starter, variants, timing, seeds",
        description="Grade the reference, the starter and every variant of mutants.yaml "
        "in the sandbox and report whether the tests behave as the assignment says.",
    )
    check.add_argument("assignment", type=Path, help="assignment folder holding assignment.yaml")
    check.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME",
        help="run only this variant of mutants.yaml (repeatable)",
    )
    check.add_argument(
        "--seeds",
        type=_count,
        default=0,
        metavar="N",
        help="hold each metric threshold against the reference's values over N seeds",
    )
    check.add_argument("--json", action="store_true", help="print the findings as JSON")
    check.set_defaults(run=run_check)


def run_check(args: argparse.Namespace, settings: Settings) -> int:
    try:
        grader = Grader.load(args.assignment, settings.cache_dir)
        variants = load_variants(args.assignment, grader.assignment)
        selected = _selected(variants, args.variant)
    except SpecError as exc:
        print(f"grader: error: {exc}", file=sys.stderr)
        return 2
    sandbox = DockerSandbox(settings.worker.sandbox_image, settings.worker.work_dir)
    checkup = Checkup(grader, variants, sandbox, sys.stderr)
    try:
        findings = checkup.findings(selected, args.seeds)
    except InfrastructureError as exc:
        print(f"grader: infrastructure error (try again): {exc}", file=sys.stderr)
        return 3
    if args.json:
        body = {
            "assignment": grader.assignment.id,
            "verdict": str(worst(findings)),
            "findings": [f.as_dict() for f in findings],
        }
        print(json.dumps(body, indent=2))
    else:
        print(render(findings, width=shutil.get_terminal_size((160, 24)).columns))
    return exit_status(findings)


@dataclass(frozen=True)
class Run:
    """One grading: the tests' results, or why the files could not be submitted."""

    results: list[TestResult]
    problem: str = ""

    @property
    def full_marks(self) -> bool:
        return not self.problem and all(r.score >= r.max_score for r in self.results)


@dataclass
class Checkup:
    """The runs of one check, in order, with a progress line per run on ``progress``."""

    grader: Grader
    variants: VariantsFile | None
    sandbox: Sandbox
    progress: TextIO
    _done: int = field(default=0, init=False)
    _total: int = field(default=0, init=False)

    def findings(self, selected: Sequence[Variant], seeds: int) -> list[Finding]:
        assignment = self.grader.assignment
        self._total = 2 + len(selected) + (max(seeds - 1, 0) if metric_tests(assignment) else 0)
        found = [self._spec()]
        reference = gather(program_dir(self.grader.reference), assignment)
        ref_run = self._grade("the reference", self.grader, reference)
        found += self._judged(Stage.REFERENCE, "reference", ref_run, reference_findings)
        starter = gather(self.grader.directory / STARTER_DIR, assignment)
        declared = self.variants.starter_score if self.variants else 0.0
        starter_run = self._grade("the starter", self.grader, starter)
        found += self._judged(
            Stage.STARTER, "starter", starter_run, lambda r: starter_findings(r, declared)
        )
        found += self._variants(reference, ref_run, selected)
        found += coverage_findings(assignment, self.variants)
        if not ref_run.problem:
            found += timing_findings(assignment, ref_run.results)
        if seeds:
            found += self._seeds(reference, ref_run, seeds)
        return found

    def _spec(self) -> Finding:
        a = self.grader.assignment
        variants = (
            f"{VARIANTS_FILE}: {len(self.variants.variants)} variants"
            if self.variants
            else f"no {VARIANTS_FILE}"
        )
        got = f"{len(a.tests)} tests, {a.max_score:g} points; {variants}"
        return Finding(Stage.SPEC, "spec", "valid", got, Verdict.OK)

    def _judged(
        self, stage: Stage, what: str, run: Run, judge: Callable[[list[TestResult]], list[Finding]]
    ) -> list[Finding]:
        if run.problem:
            return [Finding(stage, what, "can be submitted", run.problem, Verdict.FAIL)]
        return judge(run.results)

    def _variants(
        self, reference: Candidate, ref_run: Run, selected: Sequence[Variant]
    ) -> list[Finding]:
        assignment = self.grader.assignment
        made = [(v, with_variant(reference, v, assignment)) for v in selected]
        found = [unusable_variant(v, c.problem) for v, c in made if c.problem]
        runnable = [(v, c) for v, c in made if not c.problem] if ref_run.full_marks else []
        self._total -= len(selected) - len(runnable)  # the progress count
        for variant, candidate in runnable:
            run = self._grade(f"variant {variant.name}", self.grader, candidate)
            found += (
                [unusable_variant(variant, run.problem)]
                if run.problem
                else variant_findings(variant, run.results)
            )
        if selected and not ref_run.full_marks:
            why = "the reference does not score full marks, so their verdicts would mean nothing"
            found.append(skipped(Stage.VARIANT, "variants", why))
        return found

    def _seeds(self, reference: Candidate, ref_run: Run, seeds: int) -> list[Finding]:
        """The reference's first run is the declared seeds' sample; rerun k moves every
        seed on by ``rerun_offset(k)``."""
        assignment = self.grader.assignment
        if not metric_tests(assignment):
            got = "the assignment has no metric checks"
            return [Finding(Stage.SEEDS, "seeds", "metric thresholds", got, Verdict.OK)]
        if ref_run.problem:
            return [skipped(Stage.SEEDS, "seeds", "the reference could not be submitted")]
        runs: list[dict[MetricKey, float]] = [metric_values(assignment, ref_run.results)]
        for k in range(1, seeds):
            offset = rerun_offset(k)
            seeded = reseeded_grader(self.grader, offset)
            run = self._grade(f"the reference, seeds moved by {offset}", seeded, reference)
            runs.append(metric_values(seeded.assignment, run.results))
        return spread_findings(assignment, runs)

    def _grade(self, label: str, grader: Grader, candidate: Candidate) -> Run:
        """Grade ``candidate``'s files in the sandbox, as ``grader grade`` would."""
        if candidate.problem:
            return Run([], problem=candidate.problem)
        self._done += 1
        self._say(f"[{self._done}/{self._total}] {label} ...")
        started = time.monotonic()
        try:
            request = grader.request(candidate.files, run_id=f"check-{uuid.uuid4().hex[:12]}")
        except SubmissionError as exc:
            return Run([], problem=f"cannot be submitted: {exc}")
        outcome = self.sandbox.run(request)
        answers = read_answers(request.submission, grader.assignment.answers)
        results = grader.score(outcome, answers)
        score = sum(r.score for r in results)
        total = sum(r.max_score for r in results)
        self._say(f"    {score:g}/{total:g} in {time.monotonic() - started:.1f} s")
        return Run(results)

    def _say(self, line: str) -> None:
        print(f"grader check: {line}", file=self.progress, flush=True)


def _selected(variants: VariantsFile | None, names: list[str]) -> list[Variant]:
    """The variants to run: all, or those named with --variant (SpecError for others)."""
    if variants is None:
        if names:
            raise SpecError(f"--variant {names[0]}: the assignment has no {VARIANTS_FILE}")
        return []
    if not names:
        return list(variants.variants)
    try:
        return variants.named(names)
    except KeyError as exc:
        known = ", ".join(v.name for v in variants.variants)
        raise SpecError(
            f"--variant {exc.args[0]}: {VARIANTS_FILE} has no such variant (it has: {known})"
        ) from None


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value
