"""Expected values: the reference run through the same steps, on the trusted side.

Computed once per spec version and cached, never per submission. The cache key
hashes everything that can change an expected value: the YAML, the fixture files,
the reference module's source, the step interpreter and the NumPy version.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from grader import codec, steps
from grader.errors import SpecError
from grader.fixtures import FixtureSet
from grader.parsers import parse_values
from grader.plan import outputs_of, step_plan
from grader.spec import Assignment, TestSpec

CACHE_FORMAT = 2  # 2: expected values round-trip through the codec


def load_reference(assignment: Assignment) -> ModuleType:
    try:
        return importlib.import_module(assignment.reference.module)
    except Exception as exc:
        raise SpecError(
            f"cannot import {assignment.reference.module!r}: {type(exc).__name__}: {exc}",
            "reference.module",
        ) from None


def spec_digest(
    assignment_dir: Path,
    fixtures: FixtureSet,
    reference: ModuleType,
    programs: Sequence[str] = (),
) -> str:
    h = hashlib.sha256()
    h.update(f"format={CACHE_FORMAT} numpy={np.__version__}".encode())
    for path in [Path(assignment_dir) / "assignment.yaml", *fixtures.files]:
        h.update(path.name.encode())
        h.update(path.read_bytes() if path.is_file() else b"<missing>")
    folder = program_dir(reference)
    source = Path(reference.__file__) if getattr(reference, "__file__", None) else None
    h.update(source.read_bytes() if source else inspect.getsource(reference).encode())
    for program in programs:
        path = folder / program if folder else None
        h.update(path.read_bytes() if path and path.is_file() else b"<missing>")
    h.update(inspect.getsource(steps).encode())
    return h.hexdigest()


class ExpectedValues:
    """Expected values keyed by test name, then output key."""

    def __init__(self, values: dict[str, dict[str, Any]], digest: str) -> None:
        self.values = values
        self.digest = digest

    def get(self, test_name: str, key: str) -> Any:
        return self.values[test_name][key]

    @classmethod
    def compute(
        cls,
        assignment: Assignment,
        assignment_dir: Path,
        fixtures: FixtureSet,
        reference: ModuleType,
        cache_dir: Path | None = None,
    ) -> ExpectedValues:
        digest = spec_digest(assignment_dir, fixtures, reference, assignment.programs)
        cached = _read_cache(cache_dir, assignment.id, digest)
        if cached is not None:
            return cls(_parsed(assignment, cached), digest)
        values: dict[str, dict[str, Any]] = {}
        for i, test in enumerate(assignment.tests):
            wanted = _wanted(test)
            if not wanted:
                continue
            try:
                values[test.name] = _reference_values(test, wanted, fixtures, reference)
            except Exception as exc:
                raise SpecError(
                    f"the reference fails on this test: {exc}", f"tests[{i}] ({test.name!r})"
                ) from None
        # The round trip through the codec gives the reference's values the very form
        # the student's take out of the sandbox (torch tensors become arrays, and so on).
        tree, blobs = codec.encode(values, prefix="e")
        _write_cache(cache_dir, assignment.id, digest, tree, blobs)
        return cls(_parsed(assignment, codec.decode(tree, blobs, 1 << 31)), digest)


def _wanted(test: TestSpec) -> dict[str, dict[str, Any]]:
    """The outputs whose expected value a check needs, keyed as in the plan."""
    needed = {c.expected_key for c in test.checks}
    return {key: ref for key, ref in outputs_of(test).items() if key in needed}


def _reference_values(
    test: TestSpec, wanted: dict[str, dict[str, Any]], fixtures: FixtureSet, reference: ModuleType
) -> dict[str, Any]:
    """The test's steps run with the reference: the values of the ``wanted`` outputs."""
    plan = [step_plan(s) for s in test.steps]
    run = steps.run_steps(reference, plan, fixtures, program_dir(reference))
    return {
        key: steps.lookup(run.env, ref["ref"], ref["path"], fixtures) for key, ref in wanted.items()
    }


def program_dir(reference: ModuleType) -> Path | None:
    """Where run steps find the reference's programs: the reference module's folder."""
    file = getattr(reference, "__file__", None)
    return Path(file).parent if file else None


def _parsed(assignment: Assignment, values: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The reference's program outputs, parsed as the student's are (grader.parsers)."""
    out: dict[str, dict[str, Any]] = {}
    for i, test in enumerate(assignment.tests):
        if test.name not in values:
            continue
        parsed, errors = parse_values(test.output_parsers(), values[test.name])
        if errors:
            key, message = next(iter(errors.items()))
            raise SpecError(
                f"the reference's output {key} cannot be parsed: {message}",
                f"tests[{i}] ({test.name!r})",
            )
        out[test.name] = parsed
    return out


def _cache_path(cache_dir: Path, assignment_id: str, digest: str) -> Path:
    return Path(cache_dir) / "expected" / f"{assignment_id}-{digest[:24]}"


def _read_cache(cache_dir: Path | None, assignment_id: str, digest: str) -> dict | None:
    if cache_dir is None:
        return None
    folder = _cache_path(cache_dir, assignment_id, digest)
    index = folder / "expected.json"
    if not index.is_file():
        return None
    blobs = {p.name: p.read_bytes() for p in folder.glob("*.npy")}
    return codec.decode(json.loads(index.read_text()), blobs, max_array_bytes=1 << 31)


def _write_cache(
    cache_dir: Path | None, assignment_id: str, digest: str, tree: Any, blobs: dict[str, bytes]
) -> None:
    if cache_dir is None:
        return
    folder = _cache_path(cache_dir, assignment_id, digest)
    tmp = folder.with_name(folder.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    for name, data in blobs.items():
        (tmp / name).write_bytes(data)
    (tmp / "expected.json").write_text(json.dumps(tree, allow_nan=False))
    if folder.exists():  # another process won the race; theirs is identical
        shutil.rmtree(tmp, ignore_errors=True)
        return
    tmp.rename(folder)
