"""Uploaded parts (a file name and its bytes) turned into a submission's files.

One part whose name ends in ``.zip`` is unpacked; otherwise each part is a file,
kept under its base name. Unpacking refuses what could escape or exhaust the
grader: absolute and ``..`` paths, symbolic links and other special files,
encrypted entries, and archives that unpack to more than the limit (the declared
sizes are added up first, then the bytes are counted while reading, with a cap).
Directory entries and junk (``__MACOSX/``, ``.DS_Store``, ``__pycache__/``) are
skipped. Every refusal is a ``SubmissionError`` naming the bad entry.
"""

from __future__ import annotations

import io
import stat
import unicodedata
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import PurePosixPath

from grader.errors import SubmissionError
from grader.submission import SKIPPED_DIRS

JUNK_DIRS = frozenset({"__MACOSX", *SKIPPED_DIRS})
JUNK_FILES = frozenset({".DS_Store", "Thumbs.db"})
UTF8_FLAG = 0x800
ENCRYPTED_FLAG = 0x1
CHUNK = 64 * 1024
MAX_NAME_BYTES = 255  # per path component, as most file systems allow


def unpack_upload(
    parts: Sequence[tuple[str, bytes]], max_bytes: int, max_files: int
) -> dict[str, bytes]:
    """The files of an upload: relative name -> bytes. Raises SubmissionError."""
    if not parts:
        raise SubmissionError("empty upload: no files were sent", "empty_upload")
    if len(parts) > max_files:
        raise SubmissionError(
            f"too many files: {len(parts)} were sent; the limit is {max_files}", "too_many_files"
        )
    total = sum(len(data) for _, data in parts)
    if total > max_bytes:
        raise SubmissionError(f"the upload is {total} bytes; the limit is {max_bytes}", "too_large")
    if len(parts) == 1 and parts[0][0].lower().endswith(".zip"):
        name, data = parts[0]
        return unpack_zip(base_name(name), data, max_bytes, max_files)
    files: dict[str, bytes] = {}
    for name, data in parts:
        base = base_name(name)
        if base in files:
            raise SubmissionError(f"two files are named {base!r}", "duplicate_file")
        files[base] = data
    return files


def base_name(name: str) -> str:
    """The last component of an uploaded file's name, checked for bad characters."""
    check_characters(name)
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    if base in ("", ".", ".."):
        raise SubmissionError(f"file name {name!r} names no file", "bad_file_name")
    return base


def check_characters(name: str) -> None:
    """Refuse names that are not valid UTF-8 (lone surrogates stand for undecodable bytes)
    or that hold control characters."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        shown = name.encode("utf-8", "surrogateescape")
        raise SubmissionError(f"file name {shown!r} is not valid UTF-8", "bad_file_name") from None
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise SubmissionError(f"file name {name!r} contains control characters", "bad_file_name")
    if any(len(part.encode()) > MAX_NAME_BYTES for part in name.split("/")):
        raise SubmissionError(
            f"file name {name[:60]!r}... is too long ({MAX_NAME_BYTES} bytes per part at most)",
            "bad_file_name",
        )


def unpack_zip(archive: str, data: bytes, max_bytes: int, max_files: int) -> dict[str, bytes]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except UnicodeDecodeError as exc:  # an entry flagged UTF-8 whose name is not
        raise SubmissionError(
            f"{archive}: file name {exc.object!r} is not valid UTF-8", "bad_file_name"
        ) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise SubmissionError(f"{archive} is not a valid zip archive: {exc}", "bad_zip") from None
    with zf:
        entries = [(info, entry_name(archive, info)) for info in zf.infolist()]
        wanted = [(info, name) for info, name in entries if not skipped(info, name)]
        if not wanted:
            raise SubmissionError(f"{archive} contains no files", "empty_upload")
        if len(wanted) > max_files:
            raise SubmissionError(
                f"{archive} holds {len(wanted)} files; the limit is {max_files}",
                "too_many_files",
            )
        declared = 0
        for info, name in wanted:
            declared += info.file_size
            if declared > max_bytes:
                raise SubmissionError(
                    f"{archive} unpacks to more than {max_bytes} bytes "
                    f"(entry {name!r} declares {info.file_size})",
                    "too_large",
                )
        check_distinct(archive, [name for _, name in wanted])
        files: dict[str, bytes] = {}
        budget = max_bytes
        for info, name in wanted:
            files[name] = read_entry(zf, info, archive, name, budget)
            budget -= len(files[name])
    return files


def check_distinct(archive: str, names: list[str]) -> None:
    """No two entries with one name, and no entry that is also another's folder."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise SubmissionError(f"{archive}: two entries are named {name!r}", "duplicate_file")
        seen.add(name)
    folders = {str(parent) for name in names for parent in PurePosixPath(name).parents}
    for name in names:
        if name in folders:
            raise SubmissionError(
                f"{archive}: entry {name!r} is both a file and a folder", "duplicate_file"
            )


