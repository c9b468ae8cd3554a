"""The HTTP API against a real Store in a temporary folder and a recording fake queue."""

from __future__ import annotations

import dataclasses
import io
import logging
import stat
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient

from api.auth import TokenFileError, load_tokens
from api.health import default_probes
from tests.unit.api_harness import (
    ASSIGNMENT,
    MAX_FILES,
    MAX_UPLOAD,
    RESULTS,
    SOURCE,
    Harness,
    headers,
    make_harness,
    zip_of,
)

URL = f"/api/assignments/{ASSIGNMENT}/submissions"
BOUNDARY = "xYzZy"


@pytest.fixture
def h(tmp_path: Path) -> Harness:
    return make_harness(tmp_path)


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


def assert_error(response: httpx2.Response, status: int, code: str, text: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert text in body["error"]["message"]


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
        f"limit of {MAX_UPLOAD} bytes",
    ),
    (
        "over the limit, Content-Length lies",
        stream_upload(declared="1000"),
        413,
        "too_large",
        f"limit of {MAX_UPLOAD} bytes",
    ),
    (
        "over the limit, no Content-Length (chunked)",
        stream_upload(declared=None),
        413,
        "too_large",
        f"limit of {MAX_UPLOAD} bytes",
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


def test_401_carries_a_bearer_challenge(h: Harness) -> None:
    response = h.client.get("/api/submissions/x")
    assert_error(response, 401, "unauthorized", "missing token")
    assert response.headers["www-authenticate"] == "Bearer"


def test_with_no_tokens_file_no_one_can_log_in(tmp_path: Path) -> None:
    h = make_harness(tmp_path, tokens_file=None)
    assert_error(h.upload("tok-prof", [("hw2.py", SOURCE)]), 401, "unauthorized", "invalid token")
    h.assert_nothing_stored()


# ---------------------------------------------------------------- records and authorization


def test_the_record_follows_the_job(h: Harness) -> None:
    submission_id = h.submit("tok-alice")
    url = f"/api/submissions/{submission_id}"
    record = h.get("tok-alice", url).json()
    assert record["status"] == "queued" and record["attempts"] == 0
    assert record["results"] is None and record["graded_at"] is None and record["message"] is None
    assert record["assignment_id"] == ASSIGNMENT and record["student"] == "alice"
    assert record["created_at"].endswith("Z")
    assert_error(
        h.get("tok-alice", f"{url}/results.json"), 404, "no_results", "no results yet (queued)"
    )

    claim = h.store.claim(h.latest_job(submission_id), 30, 3)
    assert claim is not None
    record = h.get("tok-alice", url).json()
    assert record["status"] == "running" and record["attempts"] == 1

    assert h.store.finish(claim, RESULTS)
    record = h.get("tok-prof", url).json()
    assert record["status"] == "graded" and record["results"] == RESULTS
    assert record["graded_at"] is not None and record["graded_at"].endswith("Z")
    assert record["history"] == [
        {
            "job_id": claim.job.id,
            "reason": "submit",
            "requested_by": "alice",
            "status": "graded",
            "created_at": record["created_at"],
            "finished_at": record["graded_at"],
            "score": 7.0,
        }
    ]


def test_a_failed_grading_shows_its_message(h: Harness) -> None:
    submission_id = h.submit("tok-alice")
    h.fail(h.latest_job(submission_id), "not gradable: hw2.py has a syntax error")
    record = h.get("tok-alice", f"/api/submissions/{submission_id}").json()
    assert record["status"] == "failed" and record["results"] is None
    assert record["message"] == "not gradable: hw2.py has a syntax error"


def test_students_see_only_visible_tests_and_the_full_score(h: Harness) -> None:
    submission_id = h.submit("tok-alice")
    h.grade(h.latest_job(submission_id))
    for path in (
        f"/api/submissions/{submission_id}",
        f"/api/submissions/{submission_id}/results.json",
    ):
        student = h.get("tok-alice", path).json()
        instructor = h.get("tok-prof", path).json()
        if "results" in student:
            student, instructor = student["results"], instructor["results"]
        assert [t["name"] for t in student["tests"]] == ["seen"]
        assert "hidden details" not in str(student)
        assert student["score"] == 7.0 and student["output"] == RESULTS["output"]
        assert instructor == RESULTS


def test_a_student_cannot_see_another_students_submission(h: Harness) -> None:
    submission_id = h.submit("tok-alice")
    h.grade(h.latest_job(submission_id))
    for path in (
        f"/api/submissions/{submission_id}",
        f"/api/submissions/{submission_id}/results.json",
    ):
        assert_error(h.get("tok-bob", path), 404, "not_found", f"no submission {submission_id!r}")
        assert h.get("tok-alice", path).status_code == 200
        assert h.get("tok-prof", path).status_code == 200
    assert_error(h.get("tok-bob", "/api/submissions/nope"), 404, "not_found", "no submission")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/api/assignments/{ASSIGNMENT}/submissions"),
        ("POST", f"/api/assignments/{ASSIGNMENT}/regrade"),
        ("GET", "/api/regrades/anything"),
    ],
)
def test_students_cannot_list_or_regrade(h: Harness, method: str, path: str) -> None:
    h.submit("tok-alice")
    response = h.client.request(method, path, headers=headers("tok-alice"))
    assert_error(response, 403, "forbidden", "only instructors")
    assert h.store.regrade_jobs("anything") is None
    assert len(h.store.jobs_of(h.store.submissions(ASSIGNMENT)[0].id)) == 1


