"""Fixture values, built on the trusted side from the instructor's files.

Pickles are unpickled here and only here: they are the instructor's own files.
What enters the sandbox is the codec form (JSON + .npy) of public fixtures only.
"""

from __future__ import annotations

import json
import pickle
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from grader import codec
from grader.errors import SpecError
from grader.spec import Assignment, Fixture, NpzKey


class FixtureSet:
    """Lazily built fixture values of one assignment."""

    def __init__(self, assignment: Assignment, directory: Path) -> None:
        self.assignment = assignment
        self.directory = Path(directory)
        self._values: dict[str, Any] = {}

    def __call__(self, name: str) -> Any:
        if name not in self._values:
            fixture = self.assignment.fixtures.get(name)
            if fixture is None:
                raise KeyError(name)
            self._values[name] = build(name, fixture, self.directory)
        return self._values[name]

    @cached_property
    def files(self) -> list[Path]:
        """The instructor files fixtures read from (for cache keys)."""
        paths = {self.directory / f.path for f in self.assignment.fixtures.values() if f.path}
        return sorted(paths)

    def encoded(self, names: set[str]) -> dict[str, bytes]:
        """Codec files of the named fixtures: ``NAME.json`` plus its ``.npy`` blobs; a
        ``file`` fixture is its bytes, as ``files/NAME.SUFFIX`` (see sandbox_file_name)."""
        files: dict[str, bytes] = {}
        for name in sorted(names):
            fixture = self.assignment.fixtures[name]
            if fixture.kind == "file":
                files[f"files/{sandbox_file_name(name, fixture)}"] = Path(self(name)).read_bytes()
                continue
            tree, blobs = codec.encode(self(name), prefix=f"{name}_")
            files[f"{name}.json"] = _json_bytes(tree)
            files.update(blobs)
        return files


def sandbox_file_name(name: str, fixture: Fixture) -> str:
    """The name a ``file`` fixture has in the sandbox's fixture folder: the fixture's
    name with the file's suffix (``small_train.csv``)."""
    return name + Path(str(fixture.path)).suffix


def build(name: str, fixture: Fixture, directory: Path) -> Any:
    where = f"fixtures.{name}"
    try:
        return _BUILDERS[fixture.kind](fixture, directory)
    except SpecError:
        raise
    except FileNotFoundError as exc:
        raise SpecError(f"file not found: {exc.filename}", where) from None
    except Exception as exc:
        raise SpecError(f"cannot build the fixture: {type(exc).__name__}: {exc}", where) from None


def _pickle(fixture: Fixture, directory: Path) -> Any:
    with open(directory / str(fixture.path), "rb") as fh:
        value = pickle.load(fh)  # the instructor's own file, on the trusted side
    if fixture.unpack is None:
        return value
    if not isinstance(value, (tuple, list)) or len(value) != len(fixture.unpack):
        raise SpecError(
            f"unpack names {len(fixture.unpack)} items but the pickle holds "
            f"{type(value).__name__} of length {len(value) if hasattr(value, '__len__') else '?'}",
            "fixtures",
        )
    return dict(zip(fixture.unpack, value, strict=True))


def _npz(fixture: Fixture, directory: Path) -> Any:
    out: dict[str, Any] = {}
    with np.load(directory / str(fixture.path), allow_pickle=False) as archive:
        for name, key in (fixture.keys or {}).items():
            spec = key if isinstance(key, NpzKey) else NpzKey(key=key)
            if spec.key not in archive.files:
                raise SpecError(f"keys.{name}: the npz file has no array {spec.key!r}", "fixtures")
            arr = archive[spec.key]
            if spec.dtype:
                arr = arr.astype(spec.dtype)
            if spec.divide_by:
                arr = arr / spec.divide_by
            out[name] = arr
    return out


def _npy(fixture: Fixture, directory: Path) -> Any:
    return np.load(directory / str(fixture.path), allow_pickle=False)


def _literal(fixture: Fixture, directory: Path) -> Any:
    return np.array(fixture.value, dtype=fixture.dtype) if fixture.dtype else fixture.value


def _random(fixture: Fixture, directory: Path) -> Any:
    rng = np.random.default_rng(fixture.seed)
    shape = tuple(fixture.shape or ())
    if fixture.distribution == "normal":
        arr = rng.normal(fixture.mean, fixture.std, size=shape)
    elif fixture.distribution == "uniform":
        arr = rng.uniform(fixture.low, fixture.high, size=shape)
    else:
        arr = rng.integers(int(fixture.low), int(fixture.high), size=shape)
    return arr.astype(fixture.dtype) if fixture.dtype else arr


def _file(fixture: Fixture, directory: Path) -> str:
    """The file's absolute path: a program reads it itself. In the sandbox the same
    fixture is the path of its copy there."""
    path = (directory / str(fixture.path)).resolve()
    if not path.is_file():
        raise FileNotFoundError(2, "no such file", str(path))
    return str(path)


_BUILDERS = {
    "pickle": _pickle,
    "npz": _npz,
    "npy": _npy,
    "literal": _literal,
    "random": _random,
    "file": _file,
}


def _json_bytes(tree: Any) -> bytes:
    return json.dumps(tree, allow_nan=False).encode()
