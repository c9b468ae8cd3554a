"""Read the rest of a request's body before answering, so that every client can read the answer.

The API refuses some requests before reading all of their body: a declared length over
the upload limit, a bad token, an unknown assignment, too many files... If the server
then closes the connection with request bytes still unread, the kernel answers them
with a TCP RST, and a client still sending (``urllib.request``, ``requests``) gets
"connection reset by peer" instead of the answer. Uvicorn cannot read a body once the
response has started (``receive()`` then returns ``http.disconnect``), so this
middleware reads and discards the rest when the response starts, before passing the
start on. At most ``max_bytes`` in all (GRADER_UPLOAD_DRAIN_BYTES): a body larger than
that (declared, or found while reading) is left unread and the answer says
``connection: close``; such a client may see a reset.

A client that sent ``Expect: 100-continue`` and was never asked to continue has sent no
body; it is not drained (draining would ask for the body), the connection is closed.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CLOSE = (b"connection", b"close")


class RequestBody:
    """The ``receive`` of one request, counting what has been received of its body."""

    def __init__(self, scope: Scope, receive: Receive, max_bytes: int) -> None:
        self._receive = receive
        self.max_bytes = max_bytes
        headers = dict(scope["headers"])
        length = headers.get(b"content-length", b"")
        self.declared = int(length) if length.isdigit() else None
        self.expects_continue = headers.get(b"expect", b"").lower() == b"100-continue"
        self.asked = False  # whether the app called receive()
        self.received = 0
        self.complete = False

    async def receive(self) -> Message:
        self.asked = True
        message = await self._receive()
        self._count(message)
        return message

    def _count(self, message: Message) -> None:
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            self.complete = not message.get("more_body", False)
        elif message["type"] == "http.disconnect":
            self.complete = True

    async def drain(self) -> bool:
        """Read and discard the rest of the body; False when it is left unread."""
        if self.complete:
            return True
        if self.expects_continue and not self.asked:
            return False
        if self.declared is not None and self.declared > self.max_bytes:
            return False
        while not self.complete:
            if self.received > self.max_bytes:
                return False
            self._count(await self._receive())
        return True


class DrainRequestBody:
    """ASGI middleware: a response starts only once its request's body is read (see above)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = RequestBody(scope, receive, self.max_bytes)
        started = False

        async def send_after_draining(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start" and not started:
                started = True
                if not await body.drain():
                    message = {**message, "headers": [*message.get("headers", []), CLOSE]}
            await send(message)

        try:
            await self.app(scope, body.receive, send_after_draining)
        except Exception:
            if not started:  # Starlette's outermost middleware answers 500 after us
                await body.drain()
            raise
