"""Uploads unpacked into a submission's files: plain parts, good zips, and a table of bad ones."""

from __future__ import annotations

import io
import stat
import warnings
import zipfile
from collections.abc import Callable

import pytest

from grader.archive import read_entry, unpack_upload
from grader.errors import SubmissionError

LIMIT = 64 * 1024
MAX_FILES = 5
SOURCE = b"def sigmoid(x):\n    return x\n"


def zip_bytes(*entries: tuple[str | zipfile.ZipInfo, bytes]) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in entries:
                zf.writestr(name, data)
    return buffer.getvalue()


def info(name: str, mode: int) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(name)
    entry.create_system = 3  # Unix: external_attr carries st_mode
    entry.external_attr = mode << 16
    return entry


def renamed(data: bytes, old: bytes, new: bytes) -> bytes:
    """Rename an entry in the raw bytes (local header and central directory alike):
    names that zipfile itself refuses to write."""
    assert len(old) == len(new) and data.count(old) == 2
    return data.replace(old, new)


def declared_size(data: bytes, size: int) -> bytes:
    """Make the first entry declare ``size`` uncompressed bytes, whatever it holds."""
    out = bytearray(data)
    local = out.find(b"PK\x03\x04")
    central = out.find(b"PK\x01\x02")
    out[local + 22 : local + 26] = size.to_bytes(4, "little")
    out[central + 24 : central + 28] = size.to_bytes(4, "little")
    return bytes(out)


def encrypted(data: bytes) -> bytes:
    """Set the first entry's "encrypted" flag (zipfile cannot write encrypted entries)."""
    out = bytearray(data)
    out[out.find(b"PK\x03\x04") + 6] |= 0x1
    out[out.find(b"PK\x01\x02") + 8] |= 0x1
    return bytes(out)


def unpack_zip(data: bytes) -> dict[str, bytes]:
    return unpack_upload([("hw.zip", data)], LIMIT, MAX_FILES)


# ---------------------------------------------------------------- accepted


def test_plain_files_are_kept_by_base_name() -> None:
    parts = [("hw2.py", SOURCE), ("dir/notes.txt", b"n"), ("C:\\Users\\me\\extra.py", b"")]
    assert unpack_upload(parts, LIMIT, MAX_FILES) == {
        "hw2.py": SOURCE,
        "notes.txt": b"n",
        "extra.py": b"",
    }


def test_a_zip_is_unpacked_without_folders_and_junk() -> None:
    data = zip_bytes(
        ("hw2.py", SOURCE),
        ("sub/", b""),
        ("sub/helper.py", b"x = 1\n"),
        ("__MACOSX/._hw2.py", b"\x00\x05junk"),
        ("sub/.DS_Store", b"junk"),
        ("__pycache__/hw2.cpython-311.pyc", b"junk"),
        ("./sub//data.txt", b"d"),
    )
    assert unpack_zip(data) == {"hw2.py": SOURCE, "sub/helper.py": b"x = 1\n", "sub/data.txt": b"d"}


def test_a_zip_among_other_files_is_a_plain_file() -> None:
    data = zip_bytes(("hw2.py", SOURCE))
    files = unpack_upload([("hw2.py", SOURCE), ("data.zip", data)], LIMIT, MAX_FILES)
    assert files == {"hw2.py": SOURCE, "data.zip": data}


def test_utf8_names_are_read_whether_flagged_or_not() -> None:
    flagged = zip_bytes(("données.py", b"1"))  # zipfile sets the UTF-8 flag itself
    unflagged = renamed(zip_bytes(("donnXXes.py", b"1")), b"donnXXes", "données".encode())
    assert unpack_zip(flagged) == {"données.py": b"1"}
    assert unpack_zip(unflagged) == {"données.py": b"1"}


def test_a_zip_exactly_at_the_limit_is_accepted() -> None:
    data = zip_bytes(("hw2.py", b"0" * LIMIT))
    assert unpack_upload([("hw.ZIP", data)], LIMIT * 2, MAX_FILES) == {"hw2.py": b"0" * LIMIT}
    assert unpack_upload([("hw.zip", data)], LIMIT + len(data), MAX_FILES)["hw2.py"]


# ---------------------------------------------------------------- refused

BOMB = b"\0" * (LIMIT * 40)  # deflates to about 2 KB


