"""The JSON Schema of ``assignment.yaml``, generated from the models: editors read it
for completion, hover text and checks as the instructor types (docs/spec-language.md,
"Starting a new assignment"). ``docs/assignment.schema.json`` is this text, committed;
``make schema`` regenerates it.

The models stay the authority: the schema says what keys exist, their types, bounds and
descriptions, which keys a check, a step or a fixture kind takes, but not the checks
across fields (a `$name` used before a step saves it, a hidden fixture passed to student
code). Those come from ``grader check`` or any grading, with the line at fault.

Editors that speak yaml-language-server ship JSON Schema draft 7; the keywords used here
mean the same there, except ``prefixItems`` (bounds ``[low, high]``), which is why each
such array also gets ``items``.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue

from grader.spec.assignment import Assignment
from grader.spec.loader import SPEC_VERSION

TITLE = "assignment.yaml"
DESCRIPTION = (
    f"An assignment of the mlgrader grading service, spec version {SPEC_VERSION}: what the "
    "student submits, the trusted reference, limits, fixtures and tests "
    "(docs/spec-language.md)."
)
COMMENT = "Generated from grader/spec by `grader schema`; do not edit: run `make schema`."


class SpecJsonSchema(GenerateJsonSchema):
    """pydantic's generator, with the gaps editors would show closed."""

    def dict_schema(self, schema: Any) -> JsonSchemaValue:
        """A mapping whose keys have a pattern rejects the other keys too (a fixture
        named `2nd` is an error, not a key no rule covers)."""
        out = super().dict_schema(schema)
        if "patternProperties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out

    def tuple_schema(self, schema: Any) -> JsonSchemaValue:
        """``items`` as well as ``prefixItems``, for draft-7 readers, when every item has
        the same schema."""
        out = super().tuple_schema(schema)
        prefix = out.get("prefixItems") or []
        if prefix and "items" not in out and all(item == prefix[0] for item in prefix):
            out["items"] = prefix[0]
        return out


def assignment_schema() -> dict[str, Any]:
    """The JSON Schema of assignment.yaml: the keys as the YAML writes them (`as`, `copy`),
    the values as they are read (validation mode)."""
    schema = Assignment.model_json_schema(
        by_alias=True, mode="validation", schema_generator=SpecJsonSchema
    )
    head = {"$comment": COMMENT, "title": TITLE, "description": DESCRIPTION}
    return _one_line_descriptions({**head, **schema, "title": TITLE})


def schema_text() -> str:
    """The schema as the committed file holds it."""
    return json.dumps(assignment_schema(), indent=2, ensure_ascii=False) + "\n"


def _one_line_descriptions(node: Any) -> Any:
    """Docstrings wrap; a description is one paragraph (editors keep line breaks)."""
    if isinstance(node, dict):
        return {
            key: " ".join(value.split())
            if key == "description" and isinstance(value, str)
            else _one_line_descriptions(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_one_line_descriptions(item) for item in node]
    return node
