"""What the course services (AGS and NRPS) share: the course and Accept checks, and
pagination with a ``Link: <...>; rel="next"`` header."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from tests.integration.lms.oauth import OAuth
from tests.integration.lms.recording import Refused, media_type_of


def paginate(items: list[Any], request: Request, page_size: int | None) -> tuple[list[Any], str]:
    """One page of ``items`` and the Link header of the next one ("" on the last page)."""
    limit = _number(request.query_params.get("limit"), page_size or 0)
    if limit <= 0:
        return items, ""
    page = max(1, _number(request.query_params.get("page"), 1))
    chunk = items[(page - 1) * limit : page * limit]
    if page * limit >= len(items):
        return chunk, ""
    query = dict(request.query_params) | {"limit": str(limit), "page": str(page + 1)}
    base = str(request.url).split("?")[0]
    return chunk, f'<{base}?{urlencode(query)}>; rel="next"'


def _number(text: str | None, default: int) -> int:
    try:
        return int(text) if text else default
    except ValueError:
        return default


def _accepts(request: Request, media_type: str) -> bool:
    accept = request.headers.get("accept", "")
    return any(media_type_of(part) in (media_type, "*/*") for part in accept.split(","))


class CourseService(OAuth):
    """A service endpoint under ``/courses/{course}``; ``strict_accept`` (default True)
    refuses a request whose Accept header does not name the media type (406)."""

    def __init__(self) -> None:
        super().__init__()
        self.strict_accept = True

    def _check_accept(self, request: Request, media_type: str) -> None:
        if self.strict_accept and not _accepts(request, media_type):
            raise Refused(406, "not_acceptable", f"Accept must name {media_type}")

    def _check_course(self, request: Request) -> None:
        if request.path_params["course"] != self.context["id"]:
            raise Refused(404, "not_found", "no such course")
