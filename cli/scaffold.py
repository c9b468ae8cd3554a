"""``grader new ID [--dir DIR]`` and ``grader schema [-o FILE]``: starting an assignment
(docs/spec-language.md, "Starting a new assignment").

``new`` writes a skeleton: a small but real assignment (a linear layer in NumPy) that
``grader check`` passes as it is, with every section of assignment.yaml commented, so an
instructor edits a working assignment into theirs instead of starting from a blank page.
Its templates are package data, ``cli/skeleton/**.tmpl``: each is written without the
``.tmpl`` suffix, with ``{{id}}`` replaced (``.tmpl`` also keeps the template's Python out
of the linters' and the import rules' way). The folder also gets the JSON Schema of
assignment.yaml, which the YAML's first line points editors at.

``schema`` prints that schema (grader.spec.schema), or writes it to a file.
"""

from __future__ import annotations

import argparse
import re
import sys
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from config import Settings
from grader.spec import NAME
from grader.spec.schema import schema_text

SKELETON = "skeleton"  # the templates' folder in the cli package
SUFFIX = ".tmpl"
SCHEMA_FILE = "assignment.schema.json"
PLACEHOLDER = "{{id}}"


def register(commands: Any) -> None:
    """Add ``new`` and ``schema`` to the ``grader`` command's subparsers."""
    new = commands.add_parser(
        "new",
        help="make the skeleton of a new assignment",
        description="Write a small, working assignment (assignment.yaml with every section "
        "commented, a reference, a starter, a README, one-bug variants) to edit into yours.",
    )
    new.add_argument("id", help="the assignment's id: letters, digits and underscores, e.g. hw3")
    new.add_argument("--dir", type=Path, help="the folder to create (default: ./ID)")
    new.set_defaults(run=run_new)
    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of assignment.yaml",
        description="The JSON Schema of assignment.yaml, for editors' completion and checks.",
    )
    schema.add_argument("-o", "--output", type=Path, help="write it to this file")
    schema.set_defaults(run=run_schema)


def run_new(args: argparse.Namespace, settings: Settings) -> int:
    folder = args.dir if args.dir is not None else Path(args.id)
    try:
        made = create_skeleton(args.id, folder)
    except (ValueError, OSError) as exc:
        print(f"grader: error: {exc}", file=sys.stderr)
        return 2
    print(f"made the assignment {args.id} in {folder}/:")
    for path in made:
        print(f"  {path}")
    print("Edit it into yours (the grader's docs/spec-language.md), checking each step with:")
    print(f"  grader check {folder}")
    return 0


def run_schema(args: argparse.Namespace, settings: Settings) -> int:
    text = schema_text()
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"grader: error: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"wrote the schema of assignment.yaml to {args.output}")
    return 0


def create_skeleton(assignment_id: str, folder: Path) -> list[Path]:
    """Write the skeleton of ``assignment_id`` into ``folder``, which must be new or
    empty; the paths written, in order. ValueError for an id the spec refuses,
    FileExistsError for a folder that holds something."""
    texts = skeleton_files(assignment_id)
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise FileExistsError(f"{folder} exists and is not a folder; nothing was written")
    if folder.is_dir() and any(folder.iterdir()):
        raise FileExistsError(
            f"{folder} already exists and is not empty; nothing was written (choose another "
            "folder with --dir)"
        )
    made = []
    for name, text in texts.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        made.append(path)
    return made


def skeleton_files(assignment_id: str) -> dict[str, str]:
    """The skeleton's files, path (relative to the assignment folder) -> text."""
    if not re.fullmatch(NAME, assignment_id):
        raise ValueError(
            f"{assignment_id!r} is not an assignment id: use letters, digits and underscores, "
            "starting with a letter or an underscore (e.g. hw3)"
        )
    texts = {
        name: text.replace(PLACEHOLDER, assignment_id)
        for name, text in _templates(files("cli") / SKELETON, "")
    }
    return {**dict(sorted(texts.items())), SCHEMA_FILE: schema_text()}


def _templates(folder: Traversable, prefix: str) -> list[tuple[str, str]]:
    """(path without the suffix, text) of every template under ``folder``."""
    found = []
    for entry in folder.iterdir():
        if entry.is_dir():
            found += _templates(entry, f"{prefix}{entry.name}/")
        elif entry.name.endswith(SUFFIX):
            found.append((prefix + entry.name.removesuffix(SUFFIX), entry.read_text("utf-8")))
    return found
