"""The gradebook sender (worker/passback.py): ``sync`` queues, for every enrolled LMS person
with a graded submission, the score the gradebook should show (the latest submission's or
the best, as the spec says), once, a newer one superseding a pending older one;
``send_due`` posts the due scores to {lineitem}/scores in AGS's words, oldest first, keeps
a failed one pending with its error and tries it again after the backoff (a retryable
failure holding back the later scores of its link, a refusal waiting the longest and
holding back nobody), and finds or makes the line item of a link that has only the
container. A real store and tool key, a fake LMS behind httpx.MockTransport, a ManualClock:
no network, no sleeping."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest

from grader.spec import Assignment, PerDayPenalty, Policy
from lti.claims import SCOPE_LINEITEM, SCOPE_SCORE
from lti.registry import Platform
from lti.services import LINEITEM_TYPE, SCORE_TYPE
from store import LtiLink, ManualClock, ScoreState, SQLiteStore
from tests.unit.lti_harness import CLIENT_ID, LINEITEM, LINEITEMS, TOKEN_URL, platform
from tests.unit.passback_harness import (
    ANN,
    ASSIGNMENT,
    BACKOFF,
    BEST,
    BOB,
    CAT,
    CONTAINER_LINK,
    LINK,
    OTHER_LINK,
    PROF,
    SPEC,
    Failure,
    FakeLms,
    World,
    first_line,
    form_of,
    make_world,
)

SCORES_URL = LINEITEM + "/scores"


Build = Callable[..., World]


@pytest.fixture
def build(tmp_path: Path, clock: ManualClock, store: SQLiteStore) -> Iterator[Build]:
    """make_world(spec=..., platforms=..., lms=...) in this test's folder, closed after."""
    made: list[World] = []

    def world(**changes: Any) -> World:
        made.append(make_world(tmp_path, clock, store, **changes))
        return made[-1]

    yield world
    for w in made:
        w.http.close()


@pytest.fixture
def world(build: Build) -> World:
    return build()


def queued(w: World) -> list[tuple[str, str, float, ScoreState]]:
    return [(s.link_id, s.person, s.score_given, s.state) for s in w.outbox()]


# ---------------------------------------------------------------------- what sync queues


def _instructor_with_a_graded_submission(w: World) -> None:
    w.enrol(PROF, enrol=False)  # launched the link, but a teacher has no gradebook row
    w.graded(PROF.key, 30)


def _enrolled_without_a_submission(w: World) -> None:
    w.enrol(ANN)


def _submission_not_graded_yet(w: World) -> None:
    w.enrol(ANN)
    w.submit(ANN.key)


def _grading_failed(w: World) -> None:
    w.enrol(ANN)
    claim = w.store.claim(w.submit(ANN.key), 30, 3)
    assert claim is not None and w.store.fail(claim, "the sandbox died")


def _graded_but_never_launched_from_the_lms(w: World) -> None:
    w.enrol(ANN)
    w.graded("alice", 30)  # a student of the API only


def _enrolled_and_graded(w: World) -> None:
    w.enrol(ANN)
    w.enrol(PROF, enrol=False)
    w.graded(ANN.key, 30)


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (_instructor_with_a_graded_submission, []),
        (_enrolled_without_a_submission, []),
        (_submission_not_graded_yet, []),
        (_grading_failed, []),
        (_graded_but_never_launched_from_the_lms, []),
        (_enrolled_and_graded, [(LINK.id, ANN.key, 30.0, ScoreState.PENDING)]),
    ],
    ids=["instructor", "no submission", "not graded yet", "grading failed", "not from the LMS",
         "enrolled and graded"],
)  # fmt: skip
def test_sync_queues_only_for_enrolled_people_with_a_graded_submission(
    world: World, setup: Callable[[World], None], expected: list[tuple[object, ...]]
) -> None:
    setup(world)
    assert world.passback().sync() == len(expected)
    assert queued(world) == expected


