"""The request log: every request the emulator answered, as a ``Recorded``, in order."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tests.integration.lms.platform import Platform


@dataclass
class Recorded:
    """One request the emulator answered. ``kind``: jwks, launch_page, storage_frame,
    storage, auth, token, lineitems, lineitem, scores, results, memberships,
    deep_link_return. ``body``: the parsed JSON or form (a dict), else the text.
    ``outcome``: "ok", "accepted"/"ignored"/"failed" for scores, else an error code."""

    kind: str
    method: str
    url: str
    headers: dict[str, str]
    body: Any
    status: int = 0
    outcome: str = ""
    info: dict[str, Any] = field(default_factory=dict)
    at: float = 0.0


class Refused(Exception):
    """A request the emulator turns down: ``status``, ``code`` (OAuth/AGS error), reason."""

    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.code, self.reason = status, code, reason


def media_type_of(value: str) -> str:
    return value.split(";")[0].strip().lower()


class RequestLog(Platform):
    """``requests`` and the views of it tests read; every endpoint opens its record with
    ``_start`` and files it with ``_done`` (or ``_refuse``)."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[Recorded] = []

    def recorded(self, kind: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.kind == kind]

    @property
    def score_posts(self) -> list[Recorded]:
        return self.recorded("scores")

    @property
    def token_requests(self) -> list[Recorded]:
        return self.recorded("token")

    @property
    def deep_link_returns(self) -> list[Recorded]:
        return self.recorded("deep_link_return")

    @property
    def storage_messages(self) -> list[dict[str, Any]]:
        return [r.body for r in self.recorded("storage")]

    @property
    def jwks_fetches(self) -> int:
        return len(self.recorded("jwks"))

    async def _start(self, request: Request, kind: str) -> Recorded:
        return Recorded(
            kind=kind,
            method=request.method,
            url=str(request.url),
            headers=dict(request.headers),
            body=await _body(request),
            at=time.time(),
        )

    def _done(
        self, record: Recorded, response: Response, outcome: str = "ok", **info: Any
    ) -> Response:
        record.status, record.outcome = response.status_code, outcome
        record.info.update(info)
        with self._lock:
            self.requests.append(record)
        return response

    def _refuse(self, record: Recorded, error: Refused, **info: Any) -> Response:
        body = {"error": error.code, "error_description": error.reason}
        return self._done(
            record, JSONResponse(body, error.status), error.code, reason=error.reason, **info
        )


async def _body(request: Request) -> Any:
    """The form (a dict of its text fields), else the JSON, else the text of a POST/PUT."""
    media = media_type_of(request.headers.get("content-type", ""))
    if media in ("application/x-www-form-urlencoded", "multipart/form-data"):
        async with request.form() as form:
            return {k: v for k, v in form.items() if isinstance(v, str)}
    if request.method in ("POST", "PUT"):
        raw = await request.body()
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode(errors="replace")
    return None
