"""The API client and ``grader submit`` / ``grader regrade``, against the app in process:
a real httpx client whose transport hands each request to the app's TestClient."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.unit.api_harness import ASSIGNMENT, RESULTS, SOURCE, Harness, make_harness
from worker import cli
from worker.client import ApiError, GraderClient
from worker.progress import Clock, bar, follow_regrade, follow_submission

API = "http://grader.test"


def bridge(app_client: TestClient) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        response = app_client.request(
            request.method,
            request.url.raw_path.decode(),
            headers=dict(request.headers),
            content=request.read(),
        )
        return httpx.Response(
            response.status_code, headers=response.headers.multi_items(), content=response.content
        )

    return httpx.MockTransport(handle)


@pytest.fixture
def h(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Harness:
    harness = make_harness(tmp_path)
    connect = GraderClient.connect.__func__  # type: ignore[attr-defined]

    def bridged(cls: type[GraderClient], url: str, token: str, timeout: float = 60) -> Any:
        assert url == API
        return connect(cls, url, token, timeout, bridge(harness.client))

    monkeypatch.setattr(GraderClient, "connect", classmethod(bridged))
    return harness


def client(token: str) -> GraderClient:
    return GraderClient.connect(API, token)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def hw2(tmp_path: Path, source: bytes = SOURCE) -> str:
    path = tmp_path / "hw2.py"
    path.write_bytes(source)
    return str(path)


# ---------------------------------------------------------------- the client


def test_the_client_submits_and_reads_records(h: Harness) -> None:
    alice = client("tok-alice")
    accepted = alice.submit(ASSIGNMENT, [("hw2.py", SOURCE)])
    assert accepted["status"] == "queued"
    assert h.store.files(accepted["id"]) == {"hw2.py": SOURCE}
    record = alice.submission(accepted["id"])
    assert record["student"] == "alice" and record["status"] == "queued"


def test_the_client_raises_the_apis_error(h: Harness) -> None:
    with pytest.raises(ApiError) as caught:
        client("tok-alice").submit(ASSIGNMENT, [("notes.txt", b"")])
    assert (caught.value.status, caught.value.code) == (422, "missing_file")
    assert caught.value.message.startswith("missing required file hw2.py")
    with pytest.raises(ApiError) as caught:
        client("tok-alice").regrade(ASSIGNMENT)
    assert (caught.value.status, caught.value.code) == (403, "forbidden")


def test_following_a_submission_shows_each_status_once(h: Harness) -> None:
    alice = client("tok-alice")
    submission_id = alice.submit(ASSIGNMENT, [("hw2.py", SOURCE)])["id"]
    job_id = h.latest_job(submission_id)
    claims: list[Any] = []
    steps = iter(
        [
            lambda: None,  # still queued
            lambda: claims.append(h.store.claim(job_id, 30, 3)),  # running
            lambda: None,
            lambda: h.store.finish(claims[0], RESULTS),  # graded
        ]
    )
    out = io.StringIO()
    clock = Clock(sleep=lambda _: next(steps)())
    record = follow_submission(alice, submission_id, out, interval=1, timeout=60, clock=clock)
    assert record["status"] == "graded"
    assert out.getvalue() == f"submission {submission_id}: queued. running. graded\n"


def test_following_gives_up_at_the_timeout(h: Harness) -> None:
    alice = client("tok-alice")
    submission_id = alice.submit(ASSIGNMENT, [("hw2.py", SOURCE)])["id"]
    now = iter([0.0, 5.0, 11.0])
    out = io.StringIO()
    with pytest.raises(TimeoutError, match="still queued after 10 s"):
        follow_submission(
            alice, submission_id, out, 5, 10, Clock(sleep=lambda _: None, now=lambda: next(now))
        )
    assert out.getvalue() == f"submission {submission_id}: queued.\n"


def test_the_regrade_bar_is_redrawn_when_it_changes(h: Harness) -> None:
    ids = [h.submit(token) for token in ("tok-alice", "tok-bob")]
    prof = client("tok-prof")
    started = prof.regrade(ASSIGNMENT)
    first, second = (h.latest_job(i) for i in ids)
    steps = iter([lambda: None, lambda: h.grade(first), lambda: None, lambda: h.grade(second)])
    out = io.StringIO()
    progress = follow_regrade(
        prof,
        started["regrade_id"],
        out,
        interval=1,
        timeout=60,
        clock=Clock(sleep=lambda _: next(steps)()),
    )
    assert progress["done"] and progress["graded"] == 2
    frames = out.getvalue().split("\r")[1:]
    assert frames == [
        bar({"total": 2, "graded": 0, "failed": 0, "pending": 2}),
        bar({"total": 2, "graded": 1, "failed": 0, "pending": 1}),
        bar({"total": 2, "graded": 2, "failed": 0, "pending": 0}) + "\n",
    ]
    assert frames[1].startswith("[" + "#" * 15 + "." * 15 + "] 1/2 done")


def test_an_empty_regrade_shows_a_full_bar() -> None:
    assert bar({"total": 0, "graded": 0, "failed": 0, "pending": 0}).startswith("[" + "#" * 30)


# ---------------------------------------------------------------- grader submit / regrade


def test_submit_prints_the_feedback_students_may_see(
    h: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    h.use_queue(h.grade)  # a worker that grades at once
    argv = ["submit", "--api", API, "--token", "tok-alice", "--interval", "0", ASSIGNMENT]
    code, out, err = run([*argv, hw2(tmp_path)], capsys)
    assert code == 0
    assert "seen" in out and "secret" not in out and RESULTS["output"] in out
    assert err.startswith("submission ") and err.endswith(" graded\n")


def test_submit_exits_1_when_grading_failed(
    h: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    h.use_queue(lambda job_id: h.fail(job_id, "not gradable: no function sigmoid"))
    argv = ["submit", "--api", API, "--token", "tok-alice", "--interval", "0", ASSIGNMENT]
    code, out, err = run([*argv, hw2(tmp_path)], capsys)
    assert code == 1 and out == ""
    assert err.splitlines()[-1] == "grader: grading failed: not gradable: no function sigmoid"


@pytest.mark.parametrize(
    ("token", "name", "message"),
    [
        ("tok-alice", "notes.txt", "grader: error: missing required file hw2.py"),
        ("tok-nobody", "hw2.py", "grader: error: invalid token"),
        ("tok-alice", "missing.py", "grader: error: cannot read"),
    ],
)
def test_submit_exits_2_with_one_line_for_a_refusal(
    h: Harness,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    token: str,
    name: str,
    message: str,
) -> None:
    if name != "missing.py":
        (tmp_path / name).write_bytes(SOURCE)
    argv = ["submit", "--api", API, "--token", token, ASSIGNMENT, str(tmp_path / name)]
    code, out, err = run(argv, capsys)
    assert code == 2 and out == ""
    assert err.startswith(message) and err.count("\n") == 1
    h.assert_nothing_stored()


def test_submit_exits_3_when_the_service_is_unreachable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["submit", "--api", "http://127.0.0.1:1", "--token", "t", ASSIGNMENT, hw2(tmp_path)]
    code, _, err = run(argv, capsys)
    assert code == 3
    assert "cannot reach the service at http://127.0.0.1:1" in err


def test_submit_exits_3_when_grading_takes_too_long(
    h: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["submit", "--api", API, "--token", "tok-alice", "--timeout", "0", ASSIGNMENT]
    code, _, err = run([*argv, hw2(tmp_path)], capsys)
    assert code == 3 and err.endswith(
        "grader: gave up waiting (still queued after 0 s); it is still stored\n"
    )


def test_regrade_shows_progress_until_done(h: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    for token in ("tok-alice", "tok-bob"):
        h.grade(h.latest_job(h.submit(token)))
    h.use_queue(h.grade)
    argv = ["regrade", "--api", API, "--token", "tok-prof", "--interval", "0", ASSIGNMENT]
    code, _, err = run(argv, capsys)
    assert code == 0
    assert ": 2 latest submissions" in err and "2/2 done: 2 graded, 0 failed" in err


def test_regrade_exits_1_when_gradings_failed(
    h: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    h.submit("tok-alice")
    h.use_queue(lambda job_id: h.fail(job_id, "boom"))
    argv = ["regrade", "--api", API, "--token", "tok-prof", "--interval", "0", ASSIGNMENT]
    code, _, err = run(argv, capsys)
    assert code == 1 and err.endswith("grader: 1 gradings failed\n")


def test_regrade_by_a_student_exits_2(h: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["regrade", "--api", API, "--token", "tok-alice", ASSIGNMENT]
    code, _, err = run(argv, capsys)
    assert code == 2 and err == "grader: error: only instructors may do this\n"