@pytest.mark.parametrize(
    ("spec", "scores", "expected"),
    [
        (SPEC, [30, 20], 20),  # latest: the last submission's, though lower
        (BEST, [30, 20], 30),
        (SPEC, [20, 30], 30),
        (BEST, [20, 30, 25], 30),
        (BEST, [30, None], 30),  # the last one not graded yet: the best graded one
    ],
    ids=["latest lower", "best lower", "latest higher", "best of three", "best, one waiting"],
)
def test_the_gradebook_gets_the_latest_or_the_best_score(
    build: Build, clock: ManualClock, spec: Assignment, scores: list[float | None], expected: float
) -> None:
    w = build(spec=spec)
    w.enrol(ANN)
    jobs = {}
    for score in scores:
        clock.advance(10)
        job_id = w.submit(ANN.key)
        if score is not None:
            w.grade(job_id, score)
            jobs[score] = job_id
    assert w.passback().sync() == 1
    s = w.the_score()
    want = (ANN.key, ANN.subject, expected, jobs[expected])
    assert (s.person, s.user_id, s.score_given, s.job_id) == want
    assert (s.score_maximum, s.comment, s.state) == (37.0, first_line(expected), ScoreState.PENDING)


@pytest.mark.parametrize("sent_between", [False, True], ids=["pending", "sent"])
def test_sync_twice_queues_a_score_once(world: World, sent_between: bool) -> None:
    world.enrol(ANN)
    world.enrol(BOB)
    world.graded(ANN.key, 30)
    world.graded(BOB.key, 12)
    passback = world.passback()
    assert passback.sync() == 2
    if sent_between:
        assert passback.send_due() == 2
    world.clock.advance(100)
    assert passback.sync() == 0
    state = ScoreState.SENT if sent_between else ScoreState.PENDING
    assert queued(world) == [(LINK.id, ANN.key, 30.0, state), (LINK.id, BOB.key, 12.0, state)]


@pytest.mark.parametrize(
    ("before", "old_state"),
    [
        ("pending", ScoreState.SUPERSEDED),
        ("waiting after a failure", ScoreState.SUPERSEDED),
        ("sent", ScoreState.SENT),
    ],
)
def test_a_regrade_with_a_new_score_queues_it_and_supersedes_a_pending_older_one(
    world: World, before: str, old_state: ScoreState
) -> None:
    world.enrol(ANN)
    first = world.graded(ANN.key, 30)
    passback = world.passback()
    assert passback.sync() == 1
    if before == "sent":
        assert passback.send_due() == 1
    if before == "waiting after a failure":
        world.lms.down = 503
        assert passback.send_due() == 0
        world.lms.down = None
    posts_before = len(world.lms.scores())
    world.clock.advance(1)
    regraded = world.regrade({ANN.key: 35})[ANN.key]
    assert passback.sync() == 1
    assert [(s.job_id, s.score_given, s.state) for s in world.outbox()] == [
        (first, 30.0, old_state),
        (regraded, 35.0, ScoreState.PENDING),
    ]
    assert passback.send_due() == 1  # at once: a superseded failure holds nothing back
    assert world.lms.posted()[posts_before:] == [(ANN.subject, 35.0)]
    assert [s.state for s in world.outbox()] == [old_state, ScoreState.SENT]


# ---------------------------------------------------------------------- final scores

DAY = 86400.0


def with_policy(spec: Assignment, clock: ManualClock, **changes: Any) -> Assignment:
    """The spec with a due a day from the clock's now, late work for three days after it at
    10% per started day (and these changes to the policy)."""
    due = datetime.fromtimestamp(clock.now() + DAY, UTC)
    fields = {"due": due, "late_until": due + timedelta(days=3), **changes}
    fields.setdefault("late_penalty", PerDayPenalty(per_day=0.1))
    return spec.model_copy(update={"policy": Policy(**fields)})


