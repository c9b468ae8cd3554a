"""The cli's GraderClient against the API app in process: a real httpx client whose
transport hands each request to the app's TestClient (see api_harness.py).

Used by test_client.py, test_progress.py and test_main.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from cli.client import GraderClient
from tests.unit.api_harness import Harness, make_harness

API = "http://grader.test"


def bridge(app_client: TestClient) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        response = app_client.request(
            request.method,
            request.url.raw_path.decode(),
            headers=dict(request.headers),
            content=request.read(),
        )
        return httpx.Response(
            response.status_code, headers=response.headers.multi_items(), content=response.content
        )

    return httpx.MockTransport(handle)


def bridged_harness(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Harness:
    """The API harness, with ``GraderClient.connect(API, ...)`` bridged to its app."""
    harness = make_harness(tmp_path)
    connect = GraderClient.connect.__func__  # type: ignore[attr-defined]

    def bridged(cls: type[GraderClient], url: str, token: str, timeout: float = 60) -> Any:
        assert url == API
        return connect(cls, url, token, timeout, bridge(harness.client))

    monkeypatch.setattr(GraderClient, "connect", classmethod(bridged))
    return harness


def client(token: str) -> GraderClient:
    return GraderClient.connect(API, token)
