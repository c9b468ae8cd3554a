"""The platform's services, called by the tool: Assignment and Grade Services (line items,
scores) and Names and Role Provisioning (the course's members).

Every call carries an OAuth 2 access token bought with the client_credentials grant and a
JWT client assertion signed by the tool key (the LTI Advantage security framework); tokens
are kept per scope set until shortly before they expire. Failures raise ServiceError,
whose ``retryable`` tells the worker whether trying later may help.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from lti.claims import SCOPE_LINEITEM, SCOPE_MEMBERSHIPS, SCOPE_SCORE
from lti.keys import ToolKey
from lti.registry import Platform

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
MEMBERSHIPS_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
TIMEOUT = 10.0
ASSERTION_LIFETIME = 300
TOKEN_MARGIN = 30  # seconds before expiry that a kept token is no longer used
DEFAULT_TOKEN_LIFETIME = 300  # when the platform does not say (expires_in is optional)
MAX_PAGES = 1000  # a platform whose next links loop must not keep us busy forever


def timestamp(seconds: float) -> str:
    """ISO 8601 with microseconds and the UTC offset, as AGS wants for a score."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Score:
    user_id: str  # the launch's sub
    score_given: float
    score_maximum: float
    comment: str | None
    timestamp: str  # ISO 8601 with microseconds and offset: see timestamp()
    activity_progress: str = "Completed"
    grading_progress: str = "FullyGraded"

    def __post_init__(self) -> None:
        if datetime.fromisoformat(self.timestamp).tzinfo is None:
            raise ValueError(f"score timestamp {self.timestamp!r} has no offset")

    def body(self) -> dict[str, Any]:
        """The score publish service's JSON (comment left out when there is none)."""
        body: dict[str, Any] = {
            "userId": self.user_id,
            "scoreGiven": self.score_given,
            "scoreMaximum": self.score_maximum,
            "timestamp": self.timestamp,
            "activityProgress": self.activity_progress,
            "gradingProgress": self.grading_progress,
        }
        if self.comment:
            body["comment"] = self.comment
        return body


@dataclass(frozen=True)
class Member:
    user_id: str
    name: str
    email: str
    roles: tuple[str, ...]
    status: str  # Active, Inactive or Deleted


