"""Shared fixtures. Integration tests need a real Docker engine and the sandbox image:
without them they skip on a developer's machine and FAIL under CI (CI=true)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from grader.grading import Grader

REPO = Path(__file__).resolve().parent.parent
CS189 = REPO / "testcases" / "cs189_hw2"
REFERENCE_SOURCE = (REPO / "reference" / "cs189_hw2" / "hw2.py").read_text()
STARTER_SOURCE = (CS189 / "starter" / "hw2.py").read_text()
MIT6390 = REPO / "testcases" / "mit6390_nn"
THU = REPO / "testcases" / "thu_dl_hw"
CMU = REPO / "testcases" / "cmu10601_hw5"
# The tests scored from a submission's answers.yaml (no code runs for them).
MIT6390_ANSWER_TESTS = {
    "Question 1.1: output a2 for x = 1",
    "Question 1.4: w1 after one SGD step",
    "Question 2.2.1: hidden activations for x = (3, 14)",
    "Question 2.2.2: softmax outputs for x = (3, 14)",
}
CMU_ANSWER_TESTS = {
    "Question 1.1(a): the value j of the convolution output",
    "Question 1.1(b): output size of a 6x4 map, 2x2 filter, stride 2",
    "Question 1.2(c): parameters of one shared 4x4 filter",
    "Question 1.2(d): parameters without sharing, 22x22 image",
    "Question 1.2(e): parameters without sharing, 40x40x3 image",
}


def missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: integration tests never skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def docker_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Any:
    import docker
    import docker.errors

    from config import Settings
    from sandbox.docker_sandbox import DockerSandbox

    settings = Settings.from_env()
    try:
        client = docker.from_env(timeout=60)
        client.ping()
    except docker.errors.DockerException as exc:
        missing(f"no Docker engine: {exc}")
    try:
        client.images.get(settings.worker.sandbox_image)
    except docker.errors.ImageNotFound:
        missing(f"sandbox image {settings.worker.sandbox_image} not built (make setup)")
    work = Path(os.environ.get("GRADER_WORK_DIR", "/var/tmp/mlgrader/test-runs"))
    return DockerSandbox(settings.worker.sandbox_image, work, client=client)


GradeFiles = Callable[[dict[str, bytes]], dict[str, Any]]


def grading_in(grader: Grader, sandbox: Any) -> GradeFiles:
    """Grade a submission (file name -> bytes) with ``grader`` in a real container."""

    def grade(files: dict[str, bytes]) -> dict[str, Any]:
        return grader.grade(files, sandbox, f"test-{uuid.uuid4().hex[:10]}")

    return grade


@pytest.fixture(scope="session")
def cs189(tmp_path_factory: pytest.TempPathFactory) -> Grader:
    return Grader.load(CS189, cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def grade_source(cs189: Grader, docker_sandbox: Any) -> Callable[[str], dict[str, Any]]:
    """Grade a hw2.py source text in a real container."""
    grade = grading_in(cs189, docker_sandbox)
    return lambda source: grade({"hw2.py": source.encode()})


@pytest.fixture(scope="session")
def mit6390(tmp_path_factory: pytest.TempPathFactory) -> Grader:
    return Grader.load(MIT6390, cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def grade_files(mit6390: Grader, docker_sandbox: Any) -> GradeFiles:
    """Grade an MIT 6.390 submission in a real container."""
    return grading_in(mit6390, docker_sandbox)


@pytest.fixture(scope="session")
def thu(tmp_path_factory: pytest.TempPathFactory) -> Grader:
    return Grader.load(THU, cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def grade_thu(thu: Grader, docker_sandbox: Any) -> GradeFiles:
    """Grade a Tsinghua DL Q5 submission in a real container."""
    return grading_in(thu, docker_sandbox)


@pytest.fixture(scope="session")
def cmu(tmp_path_factory: pytest.TempPathFactory) -> Grader:
    return Grader.load(CMU, cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def grade_cmu(cmu: Grader, docker_sandbox: Any) -> GradeFiles:
    """Grade a CMU 10-601 HW5 submission in a real container."""
    return grading_in(cmu, docker_sandbox)


def stable(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The parts of results.json that must not change between runs."""
    keys = ("name", "score", "max_score", "status", "visibility", "tags")
    return [{k: t[k] for k in keys} for t in results["tests"]]


def check_golden(golden: Path, name: str, results: dict[str, Any]) -> None:
    """Compare with ``golden/NAME.json``; GRADER_UPDATE_GOLDEN=1 rewrites it instead."""
    path = golden / f"{name}.json"
    if os.environ.get("GRADER_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(stable(results), indent=2) + "\n")
    assert stable(results) == json.loads(path.read_text())


def scores(results: dict[str, Any]) -> dict[str, float]:
    return {t["name"]: t["score"] for t in results["tests"]}


def by_name(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in results["tests"]}


def assert_loses_exactly(results: dict[str, Any], fails: list[str]) -> None:
    """A submission loses the points of exactly the tests it should, each saying why."""
    tests = by_name(results)
    lost = {name for name, t in tests.items() if t["score"] < t["max_score"]}
    assert lost == set(fails), {n: tests[n]["output"] for n in lost}
    for name in lost:
        assert tests[name]["output"].strip(), f"{name}: a lost test must say why"
    assert results["score"] == sum(scores(results).values())