def test_the_gradebook_gets_the_final_score_with_a_note_of_the_lateness(
    build: Build, clock: ManualClock
) -> None:
    w = build(spec=with_policy(SPEC, clock))
    w.enrol(ANN)
    clock.advance(2 * DAY + 60)  # a day and a minute late: two started days, 20% off
    w.graded(ANN.key, 30)
    assert w.passback().sync() == 1
    s = w.the_score()
    assert s.score_given == 24.0 and s.score_maximum == 37.0
    assert s.comment == (
        f"{first_line(30)} Late: submitted 2 days after the due date: 20% off the score."
    )
    assert w.passback().send_due() == 1 and w.lms.posted() == [(ANN.subject, 24.0)]


def test_an_extension_granted_later_changes_what_is_owed_and_is_sent(
    build: Build, clock: ManualClock
) -> None:
    spec = with_policy(SPEC, clock)
    assert spec.policy is not None and spec.policy.due is not None
    w = build(spec=spec)
    w.enrol(ANN)
    clock.advance(2 * DAY + 60)
    w.graded(ANN.key, 30)
    passback = w.passback()
    assert passback.sync() == 1 and passback.send_due() == 1
    w.store.set_extension(ASSIGNMENT, ANN.key, spec.policy.due + timedelta(days=2), "prof")
    clock.advance(10)
    assert passback.sync() == 1  # the next sweep: on time now
    assert passback.send_due() == 1
    w.store.remove_extension(ASSIGNMENT, ANN.key)
    clock.advance(10)
    assert passback.sync() == 1 and passback.send_due() == 1
    assert w.lms.posted() == [(ANN.subject, 24.0), (ANN.subject, 30.0), (ANN.subject, 24.0)]
    assert passback.sync() == 0  # nothing new


def test_best_is_the_best_final_score(build: Build, clock: ManualClock) -> None:
    w = build(spec=with_policy(BEST, clock))
    w.enrol(ANN)
    on_time = w.graded(ANN.key, 28)
    clock.advance(3 * DAY + 60)  # three started days late: 30% off 35 is 24.5
    w.graded(ANN.key, 35)
    assert w.passback().sync() == 1
    s = w.the_score()
    assert (s.job_id, s.score_given, s.comment) == (on_time, 28.0, first_line(28))


def test_work_after_an_extension_was_taken_back_gets_no_credit(
    build: Build, clock: ManualClock
) -> None:
    spec = with_policy(SPEC, clock, late_until=None, late_penalty=None)
    assert spec.policy is not None and spec.policy.due is not None
    w = build(spec=spec)
    w.enrol(ANN)
    w.store.set_extension(ASSIGNMENT, ANN.key, spec.policy.due + timedelta(days=5), "prof")
    clock.advance(2 * DAY)
    w.graded(ANN.key, 30)  # accepted with the extension
    w.store.remove_extension(ASSIGNMENT, ANN.key)
    assert w.passback().sync() == 1
    s = w.the_score()
    assert s.score_given == 0.0 and s.comment.endswith("after submissions closed: no credit.")


# ---------------------------------------------------------------------- sending


