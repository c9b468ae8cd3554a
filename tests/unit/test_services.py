"""lti/services.py against a fake platform behind httpx.MockTransport: the client
assertion verifies with the tool's JWKS, tokens are kept until they expire, scores go to
{lineitem}/scores in AGS's words, line items are made and found, members are read page by
page, and failures say whether a retry may help."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import httpx
import jwt
import pytest
from jwt import PyJWKSet

from lti.claims import SCOPE_LINEITEM, SCOPE_MEMBERSHIPS, SCOPE_SCORE
from lti.services import Member, Score, ServiceClient, ServiceError, timestamp
from tests.unit.lti_harness import (
    CLIENT_ID,
    LINEITEM,
    LINEITEMS,
    MEMBERSHIPS,
    NOW,
    TOKEN_URL,
    platform,
    tool_key,
)

Handler = Callable[[httpx.Request], httpx.Response]
SCORE = Score(
    user_id="user-42",
    score_given=37.5,
    score_maximum=40.0,
    comment="3 of 4 tests",
    timestamp=timestamp(NOW),
)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


class FakeServices:
    """The platform's token endpoint and services; records every request."""

    def __init__(self, expires_in: int = 3600) -> None:
        self.expires_in = expires_in
        self.requests: list[httpx.Request] = []
        self.tokens = 0
        self.routes: dict[tuple[str, str], Handler] = {}

    def route(self, method: str, url: str, handler: Handler | httpx.Response) -> None:
        self.routes[(method, url)] = handler if callable(handler) else (lambda _r: handler)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if str(request.url) == TOKEN_URL:
            self.tokens += 1
            return httpx.Response(
                200,
                json={
                    "access_token": f"token-{self.tokens}",
                    "token_type": "Bearer",
                    "expires_in": self.expires_in,
                },
            )
        handler = self.routes.get((request.method, str(request.url)))
        return handler(request) if handler else httpx.Response(404, text="no such route")

    def calls(self) -> list[httpx.Request]:
        """The service requests, not the token ones."""
        return [r for r in self.requests if str(r.url) != TOKEN_URL]


def client(fake: Handler, clock: Callable[[], float] = lambda: NOW) -> ServiceClient:
    http = httpx.Client(transport=httpx.MockTransport(fake))
    return ServiceClient(tool_key(), platform(), http, clock=clock)


