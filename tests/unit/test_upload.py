"""Uploads through the API (api/upload.py, and grader/archive.py unpacking zips): the
ones accepted are stored and queued; the ones refused answer in the error shape and store
nothing. A real SQLiteStore in a temporary folder and a recording fake queue."""

from __future__ import annotations

import io
import logging
import stat
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.unit.api_harness import (
    ASSIGNMENT,
    MAX_FILES,
    MAX_UPLOAD,
    SOURCE,
    Harness,
    assert_error,
    headers,
    make_harness,
    zip_of,
)

URL = f"/api/assignments/{ASSIGNMENT}/submissions"
BOUNDARY = "xYzZy"


def raw_multipart(*parts: tuple[bytes, bytes], token: str = "tok-alice") -> dict[str, Any]:
    """A multipart body written by hand: (Content-Disposition value, data) per part."""
    body = b""
    for disposition, data in parts:
        body += (
            f"--{BOUNDARY}\r\n".encode()
            + b"Content-Disposition: "
            + disposition
            + b"\r\nContent-Type: application/octet-stream\r\n\r\n"
            + data
            + b"\r\n"
        )
    body += f"--{BOUNDARY}--\r\n".encode()
    return {
        "content": body,
        "headers": {
            **headers(token),
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        },
    }


def file_part(name: bytes, data: bytes = SOURCE) -> tuple[bytes, bytes]:
    return b'form-data; name="files"; filename="' + name + b'"', data


# ---------------------------------------------------------------- uploads that are accepted


def test_a_single_file_is_stored_and_queued(h: Harness) -> None:
    response = h.upload("tok-alice", [("hw2.py", SOURCE)])
    assert response.status_code == 202
    submission_id = response.json()["id"]
    assert response.json() == {"id": submission_id, "status": "queued"}
    [submission] = h.store.submissions(ASSIGNMENT)
    assert (submission.id, submission.student) == (submission_id, "alice")
    assert h.store.files(submission_id) == {"hw2.py": SOURCE}
    assert h.sent == [h.latest_job(submission_id)]


def test_a_zip_is_unpacked_and_stored(h: Harness) -> None:
    data = zip_of(("hw2.py", SOURCE), ("__MACOSX/._hw2.py", b"junk"), ("notes/readme.txt", b"hi"))
    response = h.upload("tok-bob", [("my homework.zip", data)])
    assert response.status_code == 202, response.text
    files = h.store.files(response.json()["id"])
    assert files == {"hw2.py": SOURCE, "notes/readme.txt": b"hi"}


def test_several_files_are_stored_by_base_name(h: Harness) -> None:
    response = h.upload("tok-alice", [("src/hw2.py", SOURCE), ("notes.txt", b"n")])
    assert response.status_code == 202, response.text
    assert h.store.files(response.json()["id"]) == {"hw2.py": SOURCE, "notes.txt": b"n"}


