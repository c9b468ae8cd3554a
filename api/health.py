"""Reachability of what the service needs: Redis (the queue), the store, Docker.

Each probe raises (or returns False) when its service cannot be reached; tests
pass their own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import docker
import redis

from worker.config import Settings
from worker.store import SubmissionStore

log = logging.getLogger(__name__)
Probe = Callable[[], object]


@dataclass(frozen=True)
class Probes:
    redis: Probe
    store: Probe
    docker: Probe

    def report(self) -> dict[str, bool]:
        return {
            "redis": reachable("redis", self.redis),
            "store": reachable("store", self.store),
            "docker": reachable("docker", self.docker),
        }


def reachable(name: str, probe: Probe) -> bool:
    try:
        return probe() is not False
    except Exception as exc:
        log.warning("health: %s unreachable: %s", name, exc)
        return False


def default_probes(settings: Settings, store: SubmissionStore) -> Probes:
    def redis_ping() -> object:
        client = redis.Redis.from_url(
            settings.redis_url, socket_timeout=1, socket_connect_timeout=1
        )
        try:
            return client.ping()
        finally:
            client.close()

    def docker_ping() -> object:
        client = docker.from_env(timeout=2)
        try:
            return client.ping()
        finally:
            client.close()

    return Probes(redis=redis_ping, store=store.ping, docker=docker_ping)