def test_send_due_posts_the_score_in_ags_words_with_a_token_and_marks_it_sent(
    world: World,
) -> None:
    world.enrol(ANN)
    world.clock.advance(0.25)  # graded, queued and sent at 1_700_000_000.25 (the timestamp
    world.graded(ANN.key, 31.5)  # is the same whether it is the grading's or the queuing's)
    passback = world.passback()
    assert passback.sync() == 1
    assert passback.send_due() == 1

    token_request, score_request = world.lms.requests
    assert (token_request.method, str(token_request.url)) == ("POST", TOKEN_URL)
    form = form_of(token_request)
    assert (form["grant_type"], form["scope"]) == ("client_credentials", SCOPE_SCORE)
    assertion = jwt.decode(
        form["client_assertion"],
        jwt.PyJWK(world.key.public_jwk()).key,
        algorithms=["RS256"],
        audience=TOKEN_URL,
        options={"verify_exp": False, "verify_iat": False},  # signed at the ManualClock's time
    )
    assert (assertion["iss"], assertion["sub"]) == (CLIENT_ID, CLIENT_ID)
    assert assertion["iat"] == int(world.clock.now())

    assert (score_request.method, str(score_request.url)) == ("POST", SCORES_URL)
    bearer = score_request.headers["Authorization"].removeprefix("Bearer ")
    assert world.lms.issued == {bearer: SCOPE_SCORE}
    assert score_request.headers["Content-Type"] == SCORE_TYPE
    assert world.lms.scores() == [(SCORES_URL, {
        "userId": ANN.subject,
        "scoreGiven": 31.5,
        "scoreMaximum": 37.0,
        "comment": "Score 31.5 / 37: some tests passed.",
        "timestamp": "2023-11-14T22:13:20.250000+00:00",
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
    })]  # fmt: skip

    sent = world.the_score()
    want = (ScoreState.SENT, 1, world.clock.now(), None)
    assert (sent.state, sent.attempts, sent.sent_at, sent.last_error) == want
    world.clock.advance(3600)
    assert passback.send_due() == 0  # sent once, never again
    assert len(world.lms.requests) == 2


@pytest.mark.parametrize(
    ("failure", "error"),
    [(500, "500"), (503, "503"), (429, "429"), ("connect", "ConnectError")],
    ids=["500", "503", "429", "connect"],
)
def test_a_failure_keeps_the_score_pending_and_tries_again_after_the_backoff(
    world: World, failure: Failure, error: str
) -> None:
    world.enrol(ANN)
    world.graded(ANN.key, 30)
    passback = world.passback()
    passback.sync()
    world.lms.down = failure
    start = world.clock.now()

    assert passback.send_due() == 0
    s = world.the_score()
    assert (s.state, s.attempts, s.retryable) == (ScoreState.PENDING, 1, True)
    assert s.last_error is not None and error in s.last_error
    assert s.next_at == start + BACKOFF[0]

    world.clock.advance(BACKOFF[0] - 1)
    assert passback.send_due() == 0
    assert len(world.lms.scores()) == 1  # not due: not tried

    world.clock.advance(1)
    assert passback.send_due() == 0
    s = world.the_score()
    assert (s.state, s.attempts) == (ScoreState.PENDING, 2)
    assert s.next_at == start + BACKOFF[0] + BACKOFF[1]
    assert len(world.lms.scores()) == 2

    world.lms.down = None
    world.clock.advance(BACKOFF[1] - 1)
    assert passback.send_due() == 0
    assert len(world.lms.scores()) == 2
    world.clock.advance(1)
    assert passback.send_due() == 1
    s = world.the_score()
    assert (s.state, s.attempts, s.last_error) == (ScoreState.SENT, 3, None)
    assert world.lms.posted() == [(ANN.subject, 30.0)] * 3


@pytest.mark.parametrize("failure", [500, "connect"])
def test_a_retryable_failure_holds_back_the_later_scores_of_its_link_until_due(
    world: World, failure: Failure
) -> None:
    world.enrol(ANN)
    world.enrol(BOB)
    world.enrol(CAT, OTHER_LINK)
    passback = world.passback()
    world.graded(ANN.key, 30)
    passback.sync()
    world.clock.advance(1)
    world.graded(BOB.key, 20)
    world.graded(CAT.key, 10)
    passback.sync()
    world.lms.refuse[ANN.subject] = failure

    assert passback.send_due() == 1  # Cat's, on another link; Bob's waits behind Ann's
    assert world.lms.posted() == [(ANN.subject, 30.0), (CAT.subject, 10.0)]
    bob = world.outbox()[1]
    want = (BOB.key, ScoreState.PENDING, 0, None)
    assert (bob.person, bob.state, bob.attempts, bob.last_error) == want

    del world.lms.refuse[ANN.subject]  # the LMS is back, but Ann's next try is not due
    world.clock.advance(BACKOFF[0] - 1)
    assert passback.send_due() == 0
    assert len(world.lms.scores()) == 2

    world.clock.advance(1)
    assert passback.send_due() == 2
    assert world.lms.posted()[2:] == [(ANN.subject, 30.0), (BOB.subject, 20.0)]
    assert [s.state for s in world.outbox()] == [ScoreState.SENT] * 3


