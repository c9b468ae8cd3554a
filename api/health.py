"""Reachability of what the service needs: Redis (the queue), the store, Docker.

Each probe raises (or returns False) when its service cannot be reached; tests
pass their own. The real probes come from the adapters that own those services,
put together in api/wiring.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

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
