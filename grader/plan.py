"""The plan: what the runner inside the sandbox is told to do.

It names the module, the tests' steps and the values to write back. It holds no
expected value, no check and no hidden fixture: the runner cannot learn what a
right answer is, only what to compute. Time limits are CPU seconds (``timeout``,
``import_timeout``) with a wall-clock cap for code that sleeps (``wall``,
``import_wall``). The plan's format is versioned by grader.wire.PLAN_VERSION.
"""

from __future__ import annotations

from typing import Any

from grader.fixtures import sandbox_file_name
from grader.seeding import test_seed
from grader.spec import Assignment, Step, TestSpec, key_of, parse_ref
from grader.wire import PLAN_VERSION


def test_id(index: int) -> str:
    return f"t{index:02d}"


def outputs_of(test: TestSpec) -> dict[str, dict[str, Any]]:
    """The step results that checks look at, keyed by spec.key_of."""
    produced = test.saved_names()
    refs = [ref for check in test.checks for ref in check.outputs(produced)]
    return {key_of(r): r for r in refs}


def step_plan(step: Step) -> dict[str, Any]:
    """One step as the step interpreter reads it (grader.steps)."""
    if step.seed is not None:
        return {"seed": step.seed}
    if step.run is not None:
        outputs = {
            n: {"file": o.file, "max_bytes": o.max_kb * 1024} for n, o in step.outputs.items()
        }
        return {"run": step.run, "args": step.args, "outputs": outputs, "as": step.as_}
    if step.copy_ is not None:
        return {"copy": parse_ref(step.copy_), "as": step.as_}
    if step.set is not None:
        return {"set": step.set, "on": parse_ref(str(step.on)), "value": step.value}
    kind = {"helper": step.helper} if step.helper else {"call": step.call}
    out: dict[str, Any] = {**kind, "args": step.args, "kwargs": step.kwargs}
    if step.on:
        out["on"] = parse_ref(step.on)
    if step.as_:
        out["as"] = step.as_
    return out


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
        "import_timeout": limits.import_timeout,  # CPU seconds
        "import_wall": limits.import_timeout * limits.wall_factor,  # wall-clock seconds
        "deadline": limits.submission_timeout,
        "stdout_bytes": limits.stdout_kb * 1024,
        "output_bytes": limits.output_mb * 1024 * 1024,
        "tests": [
            {
                "id": test_id(i),
                "name": test.name,
                "timeout": test.timeout or limits.test_timeout,  # CPU seconds
                "wall": (test.timeout or limits.test_timeout) * limits.wall_factor,
                "seed": test_seed(test.name, assignment.seed),  # grader.seeding
                "steps": [step_plan(step) for step in test.steps],
                "outputs": outputs_of(test),
            }
            for i, test in enumerate(assignment.tests)
            if test.steps  # a test of written answers runs nothing in the sandbox
        ],
    }


def public_fixtures_used(assignment: Assignment) -> set[str]:
    """Fixtures the steps pass to student code (validated public on load)."""
    return {name for test in assignment.tests for name in test.fixture_refs()}
