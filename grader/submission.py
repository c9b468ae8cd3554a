"""A submission as the grader sees it: relative file names mapped to bytes."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from grader.errors import SubmissionError
from grader.spec import Submission

MAX_FILES = 100
SKIPPED_DIRS = {"__pycache__", ".git", ".ipynb_checkpoints"}


def read_path(path: Path, spec: Submission) -> dict[str, bytes]:
    """Read a single file or a folder (regular files only, no symlinks)."""
    path = Path(path)
    if path.is_symlink():
        raise SubmissionError(f"{path} is a symbolic link; submit the file itself")
    if path.is_file():
        files = {path.name: path.read_bytes()}
    elif path.is_dir():
        files = {}
        for item in sorted(path.rglob("*")):
            rel = item.relative_to(path)
            if SKIPPED_DIRS.intersection(rel.parts) or item.is_dir():
                continue
            if item.is_symlink() or not item.is_file():
                raise SubmissionError(f"{rel} is not a regular file (symbolic links are refused)")
            files[rel.as_posix()] = item.read_bytes()
            if len(files) > MAX_FILES:
                raise SubmissionError(f"more than {MAX_FILES} files in {path}", "too_many_files")
    else:
        raise SubmissionError(f"no such file or folder: {path}")
    return validate(files, spec)


def validate(files: dict[str, bytes], spec: Submission) -> dict[str, bytes]:
    """Check names, size and required files; return the files unchanged."""
    for name in files:
        parts = PurePosixPath(name).parts
        if not parts or name.startswith("/") or ".." in parts or "\\" in name:
            raise SubmissionError(f"file name {name!r} is not a plain relative path", "unsafe_path")
    total = sum(len(data) for data in files.values())
    if total > spec.max_bytes:
        raise SubmissionError(
            f"the submission is {total} bytes; the limit is {spec.max_bytes}", "too_large"
        )
    missing = [name for name in spec.files if name not in files]
    if missing:
        have = ", ".join(sorted(files)[:10]) or "no files"
        raise SubmissionError(
            f"missing required file {', '.join(missing)} (the submission has: {have})",
            "missing_file",
        )
    return files
