"""The instructors' decisions about an assignment in the SQLite store: per-student
extensions (a new due) and the publication of an assignment.

``PolicyQueries`` is a part of ``SQLiteStore`` (store/sqlite.py), kept apart to keep
each module short; it uses the store's database and clock. What an extension or a
publication means is the grading core's business (grader/lateness.py,
grader/release.py); the store only keeps them.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path

from store import database
from store.clock import Clock
from store.records import Extension, Publication

EXTENSION_COLUMNS = "assignment_id, student, due, granted_by, granted_at"


def extension_of(row: tuple[str, str, str, str, float]) -> Extension:
    assignment_id, student, due, granted_by, granted_at = row
    return Extension(assignment_id, student, datetime.fromisoformat(due), granted_by, granted_at)


class PolicyQueries:
    db_path: Path
    clock: Clock

    def _tx(self, immediate: bool = False) -> AbstractContextManager[sqlite3.Connection]:
        return database.transaction(self.db_path, immediate)

    # ------------------------------------------------------------------ extensions

    def set_extension(
        self, assignment_id: str, student: str, due: datetime, granted_by: str
    ) -> Extension:
        """Give the student a new due (aware), replacing an earlier extension."""
        if due.tzinfo is None or due.utcoffset() is None:
            raise ValueError(f"an extension's due needs a time zone: {due.isoformat()}")
        extension = Extension(assignment_id, student, due, granted_by, self.clock.now())
        with self._tx(immediate=True) as db:
            db.execute(
                f"INSERT INTO extensions ({EXTENSION_COLUMNS}) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (assignment_id, student) DO UPDATE SET due = excluded.due, "
                "granted_by = excluded.granted_by, granted_at = excluded.granted_at",
                (assignment_id, student, due.isoformat(), granted_by, extension.granted_at),
            )
        return extension

    def remove_extension(self, assignment_id: str, student: str) -> bool:
        """Take a student's extension back; False when they had none."""
        with self._tx(immediate=True) as db:
            cursor = db.execute(
                "DELETE FROM extensions WHERE assignment_id = ? AND student = ?",
                (assignment_id, student),
            )
            return cursor.rowcount == 1

    def extension(self, assignment_id: str, student: str) -> Extension | None:
        with self._tx() as db:
            row = db.execute(
                f"SELECT {EXTENSION_COLUMNS} FROM extensions "
                "WHERE assignment_id = ? AND student = ?",
                (assignment_id, student),
            ).fetchone()
        return extension_of(row) if row else None

    def extensions(self, assignment_id: str) -> list[Extension]:
        """The assignment's extensions, by student."""
        with self._tx() as db:
            rows = db.execute(
                f"SELECT {EXTENSION_COLUMNS} FROM extensions WHERE assignment_id = ? "
                "ORDER BY student",
                (assignment_id,),
            ).fetchall()
        return [extension_of(r) for r in rows]

    # ------------------------------------------------------------------ publication

    def publish(self, assignment_id: str, published_by: str) -> Publication:
        """Publish the assignment now; publishing it again keeps the first time."""
        with self._tx(immediate=True) as db:
            db.execute(
                "INSERT OR IGNORE INTO publications (assignment_id, published_at, published_by) "
                "VALUES (?, ?, ?)",
                (assignment_id, self.clock.now(), published_by),
            )
            row = db.execute(
                "SELECT assignment_id, published_at, published_by FROM publications "
                "WHERE assignment_id = ?",
                (assignment_id,),
            ).fetchone()
        return Publication(*row)

    def unpublish(self, assignment_id: str) -> bool:
        """False when it was not published."""
        with self._tx(immediate=True) as db:
            cursor = db.execute(
                "DELETE FROM publications WHERE assignment_id = ?", (assignment_id,)
            )
            return cursor.rowcount == 1

    def publication(self, assignment_id: str) -> Publication | None:
        with self._tx() as db:
            row = db.execute(
                "SELECT assignment_id, published_at, published_by FROM publications "
                "WHERE assignment_id = ?",
                (assignment_id,),
            ).fetchone()
        return Publication(*row) if row else None
