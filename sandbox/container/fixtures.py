"""The fixture folder: ``NAME.json`` + ``NAME_k.npy`` (grader.codec), and ``file``
fixtures as their bytes under ``files/``. Decoded once, before any child is forked.

Copied into the container: standard library, NumPy and the core's codec only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from grader import codec, wire

MAX_FIXTURE_ARRAY_BYTES = 1 << 31  # fixtures are trusted: only a sanity cap


class BlobDir(Mapping[str, bytes]):
    """Read-only view of the fixture folder's .npy files, loaded on demand."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __getitem__(self, name: str) -> bytes:
        if not codec.BLOB_NAME.match(name):
            raise KeyError(name)
        try:
            return (self.folder / name).read_bytes()
        except OSError:
            raise KeyError(name) from None

    def __contains__(self, name: object) -> bool:
        return (
            isinstance(name, str)
            and bool(codec.BLOB_NAME.match(name))
            and (self.folder / name).is_file()
        )

    def __iter__(self) -> Iterator[str]:
        return (p.name for p in self.folder.glob("*.npy"))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def load_fixtures(folder: Path, files: Mapping[str, str]) -> dict[str, Any]:
    """Codec fixtures by name; a ``file`` fixture is the path of its copy in ``files/``."""
    blobs = BlobDir(folder)
    values: dict[str, Any] = {
        path.stem: codec.decode(json.loads(path.read_text()), blobs, MAX_FIXTURE_ARRAY_BYTES)
        for path in sorted(folder.glob("*.json"))
    }
    values.update(
        {name: str(folder / wire.FIXTURE_FILES_DIR / file) for name, file in files.items()}
    )
    return values
