"""The HTTP server: the emulator's Starlette app under uvicorn, in a daemon thread of the
test process, on 127.0.0.1. Stopping and starting again reopen the same port; in between,
connections are refused (an LMS that is down)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Self

import uvicorn
from starlette.applications import Starlette

from tests.integration.lms.platform import Platform


def _listening_socket(port: int) -> socket.socket:
    # proto IPPROTO_TCP, else asyncio leaves Nagle on and keep-alive requests wait 40 ms
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    return sock


class Server(Platform):
    """``with lms:``, start/stop/down; serves ``_app`` (set by ``LmsEmulator``)."""

    _app: Starlette

    def __init__(self) -> None:
        super().__init__()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 10) -> None:
        """Listen on 127.0.0.1:``port`` (the same port after a stop()); state is kept."""
        if self._thread is not None:
            return
        sock = _listening_socket(self.port)
        server = uvicorn.Server(self._config())
        thread = threading.Thread(
            target=server.run,
            kwargs={"sockets": [sock]},
            name=f"lms-emulator-{self.port}",
            daemon=True,
        )
        self._server, self._thread, self._socket = server, thread, sock
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the LMS emulator did not start on {self.url}")
            time.sleep(0.01)

    def stop(self, timeout: float = 15) -> None:
        """Stop listening (connections are then refused) and end the server thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise RuntimeError("the LMS emulator's server thread did not end")
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    @contextlib.contextmanager
    def down(self) -> Iterator[None]:
        """``with lms.down():`` the LMS refuses connections (stopped), then starts again."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    def _config(self) -> uvicorn.Config:
        return uvicorn.Config(
            self._app,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            ws="none",
            http="h11",
            loop="asyncio",
            timeout_graceful_shutdown=5,
        )
