"""What the routes use, built once per app and kept in ``app.state.services``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import cast

from fastapi import Request

from api.assignments import Assignments
from api.auth import Authenticator
from api.health import Probes
from config import Settings
from store import Clock, SubmissionStore

log = logging.getLogger(__name__)
Enqueue = Callable[[str], None]


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: SubmissionStore
    enqueue: Enqueue
    assignments: Assignments
    probes: Probes
    auth: Authenticator
    clock: Clock  # the store's: due dates, quotas and release are judged by it

    def send(self, job_ids: Sequence[str]) -> int:
        """Queue stored jobs; returns how many were sent. When the queue is down the
        rest are left to the worker's sweep, which sends every stored job not yet
        sent: the jobs are durable already, so the request still succeeds."""
        for sent, job_id in enumerate(job_ids):
            try:
                self.enqueue(job_id)
            except Exception:
                log.exception(
                    "could not queue job %s; it and %d more stay stored for the sweep to send",
                    job_id,
                    len(job_ids) - sent - 1,
                )
                return sent
        return len(job_ids)


def services(request: Request) -> Services:
    return cast(Services, request.app.state.services)
