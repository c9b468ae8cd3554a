"""Expected values: the reference run through the same steps, on the trusted side.

Computed once per spec version and cached, never per submission. The cache key
hashes everything that can change an expected value: the YAML, the fixture files,
the reference module's source, the step interpreter and the NumPy version.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import inspect
import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from grader import codec, seeding, steps
from grader.errors import SpecError
from grader.fixtures import FixtureSet
from grader.parsers import parse_values
from grader.plan import outputs_of, step_plan
from grader.spec import Assignment, TestSpec

CACHE_FORMAT = 2  # 2: expected values round-trip through the codec


def load_reference(assignment: Assignment) -> ModuleType:
    """The reference module: imported from the Python path, or, with ``reference.path``,
    from the assignment's own folder under a name unique to it (``_reference_package``)."""
    reference = assignment.reference
    if reference.path is None:
        try:
            return importlib.import_module(reference.module)
        except Exception as exc:
            raise SpecError(
                f"cannot import {reference.module!r}: {type(exc).__name__}: {exc}",
                "reference.module",
            ) from None
    folder, base = reference.folder, reference.assignment_dir
    if folder is None or base is None:
        raise SpecError(
            "is relative to the assignment folder, which is unknown: load the assignment "
            "with load_assignment(folder)",
            "reference.path",
        )
    _check_reference_folder(assignment, base, folder)
    package = _reference_package(folder)
    try:
        return importlib.import_module(f"{package}.{reference.module}")
    except Exception as exc:
        for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
            del sys.modules[name]  # the next load imports afresh
        raise SpecError(
            f"cannot import {reference.module!r} from {reference.path}/: "
            f"{type(exc).__name__}: {exc}",
            "reference.module",
        ) from None


def _check_reference_folder(assignment: Assignment, base: Path, folder: Path) -> None:
    """The folder and the module exist, and no public fixture reads a file in it: public
    fixtures are sent into the sandbox, the reference never is. ``base``: the assignment
    folder, where fixture paths start."""
    reference = assignment.reference
    if not folder.is_dir():
        raise SpecError(f"there is no folder {reference.path!r} ({folder})", "reference.path")
    relative = Path(*reference.module.split("."))
    candidates = (folder / relative.with_suffix(".py"), folder / relative / "__init__.py")
    if (folder / reference.module).is_file() and reference.module.endswith(".py"):
        name = reference.module.removesuffix(".py")
        raise SpecError(
            f"write the module's name without .py: `module: {name}`", "reference.module"
        )
    if not any(path.is_file() for path in candidates):
        raise SpecError(
            f"there is no {reference.path}/{relative}.py "
            f"(nor {reference.path}/{relative}/__init__.py)",
            "reference.module",
        )
    public = {
        name: fixture.path
        for name, fixture in assignment.fixtures.items()
        if fixture.visibility == "public" and fixture.path is not None
    }
    for name, path in public.items():
        if (base / path).resolve().is_relative_to(folder):
            raise SpecError(
                f"{path} is in the reference folder ({reference.path}); public fixtures "
                "enter the sandbox and the reference never does: keep the reference in a "
                "folder of its own",
                f"fixtures.{name}.path",
            )


def _reference_package(folder: Path) -> str:
    """A package whose ``__path__`` is the reference folder, named after the folder and
    its top-level sources: two assignments never share a reference module, and a long
    process (the worker) imports an edited reference afresh."""
    digest = hashlib.sha256(str(folder).encode())
    for source in sorted(folder.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    name = f"_mlgrader_reference_{digest.hexdigest()[:16]}"
    if name not in sys.modules:
        spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
        spec.submodule_search_locations = [str(folder)]
        sys.modules[name] = importlib.util.module_from_spec(spec)
    return name


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
    h.update(inspect.getsource(seeding).encode())
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
                values[test.name] = _reference_values(
                    test, wanted, fixtures, reference, assignment.seed
                )
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
    test: TestSpec,
    wanted: dict[str, dict[str, Any]],
    fixtures: FixtureSet,
    reference: ModuleType,
    base: int,
) -> dict[str, Any]:
    """The test's steps run with the reference: the values of the ``wanted`` outputs."""
    plan = [step_plan(s) for s in test.steps]
    seed = seeding.test_seed(test.name, base)
    run = steps.run_steps(reference, plan, fixtures, program_dir(reference), seed=seed)
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
