"""The LTI records in the store's SQLite database (store/lti_records.py says what they are).

Scores owed to an LMS are written here before anything is sent (the outbox): a sender
takes a due score with a short lease (so two senders never send the same one), and
marks it sent or failed with the next time to try. Queuing a score supersedes the
older pending ones of the same person and link, so a retry never sends an older score
after a newer one.
"""

from __future__ import annotations

import sqlite3
import uuid
from contextlib import AbstractContextManager
from dataclasses import astuple
from pathlib import Path

from store import database
from store.clock import SYSTEM_CLOCK, Clock
from store.lti_records import (
    OUTBOX_COLUMNS,
    LtiLink,
    LtiPerson,
    OutboxScore,
    ScoreState,
    outbox_score,
)
from store.lti_schema import LTI_SCHEMA

LINK_COLUMNS = (
    "id, issuer, client_id, deployment_id, resource_link_id, assignment_id, context_id, "
    "context_title, lineitem, lineitems, memberships_url, updated_at"
)
PERSON_COLUMNS = "key, issuer, subject, name, email, role, updated_at"


class SQLiteLtiStore:
    def __init__(self, data_dir: Path, clock: Clock = SYSTEM_CLOCK) -> None:
        self.clock = clock
        self.db_path = Path(data_dir) / "grader.sqlite3"
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        database.create(self.db_path, LTI_SCHEMA)

    def _tx(self, immediate: bool = False) -> AbstractContextManager[sqlite3.Connection]:
        return database.transaction(self.db_path, immediate)

    # ------------------------------------------------------------------ launches

    def use_nonce(self, issuer: str, nonce: str, expires_at: float) -> bool:
        """True the first time a nonce is seen (until it expires); False on a replay."""
        now = self.clock.now()
        with self._tx(immediate=True) as db:
            db.execute("DELETE FROM lti_nonces WHERE expires_at < ?", (now,))
            cursor = db.execute(
                "INSERT OR IGNORE INTO lti_nonces (issuer, nonce, expires_at) VALUES (?, ?, ?)",
                (issuer, nonce, max(expires_at, now)),
            )
            return cursor.rowcount == 1

    def save_launch(self, link: LtiLink, person: LtiPerson, enrol: bool) -> None:
        """Remember the link and the person; ``enrol``: scores go to this link for them.
        A line item the tool created earlier is kept when the launch names none."""
        now = self.clock.now()
        with self._tx(immediate=True) as db:
            db.execute(
                f"INSERT INTO lti_links ({LINK_COLUMNS}) VALUES ({', '.join('?' * 12)}) "
                "ON CONFLICT (id) DO UPDATE SET assignment_id = excluded.assignment_id, "
                "context_id = excluded.context_id, context_title = excluded.context_title, "
                "lineitem = COALESCE(excluded.lineitem, lti_links.lineitem), "
                "lineitems = COALESCE(excluded.lineitems, lti_links.lineitems), "
                "memberships_url = COALESCE(excluded.memberships_url, lti_links.memberships_url), "
                "updated_at = excluded.updated_at",
                (*astuple(link)[:-1], now),
            )
            db.execute(
                f"INSERT INTO lti_people ({PERSON_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET name = excluded.name, email = excluded.email, "
                "role = excluded.role, updated_at = excluded.updated_at",
                (*astuple(person)[:-1], now),
            )
            if enrol:
                db.execute(
                    "INSERT OR IGNORE INTO lti_enrolments (link_id, person) VALUES (?, ?)",
                    (link.id, person.key),
                )

    def link(self, link_id: str) -> LtiLink | None:
        with self._tx() as db:
            row = db.execute(
                f"SELECT {LINK_COLUMNS} FROM lti_links WHERE id = ?", (link_id,)
            ).fetchone()
        return LtiLink(*row) if row else None

    def links_of(self, assignment_id: str) -> list[LtiLink]:
        with self._tx() as db:
            rows = db.execute(
                f"SELECT {LINK_COLUMNS} FROM lti_links WHERE assignment_id = ? ORDER BY rowid",
                (assignment_id,),
            ).fetchall()
        return [LtiLink(*r) for r in rows]

    def set_lineitem(self, link_id: str, lineitem: str) -> None:
        with self._tx(immediate=True) as db:
            db.execute("UPDATE lti_links SET lineitem = ? WHERE id = ?", (lineitem, link_id))

    def person(self, key: str) -> LtiPerson | None:
        with self._tx() as db:
            row = db.execute(
                f"SELECT {PERSON_COLUMNS} FROM lti_people WHERE key = ?", (key,)
            ).fetchone()
        return LtiPerson(*row) if row else None

    def people(self) -> dict[str, LtiPerson]:
        with self._tx() as db:
            rows = db.execute(f"SELECT {PERSON_COLUMNS} FROM lti_people").fetchall()
        return {row[0]: LtiPerson(*row) for row in rows}

    def enrolments(self) -> list[tuple[LtiLink, LtiPerson]]:
        """Every (link, person) whose scores go to that link's gradebook."""
        link_cols = ", ".join(f"l.{c.strip()}" for c in LINK_COLUMNS.split(","))
        person_cols = ", ".join(f"p.{c.strip()}" for c in PERSON_COLUMNS.split(","))
        with self._tx() as db:
            rows = db.execute(
                f"SELECT {link_cols}, {person_cols} FROM lti_enrolments e "
                "JOIN lti_links l ON l.id = e.link_id JOIN lti_people p ON p.key = e.person "
                "ORDER BY e.rowid"
            ).fetchall()
        return [(LtiLink(*r[:12]), LtiPerson(*r[12:])) for r in rows]

    # ------------------------------------------------------------------ the outbox

    def queue_score(self, score: OutboxScore) -> bool:
        """Queue a score unless the newest one for this person and link is the same job's
        same score; older pending ones are superseded. Returns whether it was queued."""
        with self._tx(immediate=True) as db:
            last = db.execute(
                "SELECT job_id, score_given FROM lti_outbox WHERE link_id = ? AND person = ? "
                "AND state != ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
                (score.link_id, score.person, ScoreState.SUPERSEDED),
            ).fetchone()
            if last is not None and tuple(last) == (score.job_id, score.score_given):
                return False
            db.execute(
                "UPDATE lti_outbox SET state = ? WHERE link_id = ? AND person = ? AND state = ?",
                (ScoreState.SUPERSEDED, score.link_id, score.person, ScoreState.PENDING),
            )
            db.execute(
                f"INSERT INTO lti_outbox ({OUTBOX_COLUMNS}) VALUES ({', '.join('?' * 16)})",
                astuple(score),
            )
        return True

    def new_score_id(self) -> str:
        return uuid.uuid4().hex

    def due_scores(self, limit: int = 100) -> list[OutboxScore]:
        """Pending scores that may be sent now, oldest first. A score waiting after a
        retryable failure (or leased to a sender) holds back the later ones of its link."""
        now = self.clock.now()
        with self._tx() as db:
            rows = db.execute(
                f"SELECT {OUTBOX_COLUMNS} FROM lti_outbox WHERE state = ? "
                "ORDER BY created_at, rowid",
                (ScoreState.PENDING,),
            ).fetchall()
        due: list[OutboxScore] = []
        held: set[str] = set()
        for score in map(outbox_score, rows):
            if score.link_id in held:
                continue
            if score.next_at <= now:
                due.append(score)
            elif score.retryable:
                held.add(score.link_id)
            if len(due) == limit:
                break
        return due

    def take_score(self, score_id: str, lease_seconds: float) -> OutboxScore | None:
        """The score, if still pending and due, leased to this sender for a while."""
        now = self.clock.now()
        with self._tx(immediate=True) as db:
            cursor = db.execute(
                "UPDATE lti_outbox SET next_at = ? WHERE id = ? AND state = ? AND next_at <= ?",
                (now + lease_seconds, score_id, ScoreState.PENDING, now),
            )
            if cursor.rowcount != 1:
                return None
            row = db.execute(
                f"SELECT {OUTBOX_COLUMNS} FROM lti_outbox WHERE id = ?", (score_id,)
            ).fetchone()
        return outbox_score(row)

    def mark_sent(self, score_id: str) -> None:
        with self._tx(immediate=True) as db:
            db.execute(
                "UPDATE lti_outbox SET state = ?, sent_at = ?, attempts = attempts + 1, "
                "last_error = NULL WHERE id = ? AND state = ?",
                (ScoreState.SENT, self.clock.now(), score_id, ScoreState.PENDING),
            )

    def mark_failed(
        self, score_id: str, error: str, retry_at: float, retryable: bool = True
    ) -> None:
        with self._tx(immediate=True) as db:
            db.execute(
                "UPDATE lti_outbox SET attempts = attempts + 1, last_error = ?, next_at = ?, "
                "retryable = ? WHERE id = ? AND state = ?",
                (error[:2000], retry_at, int(retryable), score_id, ScoreState.PENDING),
            )

    def latest_scores(self, assignment_id: str) -> dict[str, OutboxScore]:
        """Per person, the newest queued score of any link of the assignment."""
        with self._tx() as db:
            rows = db.execute(
                f"SELECT {', '.join('o.' + c.strip() for c in OUTBOX_COLUMNS.split(','))} "
                "FROM lti_outbox o JOIN lti_links l ON l.id = o.link_id "
                "WHERE l.assignment_id = ? AND o.state != ? ORDER BY o.created_at, o.rowid",
                (assignment_id, ScoreState.SUPERSEDED),
            ).fetchall()
        return {row[2]: outbox_score(row) for row in rows}
