"""The warm pool: sandbox containers started ahead of demand, one submission each.

A container is slow to start (create, start, Python, the ``preload`` imports), and
that start sits on every submission's path. The pool starts them before they are
needed, for each combination of image, limits and preload that the worker has
graded (a ``PoolKey``), so a submission finds its runner already up and waiting for
its request. Each container still serves exactly one submission and is then
destroyed: nothing a submission leaves behind can reach the next one. The pool only
moves the start off the submission's path; it does not reuse.

The pool is generic over what it keeps: ``start(key)`` makes one, ``stop(item)``
destroys one. A background thread keeps ``size`` items ready per known key, recycles
an item that waited longer than ``idle_seconds`` and forgets a key no submission has
asked for in that time. ``size = 0`` is no pool at all (``DockerSandbox`` then starts
each container on demand, as the pool would).

The thread starts nothing while an item taken from this pool is in use. A start
costs about half a CPU-second of the engine's and the new container's time; on a
2-core machine, beside the submission being graded, it slowed that submission (CS189,
medians of 8 grades in three pairs of runs: 0.76, 0.74, 0.65 s beside a start against
0.57, 0.49, 0.48 s without, docs/service.md). A worker process grades
one submission at a time, so it needs its next container only when the current one
is done: the pool refills between submissions. Used items are still stopped at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from grader.spec import Limits

log = logging.getLogger(__name__)
T = TypeVar("T")
RETRY_SECONDS = 5.0  # after a failed start, the filler waits this long before the next try


@dataclass(frozen=True)
class PoolKey:
    """What makes two sandbox containers interchangeable before their request."""

    image: str
    limits: Limits
    preload: tuple[str, ...]


@dataclass
class _Slot(Generic[T]):
    """One key's containers: ready ones (with the time each became ready), those
    being started, when a submission last asked for the key."""

    ready: deque[tuple[float, T]] = field(default_factory=deque)
    starting: int = 0
    asked: float = 0.0
    failed_at: float = float("-inf")


@dataclass(frozen=True)
class PoolStats:
    ready: int
    starting: int
    in_use: int
    hits: int
    misses: int
    recycled: int

    def as_dict(self) -> dict[str, int]:
        return {
            "ready": self.ready,
            "starting": self.starting,
            "in_use": self.in_use,
            "hits": self.hits,
            "misses": self.misses,
            "recycled": self.recycled,
        }


class WarmPool(Generic[T]):
    """Keeps ``size`` started items per known key, refilled in a background thread."""

    def __init__(
        self,
        size: int,
        idle_seconds: float,
        start: Callable[[PoolKey], T],
        stop: Callable[[T], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if size < 1:
            raise ValueError("a pool holds at least one item per key; size 0 is no pool")
        self.size, self.idle_seconds = size, idle_seconds
        self._start, self._stop, self._clock = start, stop, clock
        self._slots: dict[PoolKey, _Slot[T]] = {}
        self._stale: list[T] = []  # recycled or used, to be stopped by the filler
        self._changed = threading.Condition()
        self._closed = False
        self._in_use = self._hits = self._misses = self._recycled = 0
        self._thread = threading.Thread(target=self._fill_forever, name="warm-pool", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------ the worker's side

    def take(self, key: PoolKey) -> T | None:
        """A ready item for ``key`` (the caller owns it from now on), or None: a miss,
        after which the pool starts filling ``key``."""
        with self._changed:
            slot = self._slots.setdefault(key, _Slot())
            slot.asked = self._clock()
            self._in_use += 1
            self._drop_stale(slot)
            if slot.ready:
                self._hits += 1
                item = slot.ready.popleft()[1]
            else:
                self._misses += 1
                item = None
            self._changed.notify_all()
            return item

    def done(self, key: PoolKey, used: T | None = None) -> None:
        """The item taken for ``key`` (or the one started instead) has served; ``used``,
        if given, is stopped by the filler thread, off the caller's path."""
        with self._changed:
            self._in_use -= 1
            if used is not None:
                self._stale.append(used)
            self._changed.notify_all()

    def warm(self, key: PoolKey) -> None:
        """Start filling ``key`` before any submission asks for it."""
        with self._changed:
            self._slots.setdefault(key, _Slot()).asked = self._clock()
            self._changed.notify_all()

    def stats(self) -> PoolStats:
        with self._changed:
            return PoolStats(
                ready=sum(len(s.ready) for s in self._slots.values()),
                starting=sum(s.starting for s in self._slots.values()),
                in_use=self._in_use,
                hits=self._hits,
                misses=self._misses,
                recycled=self._recycled,
            )

    def wait_ready(self, timeout: float) -> bool:
        """Wait until every known key has ``size`` ready items; False at the timeout."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not all(self._drop_stale(s) >= self.size for s in self._slots.values()):
                left = deadline - time.monotonic()
                if left <= 0 or self._closed:
                    return False
                self._changed.wait(left)
            return True

    def close(self) -> None:
        """Stop filling and destroy every ready item (items taken are their owners')."""
        with self._changed:
            self._closed = True
            items = [item for s in self._slots.values() for _, item in s.ready] + self._stale
            self._slots.clear()
            self._stale = []
            self._changed.notify_all()
        self._thread.join(timeout=30)
        for item in items:
            self._stop_quietly(item)

    # ------------------------------------------------------------ the filler thread

    def _fill_forever(self) -> None:
        while True:
            with self._changed:
                expired = self._expire()
                key = None if self._closed else self._next_to_start()
                if key is None and not expired and not self._closed:
                    self._changed.wait(timeout=min(self.idle_seconds, RETRY_SECONDS))
                    continue
            for item in expired:
                self._stop_quietly(item)
            if key is None:
                if self._closed:
                    return
                continue
            self._start_one(key)

    def _drop_stale(self, slot: _Slot[T]) -> int:
        """Move the items that waited too long to the recycling list; how many are left.
        Under the lock; the filler thread stops them."""
        now = self._clock()
        while slot.ready and now - slot.ready[0][0] > self.idle_seconds:
            self._stale.append(slot.ready.popleft()[1])
            self._recycled += 1
            self._changed.notify_all()
        return len(slot.ready)

    def _expire(self) -> list[T]:
        """Items that waited too long, and keys no one asked for in that time; under the lock."""
        now = self._clock()
        for key, slot in list(self._slots.items()):
            self._drop_stale(slot)
            if now - slot.asked > self.idle_seconds and not slot.ready and not slot.starting:
                del self._slots[key]
        expired, self._stale = self._stale, []
        return expired

    def _next_to_start(self) -> PoolKey | None:
        """A key to start an item for; none while an item is in use (see above)."""
        if self._in_use:
            return None
        now = self._clock()
        for key, slot in self._slots.items():
            recent = now - slot.asked <= self.idle_seconds
            short = len(slot.ready) + slot.starting < self.size
            if recent and short and now - slot.failed_at >= RETRY_SECONDS:
                slot.starting += 1
                return key
        return None

    def _start_one(self, key: PoolKey) -> None:
        try:
            item = self._start(key)
        except Exception as exc:  # the engine is down: submissions start their own
            log.warning("warm pool: cannot start a sandbox for %s: %s", key.image, exc)
            item = None
        with self._changed:
            slot = self._slots.setdefault(key, _Slot())
            slot.starting -= 1
            if item is None:
                slot.failed_at = self._clock()
            elif self._closed:
                pass
            else:
                slot.ready.append((self._clock(), item))
                item = None
            self._changed.notify_all()
        if item is not None:  # started while the pool was closing
            self._stop_quietly(item)

    def _stop_quietly(self, item: T) -> None:
        try:
            self._stop(item)
        except Exception as exc:
            log.warning("warm pool: cannot remove a sandbox: %s", exc)
