"""The gradebook sender (worker/passback.py) on a real SQLiteStore and SQLiteLtiStore in a
temporary folder, a ManualClock, the real cs189_hw2 spec, a real tool key, and a fake LMS
behind httpx.MockTransport: its token endpoint, line items and scores, every request
recorded, failures switched on per test (an HTTP status, or a connection error). Used by
test_passback.py."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs

import httpx

from grader.spec import Assignment, load_assignment
from lti.keys import ToolKey
from lti.registry import Platform, Registry
from store import (
    LtiLink,
    LtiPerson,
    ManualClock,
    OutboxScore,
    SQLiteLtiStore,
    SQLiteStore,
)
from store.lti_records import OUTBOX_COLUMNS, outbox_score
from tests.unit.lti_harness import (
    CLIENT_ID,
    DEPLOYMENT_ID,
    ISSUER,
    LINEITEM,
    LINEITEMS,
    TOKEN_URL,
    platform,
)
from worker.passback import Passback

REPO = Path(__file__).resolve().parents[2]
ASSIGNMENT = "cs189_hw2"
SPEC = load_assignment(REPO / "testcases" / ASSIGNMENT)
BEST = SPEC.model_copy(update={"gradebook_score": "best"})
BACKOFF = (5.0, 15.0, 60.0)
SOURCE = (REPO / "reference" / ASSIGNMENT / "hw2.py").read_bytes()

LINK = LtiLink(
    id="link-1", issuer=ISSUER, client_id=CLIENT_ID, deployment_id=DEPLOYMENT_ID,
    resource_link_id="rl-1", assignment_id=ASSIGNMENT, lineitem=LINEITEM, lineitems=LINEITEMS,
)  # fmt: skip
OTHER_LINK = LtiLink(
    id="link-2", issuer=ISSUER, client_id=CLIENT_ID, deployment_id=DEPLOYMENT_ID,
    resource_link_id="rl-2", assignment_id=ASSIGNMENT, lineitem=LINEITEMS + "/32",
    lineitems=LINEITEMS,
)  # fmt: skip
CONTAINER_LINK = LtiLink(  # the launch named the container only: the tool finds or makes one
    id="link-3", issuer=ISSUER, client_id=CLIENT_ID, deployment_id=DEPLOYMENT_ID,
    resource_link_id="rl-3", assignment_id=ASSIGNMENT, lineitem=None, lineitems=LINEITEMS,
)  # fmt: skip

ANN = LtiPerson("lti-ann", ISSUER, "sub-ann", "Ann", "ann@example.edu", "student")
BOB = LtiPerson("lti-bob", ISSUER, "sub-bob", "Bob", "bob@example.edu", "student")
CAT = LtiPerson("lti-cat", ISSUER, "sub-cat", "Cat", "cat@example.edu", "student")
PROF = LtiPerson("lti-prof", ISSUER, "sub-prof", "Prof", "prof@example.edu", "instructor")

Failure = int | Literal["connect"]  # an HTTP status the LMS answers, or no connection


def output_of(score: float) -> str:
    return f"Score {score:g} / 37: some tests passed.\nDetails on a second line."


def first_line(score: float) -> str:
    return output_of(score).splitlines()[0]


class FakeLms:
    """The platform's token endpoint, line-items container and score endpoints."""

    def __init__(self, lineitems: list[dict[str, Any]] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.issued: dict[str, str] = {}  # access token -> the scope it was bought for
        self.lineitems = list(lineitems or [])
        self.made = 0  # line items made here: the first is {LINEITEMS}/100
        self.down: Failure | None = None  # every service request fails so
        self.refuse: dict[str, Failure] = {}  # the score posts of these user ids fail so

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if str(request.url) == TOKEN_URL:
            token = f"token-{len(self.issued) + 1}"
            self.issued[token] = form_of(request)["scope"]
            return httpx.Response(
                200, json={"access_token": token, "token_type": "Bearer", "expires_in": 3600}
            )
        failure = self.down
        if is_score_post(request):
            failure = failure or self.refuse.get(json.loads(request.content)["userId"])
        if failure == "connect":
            raise httpx.ConnectError("connection refused", request=request)
        if failure is not None:
            return httpx.Response(failure, text=f"the LMS says {failure}")
        if is_score_post(request):
            return httpx.Response(200, json={})
        if request.method == "GET" and url_of(request) == LINEITEMS:
            wanted = request.url.params.get("resource_link_id")
            found = [i for i in self.lineitems if i.get("resourceLinkId") == wanted]
            return httpx.Response(200, json=found)
        if request.method == "POST" and url_of(request) == LINEITEMS:
            self.made += 1
            item = {**json.loads(request.content), "id": f"{LINEITEMS}/{99 + self.made}"}
            self.lineitems.append(item)
            return httpx.Response(201, json=item)
        return httpx.Response(404, text="no such route")

    def calls(self) -> list[tuple[str, str]]:
        """(method, url) of the service requests, the token requests left out."""
        return [(r.method, str(r.url)) for r in self.requests if str(r.url) != TOKEN_URL]

    def scores(self) -> list[tuple[str, dict[str, Any]]]:
        """(url, body) of every score post, in order (failed ones included)."""
        return [(str(r.url), json.loads(r.content)) for r in self.requests if is_score_post(r)]

    def posted(self) -> list[tuple[str, float]]:
        """(userId, scoreGiven) of every score post, in order."""
        return [(body["userId"], body["scoreGiven"]) for _, body in self.scores()]


def form_of(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def url_of(request: httpx.Request) -> str:
    return str(request.url.copy_with(query=None))


def is_score_post(request: httpx.Request) -> bool:
    return request.method == "POST" and request.url.path.endswith("/scores")


@dataclass
class World:
    root: Path
    clock: ManualClock
    store: SQLiteStore
    lti: SQLiteLtiStore
    key: ToolKey
    lms: FakeLms
    http: httpx.Client
    specs: dict[str, Assignment] = field(default_factory=dict)
    platforms: tuple[Platform, ...] = ()

    def passback(self) -> Passback:
        """A sender as the worker makes one (a new one has no kept tokens)."""
        return Passback(self.store, self.lti, self.specs.get, Registry(self.platforms),
                        self.key, self.http, self.clock, BACKOFF)  # fmt: skip

    def enrol(self, person: LtiPerson, link: LtiLink = LINK, enrol: bool = True) -> None:
        self.lti.save_launch(link, person, enrol)

    def submit(self, student: str) -> str:
        """A new submission, queued; returns its job's id."""
        _, job = self.store.add_submission(ASSIGNMENT, student, {"hw2.py": SOURCE})
        self.store.mark_queued(job.id)
        return job.id

    def grade(self, job_id: str, score: float) -> None:
        claim = self.store.claim(job_id, 30, 3)
        assert claim is not None
        assert self.store.finish(claim, {"score": score, "output": output_of(score), "tests": []})

    def graded(self, student: str, score: float) -> str:
        """A submission graded with this score; returns its job's id."""
        job_id = self.submit(student)
        self.grade(job_id, score)
        return job_id

    def regrade(self, scores: dict[str, float]) -> dict[str, str]:
        """An instructor's regrade, each student's new job graded; returns their job ids."""
        _, jobs = self.store.create_regrade(ASSIGNMENT, "prof")
        for job in jobs:
            self.store.mark_queued(job.id)
        students = {job.id: self.store.submission(job.submission_id) for job in jobs}
        made = {}
        for job_id, submission in students.items():
            assert submission is not None
            self.grade(job_id, scores[submission.student])
            made[submission.student] = job_id
        return made

    def outbox(self) -> list[OutboxScore]:
        """Every score ever queued (superseded and sent ones too), oldest first."""
        with closing(sqlite3.connect(self.lti.db_path)) as db:
            rows = db.execute(
                f"SELECT {OUTBOX_COLUMNS} FROM lti_outbox ORDER BY created_at, rowid"
            ).fetchall()
        return [outbox_score(row) for row in rows]

    def the_score(self) -> OutboxScore:
        (only,) = self.outbox()
        return only


def make_world(root: Path, clock: ManualClock, store: SQLiteStore,
               spec: Assignment = SPEC, platforms: tuple[Platform, ...] | None = None,
               lms: FakeLms | None = None) -> World:  # fmt: skip
    fake = lms or FakeLms()
    return World(
        root=root,
        clock=clock,
        store=store,
        lti=SQLiteLtiStore(store.data_dir, clock),
        key=ToolKey.load_or_create(root),
        lms=fake,
        http=httpx.Client(transport=httpx.MockTransport(fake)),
        specs={ASSIGNMENT: spec},
        platforms=(platform(),) if platforms is None else platforms,
    )
