"""The warm pools' figures, shared through Redis so that the API's health can show them.

Every worker process has its own pool (sandbox.pool); it publishes its figures under
its own key every few seconds with an expiry, so a worker that died drops out of the
sum by itself. The API reads the sum (``read``); nothing here decides anything.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping

import redis

log = logging.getLogger(__name__)
PREFIX = "mlgrader:pool:"
EVERY = 5.0  # seconds between publications
TTL = 15  # seconds a publication stays: three missed ones and the process is gone
FIELDS = ("ready", "starting", "in_use", "hits", "misses", "recycled")


def key() -> str:
    return f"{PREFIX}{socket.gethostname()}:{os.getpid()}"


def publish_forever(
    redis_url: str, stats: Callable[[], Mapping[str, int]], stop: threading.Event
) -> threading.Thread:
    """Publish ``stats()`` every EVERY seconds until ``stop`` is set, in a daemon thread."""

    def loop() -> None:
        client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        while True:
            try:
                client.set(key(), json.dumps(dict(stats())), ex=TTL)
            except redis.RedisError as exc:  # Redis briefly down: the next round will do
                log.debug("pool figures not published: %s", exc)
            if stop.wait(EVERY):
                return

    thread = threading.Thread(target=loop, name="pool-report", daemon=True)
    thread.start()
    return thread


def read(redis_url: str, timeout: float = 1) -> dict[str, int]:
    """The sum of every live worker process's pool figures, and how many processes."""
    client = redis.Redis.from_url(redis_url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        keys = sorted(client.scan_iter(match=f"{PREFIX}*", count=100))
        values = client.mget(keys) if keys else []
    finally:
        client.close()
    total = dict.fromkeys(FIELDS, 0) | {"workers": 0}
    for raw in values:
        try:
            figures = json.loads(raw) if raw else None
        except ValueError:
            figures = None
        if not isinstance(figures, dict):
            continue
        total["workers"] += 1
        for name in FIELDS:
            value = figures.get(name, 0)
            total[name] += value if isinstance(value, int) else 0
    return total
