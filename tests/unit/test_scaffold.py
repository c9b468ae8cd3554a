"""``grader new`` and ``grader schema`` (cli/scaffold.py): the skeleton is written where it
should be and nowhere else, and it is a real assignment: it loads and grades from a folder
outside the repository (reference full marks, starter 0, each variant losing exactly its
tests, in process), beside another skeleton without sharing its reference."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import yaml

from cli.main import main
from cli.scaffold import SCHEMA_FILE, create_skeleton, skeleton_files
from grader.grading import Grader
from grader.spec import MatchCheck, load_assignment
from grader.spec.schema import schema_text
from sandbox.inprocess import InProcessSandbox

REPO = Path(__file__).resolve().parents[2]
FILES = {
    "assignment.yaml",
    "README.md",
    "mutants.yaml",
    "reference/layer.py",
    "starter/layer.py",
    SCHEMA_FILE,
}


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def written(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def module_from(path: Path, name: str) -> ModuleType:
    """A submission's module, imported from its file as the sandbox would import it."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def skeleton(tmp_path: Path) -> Path:
    folder = tmp_path / "course" / "hw3"
    create_skeleton("hw3", folder)
    return folder


@pytest.fixture
def grader(skeleton: Path, tmp_path: Path) -> Grader:
    return Grader.load(skeleton, tmp_path / "cache")


def grade(grader: Grader, source: str, name: str, tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    module = module_from(path, f"submission_{name}")
    return grader.grade({"layer.py": source.encode()}, InProcessSandbox(module), name)


# ------------------------------------------------------------------ writing the files


def test_the_skeleton_has_every_file_with_the_id_filled_in(skeleton: Path) -> None:
    assert written(skeleton) == FILES
    yaml_text = (skeleton / "assignment.yaml").read_text()
    assert yaml_text.splitlines()[0] == ("# yaml-language-server: $schema=./assignment.schema.json")
    assert "id: hw3 " in yaml_text
    for name in FILES:
        assert "{{" not in (skeleton / name).read_text(), name
    assert (skeleton / SCHEMA_FILE).read_text() == schema_text()


def test_new_writes_into_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "elsewhere"
    code, out, err = run(["new", "hw3", "--dir", str(folder)], capsys)
    assert code == 0, err
    assert written(folder) == FILES
    assert f"grader check {folder}" in out
    assert not (tmp_path / "hw3").exists()


def test_new_writes_into_a_folder_named_after_the_id_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["new", "lab_2"], capsys)
    assert code == 0, err
    assert written(tmp_path / "lab_2") == FILES
    assert load_assignment(tmp_path / "lab_2").id == "lab_2"


def test_an_empty_folder_is_used(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "hw3").mkdir()
    code, _, err = run(["new", "hw3", "--dir", str(tmp_path / "hw3")], capsys)
    assert code == 0, err
    assert written(tmp_path / "hw3") == FILES


def test_new_refuses_a_folder_that_holds_something(
    skeleton: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (skeleton / "assignment.yaml").write_text("mine\n")
    code, out, err = run(["new", "hw3", "--dir", str(skeleton)], capsys)
    assert code == 2 and out == ""
    assert err == (
        f"grader: error: {skeleton} already exists and is not empty; nothing was written "
        "(choose another folder with --dir)\n"
    )
    assert (skeleton / "assignment.yaml").read_text() == "mine\n"


def test_new_refuses_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "hw3").write_text("notes")
    code, _, err = run(["new", "hw3", "--dir", str(tmp_path / "hw3")], capsys)
    assert code == 2
    assert "exists and is not a folder; nothing was written" in err
    assert (tmp_path / "hw3").read_text() == "notes"


@pytest.mark.parametrize("bad", ["3hw", "hw-3", "hw 3", "hw3\n", "../hw3", "hw.3", ""])
def test_new_rejects_an_id_the_spec_refuses(
    bad: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "new"
    code, out, err = run(["new", bad, "--dir", str(folder)], capsys)
    assert code == 2 and out == ""
    assert err == (
        f"grader: error: {bad!r} is not an assignment id: use letters, digits and "
        "underscores, starting with a letter or an underscore (e.g. hw3)\n"
    )
    assert not folder.exists()


def test_schema_prints_or_writes_the_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["schema"], capsys)
    assert code == 0 and out == schema_text()
    target = tmp_path / "assignment.schema.json"
    code, out, _ = run(["schema", "-o", str(target)], capsys)
    assert code == 0 and target.read_text() == schema_text()
    assert json.loads(target.read_text())["title"] == "assignment.yaml"
    code, _, err = run(["schema", "-o", str(tmp_path / "no" / "such" / "x.json")], capsys)
    assert code == 2 and err.startswith("grader: error: cannot write ")


