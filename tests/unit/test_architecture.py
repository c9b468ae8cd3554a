"""docs/architecture.md's import table, enforced: each package imports only what its row allows.

The table is read from the document itself, so the document and this test cannot disagree.
A row names a package folder (or one module, or a sub-folder, which then takes precedence
over its package's row), the project packages it may import and the outside packages it
may import besides the standard library. Every import counts, at module level or inside a
function.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "architecture.md"
PACKAGES = ("grader", "sandbox", "store", "config", "worker", "api", "cli", "lti")
HEADING = "## Import rules"
ENV_READS = ("environ", "getenv")


@dataclass(frozen=True)
class Rule:
    place: str  # a folder ("grader/") or a module ("api/wiring.py")
    project: frozenset[str]
    outside: frozenset[str]

    def covers(self, rel: str) -> bool:
        return rel == self.place or (self.place.endswith("/") and rel.startswith(self.place))


def names(cell: str) -> frozenset[str]:
    """The package names in backticks of a table cell (`x/` names x too); a path in
    backticks is prose, not a name."""
    found = (n.rstrip("/") for n in re.findall(r"`([^`]+)`", cell))
    return frozenset(n for n in found if re.fullmatch(r"[A-Za-z_]\w*", n))


def read_rules(text: str) -> list[Rule]:
    section = text.split(HEADING, 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    rules = []
    for row in rows:
        place, project, outside = (cell.strip() for cell in row.strip("|").split("|")[:3])
        rules.append(Rule(place.strip("`"), names(project), names(outside)))
    return rules


RULES = read_rules(DOC.read_text())


def rule_for(rel: str) -> Rule:
    """The most specific row that covers a file."""
    matching = [r for r in RULES if r.covers(rel)]
    assert matching, f"{rel}: no row of the import table in {DOC.name} covers it"
    return max(matching, key=lambda r: len(r.place))


def imported(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found - {"__future__"}


def offending(rel: str, tree: ast.AST) -> set[str]:
    rule = rule_for(rel)
    own = rel.split("/")[0]
    allowed = set(sys.stdlib_module_names) | {own} | rule.project | rule.outside
    return imported(tree) - allowed


SOURCES = sorted(
    path.relative_to(REPO).as_posix() for p in PACKAGES for path in (REPO / p).rglob("*.py")
)


@pytest.mark.parametrize("rel", SOURCES)
def test_module_imports_only_what_its_row_allows(rel: str) -> None:
    tree = ast.parse((REPO / rel).read_text())
    assert not offending(rel, tree), f"{rel} imports {sorted(offending(rel, tree))}"


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_has_a_row(package: str) -> None:
    assert any(rule.place == f"{package}/" for rule in RULES)


def test_every_row_names_something_that_exists() -> None:
    for rule in RULES:
        assert (REPO / rule.place).exists(), f"{DOC.name} has a row for {rule.place}, not a path"


@pytest.mark.parametrize("path", sorted((REPO / "grader").rglob("*.py")), ids=lambda p: p.name)
def test_the_core_reads_no_environment(path: Path) -> None:
    tree = ast.parse(path.read_text())
    reads = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr in ENV_READS]
    assert not reads, f"{path.name} reads the environment"


@pytest.mark.parametrize(
    ("rel", "source", "bad"),
    [
        ("grader/compare.py", "import docker.errors", {"docker"}),
        ("grader/compare.py", "def f():\n    from worker import tasks", {"worker"}),
        ("store/sqlite.py", "import fastapi", {"fastapi"}),
        ("api/routes.py", "from worker.tasks import enqueue", {"worker"}),
        ("grader/compare.py", "import numpy\nfrom os import path", set()),
    ],
)
def test_the_check_sees_a_forbidden_import(rel: str, source: str, bad: set[str]) -> None:
    assert offending(rel, ast.parse(source)) == bad
