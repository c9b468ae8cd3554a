"""Refused uploads over real TCP, read by a plain stdlib client (urllib.request).

The API answers some uploads before reading their body (a declared length over the
limit, a bad token, an unknown assignment). Were it to close the connection with the
body still unread, the kernel would reset it and urllib would raise
ConnectionResetError instead of showing the answer; api/drain.py reads the rest of
the body first. A real API process (no Redis: the accepted upload stays stored).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.upload import size_text
from store import SQLiteStore
from tests.integration.service_stack import REPO, Stack, running

SOURCE = (REPO / "reference" / "cs189_hw2" / "hw2.py").read_bytes()
LIMIT = 5 * 1024 * 1024  # the defaults of GRADER_MAX_UPLOAD_BYTES
DRAIN = 64 * 1024 * 1024  # and GRADER_UPLOAD_DRAIN_BYTES
OVERSIZED = b"#" * (6 * 1024 * 1024)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    limits = {"GRADER_MAX_UPLOAD_BYTES": str(LIMIT), "GRADER_UPLOAD_DRAIN_BYTES": str(DRAIN)}
    with running(tmp_path_factory.mktemp("api"), ("api",), **limits) as stack:
        yield stack


@pytest.fixture
def store(api: Stack) -> SQLiteStore:
    return SQLiteStore(Path(api.env["GRADER_DATA_DIR"]))


def multipart(data: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body: ``data`` as the file hw2.py of the field ``files``."""
    boundary = uuid.uuid4().hex
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="files"; filename="hw2.py"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body += data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def post(
    api: Stack,
    token: str,
    data: bytes,
    assignment: str = "cs189_hw2",
    as_text: bool = False,
    chunked: bool = False,
) -> tuple[int, Any]:
    """The status and JSON body of an upload of hw2.py, refused or not. ``as_text``:
    sent as text/plain; ``chunked``: without a Content-Length."""
    body, content_type = (data, "text/plain") if as_text else multipart(data)
    chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))
    request = urllib.request.Request(
        f"{api.base_url}/api/assignments/{assignment}/submissions",
        data=chunks if chunked else body,
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.load(exc)


TOO_LARGE = ("too_large", f"the upload is larger than the limit of {size_text(LIMIT)}")
CASES: list[tuple[str, dict[str, Any], int, tuple[str, str]]] = [
    ("oversized", {}, 413, TOO_LARGE),
    ("oversized, chunked", {"chunked": True}, 413, TOO_LARGE),
    ("oversized, bad token", {"token": "tok-mallory"}, 401, ("unauthorized", "invalid token")),
    (
        "oversized, unknown assignment",
        {"assignment": "cs999_hw9"},
        404,
        ("unknown_assignment", "no assignment 'cs999_hw9'"),
    ),
    ("oversized, not multipart", {"as_text": True}, 415, ("unsupported_media_type", "text/plain")),
    (
        "small, unknown assignment",
        {"assignment": "cs999_hw9", "data": SOURCE},
        404,
        ("unknown_assignment", "no assignment 'cs999_hw9'"),
    ),
]


@pytest.mark.parametrize(
    ("options", "status", "error"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_a_refusal_is_readable(
    api: Stack, options: dict[str, Any], status: int, error: tuple[str, str]
) -> None:
    sent = {"token": "tok-alice", "data": OVERSIZED, **options}
    got, body = post(api, **sent)
    assert got == status, body
    assert body["error"]["code"] == error[0]
    assert error[1] in body["error"]["message"]


def test_a_small_upload_is_accepted_and_stored(api: Stack, store: SQLiteStore) -> None:
    status, body = post(api, "tok-alice", SOURCE)
    assert status == 202, body
    assert body == {"id": body["id"], "status": "queued"}
    assert store.files(body["id"]) == {"hw2.py": SOURCE}


def test_refusals_store_nothing(api: Stack, store: SQLiteStore) -> None:
    before = store.submissions("cs189_hw2")
    for options in ({}, {"chunked": True}, {"token": "tok-mallory"}):
        assert post(api, **{"token": "tok-bob", "data": OVERSIZED, **options})[0] in (401, 413)
    assert store.submissions("cs189_hw2") == before
