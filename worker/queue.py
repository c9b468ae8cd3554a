"""The queue's broker, Redis: whether it can be reached (the API's health check)."""

from __future__ import annotations

import redis


def ping(redis_url: str, timeout: float = 1) -> object:
    """Redis's answer to PING (True); raises when it cannot be reached in ``timeout`` s."""
    client = redis.Redis.from_url(redis_url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        return client.ping()
    finally:
        client.close()