def entry_name(archive: str, info: zipfile.ZipInfo) -> str:
    """The entry's name as its bytes say (UTF-8, flagged or not), checked to stay inside."""
    raw = info.orig_filename  # before zipfile cut it at a NUL byte
    if not info.flag_bits & UTF8_FLAG:  # zipfile decoded the bytes as cp437: undo that
        raw_bytes = raw.encode("cp437")
        try:
            raw = raw_bytes.decode("utf-8")
        except UnicodeDecodeError:
            raise SubmissionError(
                f"{archive}: file name {raw_bytes!r} is not valid UTF-8", "bad_file_name"
            ) from None
    try:
        check_characters(raw)
    except SubmissionError as exc:
        raise SubmissionError(f"{archive}: {exc}", exc.code) from None
    if raw.startswith("/") or (len(raw) > 1 and raw[0].isalpha() and raw[1] == ":"):
        raise SubmissionError(f"{archive}: entry {raw!r} is an absolute path", "unsafe_path")
    if "\\" in raw:
        raise SubmissionError(
            f"{archive}: entry {raw!r} uses backslashes; zip paths use '/'", "unsafe_path"
        )
    if ".." in raw.split("/"):
        raise SubmissionError(
            f"{archive}: entry {raw!r} points outside the archive ('..')", "unsafe_path"
        )
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind == stat.S_IFLNK:
        raise SubmissionError(
            f"{archive}: entry {raw!r} is a symbolic link; links are refused", "unsafe_path"
        )
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise SubmissionError(f"{archive}: entry {raw!r} is not a regular file", "unsafe_path")
    if info.flag_bits & ENCRYPTED_FLAG:
        raise SubmissionError(f"{archive}: entry {raw!r} is encrypted", "bad_zip")
    return PurePosixPath(raw).as_posix()  # "a//b" and "./a" made plain


def skipped(info: zipfile.ZipInfo, name: str) -> bool:
    path = PurePosixPath(name)
    is_dir = info.is_dir() or stat.S_IFMT(info.external_attr >> 16) == stat.S_IFDIR
    return (
        is_dir
        or name in ("", ".")
        or bool(JUNK_DIRS.intersection(path.parts[:-1]))
        or path.name in JUNK_FILES
    )


def read_entry(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, archive: str, name: str, budget: int
) -> bytes:
    """The entry's bytes, counted while reading: never more than ``budget`` are kept."""
    chunks: list[bytes] = []
    size = 0
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(CHUNK):
                size += len(chunk)
                if size > budget or size > info.file_size:
                    raise SubmissionError(
                        f"{archive}: entry {name!r} unpacks to more than its declared "
                        f"{info.file_size} bytes or the limit",
                        "too_large",
                    )
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise SubmissionError(f"{archive}: entry {name!r} is corrupt: {exc}", "bad_zip") from None
    except (NotImplementedError, RuntimeError) as exc:  # unknown compression, a password
        raise SubmissionError(
            f"{archive}: entry {name!r} cannot be read: {exc}", "bad_zip"
        ) from None
    return b"".join(chunks)
