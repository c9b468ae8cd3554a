"""api/drain.py at the ASGI level: a fake client's body chunks, fake apps, a recorded send.

The body's unread rest is read before the response starts (never after: uvicorn cannot),
up to max_bytes; past that, or when it cannot be read, the answer closes the connection.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import pytest
from starlette.types import Message, Receive, Scope, Send

from api.drain import DrainRequestBody
from tests.unit.api_harness import make_harness

App = Callable[[Scope, Receive, Send], Awaitable[None]]
CHUNK = b"x" * 10


@dataclass
class Client:
    """Sends ``chunks`` as the body, then disconnects; logs what is received and sent (so a
    receive() past the end of the body shows as "disconnect")."""

    chunks: list[bytes]
    log: list[str] = field(default_factory=list)
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)  # of the response

    async def receive(self) -> Message:
        if not self.chunks:
            self.log.append("disconnect")
            return {"type": "http.disconnect"}
        self.log.append("chunk")
        body = self.chunks.pop(0)
        return {"type": "http.request", "body": body, "more_body": bool(self.chunks)}

    async def send(self, message: Message) -> None:
        self.log.append(message["type"].removeprefix("http.response."))
        if message["type"] == "http.response.start":
            self.headers = list(message["headers"])


def answering(reads: int) -> App:
    """An app that receives ``reads`` times (-1: the whole body), then answers 413."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        more, count = True, 0
        while more and count != reads:
            message = await receive()
            more, count = message.get("more_body", False), count + 1
        await send({"type": "http.response.start", "status": 413, "headers": [(b"x-a", b"1")]})
        await send({"type": "http.response.body", "body": b"{}"})

    return app


def run(app: App, client: Client, max_bytes: int, headers: list[tuple[bytes, bytes]]) -> None:
    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    anyio.run(DrainRequestBody(app, max_bytes=max_bytes), scope, client.receive, client.send)


LENGTH_30 = [(b"content-length", b"30")]
LENGTH_90 = [(b"content-length", b"90")]
EXPECT = [(b"expect", b"100-continue")]
CLOSE = (b"connection", b"close")
# name, app, body chunks sent, headers, max_bytes, expected log, connection closed
CASES: list[tuple[str, App, list[bytes], list[tuple[bytes, bytes]], int, list[str], bool]] = [
    ("answers at once: the body is read first", answering(0), [CHUNK] * 3, LENGTH_30, 100,
     ["chunk"] * 3 + ["start", "body"], False),
    ("reads one chunk: the rest is read", answering(1), [CHUNK] * 3, [], 100,
     ["chunk"] * 3 + ["start", "body"], False),
    ("reads the whole body: nothing more", answering(-1), [CHUNK] * 3, [], 100,
     ["chunk"] * 3 + ["start", "body"], False),
    ("an empty body", answering(0), [b""], [], 0, ["chunk", "start", "body"], False),
    ("more than max_bytes: read past it, then close", answering(0), [CHUNK] * 5, [], 25,
     ["chunk"] * 3 + ["start", "body"], True),
    ("the app read past max_bytes: close", answering(3), [CHUNK] * 5, [], 25,
     ["chunk"] * 3 + ["start", "body"], True),
    ("declared over max_bytes: nothing read, close", answering(0), [CHUNK] * 9, LENGTH_90, 50,
     ["start", "body"], True),
    ("the client disconnects", answering(1), [], [], 100, ["disconnect", "start", "body"], False),
    ("expects 100-continue, never asked: close", answering(0), [CHUNK] * 3, EXPECT, 100,
     ["start", "body"], True),
    ("expects 100-continue, asked: the rest is read", answering(1), [CHUNK] * 3, EXPECT, 100,
     ["chunk"] * 3 + ["start", "body"], False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("app", "chunks", "headers", "max_bytes", "log", "closed"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_the_body_is_read_before_the_response_starts(
    app: App,
    chunks: list[bytes],
    headers: list[tuple[bytes, bytes]],
    max_bytes: int,
    log: list[str],
    closed: bool,
) -> None:
    client = Client(list(chunks))
    run(app, client, max_bytes, headers)
    assert client.log == log
    assert client.headers == [(b"x-a", b"1"), *([CLOSE] if closed else [])]


def test_an_app_that_fails_before_answering_has_the_body_read_first() -> None:
    async def failing(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("bug")

    client = Client([CHUNK] * 3)
    with pytest.raises(RuntimeError, match="bug"):
        run(failing, client, 100, [])
    assert client.log == ["chunk"] * 3  # Starlette's outer middleware answers 500 next


@pytest.mark.parametrize("kind", ["websocket", "lifespan"])
def test_other_scopes_pass_through(kind: str) -> None:
    seen: list[Any] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.extend([scope, receive, send])

    client = Client([CHUNK])
    scope = {"type": kind, "headers": []}
    anyio.run(DrainRequestBody(app, max_bytes=0), scope, client.receive, client.send)
    assert seen == [scope, client.receive, client.send]
    assert client.log == []


def test_the_app_drains_up_to_the_setting(tmp_path: Path) -> None:
    h = make_harness(tmp_path, upload_drain_bytes=1234)
    drains = [m for m in h.app.user_middleware if m.cls is DrainRequestBody]
    assert [m.kwargs for m in drains] == [{"max_bytes": 1234}]
