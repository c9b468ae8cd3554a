"""One submission stored and queued in a SQLiteStore: the helper that test_store.py,
test_jobs.py and test_janitor.py share (their store and clock fixtures are in conftest.py).
"""

from __future__ import annotations

from pathlib import Path

from store import SQLiteStore

REPO = Path(__file__).resolve().parents[2]
SOURCE = (REPO / "reference" / "cs189_hw2" / "hw2.py").read_text()


def submit(store: SQLiteStore) -> str:
    _, job = store.add_submission("cs189_hw2", "alice", {"hw2.py": SOURCE.encode()})
    store.mark_queued(job.id)
    return job.id