def form_of(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def test_the_client_assertion_verifies_with_the_tools_jwks() -> None:
    fake = FakeServices()
    assert client(fake).token([SCOPE_SCORE, SCOPE_LINEITEM]) == "token-1"
    (request,) = fake.requests
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    form = form_of(request)
    assert form["grant_type"] == "client_credentials"
    assert form["client_assertion_type"] == (
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    )
    assert form["scope"] == f"{SCOPE_LINEITEM} {SCOPE_SCORE}"
    assertion = form["client_assertion"]
    key = PyJWKSet.from_dict(tool_key().jwks())[jwt.get_unverified_header(assertion)["kid"]]
    claims = jwt.decode(
        assertion,
        key,
        algorithms=["RS256"],
        audience=TOKEN_URL,
        issuer=CLIENT_ID,
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["sub"] == CLIENT_ID
    assert claims["iat"] == int(NOW)
    assert claims["exp"] == int(NOW) + 300
    assert isinstance(claims["jti"], str) and claims["jti"]


def test_each_assertion_has_its_own_jti() -> None:
    services = client(FakeServices())
    jtis = {
        jwt.decode(services.client_assertion(NOW), options={"verify_signature": False})["jti"]
        for _ in range(3)
    }
    assert len(jtis) == 3


def test_a_token_is_kept_until_30_seconds_before_it_expires() -> None:
    fake, clock = FakeServices(expires_in=3600), Clock()
    services = client(fake, clock)
    assert services.token([SCOPE_SCORE]) == "token-1"
    clock.now += 3600 - 30 - 1
    assert services.token([SCOPE_SCORE]) == "token-1"
    assert fake.tokens == 1
    clock.now += 1
    assert services.token([SCOPE_SCORE]) == "token-2"
    assert fake.tokens == 2


def test_tokens_are_kept_per_scope_set() -> None:
    fake = FakeServices()
    services = client(fake)
    one = services.token([SCOPE_SCORE, SCOPE_LINEITEM])
    assert services.token([SCOPE_LINEITEM, SCOPE_SCORE]) == one  # the same set
    assert services.token([SCOPE_MEMBERSHIPS]) != one
    assert fake.tokens == 2


def test_a_score_is_posted_to_the_line_items_scores() -> None:
    fake = FakeServices()
    fake.route("POST", LINEITEM + "/scores", httpx.Response(204))
    client(fake).post_score(LINEITEM, SCORE)
    (request,) = fake.calls()
    assert request.headers["content-type"] == "application/vnd.ims.lis.v1.score+json"
    assert request.headers["authorization"] == "Bearer token-1"
    assert form_of(fake.requests[0])["scope"] == SCOPE_SCORE
    assert json.loads(request.content) == {
        "userId": "user-42",
        "scoreGiven": 37.5,
        "scoreMaximum": 40.0,
        "comment": "3 of 4 tests",
        "timestamp": "2025-06-15T15:06:40.000000+00:00",
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
    }


def test_scores_go_before_the_line_items_query_string() -> None:
    fake = FakeServices()
    fake.route("POST", LINEITEMS + "/31/scores?type_id=5", httpx.Response(200, json={}))
    client(fake).post_score(LINEITEMS + "/31?type_id=5", SCORE)
    assert [str(r.url) for r in fake.calls()] == [LINEITEMS + "/31/scores?type_id=5"]


def test_the_score_timestamp_has_microseconds_and_an_offset() -> None:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", timestamp(NOW + 0.25))
    assert timestamp(NOW + 0.25).endswith(".250000+00:00")
    with pytest.raises(ValueError, match="offset"):
        Score("u", 1, 2, None, "2025-06-15T15:06:40.000000")


def test_a_score_without_comment_leaves_it_out() -> None:
    score = Score("user-42", 0, 40, None, timestamp(NOW))
    assert set(score.body()) == {
        "userId",
        "scoreGiven",
        "scoreMaximum",
        "timestamp",
        "activityProgress",
        "gradingProgress",
    }


def failing(status: int) -> Handler:
    return lambda _r: httpx.Response(status, text=f"status {status}")


def raising(error: type[httpx.TransportError]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error("the platform is away", request=request)

    return handler


@pytest.mark.parametrize(
    ("handler", "retryable"),
    [
        (failing(500), True),
        (failing(502), True),
        (failing(503), True),
        (failing(429), True),
        (raising(httpx.ConnectError), True),
        (raising(httpx.ReadTimeout), True),
        (failing(400), False),
        (failing(401), False),
        (failing(403), False),
        (failing(404), False),
        (failing(422), False),
    ],
    ids=["500", "502", "503", "429", "connect-error", "timeout", "400", "401", "403", "404", "422"],
)
def test_a_failed_score_says_whether_to_retry(handler: Handler, retryable: bool) -> None:
    fake = FakeServices()
    fake.route("POST", LINEITEM + "/scores", handler)
    with pytest.raises(ServiceError) as caught:
        client(fake).post_score(LINEITEM, SCORE)
    assert caught.value.retryable is retryable
    assert LINEITEM + "/scores" in str(caught.value)


@pytest.mark.parametrize(("status", "retryable"), [(400, False), (401, False), (503, True)])
def test_a_failed_token_request_says_whether_to_retry(status: int, retryable: bool) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"error": "invalid_client"})

    with pytest.raises(ServiceError, match="invalid_client") as caught:
        client(refuse).post_score(LINEITEM, SCORE)
    assert caught.value.retryable is retryable
    assert caught.value.status == status


@pytest.mark.parametrize(
    "answer", [{"token_type": "Bearer"}, "not json"], ids=["no-access-token", "not-json"]
)
def test_a_token_answer_without_a_token_is_an_error(answer: Any) -> None:
    def odd(request: httpx.Request) -> httpx.Response:
        if isinstance(answer, str):
            return httpx.Response(200, text=answer)
        return httpx.Response(200, json=answer)

    with pytest.raises(ServiceError) as caught:
        client(odd).token([SCOPE_SCORE])
    assert caught.value.retryable is False


def test_a_refused_token_is_not_kept() -> None:
    fake = FakeServices()
    answers = iter([httpx.Response(401), httpx.Response(204)])
    fake.route("POST", LINEITEM + "/scores", lambda _r: next(answers))
    services = client(fake)
    with pytest.raises(ServiceError):
        services.post_score(LINEITEM, SCORE)
    services.post_score(LINEITEM, SCORE)
    assert [r.headers["authorization"] for r in fake.calls()] == [
        "Bearer token-1",
        "Bearer token-2",
    ]


def test_a_line_item_is_created() -> None:
    fake = FakeServices()
    fake.route(
        "POST",
        LINEITEMS,
        httpx.Response(201, json={"id": LINEITEMS + "/99", "label": "Homework 2"}),
    )
    url = client(fake).create_lineitem(LINEITEMS, "Homework 2", 40.0, "cs189_hw2", "link-9")
    assert url == LINEITEMS + "/99"
    (request,) = fake.calls()
    assert request.headers["content-type"] == "application/vnd.ims.lis.v2.lineitem+json"
    assert form_of(fake.requests[0])["scope"] == SCOPE_LINEITEM
    assert json.loads(request.content) == {
        "label": "Homework 2",
        "scoreMaximum": 40.0,
        "resourceId": "cs189_hw2",
        "resourceLinkId": "link-9",
    }


def test_a_created_line_item_without_id_is_an_error() -> None:
    fake = FakeServices()
    fake.route("POST", LINEITEMS, httpx.Response(201, json={"label": "Homework 2"}))
    with pytest.raises(ServiceError, match="id"):
        client(fake).create_lineitem(LINEITEMS, "Homework 2", 40.0, "cs189_hw2", None)


def test_the_line_item_of_a_resource_link_is_found() -> None:
    fake = FakeServices()
    url = LINEITEMS + "?type=x&resource_link_id=link-9"
    items = [
        {"id": LINEITEMS + "/1", "resourceLinkId": "link-8"},
        {"id": LINEITEMS + "/2", "resourceLinkId": "link-9"},
    ]
    fake.route("GET", url, httpx.Response(200, json=items))
    services = client(fake)
    assert services.find_lineitem(LINEITEMS + "?type=x", "link-9") == LINEITEMS + "/2"
    assert fake.calls()[0].headers["accept"] == (
        "application/vnd.ims.lis.v2.lineitemcontainer+json"
    )
    fake.route("GET", url, httpx.Response(200, json=[]))
    assert services.find_lineitem(LINEITEMS + "?type=x", "link-9") is None


def membership_page(*members: dict[str, Any]) -> dict[str, Any]:
    return {"id": MEMBERSHIPS, "context": {"id": "course-7"}, "members": list(members)}


def test_members_are_read_page_by_page() -> None:
    fake = FakeServices()
    ada = {
        "user_id": "u1",
        "name": "Ada",
        "email": "ada@example.edu",
        "status": "Active",
        "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
    }
    bob = {
        "user_id": "u2",
        "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"],
    }
    page2 = MEMBERSHIPS + "?page=2"
    fake.route(
        "GET",
        MEMBERSHIPS,
        httpx.Response(
            200,
            json=membership_page(ada),
            headers={"Link": f'<{page2}>; rel="next", <{MEMBERSHIPS}>; rel="first"'},
        ),
    )
    nobody = {"name": "no user_id", "roles": []}
    fake.route("GET", page2, httpx.Response(200, json=membership_page(bob, nobody)))
    members = client(fake).members(MEMBERSHIPS)
    assert members == [
        Member("u1", "Ada", "ada@example.edu", tuple(ada["roles"]), "Active"),
        Member("u2", "", "", tuple(bob["roles"]), "Active"),
    ]
    assert [str(r.url) for r in fake.calls()] == [MEMBERSHIPS, page2]
    assert {r.headers["accept"] for r in fake.calls()} == {
        "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
    }
    assert form_of(fake.requests[0])["scope"] == SCOPE_MEMBERSHIPS
    assert fake.tokens == 1


def test_a_next_link_back_to_a_read_page_ends_the_reading() -> None:
    fake = FakeServices()
    fake.route(
        "GET",
        MEMBERSHIPS,
        httpx.Response(
            200,
            json=membership_page({"user_id": "u1"}),
            headers={"Link": f'<{MEMBERSHIPS}>; rel="next"'},
        ),
    )
    assert [m.user_id for m in client(fake).members(MEMBERSHIPS)] == ["u1"]
    assert len(fake.calls()) == 1


def test_a_membership_answer_that_is_not_json_is_an_error() -> None:
    fake = FakeServices()
    fake.route("GET", MEMBERSHIPS, httpx.Response(200, text="<html>login</html>"))
    with pytest.raises(ServiceError, match="no JSON") as caught:
        client(fake).members(MEMBERSHIPS)
    assert caught.value.retryable is False
