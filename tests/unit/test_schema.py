"""The JSON Schema of assignment.yaml (grader.spec.schema): the committed file is the
generated one, it accepts every real assignment and the skeleton, and it refuses what
the models refuse by their keys. Validated with jsonschema_rs (installed with
schemathesis, a dev dependency; the `jsonschema` package is not installed)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from cli.scaffold import skeleton_files
from grader.spec import SpecLoader
from grader.spec.schema import assignment_schema, schema_text

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "docs" / "assignment.schema.json"
ASSIGNMENTS = sorted((REPO / "testcases").glob("*/assignment.yaml"))
MODELINE = "# yaml-language-server: $schema=../../docs/assignment.schema.json"
# The models whose fields this schema describes one by one (assignment.py's other
# classes and the metric check are described by their own modules' owners).
DESCRIBED = (
    "Reference",
    "Fixture",
    "NpzKey",
    "Step",
    "ProgramOutput",
    "TestSpec",
    "MatchCheck",
    "NoWarningsCheck",
    "ShapeCheck",
    "LengthCheck",
    "StatsCheck",
    "AnswerCheck",
)


@pytest.fixture(scope="module")
def validator() -> Any:
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    return jsonschema_rs.Draft202012Validator(assignment_schema())


def read(path: Path) -> Any:
    """As the grader reads it (YAML 1.2 booleans, like editors)."""
    return yaml.load(path.read_text(), Loader=SpecLoader)  # a SafeLoader subclass


def problems(validator: Any, data: Any) -> list[str]:
    return [f"{list(e.instance_path)}: {e.message[:160]}" for e in validator.iter_errors(data)]


def test_the_committed_schema_is_the_generated_one() -> None:
    assert COMMITTED.read_text() == schema_text(), (
        "docs/assignment.schema.json differs from the models: run make schema"
    )


@pytest.mark.parametrize("path", ASSIGNMENTS, ids=lambda p: p.parent.name)
def test_every_real_assignment_is_valid(validator: Any, path: Path) -> None:
    assert problems(validator, read(path)) == []


@pytest.mark.parametrize("path", ASSIGNMENTS, ids=lambda p: p.parent.name)
def test_every_real_assignment_names_the_schema_on_its_first_line(path: Path) -> None:
    first = path.read_text().splitlines()[0]
    assert first == MODELINE
    assert (path.parent / first.split("$schema=", 1)[1]).resolve() == COMMITTED


def test_the_skeleton_is_valid(validator: Any, tmp_path: Path) -> None:
    text = skeleton_files("hw3")["assignment.yaml"]
    (tmp_path / "assignment.yaml").write_text(text)
    assert problems(validator, read(tmp_path / "assignment.yaml")) == []


def cs189() -> dict[str, Any]:
    return read(REPO / "testcases" / "cs189_hw2" / "assignment.yaml")


def changed(edit: Any) -> dict[str, Any]:
    data = copy.deepcopy(cs189())
    edit(data)
    return data


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda d: d.update(colour="blue"), []),
        (lambda d: d["reference"].update(folder="reference"), ["reference"]),
        (lambda d: d["tests"][0].update(point=2), ["tests", 0]),
        (lambda d: d["tests"][0]["checks"][0].update(tol=1e-7), ["tests", 0, "checks", 0]),
        (lambda d: d["tests"][0]["steps"][0].update(seed=1), ["tests", 0, "steps", 0]),
        (lambda d: d["tests"][0]["steps"][0].update(value=1), ["tests", 0, "steps", 0]),
        (lambda d: d["tests"][0]["checks"].append({"match": "$y", "length": "$y"}), None),
        (lambda d: d["tests"][0]["checks"].append({"match": "y"}), None),
        (lambda d: d["fixtures"].update({"2nd": {"kind": "literal", "value": 1}}), ["fixtures"]),
        (lambda d: d["fixtures"].update(z={"kind": "npz", "path": "z.npz"}), ["fixtures", "z"]),
        (lambda d: d["limits"].update(memory_mb=1), ["limits", "memory_mb"]),
        (lambda d: d.update(version=2), ["version"]),
        (lambda d: d.pop("tests"), []),
    ],
    ids=[
        "unknown top-level key",
        "unknown reference key",
        "unknown test key",
        "unknown check key",
        "a step of two kinds",
        "a key of another step kind",
        "a check of two kinds",
        "a match without a $reference",
        "a fixture name the spec refuses",
        "an npz fixture without keys",
        "a limit out of bounds",
        "another spec version",
        "no tests",
    ],
)
def test_what_the_models_refuse_by_their_keys_is_refused(
    validator: Any, edit: Any, where: list[Any] | None
) -> None:
    found = list(validator.iter_errors(changed(edit)))
    assert found, "the schema accepted it"
    if where is not None:
        assert [list(e.instance_path) for e in found] == [where]
    else:  # inside the appended check
        assert all(list(e.instance_path)[:3] == ["tests", 0, "checks"] for e in found)


def test_a_program_output_may_be_a_file_name(validator: Any) -> None:
    data = read(REPO / "testcases" / "cmu10601_hw5" / "assignment.yaml")
    run = next(s for t in data["tests"] for s in t.get("steps", []) if "run" in s)
    name = next(iter(run["outputs"]))
    run["outputs"][name] = "labels.txt"
    assert problems(validator, data) == []
    run["outputs"][name] = "../labels.txt"
    assert problems(validator, data) != []


def test_keys_are_written_as_in_the_yaml() -> None:
    step = assignment_schema()["$defs"]["Step"]["properties"]
    assert {"as", "copy"} <= set(step) and not {"as_", "copy_"} & set(step)


@pytest.mark.parametrize("model", DESCRIBED)
def test_every_field_is_described(model: str) -> None:
    fields = assignment_schema()["$defs"][model]
    schema = fields.get("anyOf", [fields])[-1]  # a program output's object form
    assert schema.get("description"), f"{model} has no description"
    undescribed = [k for k, v in schema["properties"].items() if not v.get("description")]
    assert undescribed == [], f"{model}: no description for {undescribed}"
    assert all("\n" not in v["description"] for v in schema["properties"].values())


def test_the_schema_is_json_with_a_title() -> None:
    loaded = json.loads(schema_text())
    assert loaded["title"] == "assignment.yaml"
    assert "make schema" in loaded["$comment"]
