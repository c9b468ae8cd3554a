"""The reference rerun under other seeds: the tests with metric checks, each ``seed``
step and each call-step keyword argument named ``seed`` moved on by an offset.

The assignment's own `seed`, the base of every test's seed (grader.seeding), moves by
the offset too: a program that seeds nothing itself (CMU 10-601's random
initialisation) draws other numbers in each rerun, so its reruns are samples too.
Only the metric values of these runs are read: the other checks of the test (a match
against the declared seed's expected values, say) are expected to fail under another
seed.
"""

from __future__ import annotations

from typing import Any

from grader.grading import Grader
from grader.spec import Assignment, MetricCheck, Step, TestSpec

SEED_RANGE = 2**32  # a seed step's seeds are 0 <= seed < 2**32
SEED_STRIDE = 1000
"""Rerun k moves every seed by k * SEED_STRIDE: a test that trains on seeds 0, 1 and 2
(a median of three) gets three seeds no other run used, so its reruns are independent."""


def rerun_offset(k: int) -> int:
    """The offset of the k-th rerun (k = 1 .. N-1; run 0 is the declared seeds)."""
    return k * SEED_STRIDE


def metric_tests(assignment: Assignment) -> list[TestSpec]:
    """The tests that run code and hold a result to a metric threshold."""
    return [
        t for t in assignment.tests if t.steps and any(isinstance(c, MetricCheck) for c in t.checks)
    ]


def declares_seed(test: TestSpec) -> bool:
    """True when the test sets a seed that ``reseeded`` moves."""
    return any(_reseed(step, 1) is not step for step in test.steps)


def reseeded(assignment: Assignment, offset: int) -> Assignment:
    """The assignment reduced to its metric tests, every seed moved on by ``offset``."""
    tests = [
        t.model_copy(update={"steps": [_reseed(s, offset) for s in t.steps]})
        for t in metric_tests(assignment)
    ]
    seed = (assignment.seed + offset) % SEED_RANGE
    return assignment.model_copy(update={"tests": tests, "seed": seed})


def reseeded_grader(grader: Grader, offset: int) -> Grader:
    """A Grader of the reseeded assignment that reuses the loaded one's fixtures,
    reference and expected values (keyed by test name, which are kept)."""
    return Grader(
        reseeded(grader.assignment, offset),
        grader.directory,
        grader.fixtures,
        grader.reference,
        grader.expected,
    )


def _reseed(step: Step, offset: int) -> Step:
    if step.seed is not None:
        return step.model_copy(update={"seed": (step.seed + offset) % SEED_RANGE})
    seed: Any = step.kwargs.get("seed")
    if (step.call or step.helper) and _literal_int(seed):
        kwargs = {**step.kwargs, "seed": {"value": (seed["value"] + offset) % SEED_RANGE}}
        return step.model_copy(update={"kwargs": kwargs})
    return step


def _literal_int(arg: Any) -> bool:
    """A parsed argument that is an integer literal (not a reference, not a bool)."""
    if not isinstance(arg, dict) or set(arg) != {"value"}:
        return False
    return isinstance(arg["value"], int) and not isinstance(arg["value"], bool)
