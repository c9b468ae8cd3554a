"""Fixtures: the named inputs of the tests, declared by the instructor.

How they are built from files lives in grader.fixtures; this module only says
what a declaration may hold.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

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
    key: str
    dtype: str | None = None
    divide_by: float | None = None


class Fixture(Model):
    kind: Literal["pickle", "npz", "npy", "literal", "random", "file"]
    visibility: Literal["public", "hidden"] = "hidden"
    description: str = ""
    path: str | None = None
    unpack: list[Annotated[str, Field(pattern=NAME)]] | None = None
    keys: dict[Annotated[str, Field(pattern=NAME)], str | NpzKey] | None = None
    value: Any = None
    dtype: str | None = None
    shape: list[Annotated[int, Field(ge=0)]] | None = None
    seed: int | None = None
    distribution: Literal["normal", "uniform", "integers"] | None = None
    low: float = 0.0
    high: float = 1.0
    mean: float = 0.0
    std: float = 1.0

    @model_validator(mode="after")
    def _fields_for_kind(self) -> Fixture:
        missing = [f for f in FIELDS_NEEDED[self.kind] if getattr(self, f) is None]
        if missing:
            raise ValueError(f"a {self.kind} fixture needs {', '.join(missing)}")
        if self.unpack is not None and self.kind != "pickle":
            raise ValueError("unpack applies to pickle fixtures only")
        return self
