"""The files copied into the sandbox container import nothing the image lacks and
nothing of the trusted side: at module level only the standard library, NumPy and
each other; PyTorch only inside functions (steps that need it import it lazily)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.staging import CONTAINER_FILES, stage_runner

REPO = Path(__file__).resolve().parents[2]
MODULE_LEVEL = frozenset({"numpy"})
IN_FUNCTIONS = MODULE_LEVEL | {"torch"}


def module_name(rel: str) -> str:
    """``sandbox/container/child.py`` -> ``sandbox.container.child``."""
    parts = rel.removesuffix(".py").split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


COPIED = frozenset(module_name(rel) for rel in CONTAINER_FILES)


def imports(tree: ast.Module, package: str) -> Iterator[tuple[str, bool]]:
    """(imported module, inside a function?) for every import statement."""

    def walk(node: ast.AST, in_function: bool) -> Iterator[tuple[str, bool]]:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                yield from ((alias.name, in_function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                yield base, in_function
                for alias in child.names:  # `from grader import codec` imports grader.codec
                    if f"{base}.{alias.name}" in COPIED or base in ("grader", "sandbox"):
                        yield f"{base}.{alias.name}", in_function
            yield from walk(child, nested)

    return walk(tree, False)


def forbidden(source: str, rel: str) -> list[str]:
    """The imports of ``source`` (the file ``rel`` of the container) that break the rule."""
    own = module_name(rel)
    package = own if rel.endswith("__init__.py") else own.rpartition(".")[0]
    bad = []
    for name, in_function in imports(ast.parse(source), package):
        top = name.split(".")[0]
        allowed = IN_FUNCTIONS if in_function else MODULE_LEVEL
        if name in COPIED or top in sys.stdlib_module_names or top in allowed:
            continue
        bad.append(f"{rel}: {'in a function' if in_function else 'at module level'}: {name}")
    return bad


@pytest.mark.parametrize("rel", sorted(CONTAINER_FILES))
def test_copied_file_imports_only_stdlib_numpy_and_each_other(rel: str) -> None:
    assert forbidden(CONTAINER_FILES[rel].read_text(), rel) == []


@pytest.mark.parametrize(
    ("source", "bad"),
    [
        ("import torch\n", ["at module level: torch"]),
        ("import docker\n", ["at module level: docker"]),
        ("import docker.errors\n", ["at module level: docker.errors"]),
        ("from docker.types import Ulimit\n", ["at module level: docker.types"]),
        ("try:\n    import torch\nexcept ImportError:\n    pass\n", ["at module level: torch"]),
        ("class A:\n    import yaml\n", ["at module level: yaml"]),
        ("from grader import spec\n", ["at module level: grader.spec"]),
        ("from grader.scoring import score_test\n", ["at module level: grader.scoring"]),
        ("from . import report\n", ["at module level: grader.report"]),
        ("def f():\n    import docker\n", ["in a function: docker"]),
        ("def f():\n    import torch\n    import numpy as np\n", []),
        ("import json, os\nimport numpy as np\nfrom grader import codec, wire\n", []),
        ("from sandbox.container.child import run_test\n", []),
    ],
)
def test_the_check_catches_what_it_should(source: str, bad: list[str]) -> None:
    found = forbidden(source, "grader/example.py")
    assert [f.split(": ", 1)[1] for f in found] == bad


def test_every_module_of_the_container_package_is_copied() -> None:
    package = REPO / "sandbox" / "container"
    modules = {f"sandbox/container/{p.name}" for p in package.glob("*.py")}
    modules = {("runner.py" if m.endswith("/runner.py") else m) for m in modules}
    assert modules <= set(CONTAINER_FILES)
    assert all(path.is_file() for path in CONTAINER_FILES.values())


def staged_lib(tmp_path: Path) -> Path:
    stage_runner(tmp_path)
    return tmp_path / "grader" / "lib"


def test_exactly_the_listed_files_are_staged(tmp_path: Path) -> None:
    lib = staged_lib(tmp_path)
    staged = {str(p.relative_to(lib)) for p in lib.rglob("*") if p.is_file()}
    assert staged == set(CONTAINER_FILES)


def test_the_staged_runner_imports_from_its_own_folder_only(tmp_path: Path) -> None:
    """Imported in a fresh interpreter from the staged folder alone (the host's copy of
    the project cannot be found first): the trusted side and its libraries stay out."""
    lib = staged_lib(tmp_path)
    probe = (
        "import json, runpy, sys\n"
        f"sys.path.insert(0, {str(lib)!r})\n"
        f"runpy.run_path({str(lib / 'runner.py')!r}, run_name='runner')\n"
        "ours = {n: getattr(m, '__file__', None) for n, m in sys.modules.items()\n"
        "        if n.split('.')[0] in ('grader', 'sandbox')}\n"
        "print(json.dumps({'ours': ours, 'all': sorted(sys.modules)}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", probe], capture_output=True, text=True, check=True, cwd=lib
    )
    loaded = json.loads(out.stdout)
    assert loaded["ours"] and all(f.startswith(str(lib)) for f in loaded["ours"].values())
    assert set(loaded["ours"]) == COPIED - {"runner"}
    top = {name.split(".")[0] for name in loaded["all"]}
    assert not top & {"torch", "docker", "pydantic", "yaml", "worker", "api", "reference"}
