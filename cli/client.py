"""A client of the grading service's HTTP API (see docs/api.md), for ``grader submit``,
``grader regrade``, ``grader extend`` and ``grader publish``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import httpx


class ServiceError(Exception):
    """The service refused the request: ``status`` 4xx or 5xx, with its error code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class GraderClient:
    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    @classmethod
    def connect(
        cls,
        base_url: str,
        token: str,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> GraderClient:
        return cls(
            httpx.Client(
                base_url=base_url.rstrip("/"),
                headers={"Authorization": f"Bearer {token}"},
                timeout=timeout,
                transport=transport,
            )
        )

    def close(self) -> None:
        self.http.close()

    def submit(self, assignment_id: str, files: Sequence[tuple[str, bytes]]) -> dict[str, Any]:
        """Upload files (or one zip); returns ``{"id", "status"}``."""
        parts = [("files", (name, data, "application/octet-stream")) for name, data in files]
        return self._call("POST", f"/api/assignments/{assignment_id}/submissions", files=parts)

    def submission(self, submission_id: str) -> dict[str, Any]:
        return self._call("GET", f"/api/submissions/{submission_id}")

    def regrade(self, assignment_id: str) -> dict[str, Any]:
        return self._call("POST", f"/api/assignments/{assignment_id}/regrade")

    def regrade_progress(self, regrade_id: str) -> dict[str, Any]:
        return self._call("GET", f"/api/regrades/{regrade_id}")

    def policy(self, assignment_id: str) -> dict[str, Any]:
        """The assignment's policy and where the caller stands against it."""
        return self._call("GET", f"/api/assignments/{assignment_id}/policy")

    def extensions(self, assignment_id: str) -> list[dict[str, Any]]:
        return self._call("GET", f"/api/assignments/{assignment_id}/extensions")

    def extend(self, assignment_id: str, student: str, due: str) -> dict[str, Any]:
        """Give a student a new due (ISO 8601 with a time zone); returns the extension."""
        path = f"/api/assignments/{assignment_id}/extensions/{quote(student, safe='')}"
        return self._call("PUT", path, json={"due": due})

    def remove_extension(self, assignment_id: str, student: str) -> None:
        path = f"/api/assignments/{assignment_id}/extensions/{quote(student, safe='')}"
        self._call("DELETE", path)

    def publish(self, assignment_id: str) -> dict[str, Any]:
        return self._call("PUT", f"/api/assignments/{assignment_id}/publication")

    def unpublish(self, assignment_id: str) -> dict[str, Any]:
        return self._call("DELETE", f"/api/assignments/{assignment_id}/publication")

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise error_of(response)
        return response.json() if response.content else None


def error_of(response: httpx.Response) -> ServiceError:
    try:
        error = response.json()["error"]
        return ServiceError(response.status_code, str(error["code"]), str(error["message"]))
    except (ValueError, KeyError, TypeError):
        text = " ".join(response.text.split())[:200] or response.reason_phrase
        status = response.status_code
        return ServiceError(status, "http_error", f"HTTP {status}: {text}")
