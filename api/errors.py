"""One error shape for every refusal: ``{"error": {"code": "...", "message": "..."}}``.

Handlers turn our ``ApiError``, the core's ``SubmissionError``, Starlette's HTTP
errors (unknown route, wrong method) and FastAPI's request validation errors into
that shape; an unexpected exception becomes a 500 in the same shape, and is logged.
A request for a web page (any path outside the JSON API) gets the same status and
message as an HTML page instead, from ``app.state.error_page`` (api/pages).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from grader.errors import SubmissionError

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
}
SUBMISSION_STATUS = {"too_large": 413}  # every other SubmissionError code is a 422


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


JSON_PATHS = ("/api/", "/openapi.json", "/docs", "/redoc")
DOWNLOADS = (".json", ".csv")


def wants_page(request: Request) -> bool:
    path = request.url.path
    pages = getattr(request.app.state, "error_page", None) is not None
    return pages and not path.startswith(JSON_PATHS) and not path.endswith(DOWNLOADS)


def error_response(
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
    request: Request | None = None,
) -> Response:
    if request is not None and wants_page(request):
        return cast(
            Response, request.app.state.error_page(request, status, code, message, headers or {})
        )
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(SubmissionError, _submission_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.headers, request)


async def _submission_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SubmissionError)
    status = SUBMISSION_STATUS.get(exc.code, 422)
    return error_response(status, exc.code, str(exc), request=request)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = HTTP_CODES.get(exc.status_code, "http_error")
    message = str(exc.detail)
    if exc.status_code in (404, 405) and message in ("Not Found", "Method Not Allowed"):
        message = f"no endpoint {request.method} {request.url.path} (see /docs)"
        if wants_page(request):
            message = f"there is no page {request.url.path}"
    return error_response(exc.status_code, code, message, exc.headers, request)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = [
        f"{'.'.join(str(part) for part in error['loc'])}: "
        + str(error["msg"]).removeprefix("Value error, ")
        for error in exc.errors()
    ]
    message = "; ".join(problems) or "invalid request"
    return error_response(422, "invalid_request", message, request=request)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "internal error; it has been logged")
