"""The core (grader/) stays pure: no Docker, Celery, HTTP or environment access."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "grader"
FORBIDDEN_MODULES = {
    "docker",
    "celery",
    "redis",
    "requests",
    "httpx",
    "fastapi",
    "starlette",
    "uvicorn",
    "subprocess",
    "sandbox",
    "worker",
}


def imported_modules(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted(CORE.rglob("*.py")), ids=lambda p: p.name)
def test_core_module_is_pure(path: Path) -> None:
    tree = ast.parse(path.read_text())
    assert not imported_modules(tree) & FORBIDDEN_MODULES
    environ = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and n.attr in ("environ", "getenv")
    ]
    assert not environ, f"{path.name} reads the environment"


def test_the_check_sees_a_forbidden_import() -> None:
    assert "docker" in imported_modules(ast.parse("import docker.errors\nfrom os import path"))
