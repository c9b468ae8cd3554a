"""The base of every spec model, and the field patterns the models share."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"  # a fixture, a saved result, a function, an id
FILE_NAME = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$"  # a file a program writes
MODULE_NAME = r"^[A-Za-z_][A-Za-z0-9_.]*$"  # a dotted module path
Visibility = Literal["visible", "hidden", "after_due_date", "after_published"]
Bounds = tuple[float, float]
ALIASES = {"as_": "as", "copy_": "copy"}  # fields named after a Python or pydantic word


class Model(BaseModel):
    """Frozen, and strict about keys: an unknown key in the YAML is an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)
