"""Loading ``assignment.yaml``: every problem becomes a ``SpecError`` that names the
file, the line and the field path, e.g.::

    testcases/cs189_hw2/assignment.yaml:57: tests[3].checks[0].rtol: Input should be a number
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from grader.errors import SpecError
from grader.spec.assignment import Assignment
from grader.spec.checks import CHECK_KINDS
from grader.spec.model import ALIASES, ASSIGNMENT_DIR

SPEC_VERSION = 1
LOCATED = re.compile(r"^((?:[a-z_]+|\[\d+\])(?:\[\d+\]|\.[a-z_]+)*): ")


class SpecLoader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false. YAML 1.1 (PyYAML's default) also reads on, off,
    yes and no as booleans, which would turn a step's `on:` key into True."""


SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def load_assignment(directory: Path) -> Assignment:
    """Read ``DIRECTORY/assignment.yaml``; raise SpecError naming file, line and field."""
    path = Path(directory) / "assignment.yaml"
    if not Path(directory).is_dir():
        raise SpecError("no such assignment directory", str(directory))
    if not path.is_file():
        raise SpecError("assignment.yaml is missing", str(path))
    root, data = _read_yaml(path)
    if not isinstance(data, dict):
        raise SpecError("the top level must be a mapping of fields", str(path))
    if data.get("version") != SPEC_VERSION:
        raise SpecError(
            f"version: this grader reads spec version {SPEC_VERSION}, got {data.get('version')!r}",
            f"{path}:1",
        )
    try:
        return Assignment.model_validate(data, context={ASSIGNMENT_DIR: Path(directory).resolve()})
    except ValidationError as exc:
        raise _located(exc, path, root, data) from None


def _read_yaml(path: Path) -> tuple[yaml.Node | None, Any]:
    """The node tree (for line numbers) and the data."""
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text, Loader=SpecLoader)
        data = yaml.load(text, Loader=SpecLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        if getattr(exc, "context", None):
            problem = f"{problem} ({exc.context})"
        raise SpecError(f"invalid YAML: {problem}", where) from None
    return root, data


def _located(exc: ValidationError, path: Path, root: yaml.Node | None, data: Any) -> SpecError:
    """The first validation error, named by field path and line."""
    error = exc.errors()[0]
    loc = _field_loc(error["loc"], data)
    line = _line_of(root, loc)
    message = error["msg"].removeprefix("Value error, ")
    located = LOCATED.match(message)
    if located:  # a cross-reference check names its own place
        loc = loc + _parse_loc(located.group(1))
        message = message[located.end() :]
        line = _line_of(root, loc)
    field_path = _format_loc(loc) or "(top level)"
    more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
    return SpecError(f"{field_path}: {message}{more}", f"{path}:{line}")


def _field_loc(loc: tuple[Any, ...], data: Any) -> list[Any]:
    """The error's place in the YAML: the keys and indexes that exist in it, without
    pydantic's union tags; a last field that is absent (required but missing) is named."""
    out: list[Any] = []
    node = data
    for part in loc:
        key = ALIASES.get(part, part) if isinstance(part, str) else part
        if is_tag(part, out):
            continue
        if (isinstance(node, list) and isinstance(key, int) and key < len(node)) or (
            isinstance(node, dict) and key in node
        ):
            node = node[key]
            out.append(key)
        elif isinstance(key, str) and not key.startswith(("function-", "tagged-")):
            out.append(key)  # a required field that is missing
            break
    return out


def is_tag(part: Any, loc_so_far: list[Any]) -> bool:
    """pydantic puts the union's tag after ``checks[i]``; it is not a YAML key."""
    return part in CHECK_KINDS and len(loc_so_far) >= 2 and loc_so_far[-2] == "checks"


def _line_of(root: yaml.Node | None, loc: list[Any]) -> int:
    node = root
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == part), None)
            if match is None:
                break
            node = match
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
        else:
            break
    return (node.start_mark.line + 1) if node is not None else 1


def _parse_loc(text: str) -> list[Any]:
    return [int(i) if i else key for key, i in re.findall(r"([a-z_]+)|\[(\d+)\]", text)]


def _format_loc(loc: list[Any]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
