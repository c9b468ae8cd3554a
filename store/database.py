"""One short SQLite transaction on a fresh connection: what every SQLite store here uses.

A fresh connection per transaction is safe across threads and processes (the API's
thread pool, Celery's pool processes); WAL mode lets readers run beside one writer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def create(db_path: Path, schema: str) -> None:
    db = sqlite3.connect(db_path, timeout=30)
    try:
        db.execute("PRAGMA journal_mode=WAL")  # persistent: set once for the file
        db.executescript(schema)
    finally:
        db.close()


@contextmanager
def transaction(db_path: Path, immediate: bool = False) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(db_path, timeout=30, isolation_level=None)
    try:
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    finally:
        db.close()
