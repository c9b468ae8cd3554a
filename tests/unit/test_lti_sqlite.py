"""The LTI records of the store (store/lti_sqlite.py): nonces once, links and people
kept across launches, and the outbox of scores: queued once, superseded by newer
ones, leased to one sender, retried later on failure."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from store import LtiLink, LtiPerson, ManualClock, OutboxScore, ScoreState, SQLiteLtiStore

LINK = LtiLink(
    id="link-1",
    issuer="https://lms.example",
    client_id="tool",
    deployment_id="d1",
    resource_link_id="rl-1",
    assignment_id="cs189_hw2",
    lineitem=None,
    lineitems="https://lms.example/lineitems",
)
ANN = LtiPerson("lti-ann", "https://lms.example", "sub-ann", "Ann", "ann@example.edu", "student")


@pytest.fixture
def lti(tmp_path: Path, clock: ManualClock) -> SQLiteLtiStore:
    records = SQLiteLtiStore(tmp_path / "data", clock)
    records.save_launch(LINK, ANN, enrol=True)
    return records


def score(lti: SQLiteLtiStore, job_id: str, given: float, clock: ManualClock) -> OutboxScore:
    now = clock.now()
    return OutboxScore(
        id=lti.new_score_id(), link_id=LINK.id, person=ANN.key, user_id=ANN.subject,
        job_id=job_id, score_given=given, score_maximum=37.0, comment="Score", timestamp="t",
        state=ScoreState.PENDING, attempts=0, created_at=now, next_at=now,
    )  # fmt: skip


def test_a_nonce_is_accepted_once_until_it_expires(lti: SQLiteLtiStore, clock: ManualClock) -> None:
    assert lti.use_nonce("iss", "n1", clock.now() + 60)
    assert not lti.use_nonce("iss", "n1", clock.now() + 60)
    assert lti.use_nonce("other-iss", "n1", clock.now() + 60)  # per issuer
    clock.advance(61)
    assert lti.use_nonce("iss", "n1", clock.now() + 60)  # forgotten once expired


def test_a_later_launch_keeps_a_line_item_the_tool_created(lti: SQLiteLtiStore) -> None:
    lti.set_lineitem(LINK.id, "https://lms.example/lineitems/7")
    lti.save_launch(replace(LINK, context_title="Fall"), replace(ANN, name="Ann B"), enrol=True)
    link = lti.link(LINK.id)
    assert link is not None and link.lineitem == "https://lms.example/lineitems/7"
    assert link.context_title == "Fall"
    person = lti.person(ANN.key)
    assert person is not None and person.name == "Ann B"
    assert [(k.id, p.key) for k, p in lti.enrolments()] == [(LINK.id, ANN.key)]


def test_instructors_are_kept_but_not_enrolled(lti: SQLiteLtiStore) -> None:
    prof = LtiPerson("lti-prof", LINK.issuer, "sub-prof", "Prof", "", "instructor")
    lti.save_launch(LINK, prof, enrol=False)
    assert set(lti.people()) == {ANN.key, prof.key}
    assert [p.key for _, p in lti.enrolments()] == [ANN.key]


def test_the_same_score_is_queued_once_and_a_newer_supersedes_the_pending(
    lti: SQLiteLtiStore, clock: ManualClock
) -> None:
    first = score(lti, "job-1", 20, clock)
    assert lti.queue_score(first)
    assert not lti.queue_score(replace(first, id=lti.new_score_id()))  # the same job and score
    clock.advance(1)
    assert lti.queue_score(score(lti, "job-2", 37, clock))
    due = lti.due_scores()
    assert [(s.job_id, s.state) for s in due] == [("job-2", ScoreState.PENDING)]
    assert lti.latest_scores("cs189_hw2")[ANN.key].job_id == "job-2"


def test_a_taken_score_is_leased_to_one_sender(lti: SQLiteLtiStore, clock: ManualClock) -> None:
    queued = score(lti, "job-1", 20, clock)
    lti.queue_score(queued)
    taken = lti.take_score(queued.id, lease_seconds=60)
    assert taken is not None and taken.job_id == "job-1"
    assert lti.take_score(queued.id, lease_seconds=60) is None
    assert lti.due_scores() == []
    clock.advance(61)  # the sender died: the lease ran out
    assert [s.id for s in lti.due_scores()] == [queued.id]


def test_a_failure_keeps_the_score_pending_until_its_next_try(
    lti: SQLiteLtiStore, clock: ManualClock
) -> None:
    queued = score(lti, "job-1", 20, clock)
    lti.queue_score(queued)
    assert lti.take_score(queued.id, 60) is not None
    lti.mark_failed(queued.id, "HTTP 500 from the LMS", retry_at=clock.now() + 15)
    assert lti.due_scores() == []
    clock.advance(15)
    (due,) = lti.due_scores()
    assert (due.attempts, due.last_error) == (1, "HTTP 500 from the LMS")
    assert lti.take_score(due.id, 60) is not None
    lti.mark_sent(due.id)
    assert lti.due_scores() == []
    sent = lti.latest_scores("cs189_hw2")[ANN.key]
    assert (sent.state, sent.attempts, sent.last_error) == (ScoreState.SENT, 2, None)


def test_a_score_waiting_after_a_retryable_failure_holds_back_its_links_later_ones(
    lti: SQLiteLtiStore, clock: ManualClock
) -> None:
    bob = LtiPerson("lti-bob", LINK.issuer, "sub-bob", "Bob", "", "student")
    lti.save_launch(LINK, bob, enrol=True)
    first = score(lti, "job-1", 20, clock)
    lti.queue_score(first)
    clock.advance(1)
    second = replace(score(lti, "job-2", 30, clock), person=bob.key, user_id=bob.subject)
    lti.queue_score(second)
    assert lti.take_score(first.id, 60) is not None
    lti.mark_failed(first.id, "HTTP 503", retry_at=clock.now() + 10)
    assert lti.due_scores() == []  # Bob's waits behind Ann's, in order
    clock.advance(10)
    assert [s.id for s in lti.due_scores()] == [first.id, second.id]
    assert lti.take_score(first.id, 60) is not None
    lti.mark_failed(first.id, "HTTP 404 no such user", clock.now() + 600, retryable=False)
    assert [s.id for s in lti.due_scores()] == [second.id]  # a refusal holds nothing back
