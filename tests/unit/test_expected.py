"""The reference module (grader.expected.load_reference): on the Python path, or, with
``reference.path``, from a folder of the assignment under a name of its own; its
problems are SpecErrors naming the field."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from grader.errors import SpecError
from grader.expected import load_reference, program_dir
from grader.spec import Assignment, load_assignment

SPEC = {
    "version": 1,
    "id": "tiny",
    "title": "tiny",
    "submission": {"files": ["layer.py"], "module": "layer"},
    "reference": {"path": "reference", "module": "layer"},
    "fixtures": {"x": {"kind": "literal", "value": [1.0, 2.0], "visibility": "public"}},
    "tests": [
        {
            "name": "double",
            "points": 1,
            "steps": [{"call": "double", "args": ["$x"], "as": "y"}],
            "checks": [{"match": "$y", "rtol": 0, "atol": 0}],
        }
    ],
}
LAYER = "from .helpers import twice\n\n\ndef double(x):\n    return twice(x)\n"
HELPERS = "def twice(x):\n    return [2 * v for v in x]\n"


def folder_with(tmp_path: Path, sources: dict[str, str], **changes: object) -> Path:
    """An assignment folder: the spec (top-level fields changed) and these files."""
    folder = tmp_path / "assignment"
    folder.mkdir(exist_ok=True)
    (folder / "assignment.yaml").write_text(yaml.safe_dump({**SPEC, **changes}, sort_keys=False))
    for name, text in sources.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def loaded(folder: Path) -> Assignment:
    return load_assignment(folder)


@pytest.fixture
def assignment(tmp_path: Path) -> Path:
    return folder_with(tmp_path, {"reference/layer.py": LAYER, "reference/helpers.py": HELPERS})


def test_the_folder_is_imported_as_a_package_of_its_own(assignment: Path) -> None:
    module = load_reference(loaded(assignment))
    assert module.double([1.0, 2.0]) == [2.0, 4.0]  # its relative import worked
    package = module.__name__.rsplit(".", 1)[0]
    assert package.startswith("_mlgrader_reference_") and package in sys.modules
    assert Path(module.__file__) == (assignment / "reference" / "layer.py").resolve()
    assert program_dir(module) == (assignment / "reference").resolve()  # run steps' programs
    assert str((assignment / "reference").resolve()) not in sys.path


def test_loading_again_gives_the_same_module(assignment: Path) -> None:
    assert load_reference(loaded(assignment)) is load_reference(loaded(assignment))


def test_an_edited_reference_is_imported_afresh(assignment: Path) -> None:
    before = load_reference(loaded(assignment))
    (assignment / "reference" / "helpers.py").write_text(HELPERS.replace("2 * v", "3 * v"))
    after = load_reference(loaded(assignment))
    assert after is not before
    assert before.double([1.0]) == [2.0] and after.double([1.0]) == [3.0]


def test_a_module_on_the_python_path_needs_no_path() -> None:
    data = {**SPEC, "reference": {"module": "reference.cs189_hw2.hw2"}}
    module = load_reference(Assignment.model_validate(data))
    assert module.__name__ == "reference.cs189_hw2.hw2"


@pytest.mark.parametrize("path", ["/srv/reference", "~/reference", "C:/ref", "ref\\layer"])
def test_path_must_be_relative(tmp_path: Path, path: str) -> None:
    folder = folder_with(tmp_path, {}, reference={"path": path, "module": "layer"})
    lines = (folder / "assignment.yaml").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if text.strip().startswith("path:"))
    with pytest.raises(SpecError) as caught:
        loaded(folder)
    assert str(caught.value) == (
        f"{folder / 'assignment.yaml'}:{line}: reference.path: {path!r} must be a folder "
        "relative to the assignment folder, written with /"
    )


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, {}, reference={"path": "solution", "module": "layer"})
    with pytest.raises(SpecError) as caught:
        load_reference(loaded(folder))
    assert str(caught.value) == (
        f"reference.path: there is no folder 'solution' ({(folder / 'solution').resolve()})"
    )


def test_a_missing_module_is_named(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, {"reference/other.py": ""})
    with pytest.raises(SpecError) as caught:
        load_reference(loaded(folder))
    assert str(caught.value) == (
        "reference.module: there is no reference/layer.py (nor reference/layer/__init__.py)"
    )


def test_a_file_name_as_module_gets_a_hint(tmp_path: Path) -> None:
    folder = folder_with(
        tmp_path,
        {"reference/layer.py": LAYER},
        reference={"path": "reference", "module": "layer.py"},
    )
    with pytest.raises(SpecError) as caught:
        load_reference(loaded(folder))
    assert str(caught.value) == (
        "reference.module: write the module's name without .py: `module: layer`"
    )


def test_a_reference_that_fails_to_import_is_a_spec_error(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, {"reference/layer.py": "def double(x)\n    return x\n"})
    before = set(sys.modules)
    with pytest.raises(SpecError) as caught:
        load_reference(loaded(folder))
    assert str(caught.value).startswith(
        "reference.module: cannot import 'layer' from reference/: SyntaxError: "
    )
    assert set(sys.modules) == before  # nothing half-imported is left


def test_a_public_fixture_in_the_reference_folder_is_refused(tmp_path: Path) -> None:
    fixtures = {"x": {"kind": "npy", "path": "reference/x.npy", "visibility": "public"}}
    folder = folder_with(tmp_path, {"reference/layer.py": LAYER}, fixtures=fixtures)
    with pytest.raises(SpecError) as caught:
        load_reference(loaded(folder))
    assert str(caught.value) == (
        "fixtures.x.path: reference/x.npy is in the reference folder (reference); public "
        "fixtures enter the sandbox and the reference never does: keep the reference in a "
        "folder of its own"
    )


def test_a_hidden_fixture_may_live_in_the_reference_folder(tmp_path: Path) -> None:
    fixtures = {
        "x": {"kind": "literal", "value": [1.0], "visibility": "public"},
        "labels": {"kind": "npy", "path": "reference/labels.npy"},  # hidden: stays outside
    }
    folder = folder_with(
        tmp_path,
        {"reference/layer.py": LAYER, "reference/helpers.py": HELPERS},
        fixtures=fixtures,
    )
    assert load_reference(loaded(folder)).double([1.0]) == [2.0]


def test_a_path_without_the_assignment_folder_is_a_spec_error() -> None:
    with pytest.raises(SpecError) as caught:
        load_reference(Assignment.model_validate(SPEC))  # not read from a folder
    assert str(caught.value) == (
        "reference.path: is relative to the assignment folder, which is unknown: load the "
        "assignment with load_assignment(folder)"
    )
