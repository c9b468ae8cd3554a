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
# The key of the validation context that holds the assignment folder (grader.spec.loader):
# the folder relative paths in the YAML start from.
ASSIGNMENT_DIR = "assignment_dir"


class Model(BaseModel):
    """Frozen, and strict about keys: an unknown key in the YAML is an error. A field's
    docstring (the string literal under it) is its description in the JSON Schema that
    editors read (grader.spec.schema)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)
