"""Following a submission or a regrade until it is done (cli/progress.py), through the
API client against the app in process (see cli_harness.py)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from cli.progress import Polling, bar, follow_regrade, follow_submission
from tests.unit.api_harness import ASSIGNMENT, RESULTS, SOURCE, Harness
from tests.unit.cli_harness import bridged_harness, client


@pytest.fixture
def h(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Harness:
    return bridged_harness(tmp_path, monkeypatch)


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
    polling = Polling(interval=1, timeout=60, sleep=lambda _: next(steps)())
    record = follow_submission(alice, submission_id, out, polling)
    assert record["status"] == "graded"
    assert out.getvalue() == f"submission {submission_id}: queued. running. graded\n"


def test_following_gives_up_at_the_timeout(h: Harness) -> None:
    alice = client("tok-alice")
    submission_id = alice.submit(ASSIGNMENT, [("hw2.py", SOURCE)])["id"]
    now = iter([0.0, 5.0, 11.0])
    out = io.StringIO()
    with pytest.raises(TimeoutError, match="still queued after 10 s"):
        polling = Polling(5, 10, sleep=lambda _: None, now=lambda: next(now))
        follow_submission(alice, submission_id, out, polling)
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
        Polling(interval=1, timeout=60, sleep=lambda _: next(steps)()),
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
