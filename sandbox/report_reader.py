"""Reading the runner's report stream from a running container, as it is written.

The report is the container's stdout (grader.wire's JSON lines, ending with an
``{"end": N}`` line). Waiting for the container to exit and then asking the engine
for its log costs the process's exit, the container's teardown and a second pass
over the log. Instead, a thread follows the attached stdout while the run goes on
and the caller stops as soon as the end line is in: the container is removed
afterwards anyway. If the stream closes without it (the runner crashed or was
killed), or the time runs out, the caller falls back to the container's state.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

END_LINE = b'{"end":'


class ReportReader:
    """Follows ``chunks`` (the attached stdout) in a thread, keeping at most ``max_bytes``."""

    def __init__(self, chunks: Iterator[bytes], max_bytes: int) -> None:
        self._chunks = chunks
        self.max_bytes = max_bytes
        self.data = bytearray()
        self.truncated = False
        self.ended = False  # the end line was read: the report is complete
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._follow, name="report-reader", daemon=True)
        self._thread.start()

    def _follow(self) -> None:
        try:
            for chunk in self._chunks:
                if len(self.data) + len(chunk) > self.max_bytes:
                    self.truncated = True  # keep draining: the runner must not block
                    continue
                self.data += chunk
                if self._at_end():
                    self.ended = True
                    return
        except Exception:  # the connection broke: the caller reads the container's state
            return
        finally:
            self._done.set()

    def _at_end(self) -> bool:
        if not self.data.endswith(b"\n"):
            return False
        last = self.data[self.data.rfind(b"\n", 0, len(self.data) - 1) + 1 :]
        return last.replace(b" ", b"").startswith(END_LINE.replace(b" ", b""))

    def wait(self, timeout: float) -> bool:
        """True once the stream ended (with or without its end line) within ``timeout``."""
        return self._done.wait(timeout)

    def close(self, stream: Any = None) -> None:
        """Stop following; ``stream`` (docker's CancellableStream) is closed, and its HTTP
        response too: closing the stream alone shuts the socket down but leaves the
        response's file object holding it (an unclosed-socket warning later)."""
        for part in (stream, getattr(stream, "_response", None)):
            if part is not None:
                with contextlib.suppress(Exception):
                    part.close()
        self._thread.join(timeout=5)