def bad_zips() -> list[tuple[str, Callable[[], bytes], str, str]]:
    """(id, build the zip, error code, text the message must contain)."""
    return [
        ("dotdot", lambda: zip_bytes(("../evil.py", b"x")), "unsafe_path", "'../evil.py'"),
        ("nested dotdot", lambda: zip_bytes(("a/../../e.py", b"x")), "unsafe_path", "'..'"),
        ("absolute", lambda: zip_bytes(("/abs.py", b"x")), "unsafe_path", "'/abs.py'"),
        ("drive", lambda: zip_bytes(("C:/win.py", b"x")), "unsafe_path", "absolute path"),
        ("backslash", lambda: zip_bytes(("a\\b.py", b"x")), "unsafe_path", "backslashes"),
        (
            "symlink",
            lambda: zip_bytes((info("link.py", stat.S_IFLNK | 0o777), b"/etc/passwd")),
            "unsafe_path",
            "'link.py' is a symbolic link",
        ),
        (
            "fifo",
            lambda: zip_bytes((info("pipe", stat.S_IFIFO | 0o644), b"")),
            "unsafe_path",
            "'pipe' is not a regular file",
        ),
        ("encrypted", lambda: encrypted(zip_bytes(("hw2.py", b"x"))), "bad_zip", "encrypted"),
        ("not a zip", lambda: b"PK\x03\x04 but not really a zip", "bad_zip", "not a valid zip"),
        (
            "bomb",
            lambda: zip_bytes(("bomb.bin", BOMB)),
            "too_large",
            f"more than {LIMIT} bytes (entry 'bomb.bin' declares {len(BOMB)})",
        ),
        (
            "bomb in many entries",
            lambda: zip_bytes(*((f"b{i}.bin", b"\0" * (LIMIT // 3)) for i in range(4))),
            "too_large",
            "entry 'b3.bin'",
        ),
        (
            "huge declared size",
            lambda: declared_size(zip_bytes(("big.py", b"x")), 2**32 - 1),
            "too_large",
            "'big.py' declares 4294967295",
        ),
        (
            "small declared size, large data",
            lambda: declared_size(zip_bytes(("liar.py", BOMB)), 100),
            "bad_zip",
            "'liar.py' is corrupt",
        ),
        (
            "control character",
            lambda: zip_bytes(("hw2\n.py", b"x")),
            "bad_file_name",
            "control characters",
        ),
        (
            "NUL byte",
            lambda: renamed(zip_bytes(("hwX.py", b"x")), b"hwX.py", b"hw\x00.py"),
            "bad_file_name",
            "'hw\\x00.py' contains control characters",
        ),
        (
            "non-UTF-8 name",
            lambda: renamed(zip_bytes(("hwX.py", b"x")), b"hwX.py", b"hw\xff.py"),
            "bad_file_name",
            "b'hw\\xff.py' is not valid UTF-8",
        ),
        (
            "non-UTF-8 name flagged UTF-8",
            lambda: renamed(zip_bytes(("hé.py", b"x")), "hé".encode(), b"h\xff\xfe"),
            "bad_file_name",
            "is not valid UTF-8",
        ),
        (
            "empty",
            lambda: zip_bytes(("dir/", b""), ("__MACOSX/x", b"")),
            "empty_upload",
            "no files",
        ),
        (
            "too many files",
            lambda: zip_bytes(*((f"f{i}.py", b"") for i in range(MAX_FILES + 1))),
            "too_many_files",
            f"holds {MAX_FILES + 1} files; the limit is {MAX_FILES}",
        ),
        (
            "duplicate",
            lambda: zip_bytes(("hw2.py", b"1"), ("hw2.py", b"2")),
            "duplicate_file",
            "two entries are named 'hw2.py'",
        ),
        (
            "file and folder",
            lambda: zip_bytes(("a", b"1"), ("a/b.py", b"2")),
            "duplicate_file",
            "'a' is both a file and a folder",
        ),
        (
            "long name",
            lambda: zip_bytes(("x" * 300 + ".py", b"")),
            "bad_file_name",
            "too long",
        ),
    ]


@pytest.mark.parametrize(
    ("build", "code", "text"), [z[1:] for z in bad_zips()], ids=[z[0] for z in bad_zips()]
)
def test_bad_zips_are_refused(build: Callable[[], bytes], code: str, text: str) -> None:
    with pytest.raises(SubmissionError) as caught:
        unpack_zip(build())
    assert caught.value.code == code
    assert text in str(caught.value)
    assert str(caught.value).startswith("hw.zip")


@pytest.mark.parametrize(
    ("parts", "code", "text"),
    [
        ([], "empty_upload", "no files were sent"),
        ([(f"f{i}.py", b"") for i in range(MAX_FILES + 1)], "too_many_files", "6 were sent"),
        ([("a.py", b"0" * LIMIT), ("b.py", b"0")], "too_large", f"the limit is {LIMIT}"),
        ([("hw2.py", b"1"), ("sub/hw2.py", b"2")], "duplicate_file", "'hw2.py'"),
        ([("hw2\r.py", b"")], "bad_file_name", "control characters"),
        ([("hw\udcff.py", b"")], "bad_file_name", "b'hw\\xff.py' is not valid UTF-8"),
        ([("dir/", b"")], "bad_file_name", "names no file"),
        ([("..", b"")], "bad_file_name", "names no file"),
    ],
    ids=["none", "too many", "too large", "duplicate", "control", "non-utf8", "folder", "dotdot"],
)
def test_bad_parts_are_refused(parts: list[tuple[str, bytes]], code: str, text: str) -> None:
    with pytest.raises(SubmissionError) as caught:
        unpack_upload(parts, LIMIT, MAX_FILES)
    assert caught.value.code == code
    assert text in str(caught.value)


def test_bytes_are_counted_while_reading_whatever_the_sizes_declare() -> None:
    data = zip_bytes(("hw2.py", b"0" * 1000))
    with zipfile.ZipFile(io.BytesIO(data)) as zf, pytest.raises(SubmissionError) as caught:
        read_entry(zf, zf.getinfo("hw2.py"), "hw.zip", "hw2.py", budget=999)
    assert caught.value.code == "too_large"
    assert "'hw2.py' unpacks to more than" in str(caught.value)
