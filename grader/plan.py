"""The plan: what the runner inside the sandbox is told to do.

It names the module, the tests' steps and the values to write back. It holds no
expected value, no check and no hidden fixture: the runner cannot learn what a
right answer is, only what to compute.
"""

from __future__ import annotations

from typing import Any

from grader.fixtures import sandbox_file_name
from grader.spec import Assignment, MetricCheck, TestSpec, check_ref, key_of, parse_ref, refs_in

PLAN_VERSION = 1


def test_id(index: int) -> str:
    return f"t{index:02d}"


def outputs_of(test: TestSpec) -> dict[str, dict[str, Any]]:
    """The step results that checks look at, keyed by spec.key_of."""
    produced = {s.as_ for s in test.steps if s.as_}
    refs: list[dict[str, Any]] = []
    for check in test.checks:
        ref = check_ref(check)
        if ref is not None:
            refs.append(parse_ref(ref))
        if isinstance(check, MetricCheck):
            refs.extend(a for a in check.args if "ref" in a and a["ref"] in produced)
            refs.extend(
                {"ref": name, "path": []}
                for a in check.args
                if "list" in a
                for name in refs_in(a)
                if name in produced
            )
    return {key_of(r): r for r in refs}


def build_plan(assignment: Assignment) -> dict[str, Any]:
    limits = assignment.limits
    return {
        "version": PLAN_VERSION,
        "module": assignment.submission.module,  # None: a program, compiled, not imported
        "programs": assignment.programs,
        "files": {
            name: sandbox_file_name(name, assignment.fixtures[name])
            for name in sorted(public_fixtures_used(assignment))
            if assignment.fixtures[name].kind == "file"
        },
        "preload": list(assignment.preload),
        "import_timeout": limits.import_timeout,
        "deadline": limits.submission_timeout,
        "stdout_bytes": limits.stdout_kb * 1024,
        "output_bytes": limits.output_mb * 1024 * 1024,
        "tests": [
            {
                "id": test_id(i),
                "name": test.name,
                "timeout": test.timeout or limits.test_timeout,
                "steps": [step.to_plan() for step in test.steps],
                "outputs": outputs_of(test),
            }
            for i, test in enumerate(assignment.tests)
            if test.steps  # a test of written answers runs nothing in the sandbox
        ],
    }


def public_fixtures_used(assignment: Assignment) -> set[str]:
    """Fixtures the steps pass to student code (validated public on load)."""
    return {name for test in assignment.tests for name in test.fixture_refs()}
