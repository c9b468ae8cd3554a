"""Fixtures: the named inputs of the tests, declared by the instructor.

How they are built from files lives in grader.fixtures; this module only says
what a declaration may hold.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from grader.spec.model import NAME, Model

FIELDS_NEEDED = {
    "pickle": ["path"],
    "npz": ["path", "keys"],
    "npy": ["path"],
    "literal": ["value"],
    "random": ["shape", "seed", "distribution"],
    "file": ["path"],
}


class NpzKey(Model):
    """One array of an npz archive, converted as asked."""

    key: str
    """The array's name in the archive."""
    dtype: str | None = None
    """Convert to this NumPy dtype, e.g. `float64`."""
    divide_by: float | None = None
    """Divide by this number after converting (pixel values: `255`)."""


def _required_by_kind(schema: dict[str, Any]) -> None:
    """Tell editors the fields each kind needs (``_fields_for_kind`` checks the same)."""
    schema["allOf"] = [
        {
            "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
            "then": {"required": fields},
        }
        for kind, fields in FIELDS_NEEDED.items()
    ]


class Fixture(Model):
    """A named input of the tests, built on the trusted side. Public fixtures may be
    passed to student code (they are copied into the sandbox); hidden ones never enter
    it, and only metric checks read them."""

    model_config = ConfigDict(json_schema_extra=_required_by_kind)

    kind: Literal["pickle", "npz", "npy", "literal", "random", "file"]
    """How the value is built: `pickle`, `npz` or `npy` (a file of the instructor's, read on
    the trusted side), `literal` (the YAML `value`), `random` (seeded NumPy draws) or
    `file` (the path of a file, for programs that read their input themselves)."""
    visibility: Literal["public", "hidden"] = "hidden"
    """`public`: may be passed to student code, so it is copied into the sandbox. `hidden`
    (the default): never enters the sandbox; only metric checks may use it."""
    description: str = ""
    """For instructors; not shown to students."""
    path: str | None = None
    """pickle, npz, npy, file: the file, relative to the assignment folder."""
    unpack: list[Annotated[str, Field(pattern=NAME)]] | None = None
    """pickle: names for the items of an unpickled tuple, giving a mapping
    (`unpack: [X, y]` makes `$toy.X` and `$toy.y`)."""
    keys: dict[Annotated[str, Field(pattern=NAME)], str | NpzKey] | None = None
    """npz: the arrays to keep, as `name: KEY` or `name: {key: KEY, dtype: float64,
    divide_by: 255}`; the value is a mapping of these names."""
    value: Any = None
    """literal: the value, any YAML (with `dtype`, made a NumPy array)."""
    dtype: str | None = None
    """literal, random: the NumPy dtype of the array, e.g. `float64`."""
    shape: list[Annotated[int, Field(ge=0)]] | None = None
    """random: the shape of the array."""
    seed: int | None = None
    """random: the seed of `numpy.random.default_rng`: the same values on every run."""
    distribution: Literal["normal", "uniform", "integers"] | None = None
    """random: `normal` (`mean`, `std`), `uniform` (`low` to `high`) or `integers` (`low`
    inclusive to `high` exclusive)."""
    low: float = 0.0
    """random, uniform or integers: the lower bound."""
    high: float = 1.0
    """random, uniform or integers: the upper bound."""
    mean: float = 0.0
    """random, normal: the mean."""
    std: float = 1.0
    """random, normal: the standard deviation."""

    @model_validator(mode="after")
    def _fields_for_kind(self) -> Fixture:
        missing = [f for f in FIELDS_NEEDED[self.kind] if getattr(self, f) is None]
        if missing:
            raise ValueError(f"a {self.kind} fixture needs {', '.join(missing)}")
        if self.unpack is not None and self.kind != "pickle":
            raise ValueError("unpack applies to pickle fixtures only")
        return self
