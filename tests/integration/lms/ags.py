"""Assignment and Grade Services 2.0: line items (listed, created, read), scores (posted
to the gradebook, newest timestamp wins) and results; plus the scores_* switches."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tests.integration.lms.course import Course
from tests.integration.lms.recording import Refused, media_type_of
from tests.integration.lms.server import Server
from tests.integration.lms.services import CourseService, paginate
from tests.integration.lms.vocabulary import (
    LINEITEM_TYPE,
    LINEITEMS_TYPE,
    RESULTS_TYPE,
    SCOPE_LINEITEM,
    SCOPE_LINEITEM_READONLY,
    SCOPE_RESULT_READONLY,
    SCOPE_SCORE,
    SCORE_TYPE,
)

ACTIVITY = {"Initialized", "Started", "InProgress", "Submitted", "Completed"}
GRADING = {"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"}
# The fields of a posted line item that are kept (others are dropped).
LINEITEM_FIELDS = (
    "label",
    "scoreMaximum",
    "resourceId",
    "resourceLinkId",
    "tag",
    "startDateTime",
    "endDateTime",
    "gradesReleased",
)


def _timestamp(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("timestamp is missing")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {value!r} has no time zone")
    return moment


class Ags(CourseService, Course, Server):
    """``/courses/{course}/lineitems[/{n}[/scores|/results]]``; ``lineitems_page_size``
    pages the line item list when set."""

    def __init__(self) -> None:
        super().__init__()
        self.lineitems_page_size: int | None = None
        self._scores_status: int | None = None

    def scores_fail(self, status: int = 500) -> None:
        """Answer every score POST with ``status`` (recorded, outcome "failed")."""
        self._scores_status = status

    def scores_ok(self) -> None:
        """Undo scores_fail() and scores_refuse_connections() (starts the LMS if stopped)."""
        self._scores_status = None
        self.start()

    def scores_refuse_connections(self) -> None:
        """Connections refused (the whole LMS stops) until scores_ok() or start()."""
        self.stop()

    async def _lineitems_endpoint(self, request: Request) -> Response:
        record = await self._start(request, "lineitems")
        try:
            self._check_course(request)
            if request.method == "POST":
                return self._done(record, self._post_lineitem(request, record.body))
            self._check_bearer(request, SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY)
            self._check_accept(request, LINEITEMS_TYPE)
        except Refused as error:
            return self._refuse(record, error)
        page, link = paginate(self._matching_lineitems(request), request, self.lineitems_page_size)
        response = JSONResponse(
            page, media_type=LINEITEMS_TYPE, headers={"Link": link} if link else None
        )
        return self._done(record, response)

    def _matching_lineitems(self, request: Request) -> list[dict[str, Any]]:
        wanted = {
            "resourceLinkId": request.query_params.get("resource_link_id"),
            "resourceId": request.query_params.get("resource_id"),
            "tag": request.query_params.get("tag"),
        }
        return [
            item
            for item in list(self.lineitems.values())
            if all(v is None or item.get(k) == v for k, v in wanted.items())
        ]

    def _post_lineitem(self, request: Request, body: Any) -> Response:
        self._check_bearer(request, SCOPE_LINEITEM)
        media = media_type_of(request.headers.get("content-type", ""))
        if media != LINEITEM_TYPE:
            raise Refused(415, "unsupported_media_type", f"Content-Type must be {LINEITEM_TYPE}")
        if not isinstance(body, dict):
            raise Refused(400, "invalid_lineitem", "the body is not a JSON object")
        problem = self._lineitem_problem(body)
        if problem:
            raise Refused(400, "invalid_lineitem", problem)
        item = self._create_lineitem({k: body[k] for k in LINEITEM_FIELDS if k in body})
        return JSONResponse(item, status_code=201, media_type=LINEITEM_TYPE)

    def _lineitem_problem(self, body: dict[str, Any]) -> str:
        if not isinstance(body.get("label"), str) or not body["label"].strip():
            return "label is required"
        maximum = body.get("scoreMaximum")
        if isinstance(maximum, bool) or not isinstance(maximum, int | float) or maximum <= 0:
            return "scoreMaximum must be a number > 0"
        link = body.get("resourceLinkId")
        if link is not None and link not in self.resource_links:
            return f"no resource link {link!r}"
        return ""

    async def _lineitem_endpoint(self, request: Request) -> Response:
        record = await self._start(request, "lineitem")
        try:
            self._check_course(request)
            item = self._lineitem(request)
            self._check_bearer(request, SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY)
            self._check_accept(request, LINEITEM_TYPE)
        except Refused as error:
            return self._refuse(record, error)
        return self._done(record, JSONResponse(item, media_type=LINEITEM_TYPE))

    def _lineitem(self, request: Request) -> dict[str, Any]:
        item = self.lineitems.get(f"{self.lineitems_url}/{request.path_params['n']}")
        if item is None:
            raise Refused(404, "not_found", "no such line item")
        return item

    async def _scores_endpoint(self, request: Request) -> Response:
        record = await self._start(request, "scores")
        lineitem = f"{self.lineitems_url}/{request.path_params['n']}"
        status = self._scores_status
        if status is not None:
            return self._done(
                record, JSONResponse({"error": "unavailable"}, status), "failed", lineitem=lineitem
            )
        try:
            moment = self._checked_score(request, record.body)
        except Refused as error:
            return self._refuse(record, error, lineitem=lineitem)
        result_url = f"{lineitem}/results?{urlencode({'user_id': record.body['userId']})}"
        response = JSONResponse({"resultUrl": result_url})
        if not self._keep_score(lineitem, record.body, moment):
            reason = "timestamp not after the last accepted score's"
            return self._done(record, response, "ignored", lineitem=lineitem, reason=reason)
        return self._done(record, response, "accepted", lineitem=lineitem)

    def _checked_score(self, request: Request, body: Any) -> datetime:
        """The timestamp of a valid score POST (else Refused)."""
        self._check_course(request)
        self._lineitem(request)
        if media_type_of(request.headers.get("content-type", "")) != SCORE_TYPE:
            raise Refused(415, "unsupported_media_type", f"Content-Type must be {SCORE_TYPE}")
        self._check_bearer(request, SCOPE_SCORE)
        return self._score_moment(body)

    def _score_moment(self, body: Any) -> datetime:
        def need(ok: bool, reason: str) -> None:
            if not ok:
                raise Refused(400, "invalid_score", reason)

        need(isinstance(body, dict), "the body is not a JSON object")
        need(body.get("userId") in self.users, f"userId {body.get('userId')!r} is not a member")
        need(body.get("activityProgress") in ACTIVITY, "bad activityProgress")
        need(body.get("gradingProgress") in GRADING, "bad gradingProgress")
        given, maximum = body.get("scoreGiven"), body.get("scoreMaximum")
        if given is not None:
            need(isinstance(given, int | float) and given >= 0, "scoreGiven must be >= 0")
            need(
                isinstance(maximum, int | float) and maximum > 0,
                "scoreMaximum (> 0) is required with scoreGiven",
            )
        need(isinstance(body.get("comment", ""), str), "comment must be a string")
        try:
            return _timestamp(body.get("timestamp"))
        except ValueError as error:
            raise Refused(400, "invalid_score", str(error)) from None

    def _keep_score(self, lineitem: str, body: dict[str, Any], moment: datetime) -> bool:
        """Put ``body`` in the gradebook if it is newer than the user's last score there."""
        key = (lineitem, body["userId"])
        with self._lock:
            last = self._results.get(key)
            newer = last is None or moment > datetime.fromisoformat(last["timestamp"])
            if newer:
                self._results[key] = dict(body)
        return newer

    async def _results_endpoint(self, request: Request) -> Response:
        record = await self._start(request, "results")
        try:
            self._check_course(request)
            item = self._lineitem(request)
            self._check_bearer(request, SCOPE_RESULT_READONLY)
            self._check_accept(request, RESULTS_TYPE)
        except Refused as error:
            return self._refuse(record, error)
        only = request.query_params.get("user_id")
        results = [
            {
                "id": f"{item['id']}/results/{quote(user, safe='')}",
                "scoreOf": item["id"],
                "userId": user,
                "resultScore": score.get("scoreGiven"),
                "resultMaximum": score.get("scoreMaximum"),
                "comment": score.get("comment"),
            }
            for (lineitem, user), score in list(self._results.items())
            if lineitem == item["id"] and only in (None, user)
        ]
        return self._done(record, JSONResponse(results, media_type=RESULTS_TYPE))
