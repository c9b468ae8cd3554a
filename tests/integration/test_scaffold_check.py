"""`grader new`, then `grader check` in the real sandbox: the skeleton is a working
assignment as it is written (the reference full marks, the starter 0, each variant
losing exactly its tests, every test caught)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cli.main import main

pytestmark = pytest.mark.docker


def test_a_new_assignment_passes_its_check(
    docker_sandbox: object,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "course" / "hw3"
    assert main(["new", "hw3", "--dir", str(folder)]) == 0
    capsys.readouterr()
    code = main(["check", str(folder)])
    out, err = capsys.readouterr()
    assert code == 0, out + err  # 0: no finding failed
    variants = yaml.safe_load((folder / "mutants.yaml").read_text())["variants"]
    assert len(variants) == 4
    assert all(v["name"] in out for v in variants)  # each was graded and reported