def test_a_queue_that_is_down_still_answers_202(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    h = make_harness(tmp_path)

    def broken(job_id: str) -> None:
        raise ConnectionError("Redis is down")

    h.use_queue(broken)
    with caplog.at_level(logging.ERROR, logger="api.services"):
        response = h.upload("tok-alice", [("hw2.py", SOURCE)])
    assert response.status_code == 202
    submission_id = response.json()["id"]
    assert h.store.jobs_of(submission_id)[0].status == "received"  # the sweep will send it
    assert "could not queue job" in caplog.text and "Redis is down" in caplog.text
    assert h.get("tok-alice", f"/api/submissions/{submission_id}").json()["status"] == "queued"


# ---------------------------------------------------------------- uploads that are refused


def lying_stream(size: int) -> Iterator[bytes]:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="hw2.py"\r\n\r\n'
    )
    yield head.encode()
    for _ in range(size // 65536 + 1):
        yield b"#" * 65536


def stream_upload(declared: str | None) -> Callable[[Harness], httpx2.Response]:
    def send(h: Harness) -> httpx2.Response:
        extra = {"Content-Length": declared} if declared else {}
        return h.client.post(
            URL,
            content=lying_stream(MAX_UPLOAD * 2),
            headers={
                **headers("tok-alice"),
                "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
                **extra,
            },
        )

    return send


def symlink_zip() -> bytes:
    link = zipfile.ZipInfo("hw2.py")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    return zip_of_infos((link, b"/etc/passwd"))


def zip_of_infos(*entries: tuple[zipfile.ZipInfo, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for entry, data in entries:
            zf.writestr(entry, data)
    return buffer.getvalue()


def upload_above_assignments(h: Harness) -> httpx2.Response:
    """An id of '..' names the folder above the assignments, which holds a spec here."""
    spec = h.settings.assignments_dir / ASSIGNMENT / "assignment.yaml"
    (h.settings.assignments_dir.parent / "assignment.yaml").write_bytes(spec.read_bytes())
    return h.upload("tok-alice", [("hw2.py", SOURCE)], assignment="%2E%2E")


BAD_UPLOADS: list[tuple[str, Callable[[Harness], httpx2.Response], int, str, str]] = [
    (
        "unknown assignment",
        lambda h: h.upload("tok-alice", [("hw2.py", SOURCE)], assignment="cs999_hw9"),
        404,
        "unknown_assignment",
        "no assignment 'cs999_hw9'",
    ),
    (
        "assignment id '..'",
        upload_above_assignments,
        404,
        "unknown_assignment",
        "no assignment '..'",
    ),
    (
        "invalid assignment spec",
        lambda h: h.upload("tok-alice", [("hw2.py", SOURCE)], assignment="broken"),
        503,
        "assignment_unavailable",
        "'broken' cannot accept submissions",
    ),
    (
        "missing required file",
        lambda h: h.upload("tok-alice", [("hw3.py", SOURCE), ("notes.txt", b"")]),
        422,
        "missing_file",
        "missing required file hw2.py (the submission has: hw3.py, notes.txt)",
    ),
    (
        "missing required file in a zip",
        lambda h: h.upload("tok-alice", [("hw.zip", zip_of(("hw2/hw2.py", SOURCE)))]),
        422,
        "missing_file",
        "missing required file hw2.py (the submission has: hw2/hw2.py)",
    ),
    (
        "over the limit by Content-Length",
        lambda h: h.upload("tok-alice", [("hw2.py", b"#" * (MAX_UPLOAD + 70_000))]),
        413,
        "too_large",
        f"limit of 2 MiB ({MAX_UPLOAD} bytes)",
    ),
    (
        "over the limit, Content-Length lies",
        stream_upload(declared="1000"),
        413,
        "too_large",
        f"limit of 2 MiB ({MAX_UPLOAD} bytes)",
    ),
    (
        "over the limit, no Content-Length (chunked)",
        stream_upload(declared=None),
        413,
        "too_large",
        f"limit of 2 MiB ({MAX_UPLOAD} bytes)",
    ),
    (
        "files over the limit within the framing allowance",
        lambda h: h.upload("tok-alice", [("hw2.py", SOURCE), ("data.bin", b"0" * MAX_UPLOAD)]),
        413,
        "too_large",
        f"the limit is {MAX_UPLOAD}",
    ),
    (
        "over the assignment's max_bytes",
        lambda h: h.upload("tok-alice", [("hw2.py", b"#" * (1_048_576 + 1))]),
        413,
        "too_large",
        "the submission is 1048577 bytes; the limit is 1048576",
    ),
    (
        "too many files",
        lambda h: h.upload("tok-alice", [(f"f{i}.py", b"") for i in range(MAX_FILES + 1)]),
        422,
        "too_many_files",
        f"more than {MAX_FILES} were sent",
    ),
    (
        "too many files in a zip",
        lambda h: h.upload(
            "tok-alice", [("hw.zip", zip_of(*((f"f{i}.py", b"") for i in range(MAX_FILES + 1))))]
        ),
        422,
        "too_many_files",
        f"hw.zip holds {MAX_FILES + 1} files",
    ),
    (
        "zip with ..",
        lambda h: h.upload("tok-alice", [("hw.zip", zip_of(("../evil.py", b"x")))]),
        422,
        "unsafe_path",
        "'../evil.py' points outside the archive",
    ),
    (
        "zip with an absolute path",
        lambda h: h.upload("tok-alice", [("hw.zip", zip_of(("/abs.py", b"x")))]),
        422,
        "unsafe_path",
        "'/abs.py' is an absolute path",
    ),
    (
        "zip with a symlink",
        lambda h: h.upload("tok-alice", [("hw.zip", symlink_zip())]),
        422,
        "unsafe_path",
        "'hw2.py' is a symbolic link",
    ),
    (
        "zip bomb",
        lambda h: h.upload("tok-alice", [("hw.zip", zip_of(("hw2.py", b"\0" * (MAX_UPLOAD * 8))))]),
        413,
        "too_large",
        f"hw.zip unpacks to more than {MAX_UPLOAD} bytes (entry 'hw2.py'",
    ),
    (
        "not a zip",
        lambda h: h.upload("tok-alice", [("hw.zip", b"this is no zip")]),
        422,
        "bad_zip",
        "hw.zip is not a valid zip archive",
    ),
    (
        "file name not UTF-8",
        lambda h: h.client.post(URL, **raw_multipart(file_part(b"hw2\xff.py"))),
        422,
        "bad_file_name",
        "b'hw2\\xff.py' is not valid UTF-8",
    ),
    (
        "file name with a control character",
        lambda h: h.client.post(URL, **raw_multipart(file_part(b"hw2\x07.py"))),
        422,
        "bad_file_name",
        "'hw2\\x07.py' contains control characters",
    ),
    (
        "zip entry name with a control character",
        lambda h: h.upload("tok-alice", [("hw.zip", zip_of(("hw2\x1b.py", SOURCE)))]),
        422,
        "bad_file_name",
        "contains control characters",
    ),
    (
        "duplicate file names",
        lambda h: h.upload("tok-alice", [("a/hw2.py", SOURCE), ("b/hw2.py", SOURCE)]),
        422,
        "duplicate_file",
        "two files are named 'hw2.py'",
    ),
    (
        "empty upload",
        lambda h: h.client.post(URL, **raw_multipart()),
        422,
        "empty_upload",
        "no files were sent",
    ),
    (
        "an empty file input",
        lambda h: h.client.post(URL, **raw_multipart(file_part(b"", b""))),
        422,
        "empty_upload",
        "no files were sent",
    ),
    (
        "empty zip",
        lambda h: h.upload("tok-alice", [("hw.zip", zip_of(("folder/", b"")))]),
        422,
        "empty_upload",
        "hw.zip contains no files",
    ),
    (
        "another form field",
        lambda h: h.client.post(URL, **raw_multipart((b'form-data; name="file"', b"x"))),
        422,
        "unexpected_field",
        "unexpected form field 'file'; send the files in the field 'files'",
    ),
    (
        "a text field named files",
        lambda h: h.client.post(URL, **raw_multipart((b'form-data; name="files"', b"x"))),
        422,
        "unexpected_field",
        "must hold files, with file names",
    ),
    (
        "truncated multipart body",
        lambda h: h.client.post(
            URL,
            content=f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; '
            'filename="hw2.py"\r\n\r\nx = 1\n',
            headers={
                **headers("tok-alice"),
                "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
            },
        ),
        400,
        "bad_multipart",
        "ends before its last boundary",
    ),
    (
        "JSON body",
        lambda h: h.client.post(URL, json={"hw2.py": "x"}, headers=headers("tok-alice")),
        415,
        "unsupported_media_type",
        "send the files as multipart/form-data",
    ),
    (
        "url-encoded form",
        lambda h: h.client.post(URL, data={"files": "x"}, headers=headers("tok-alice")),
        415,
        "unsupported_media_type",
        "got application/x-www-form-urlencoded",
    ),
    (
        "multipart without a boundary",
        lambda h: h.client.post(
            URL,
            content=b"x",
            headers={**headers("tok-alice"), "Content-Type": "multipart/form-data"},
        ),
        415,
        "unsupported_media_type",
        "with a boundary",
    ),
    (
        "no token",
        lambda h: h.client.post(URL, files=[("files", ("hw2.py", SOURCE))]),
        401,
        "unauthorized",
        "missing token: send 'Authorization: Bearer TOKEN'",
    ),
    (
        "wrong token",
        lambda h: h.upload("tok-mallory", [("hw2.py", SOURCE)]),
        401,
        "unauthorized",
        "invalid token",
    ),
    (
        "basic auth instead of a token",
        lambda h: h.client.post(
            URL, files=[("files", ("hw2.py", SOURCE))], headers={"Authorization": "Basic YTpi"}
        ),
        401,
        "unauthorized",
        "missing token",
    ),
]


@pytest.mark.parametrize(
    ("send", "status", "code", "text"),
    [case[1:] for case in BAD_UPLOADS],
    ids=[case[0] for case in BAD_UPLOADS],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(
    h: Harness, send: Callable[[Harness], httpx2.Response], status: int, code: str, text: str
) -> None:
    response = send(h)
    assert_error(response, status, code, text)
    h.assert_nothing_stored()


def test_every_refusal_of_an_upload_is_documented(h: Harness) -> None:
    """Each status of BAD_UPLOADS is in the OpenAPI schema, with the error shape."""
    paths = h.client.get("/openapi.json").json()["paths"]
    documented = paths["/api/assignments/{assignment_id}/submissions"]["post"]["responses"]
    for status in sorted({case[2] for case in BAD_UPLOADS}):
        assert str(status) in documented, f"{status} is not documented"
        body = documented[str(status)]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/ErrorBody"}


def test_a_wrong_method_on_the_upload_path_names_both_of_its_methods(h: Harness) -> None:
    """GET (instructors' list) and POST share the path: Allow names both, not only POST."""
    response = h.client.delete(URL, headers=headers("tok-alice"))
    assert_error(response, 405, "method_not_allowed", f"DELETE {URL}")
    assert response.headers["allow"] == "GET, POST"
