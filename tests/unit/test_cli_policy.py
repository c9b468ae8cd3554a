"""``grader extend`` and ``grader publish`` (cli/policy.py): what they change through the
API, what they print, and their exit codes, against the app in process (cli_harness.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cli.main import main
from tests.unit.api_harness import ASSIGNMENT, Harness
from tests.unit.cli_harness import API, bridged_harness

DAY = 86400.0


@pytest.fixture
def h(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Harness:
    harness = bridged_harness(tmp_path, monkeypatch)
    due = datetime.fromtimestamp(harness.clock.now() + DAY, UTC)
    harness.set_policy(
        {"due": due.isoformat(), "late_until": (due + timedelta(days=2)).isoformat()}
    )
    return harness


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def as_prof(command: str, *rest: str, token: str = "tok-prof") -> list[str]:
    return [command, "--api", API, "--token", token, ASSIGNMENT, *rest]


def test_extend_gives_and_removes_an_extension(
    h: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(as_prof("extend", "alice", "--due", "2031-01-05T23:59:00-08:00"), capsys)
    assert (code, err) == (0, "")
    assert out == (
        f"alice's due for {ASSIGNMENT} is now 2031-01-05T23:59:00-08:00; "
        "their submissions close at 2031-01-07T23:59:00-08:00\n"
    )
    [given] = h.store.extensions(ASSIGNMENT)
    assert (given.student, given.due.isoformat()) == ("alice", "2031-01-05T23:59:00-08:00")
    code, out, err = run(as_prof("extend", "alice", "--remove"), capsys)
    assert (code, out, err) == (0, f"alice's extension of {ASSIGNMENT} is taken back\n", "")
    assert h.store.extensions(ASSIGNMENT) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            as_prof("extend", "alice", "--due", "2031-01-05T23:59"),
            "grader: error: --due: give a time zone, e.g. 2026-12-10T23:59:00-08:00\n",
        ),
        (
            as_prof("extend", "alice", "--due", "2031-01-05T23:59Z", token="tok-alice"),
            "grader: error: only instructors may do this\n",
        ),
        (
            as_prof("extend", "alice", "--due", "2000-01-01T00:00:00Z"),
            "grader: error: an extension must be after the assignment's due",
        ),
        (
            as_prof("extend", "bob", "--remove"),
            f"grader: error: 'bob' has no extension of {ASSIGNMENT!r}\n",
        ),
        (
            as_prof("publish", token="tok-nobody"),
            "grader: error: invalid token\n",
        ),
    ],
    ids=["no time zone", "a student", "before the due", "no extension", "bad token"],
)
def test_a_refusal_exits_2_with_one_line(
    h: Harness, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(argv, capsys)
    assert (code, out) == (2, "")
    assert err.startswith(message) and err.count("\n") == 1
    assert h.store.extensions(ASSIGNMENT) == [] and h.store.publication(ASSIGNMENT) is None


def test_publish_and_unpublish(h: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(as_prof("publish"), capsys)
    published_at = datetime.fromtimestamp(h.clock.now(), UTC).isoformat().replace("+00:00", "Z")
    assert (code, err) == (0, "")
    assert out == (
        f"{ASSIGNMENT} published at {published_at}: its students see the tests marked "
        "after_published\n"
    )
    assert h.store.publication(ASSIGNMENT) is not None
    code, out, _ = run(as_prof("publish", "--unpublish"), capsys)
    assert code == 0 and out == (
        f"{ASSIGNMENT} unpublished: the after_published tests are withheld again\n"
    )
    assert h.store.publication(ASSIGNMENT) is None


@pytest.mark.parametrize(
    "argv",
    [
        ["extend", "--api", "http://127.0.0.1:1", "--token", "t", ASSIGNMENT, "a", "--remove"],
        ["publish", "--api", "http://127.0.0.1:1", "--token", "t", ASSIGNMENT],
    ],
)
def test_an_unreachable_service_exits_3(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(argv, capsys)
    assert (code, out) == (3, "")
    assert err.startswith("grader: cannot reach the service at http://127.0.0.1:1 (try again)")


def test_extend_needs_a_due_or_remove(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["extend", "--token", "t", ASSIGNMENT, "alice"])
    assert exited.value.code == 2
    assert "one of the arguments --due --remove is required" in capsys.readouterr().err