@pytest.mark.parametrize("status", [400, 403, 404, 422])
def test_a_refusal_waits_the_longest_backoff_and_holds_back_nobody(
    world: World, status: int
) -> None:
    world.enrol(ANN)
    world.enrol(BOB)
    passback = world.passback()
    world.graded(ANN.key, 30)
    passback.sync()
    world.clock.advance(1)
    world.graded(BOB.key, 20)
    passback.sync()
    world.lms.refuse[ANN.subject] = status
    start = world.clock.now()

    assert passback.send_due() == 1  # Bob's goes in the same call
    assert world.lms.posted() == [(ANN.subject, 30.0), (BOB.subject, 20.0)]
    ann, bob = world.outbox()
    assert (ann.state, ann.attempts, ann.retryable) == (ScoreState.PENDING, 1, False)
    assert ann.last_error is not None and str(status) in ann.last_error
    assert ann.next_at == start + BACKOFF[-1]
    assert bob.state == ScoreState.SENT

    world.clock.advance(1)  # and in later calls: a new score of the link goes at once
    world.enrol(CAT)
    world.graded(CAT.key, 10)
    passback.sync()
    assert passback.send_due() == 1
    assert world.lms.posted()[2:] == [(CAT.subject, 10.0)]

    del world.lms.refuse[ANN.subject]
    world.clock.advance(BACKOFF[-1] - 2)
    assert passback.send_due() == 0
    assert len(world.lms.scores()) == 3
    world.clock.advance(1)
    assert passback.send_due() == 1
    assert world.lms.posted()[3:] == [(ANN.subject, 30.0)]
    assert world.outbox()[0].state == ScoreState.SENT


# ---------------------------------------------------------------------- line items

MADE = LINEITEMS + "/100"
FOUND = LINEITEMS + "/77"
FIND = ("GET", LINEITEMS + "?resource_link_id=" + CONTAINER_LINK.resource_link_id)
MAKE = ("POST", LINEITEMS)


@pytest.mark.parametrize(
    ("existing", "lineitem", "lookups"),
    [
        ([], MADE, [FIND, MAKE]),
        ([{"id": LINEITEMS + "/5", "resourceLinkId": "rl-other"}], MADE, [FIND, MAKE]),
        ([{"id": FOUND, "resourceLinkId": CONTAINER_LINK.resource_link_id}], FOUND, [FIND]),
    ],
    ids=["none", "another link's", "found"],
)
def test_a_link_with_only_the_container_finds_or_makes_its_line_item_once(
    build: Build, clock: ManualClock,
    existing: list[dict[str, str]], lineitem: str, lookups: list[tuple[str, str]],
) -> None:  # fmt: skip
    w = build(lms=FakeLms(existing))
    w.enrol(ANN, CONTAINER_LINK)
    w.enrol(BOB, CONTAINER_LINK)
    w.graded(ANN.key, 30)
    w.graded(BOB.key, 20)
    passback = w.passback()
    assert passback.sync() == 2
    assert passback.send_due() == 2

    scores = lineitem + "/scores"
    assert w.lms.calls() == [*lookups, ("POST", scores), ("POST", scores)]
    link = w.lti.link(CONTAINER_LINK.id)
    assert link is not None and link.lineitem == lineitem
    for request in w.lms.requests:  # each service call with a token of its own scope
        if str(request.url) != TOKEN_URL:
            bearer = request.headers["Authorization"].removeprefix("Bearer ")
            scope = SCOPE_SCORE if request.url.path.endswith("/scores") else SCOPE_LINEITEM
            assert w.lms.issued[bearer] == scope
    if MAKE in lookups:
        made = next(r for r in w.lms.requests if (r.method, str(r.url)) == MAKE)
        assert made.headers["Content-Type"] == LINEITEM_TYPE
        assert w.lms.lineitems[-1] == {
            "label": SPEC.title, "scoreMaximum": 37.0, "resourceId": "cs189_hw2",
            "resourceLinkId": CONTAINER_LINK.resource_link_id, "id": MADE,
        }  # fmt: skip

    clock.advance(10)  # a later score, by a new sender (no kept state): the stored item
    w.regrade({ANN.key: 33, BOB.key: 20})
    again = w.passback()
    assert again.sync() == 2
    assert again.send_due() == 2
    assert w.lms.calls()[len(lookups) + 2 :] == [("POST", scores), ("POST", scores)]


