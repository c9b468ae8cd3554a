"""The variants file, ``mutants.yaml`` beside ``assignment.yaml``: one-bug variants of
the reference, each a text replacement, and the tests each must lose. ``grader check``
grades every variant and holds it to its list (docs/check.md)::

    starter_score: 0          # what the starter scores (default 0)
    variants:
      - name: loss_missing_minus
        description: loss returned as the log-likelihood instead of its negative
        file: hw2.py          # optional when the submission has one file
        old: "loss = -(y * np.log(g) + (1.0 - y) * np.log(1.0 - g))"
        new: "loss = y * np.log(g) + (1.0 - y) * np.log(1.0 - g)"
        fails: ["logistic_loss and its derivative", "logistic_loss on the toy network"]

Problems are SpecErrors naming the file, the line and the field, as for the assignment
(grader.spec.loader), e.g. ``mutants.yaml:42: variants[3].fails[1]: ...``. Whether
``old`` occurs exactly once in the reference is not a property of this file: the
check reports it for the variant.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, ValidationInfo, model_validator

from grader.errors import SpecError
from grader.spec.assignment import Assignment
from grader.spec.loader import _located, _read_yaml
from grader.spec.model import NAME, Model

VARIANTS_FILE = "mutants.yaml"


class Variant(Model):
    """The reference with ``old`` (in ``file``) replaced by ``new``: it must lose points
    on exactly the tests named in ``fails``, and keep every other point."""

    name: Annotated[str, Field(pattern=NAME)]
    description: str = ""
    file: str | None = None
    old: Annotated[str, Field(min_length=1)]
    new: str
    fails: Annotated[list[str], Field(min_length=1)]

    @model_validator(mode="after")
    def _changes_something(self) -> Variant:
        if self.old == self.new:
            raise ValueError("new: is the same text as old; the variant would change nothing")
        for j, name in enumerate(self.fails):
            if name in self.fails[:j]:
                raise ValueError(f"fails[{j}]: {name!r} is listed twice")
        return self


class VariantsFile(Model):
    """The whole file. Validated with ``context={"assignment": ...}``, it is also
    checked against the assignment: files, test names, the starter's score."""

    starter_score: Annotated[float, Field(ge=0)] = 0
    variants: Annotated[list[Variant], Field(min_length=1)]

    @model_validator(mode="after")
    def _against_assignment(self, info: ValidationInfo) -> VariantsFile:
        seen: set[str] = set()
        for i, variant in enumerate(self.variants):
            if variant.name in seen:
                raise ValueError(f"variants[{i}].name: two variants are named {variant.name!r}")
            seen.add(variant.name)
        assignment = (info.context or {}).get("assignment")
        if assignment is not None:
            self._check_against(assignment)
        return self

    def _check_against(self, assignment: Assignment) -> None:
        if self.starter_score > assignment.max_score:
            raise ValueError(
                f"starter_score: {self.starter_score:g} is more than the assignment's "
                f"{assignment.max_score:g} points"
            )
        tests = [t.name for t in assignment.tests]
        files = editable_files(assignment)
        for i, variant in enumerate(self.variants):
            where = f"variants[{i}]"
            if variant.file is None and len(assignment.submission.files) > 1:
                raise ValueError(
                    f"{where}.file: required, since the submission has several files "
                    f"({', '.join(assignment.submission.files)})"
                )
            if variant.file is not None and variant.file not in files:
                raise ValueError(
                    f"{where}.file: {variant.file!r} is not a file of the submission "
                    f"({', '.join(files)})"
                )
            for j, name in enumerate(variant.fails):
                if name not in tests:
                    raise ValueError(f"{where}.fails[{j}]: {_not_a_test(name, tests)}")

    def named(self, names: list[str]) -> list[Variant]:
        """The variants of these names, in the file's order; KeyError names an unknown one."""
        known = {v.name for v in self.variants}
        for name in names:
            if name not in known:
                raise KeyError(name)
        return [v for v in self.variants if v.name in names]


def editable_files(assignment: Assignment) -> list[str]:
    """The files a variant may change: the submission's, and the answers file."""
    extra = [assignment.answers.file] if assignment.answers else []
    return [*assignment.submission.files, *extra]


def file_of(variant: Variant, assignment: Assignment) -> str:
    """The file a variant changes: its own ``file``, else the submission's only file."""
    return variant.file or assignment.submission.files[0]


def _not_a_test(name: str, tests: list[str]) -> str:
    close = difflib.get_close_matches(name, tests, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{name!r} is not the name of a test of the assignment{hint}"


def load_variants(directory: Path, assignment: Assignment) -> VariantsFile | None:
    """Read ``DIRECTORY/mutants.yaml`` (None when there is none); raise SpecError naming
    the file, the line and the field."""
    path = Path(directory) / VARIANTS_FILE
    if not path.is_file():
        return None
    root, data = _read_yaml(path)
    if isinstance(data, list):
        raise SpecError(
            "the top level must be a mapping with `variants:` (and optionally "
            "`starter_score:`); this is a bare list: put it under `variants:`",
            f"{path}:1",
        )
    if not isinstance(data, dict):
        raise SpecError("the top level must be a mapping with `variants:`", f"{path}:1")
    try:
        return VariantsFile.model_validate(data, context={"assignment": assignment})
    except ValidationError as exc:
        raise _located(exc, path, root, data) from None
