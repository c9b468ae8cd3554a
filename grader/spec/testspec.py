"""A test: its steps, the checks that look at their results, and what it is worth."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from grader.spec.checks import Check, CheckBase
from grader.spec.model import Model, Visibility
from grader.spec.refs import functions_in, key_of, parse_ref, refs_in
from grader.spec.steps import Step


class TestSpec(Model):
    """A test: steps run in the sandbox, in a fresh process of their own, then checks of
    their results on the trusted side."""

    __test__ = False  # not a pytest class

    name: Annotated[str, Field(min_length=1, max_length=200)]
    """Unique in the assignment; shown to students."""
    points: Annotated[float, Field(ge=0)]
    """The test's maximum score."""
    visibility: Visibility = "visible"
    """Gradescope's visibility: `visible` (the default), `hidden`, `after_due_date` or
    `after_published`."""
    timeout: Annotated[float, Field(gt=0)] | None = None
    """Seconds of CPU time for this test (stopped too after `limits.wall_factor` times as
    many seconds of wall-clock time); by default `limits.test_timeout`."""
    partial: bool = False
    """`true`: the score is `points` times the weighted share of passed checks; `false`
    (the default): every check must pass."""
    tags: list[str] = Field(default_factory=list)
    """More student functions this test exercises, listed in the feedback (the functions
    the steps call and pass are added automatically)."""
    description: str = ""
    """For instructors; not shown to students."""
    steps: list[Step] = Field(default_factory=list)
    """What to run in the sandbox, in order; needed unless every check is an answer check."""
    checks: Annotated[list[Check], Field(min_length=1)]
    """What to verify on the trusted side; each check has exactly one kind key (`match`,
    `no_warnings`, `shape`, `length`, `stats`, `metric`, `answer`)."""

    @model_validator(mode="after")
    def _refs_defined_in_order(self) -> TestSpec:
        if not self.steps and any(c.needs_steps for c in self.checks):
            raise ValueError("steps: a test needs steps, unless all its checks are answer checks")
        self._no_name_saved_twice()
        produced = self.saved_names()
        inputs = self.fixture_refs()  # a check may look at an input after the steps ran
        for i, check in enumerate(self.checks):
            ref = check.ref
            if ref is not None and parse_ref(ref)["ref"] not in produced | inputs:
                raise ValueError(
                    f"checks[{i}]: refers to {ref!r}, but no step saves a result under that name "
                    f"(steps save with `as:`; saved: {sorted(produced) or 'none'})"
                )
            self._check_program_refs(i, check)
        return self

    def _no_name_saved_twice(self) -> None:
        seen: set[str] = set()
        for i, step in enumerate(self.steps):
            if step.as_ in seen:
                raise ValueError(f"steps[{i}]: the name {step.as_!r} is already used")
            if step.as_:
                seen.add(step.as_)

    def _check_program_refs(self, i: int, check: CheckBase) -> None:
        """A program run's result is read one output at a time: ``$run.OUTPUT``."""
        runs = {s.as_: s for s in self.steps if s.run and s.as_}
        for parsed in check.refs():
            step = runs.get(parsed["ref"])
            if step is None:
                continue
            path = parsed["path"]
            if len(path) != 1 or path[0] not in step.outputs:
                names = ", ".join(f"${step.as_}.{n}" for n in step.outputs) or "none"
                raise ValueError(
                    f"checks[{i}]: {key_of(parsed)!r} is not an output of the run step; "
                    f"its outputs are {names}"
                )

    def output_parsers(self) -> dict[str, tuple[str, str]]:
        """Output key (``NAME.OUTPUT``) -> (parser, file name), for every run step's
        outputs: how the trusted side reads them (grader.parsers.parse_values)."""
        return {
            f"{s.as_}.{name}": (out.parse, out.file)
            for s in self.steps
            if s.run and s.as_
            for name, out in s.outputs.items()
        }

    def fixture_uses(self) -> list[tuple[int, str]]:
        """(step index, name) for names no earlier step produced: they must be fixtures."""
        produced: set[str] = set()
        uses: list[tuple[int, str]] = []
        for k, step in enumerate(self.steps):
            uses.extend((k, n) for a in step.arguments() for n in refs_in(a) if n not in produced)
            if step.as_:
                produced.add(step.as_)
        return uses

    def fixture_refs(self) -> set[str]:
        return {name for _, name in self.fixture_uses()}

    def saved_names(self) -> set[str]:
        """The names the steps save results under (``as:``)."""
        return {s.as_ for s in self.steps if s.as_}

    def all_tags(self) -> list[str]:
        """The student functions and methods this test exercises, in order of first use.
        A method is named after the call that made its object: ``Linear.forward``."""
        names: list[str] = []
        made_by: dict[str, str] = {}  # saved name -> the function or class that returned it
        for step in self.steps:
            if step.run:
                names.append(step.run)
            if step.call and not step.on:
                names.append(step.call)
                if step.as_:
                    made_by[step.as_] = step.call
            elif step.call and step.on:
                owner = made_by.get(parse_ref(step.on)["ref"])
                names.append(f"{owner}.{step.call}" if owner else step.call)
            names.extend(n for a in step.arguments() for n in functions_in(a))
        names.extend(self.tags)
        return list(dict.fromkeys(names))