def test_a_line_item_made_before_a_failed_score_is_kept_for_the_next_try(
    world: World,
) -> None:
    world.enrol(ANN, CONTAINER_LINK)
    world.graded(ANN.key, 30)
    passback = world.passback()
    passback.sync()
    world.lms.refuse[ANN.subject] = 502
    assert passback.send_due() == 0
    link = world.lti.link(CONTAINER_LINK.id)
    assert link is not None and link.lineitem == MADE
    del world.lms.refuse[ANN.subject]
    world.clock.advance(BACKOFF[0])
    assert passback.send_due() == 1
    assert world.lms.calls() == [FIND, MAKE, ("POST", MADE + "/scores"), ("POST", MADE + "/scores")]


# ---------------------------------------------------------------------- cannot send


@pytest.mark.parametrize(
    ("platforms", "link", "error"),
    [
        ((), LINK, "no longer registered"),
        ((platform(client_id="another-client"),), LINK, "no longer registered"),
        ((platform(issuer="https://other.example"),), LINK, "no longer registered"),
        (None, replace(CONTAINER_LINK, lineitems=None), "neither a line item nor a container"),
    ],
    ids=["no platforms", "another client id", "another issuer", "no line item"],
)
def test_a_score_that_cannot_be_sent_stays_pending_with_the_error(
    build: Build, clock: ManualClock,
    platforms: tuple[Platform, ...] | None, link: LtiLink, error: str,
) -> None:  # fmt: skip
    w = build(platforms=platforms)
    w.enrol(ANN, link)
    w.graded(ANN.key, 30)
    passback = w.passback()
    assert passback.sync() == 1
    assert passback.send_due() == 0
    s = w.the_score()
    assert (s.state, s.attempts) == (ScoreState.PENDING, 1)
    assert s.last_error is not None and error in s.last_error
    assert s.next_at == clock.now() + BACKOFF[-1]
    assert w.lms.requests == []
    clock.advance(BACKOFF[-1])  # never given up: tried again when due
    assert passback.send_due() == 0
    assert w.the_score().attempts == 2


# ---------------------------------------------------------------------- timestamps


def test_a_best_score_that_moves_back_to_an_older_job_is_stamped_after_the_sent_one(
    build: Build, clock: ManualClock
) -> None:
    w = build(spec=BEST)
    w.enrol(ANN)
    passback = w.passback()
    w.graded(ANN.key, 30)
    clock.advance(10)
    w.graded(ANN.key, 35)
    assert passback.sync() == 1
    assert passback.send_due() == 1
    clock.advance(10)
    w.regrade({ANN.key: 25})  # the latest (and best) submission regraded lower
    assert passback.sync() == 1
    assert passback.send_due() == 1
    (_, sent), (_, now) = w.lms.scores()
    assert (sent["scoreGiven"], now["scoreGiven"]) == (35.0, 30.0)
    assert now["timestamp"] > sent["timestamp"]
