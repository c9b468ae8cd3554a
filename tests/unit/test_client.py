"""The API client (cli/client.py) against the app in process (see cli_harness.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.client import ServiceError
from tests.unit.api_harness import ASSIGNMENT, SOURCE, Harness
from tests.unit.cli_harness import bridged_harness, client


@pytest.fixture
def h(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Harness:
    return bridged_harness(tmp_path, monkeypatch)


def test_the_client_submits_and_reads_records(h: Harness) -> None:
    alice = client("tok-alice")
    accepted = alice.submit(ASSIGNMENT, [("hw2.py", SOURCE)])
    assert accepted["status"] == "queued"
    assert h.store.files(accepted["id"]) == {"hw2.py": SOURCE}
    record = alice.submission(accepted["id"])
    assert record["student"] == "alice" and record["status"] == "queued"


def test_the_client_raises_the_apis_error(h: Harness) -> None:
    with pytest.raises(ServiceError) as caught:
        client("tok-alice").submit(ASSIGNMENT, [("notes.txt", b"")])
    assert (caught.value.status, caught.value.code) == (422, "missing_file")
    assert caught.value.message.startswith("missing required file hw2.py")
    with pytest.raises(ServiceError) as caught:
        client("tok-alice").regrade(ASSIGNMENT)
    assert (caught.value.status, caught.value.code) == (403, "forbidden")
