"""Fixtures shared by several unit test files: the API harness (test_upload.py, test_routes.py,
test_auth.py) and a SQLiteStore on a ManualClock (test_store.py, test_jobs.py, test_janitor.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from store import ManualClock, SQLiteStore
from tests.unit.api_harness import Harness, make_harness


@pytest.fixture
def h(tmp_path: Path) -> Harness:
    return make_harness(tmp_path)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def store(tmp_path: Path, clock: ManualClock) -> SQLiteStore:
    return SQLiteStore(tmp_path / "data", clock)