class ServiceError(Exception):
    """A service call failed; ``retryable``: a later try may succeed (no connection, a
    timeout, 5xx, 429), or not (another 4xx: fix the registration or the data first)."""

    def __init__(self, message: str, retryable: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status


def scores_url(lineitem_url: str) -> str:
    """The score endpoint of a line item: its path + /scores, the query kept after it."""
    parts = urlsplit(lineitem_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


class ServiceClient:
    """The services of one platform registration, called as the tool."""

    def __init__(
        self,
        key: ToolKey,
        platform: Platform,
        http: httpx.Client,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._key = key
        self._platform = platform
        self._http = http
        self._clock = clock
        self._tokens: dict[frozenset[str], tuple[str, float]] = {}

    def token(self, scopes: Iterable[str]) -> str:
        """An access token for these scopes, kept until expires_in minus 30 s."""
        wanted = frozenset(scopes)
        kept = self._tokens.get(wanted)
        if kept is not None and self._clock() < kept[1]:
            return kept[0]
        now = self._clock()
        data = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self.client_assertion(now),
            "scope": " ".join(sorted(wanted)),
        }
        answer = self._json(
            self._send("POST", self._platform.auth_token_url, data=data), "the token endpoint"
        )
        access = answer.get("access_token")
        if not isinstance(access, str) or not access:
            raise ServiceError("the token endpoint answered without an access_token", False)
        lifetime = answer.get("expires_in", DEFAULT_TOKEN_LIFETIME)
        if not isinstance(lifetime, int | float) or isinstance(lifetime, bool):
            lifetime = DEFAULT_TOKEN_LIFETIME
        self._tokens[wanted] = (access, now + lifetime - TOKEN_MARGIN)
        return access

    def client_assertion(self, now: float) -> str:
        """The JWT that authenticates the tool at the token endpoint."""
        client_id = self._platform.client_id
        return self._key.sign(
            {
                "iss": client_id,
                "sub": client_id,
                "aud": self._platform.auth_token_url,
                "iat": int(now),
                "exp": int(now) + ASSERTION_LIFETIME,
                "jti": secrets.token_urlsafe(16),
            }
        )

    def post_score(self, lineitem_url: str, score: Score) -> None:
        """Publish a score to a line item (a gradebook column)."""
        self._call(
            "POST",
            scores_url(lineitem_url),
            SCOPE_SCORE,
            headers={"Content-Type": SCORE_TYPE},
            content=json.dumps(score.body()),
        )

    def create_lineitem(
        self,
        lineitems_url: str,
        label: str,
        score_maximum: float,
        resource_id: str,
        resource_link_id: str | None,
    ) -> str:
        """Make a line item; returns its URL (the platform's "id")."""
        item: dict[str, Any] = {
            "label": label,
            "scoreMaximum": score_maximum,
            "resourceId": resource_id,
        }
        if resource_link_id is not None:
            item["resourceLinkId"] = resource_link_id
        response = self._call(
            "POST",
            lineitems_url,
            SCOPE_LINEITEM,
            headers={"Content-Type": LINEITEM_TYPE, "Accept": LINEITEM_TYPE},
            content=json.dumps(item),
        )
        made = self._json(response, "the line items service")
        if not isinstance(made.get("id"), str):
            raise ServiceError("the line items service answered without the new item's id", False)
        return made["id"]

    def find_lineitem(self, lineitems_url: str, resource_link_id: str) -> str | None:
        """The URL of the line item of a resource link, None if it has none."""
        url = httpx.URL(lineitems_url).copy_merge_params({"resource_link_id": resource_link_id})
        response = self._call("GET", str(url), SCOPE_LINEITEM, headers={"Accept": LINEITEMS_TYPE})
        items = _json_of(response, "the line items service")
        if not isinstance(items, list):
            raise ServiceError("the line items service answered with no list", False)
        found = (
            i.get("id")
            for i in items
            if isinstance(i, dict) and i.get("resourceLinkId") == resource_link_id
        )
        return next((i for i in found if isinstance(i, str)), None)

    def members(self, memberships_url: str) -> list[Member]:
        """Everyone in the context, following the pages' Link rel="next"."""
        members: list[Member] = []
        url: str | None = memberships_url
        seen: set[str] = set()
        while url is not None and url not in seen and len(seen) < MAX_PAGES:
            seen.add(url)
            response = self._call(
                "GET", url, SCOPE_MEMBERSHIPS, headers={"Accept": MEMBERSHIPS_TYPE}
            )
            page = self._json(response, "the memberships service")
            found = page.get("members", [])
            members.extend(_member(m) for m in found if isinstance(m, dict) and m.get("user_id"))
            url = response.links.get("next", {}).get("url")
        return members

    def _call(
        self, method: str, url: str, scope: str, headers: dict[str, str], **kwargs: Any
    ) -> httpx.Response:
        token = self.token([scope])
        headers = {**headers, "Authorization": f"Bearer {token}"}
        try:
            return self._send(method, url, headers=headers, **kwargs)
        except ServiceError as e:
            if e.status == 401:
                self._tokens.pop(frozenset([scope]), None)  # revoked early: buy a new one
            raise

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, url, timeout=TIMEOUT, **kwargs)
        except httpx.TransportError as e:
            raise ServiceError(f"{method} {url}: {type(e).__name__}: {e}", True) from e
        if not response.is_success:
            raise ServiceError(
                f"{method} {url}: {response.status_code} {response.text[:300]}",
                _retryable(response.status_code),
                response.status_code,
            )
        return response

    @staticmethod
    def _json(response: httpx.Response, what: str) -> dict[str, Any]:
        data = _json_of(response, what)
        if not isinstance(data, dict):
            raise ServiceError(f"{what} answered with JSON that is not an object", False)
        return data


def _json_of(response: httpx.Response, what: str) -> Any:
    try:
        return response.json()
    except ValueError as e:
        raise ServiceError(f"{what} answered with no JSON: {response.text[:300]}", False) from e


def _retryable(status: int) -> bool:
    return status >= 500 or status in (408, 429)


def _member(data: dict[str, Any]) -> Member:
    roles = data.get("roles", [])
    return Member(
        user_id=str(data.get("user_id", "")),
        name=_text(data.get("name")),
        email=_text(data.get("email")),
        roles=tuple(r for r in roles if isinstance(r, str)) if isinstance(roles, list) else (),
        status=_text(data.get("status")) or "Active",
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