# ------------------------------------------------------------------ a real assignment


def test_the_skeleton_is_a_small_complete_assignment(skeleton: Path) -> None:
    assert not skeleton.resolve().is_relative_to(REPO)
    assignment = load_assignment(skeleton)
    assert assignment.id == "hw3"
    assert assignment.reference.path == "reference" and assignment.reference.module == "layer"
    assert 2 <= len(assignment.tests) <= 5
    assert [t.visibility for t in assignment.tests].count("hidden") == 1
    checks = [c for t in assignment.tests for c in t.checks]
    assert checks and all(isinstance(c, MatchCheck) for c in checks)
    assert all(c.rtol is not None and c.atol is not None for c in checks)  # explicit


def test_the_readme_lists_every_test(skeleton: Path) -> None:
    readme = (skeleton / "README.md").read_text()
    listed = {line.split("|")[1].strip() for line in readme.splitlines() if line.startswith("| ")}
    assert {t.name for t in load_assignment(skeleton).tests} <= listed


def test_the_grader_loads_the_reference_from_the_assignment_folder(
    grader: Grader, skeleton: Path
) -> None:
    assert Path(grader.reference.__file__) == (skeleton / "reference" / "layer.py").resolve()
    assert grader.reference.__name__.startswith("_mlgrader_reference_")
    assert str(skeleton / "reference") not in sys.path
    assert str(skeleton.resolve() / "reference") not in sys.path


def test_the_reference_scores_full_marks_and_the_starter_nothing(
    grader: Grader, skeleton: Path, tmp_path: Path
) -> None:
    reference = grade(grader, (skeleton / "reference" / "layer.py").read_text(), "ref", tmp_path)
    assert reference["score"] == grader.assignment.max_score == 10
    starter = grade(grader, (skeleton / "starter" / "layer.py").read_text(), "starter", tmp_path)
    assert starter["score"] == 0
    assert all(t["output"].startswith("not implemented: ") for t in starter["tests"])


def test_each_variant_loses_exactly_its_tests(
    grader: Grader, skeleton: Path, tmp_path: Path
) -> None:
    variants = yaml.safe_load((skeleton / "mutants.yaml").read_text())
    assert variants["starter_score"] == 0
    source = (skeleton / "reference" / "layer.py").read_text()
    caught: set[str] = set()
    for variant in variants["variants"]:
        assert source.count(variant["old"]) == 1, variant["name"]
        results = grade(grader, source.replace(variant["old"], variant["new"]), "v", tmp_path)
        lost = [t["name"] for t in results["tests"] if t["score"] < t["max_score"]]
        assert lost == variant["fails"], variant["name"]
        caught.update(lost)
    assert caught == {t.name for t in grader.assignment.tests}


def test_nothing_of_the_reference_folder_is_sent(grader: Grader, skeleton: Path) -> None:
    starter = (skeleton / "starter" / "layer.py").read_bytes()
    request = grader.request({"layer.py": starter}, "r")
    reference = (skeleton / "reference" / "layer.py").read_bytes()
    assert set(request.submission) == {"layer.py"}
    assert request.fixtures and all(name.endswith((".json", ".npy")) for name in request.fixtures)
    assert all(reference not in data for data in request.fixtures.values())


def test_two_skeletons_in_one_process_keep_their_own_references(tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "hw3", tmp_path / "b" / "hw4"
    create_skeleton("hw3", first)
    create_skeleton("hw4", second)
    layer = second / "reference" / "layer.py"
    layer.write_text(layer.read_text().replace("return X @ W + b", "return X @ W + 2 * b"))
    one = Grader.load(first, tmp_path / "cache")
    two = Grader.load(second, tmp_path / "cache")
    assert one.reference is not two.reference
    assert one.reference.__name__ != two.reference.__name__
    name = "linear_forward on a 3 x 4 batch"
    got_one, got_two = one.expected.get(name, "Y"), two.expected.get(name, "Y")
    assert not np.allclose(got_one, got_two)
    bias = np.array([[0.5, -0.25]])
    np.testing.assert_allclose(got_two - got_one, np.broadcast_to(bias, got_one.shape))
    assert one.reference is Grader.load(first, tmp_path / "cache").reference  # imported once


def test_skeleton_files_are_the_templates_with_the_id(tmp_path: Path) -> None:
    texts = skeleton_files("ps_1")
    assert set(texts) == FILES
    assert "id: ps_1 " in texts["assignment.yaml"]
    assert texts["starter/layer.py"].startswith('"""ps_1: ')
