"""The `grader grade` command: results on success, one-line errors for unusable input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CS189, REFERENCE_SOURCE, REPO

pytestmark = pytest.mark.docker


def grader(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_grade_writes_results_json(docker_sandbox: object, tmp_path: Path) -> None:
    submission = tmp_path / "hw2.py"
    submission.write_text(REFERENCE_SOURCE)
    out = tmp_path / "results.json"
    run = grader("grade", CS189, submission, "-o", out)
    assert run.returncode == 0, run.stderr
    results = json.loads(out.read_text())
    assert results["score"] == 37
    assert "Score 37 / 37: 14 of 14 tests passed." in run.stdout


def test_grade_prints_json_without_output_file(docker_sandbox: object, tmp_path: Path) -> None:
    (tmp_path / "hw2.py").write_text(REFERENCE_SOURCE.replace("dL_dg = -y / g", "dL_dg = y / g"))
    run = grader("grade", CS189, tmp_path)  # a folder works too
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout)
    assert 0 < results["score"] < 37
    assert "FAIL" in run.stderr


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing_assignment", "no such assignment directory"),
        ("invalid_yaml", "assignment.yaml:2: invalid YAML"),
        ("missing_file", "missing required file hw2.py (the submission has: solution.py)"),
        ("no_submission", "no such file or folder"),
    ],
)
def test_unusable_input_fails_with_one_line(tmp_path: Path, setup: str, message: str) -> None:
    assignment, submission = CS189, tmp_path / "sub"
    submission.mkdir()
    (submission / "solution.py").write_text("x = 1\n")
    if setup == "missing_assignment":
        assignment = tmp_path / "nope"
    elif setup == "invalid_yaml":
        assignment = tmp_path / "bad"
        assignment.mkdir()
        (assignment / "assignment.yaml").write_text("version: 1\nid: [oops\n")
    elif setup == "no_submission":
        submission = tmp_path / "absent.py"
    run = grader("grade", assignment, submission)
    assert run.returncode == 2
    assert message in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert "Traceback" not in run.stderr
