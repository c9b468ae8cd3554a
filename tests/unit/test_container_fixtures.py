"""The fixture folder as the runner reads it (sandbox.container.fixtures)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from grader import codec
from sandbox.container.fixtures import BlobDir, load_fixtures


def write_fixture(folder: Path, name: str, value: object) -> None:
    tree, blobs = codec.encode(value, prefix=f"{name}_")
    (folder / f"{name}.json").write_text(json.dumps(tree))
    for blob, data in blobs.items():
        (folder / blob).write_bytes(data)


def test_fixtures_decode_and_file_fixtures_are_paths(tmp_path: Path) -> None:
    write_fixture(tmp_path, "data", {"X": np.arange(6.0).reshape(2, 3), "n": 2})
    write_fixture(tmp_path, "eps", 1e-5)
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "small_train.csv").write_text("1,2\n")
    values = load_fixtures(tmp_path, {"small_train": "small_train.csv"})
    assert set(values) == {"data", "eps", "small_train"}
    np.testing.assert_array_equal(values["data"]["X"], np.arange(6.0).reshape(2, 3))
    assert values["eps"] == 1e-5
    assert values["small_train"] == str(tmp_path / "files" / "small_train.csv")


def test_an_empty_or_missing_folder_has_no_fixtures(tmp_path: Path) -> None:
    assert load_fixtures(tmp_path, {}) == {}
    assert load_fixtures(tmp_path / "absent", {}) == {}


def test_blob_dir_reads_only_npy_names_in_its_folder(tmp_path: Path) -> None:
    (tmp_path / "a_0.npy").write_bytes(b"A")
    (tmp_path / "notes.txt").write_bytes(b"T")
    (tmp_path.parent / "outside.npy").write_bytes(b"O")
    blobs = BlobDir(tmp_path)
    assert blobs["a_0.npy"] == b"A" and "a_0.npy" in blobs
    assert list(blobs) == ["a_0.npy"] and len(blobs) == 1
    for name in ("notes.txt", "../outside.npy", "missing.npy", ".npy"):
        assert name not in blobs
        assert blobs.get(name) is None
    assert 5 not in blobs
