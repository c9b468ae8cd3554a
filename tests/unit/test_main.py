"""``grader submit`` and ``grader regrade`` (cli/main.py): their exit codes and what they
print, against the app in process (see cli_harness.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main
from grader.release import WITHHELD_TOTAL
from tests.unit.api_harness import ASSIGNMENT, RESULTS, SOURCE, Harness
from tests.unit.cli_harness import API, bridged_harness


@pytest.fixture
def h(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Harness:
    return bridged_harness(tmp_path, monkeypatch)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def hw2(tmp_path: Path, source: bytes = SOURCE) -> str:
    path = tmp_path / "hw2.py"
    path.write_bytes(source)
    return str(path)


def test_submit_prints_the_feedback_students_may_see(
    h: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    h.use_queue(h.grade)  # a worker that grades at once
    argv = ["submit", "--api", API, "--token", "tok-alice", "--interval", "0", ASSIGNMENT]
    code, out, err = run([*argv, hw2(tmp_path)], capsys)
    assert code == 0
    assert "seen" in out and "secret" not in out and RESULTS["output"] not in out
    assert WITHHELD_TOTAL in out  # tests are withheld from alice, so is the total
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
