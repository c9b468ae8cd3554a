"""The instructors' decisions in the SQLite store (store/policy_sqlite.py): extensions and
publication, on a ManualClock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from store import Extension, ManualClock, Publication, SQLiteStore

PST = timezone(timedelta(hours=-8))
DUE = datetime(2026, 12, 12, 23, 59, tzinfo=PST)


def test_an_extension_is_kept_with_its_zone(store: SQLiteStore, clock: ManualClock) -> None:
    given = store.set_extension("hw", "alice", DUE, "prof")
    assert given == Extension("hw", "alice", DUE, "prof", clock.time)
    found = store.extension("hw", "alice")
    assert found == given and found.due.utcoffset() == timedelta(hours=-8)
    assert store.extension("hw", "bob") is None
    assert store.extension("other", "alice") is None


def test_a_new_extension_replaces_the_old(store: SQLiteStore, clock: ManualClock) -> None:
    store.set_extension("hw", "alice", DUE, "prof")
    clock.advance(60)
    later = DUE.astimezone(UTC) + timedelta(days=1)
    store.set_extension("hw", "alice", later, "ta")
    assert store.extensions("hw") == [Extension("hw", "alice", later, "ta", clock.time)]


def test_extensions_are_listed_per_assignment_by_student(store: SQLiteStore) -> None:
    for student in ("carol", "alice", "bob"):
        store.set_extension("hw", student, DUE, "prof")
    store.set_extension("other", "dan", DUE, "prof")
    assert [e.student for e in store.extensions("hw")] == ["alice", "bob", "carol"]
    assert store.extensions("nothing") == []


def test_an_extension_is_removed_once(store: SQLiteStore) -> None:
    store.set_extension("hw", "alice", DUE, "prof")
    assert store.remove_extension("hw", "alice") is True
    assert store.remove_extension("hw", "alice") is False
    assert store.extension("hw", "alice") is None


def test_an_extension_without_a_zone_is_refused(store: SQLiteStore) -> None:
    with pytest.raises(ValueError, match="needs a time zone"):
        store.set_extension("hw", "alice", datetime(2026, 12, 12), "prof")
    assert store.extensions("hw") == []


def test_publishing_keeps_the_first_time_and_unpublishing_forgets_it(
    store: SQLiteStore, clock: ManualClock
) -> None:
    assert store.publication("hw") is None
    first = store.publish("hw", "prof")
    assert first == Publication("hw", clock.time, "prof")
    clock.advance(3600)
    assert store.publish("hw", "ta") == first  # published already
    assert store.unpublish("hw") is True
    assert store.unpublish("hw") is False
    assert store.publication("hw") is None
    assert store.publish("hw", "ta") == Publication("hw", clock.time, "ta")
    assert store.publication("other") is None


def test_decisions_survive_a_new_store_on_the_same_folder(
    store: SQLiteStore, clock: ManualClock
) -> None:
    store.set_extension("hw", "alice", DUE, "prof")
    store.publish("hw", "prof")
    again = SQLiteStore(store.data_dir, clock)
    assert again.extension("hw", "alice") == store.extension("hw", "alice")
    assert again.publication("hw") == store.publication("hw")