def test_instructors_list_submissions(h: Harness) -> None:
    first = h.submit("tok-alice")
    second = h.submit("tok-alice")
    bobs = h.submit("tok-bob")
    h.grade(h.latest_job(first))
    listed = h.get("tok-prof", f"/api/assignments/{ASSIGNMENT}/submissions").json()
    assert [s["id"] for s in listed] == [first, second, bobs]
    assert listed[0]["status"] == "graded" and listed[0]["score"] == 7.0
    assert listed[1]["status"] == "queued" and listed[1]["score"] is None
    latest = h.get("tok-prof", f"/api/assignments/{ASSIGNMENT}/submissions?latest=true").json()
    assert [s["id"] for s in latest] == [second, bobs]
    only_bob = h.get("tok-prof", f"/api/assignments/{ASSIGNMENT}/submissions?student=bob").json()
    assert [s["id"] for s in only_bob] == [bobs]
    response = h.get("tok-prof", "/api/assignments/cs999_hw9/submissions")
    assert_error(response, 404, "unknown_assignment", "no assignment 'cs999_hw9'")


def test_validation_errors_have_the_error_shape(h: Harness) -> None:
    response = h.get("tok-prof", f"/api/assignments/{ASSIGNMENT}/submissions?latest=maybe")
    assert_error(response, 422, "invalid_request", "query.latest: Input should be a valid boolean")


def test_unknown_routes_and_methods_have_the_error_shape(h: Harness) -> None:
    assert_error(h.client.get("/api/nothing"), 404, "not_found", "no endpoint GET /api/nothing")
    assert_error(h.client.delete("/api/health"), 405, "method_not_allowed", "DELETE /api/health")


def test_an_unexpected_error_is_a_500_in_the_error_shape(h: Harness) -> None:
    def explode(submission_id: str) -> None:
        raise RuntimeError("disk on fire")

    h.store.submission = explode  # type: ignore[method-assign]
    client = TestClient(h.app, raise_server_exceptions=False)
    response = client.get("/api/submissions/x", headers=headers("tok-prof"))
    assert_error(response, 500, "internal_error", "internal error")
    assert "disk on fire" not in response.text


# ---------------------------------------------------------------- regrades


def test_a_regrade_grades_each_latest_submission_again_and_keeps_history(h: Harness) -> None:
    old = h.submit("tok-alice")
    latest = h.submit("tok-alice")
    bobs = h.submit("tok-bob")
    for submission_id in (old, latest, bobs):
        h.grade(h.latest_job(submission_id))
    h.sent.clear()

    response = h.client.post(f"/api/assignments/{ASSIGNMENT}/regrade", headers=headers("tok-prof"))
    assert response.status_code == 202
    regrade_id = response.json()["regrade_id"]
    assert response.json() == {"regrade_id": regrade_id, "jobs": 2}
    assert sorted(h.sent) == sorted([h.latest_job(latest), h.latest_job(bobs)])
    assert len(h.store.jobs_of(old)) == 1

    progress_url = f"/api/regrades/{regrade_id}"
    progress = h.get("tok-prof", progress_url).json()
    assert progress == {
        "regrade_id": regrade_id,
        "assignment_id": ASSIGNMENT,
        "total": 2,
        "graded": 0,
        "failed": 0,
        "pending": 2,
        "done": False,
    }
    # while the regrade runs, the earlier results stay shown
    record = h.get("tok-alice", f"/api/submissions/{latest}").json()
    assert record["status"] == "queued" and record["results"] is not None
    first_graded_at = record["graded_at"]

    better = {**RESULTS, "score": 9.0}
    h.grade(h.latest_job(latest), better)
    h.fail(h.latest_job(bobs), "infrastructure failure")
    progress = h.get("tok-prof", progress_url).json()
    assert (progress["graded"], progress["failed"], progress["pending"]) == (1, 1, 0)
    assert progress["done"] is True

    record = h.get("tok-prof", f"/api/submissions/{latest}").json()
    assert record["status"] == "graded" and record["results"]["score"] == 9.0
    assert record["graded_at"] > first_graded_at
    history = record["history"]
    assert [(g["reason"], g["requested_by"], g["status"], g["score"]) for g in history] == [
        ("submit", "alice", "graded", 7.0),
        ("regrade", "prof", "graded", 9.0),
    ]
    # a failed regrade keeps the earlier results, with the failure's message
    record = h.get("tok-bob", f"/api/submissions/{bobs}").json()
    assert record["status"] == "failed" and record["message"] == "infrastructure failure"
    assert record["results"]["score"] == 7.0 and len(record["results"]["tests"]) == 1


