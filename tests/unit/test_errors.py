"""Every exception class of the project is drawn in grader/errors.py's tree, with its file."""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

import pytest

from grader import errors

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("grader", "sandbox", "store", "config", "worker", "api", "cli", "lti")
BUILTIN_EXCEPTIONS = {
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
}


def exception_classes(sources: dict[str, str]) -> dict[str, str]:
    """Class name -> file, for classes deriving (through any of these files) from an exception."""
    classes = {
        (node.name, rel): {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases}
        for rel, text in sources.items()
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.ClassDef)
    }
    found: dict[str, str] = {}
    known = set(BUILTIN_EXCEPTIONS)
    while True:
        new = {(n, rel) for (n, rel), bases in classes.items() if bases & known and n not in found}
        if not new:
            return found
        for name, rel in new:
            found[name] = rel
            known.add(name)


SOURCES = {
    path.relative_to(REPO).as_posix(): path.read_text()
    for package in PACKAGES
    for path in sorted((REPO / package).rglob("*.py"))
}
CLASSES = exception_classes(SOURCES)


def test_the_scan_finds_the_tree() -> None:
    assert {"GraderError", "SpecError", "SubmissionError", "InfrastructureError"} <= set(CLASSES)
    assert len(CLASSES) >= 10


@pytest.mark.parametrize(("name", "rel"), sorted(CLASSES.items()))
def test_each_exception_is_drawn_with_its_file(name: str, rel: str) -> None:
    drawn = [line for line in (errors.__doc__ or "").splitlines() if f" {name} " in f" {line} "]
    assert drawn, f"{name} ({rel}) is not drawn in grader/errors.py"
    assert rel == "grader/errors.py" or rel in "\n".join(drawn), f"{name}: name its file, {rel}"


def test_the_scan_sees_an_exception_through_a_base_of_the_project() -> None:
    sources = {"a.py": "class A(ValueError): ...\nclass B(A): ...\nclass C: ..."}
    assert exception_classes(sources) == {"A": "a.py", "B": "a.py"}
