"""Reachability of what the service needs: Redis (the queue), the store, Docker; and
the figures of the workers' warm sandbox pools.

Each probe raises (or returns False) when its service cannot be reached; tests
pass their own. The real probes come from the adapters that own those services,
put together in api/wiring.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

log = logging.getLogger(__name__)
Probe = Callable[[], object]


@dataclass(frozen=True)
class Probes:
    redis: Probe
    store: Probe
    docker: Probe
    pool: Callable[[], Mapping[str, int]] | None = None  # the workers' pools, summed

    def report(self) -> dict[str, bool]:
        return {
            "redis": reachable("redis", self.redis),
            "store": reachable("store", self.store),
            "docker": reachable("docker", self.docker),
        }

    def pool_figures(self) -> Mapping[str, int] | None:
        if self.pool is None:
            return None
        try:
            return self.pool()
        except Exception as exc:
            log.warning("health: pool figures unreadable: %s", exc)
            return None


def reachable(name: str, probe: Probe) -> bool:
    try:
        return probe() is not False
    except Exception as exc:
        log.warning("health: %s unreachable: %s", name, exc)
        return False