def test_a_regrade_of_nothing_is_done_at_once(h: Harness) -> None:
    response = h.client.post(f"/api/assignments/{ASSIGNMENT}/regrade", headers=headers("tok-prof"))
    assert response.json()["jobs"] == 0
    progress = h.get("tok-prof", f"/api/regrades/{response.json()['regrade_id']}").json()
    assert progress["total"] == 0 and progress["done"] is True


def test_regrade_errors(h: Harness) -> None:
    response = h.client.post("/api/assignments/cs999_hw9/regrade", headers=headers("tok-prof"))
    assert_error(response, 404, "unknown_assignment", "no assignment 'cs999_hw9'")
    assert_error(h.get("tok-prof", "/api/regrades/nope"), 404, "not_found", "no regrade 'nope'")


def test_a_regrade_stops_sending_when_the_queue_is_down(h: Harness) -> None:
    for token in ("tok-alice", "tok-bob"):
        h.submit(token)
    attempts: list[str] = []

    def down(job_id: str) -> None:
        attempts.append(job_id)
        raise ConnectionError("Redis is down")

    h.use_queue(down)
    response = h.client.post(f"/api/assignments/{ASSIGNMENT}/regrade", headers=headers("tok-prof"))
    assert response.status_code == 202 and response.json()["jobs"] == 2
    assert len(attempts) == 1  # the rest stay "received" for the sweep


# ---------------------------------------------------------------- health and documentation


def test_health_reports_each_service(h: Harness) -> None:
    assert h.client.get("/api/health").json() == {
        "status": "ok",
        "redis": True,
        "store": True,
        "docker": True,
    }
    h.health["docker"] = False
    response = h.client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "redis": True, "store": True, "docker": False}


def test_default_probes_report_an_unreachable_redis(h: Harness) -> None:
    settings = dataclasses.replace(h.settings, redis_url="redis://127.0.0.1:1/0")
    report = default_probes(settings, h.store).report()
    assert report["redis"] is False and report["store"] is True


def test_openapi_lists_every_endpoint(h: Harness) -> None:
    spec = h.client.get("/openapi.json").json()
    assert {path: sorted(ops) for path, ops in spec["paths"].items()} == {
        "/api/assignments/{assignment_id}/submissions": ["get", "post"],
        "/api/submissions/{submission_id}": ["get"],
        "/api/submissions/{submission_id}/results.json": ["get"],
        "/api/assignments/{assignment_id}/regrade": ["post"],
        "/api/regrades/{regrade_id}": ["get"],
        "/api/health": ["get"],
    }
    upload = spec["paths"]["/api/assignments/{assignment_id}/submissions"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"401", "413", "415", "422"} <= set(upload["responses"])
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    docs = h.client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


# ---------------------------------------------------------------- the tokens file


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n- b\n", "the top level must map each token"),
        (
            "tok: {role: admin, name: x}\n",
            "entry 1: role: Input should be 'student' or 'instructor'",
        ),
        ("tok: {role: student}\n", "entry 1: name: Field required"),
        ("tok: {role: student, name: x, extra: 1}\n", "entry 1: extra: Extra inputs"),
        ("12345: {role: student, name: x}\n", "entry 1: a token must be a non-empty string"),
        ("tok: [unclosed\n", "cannot read the tokens file"),
    ],
)
def test_a_bad_tokens_file_is_refused_with_its_entry(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "tokens.yaml"
    path.write_text(text)
    with pytest.raises(TokenFileError) as caught:
        load_tokens(path)
    assert str(caught.value).startswith(str(path))
    assert message in str(caught.value)


def test_an_empty_tokens_file_lets_no_one_in(tmp_path: Path) -> None:
    path = tmp_path / "tokens.yaml"
    path.write_text("")
    assert load_tokens(path) == {}
    assert load_tokens(None) == {}
