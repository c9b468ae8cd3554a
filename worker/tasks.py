"""Celery tasks: thin shells that pass job ids to worker.jobs.

- ``grade_job(job_id)``: grade one job (claim, sandbox, verdict).
- ``sweep()``: re-send jobs the queue may have lost (see SQLiteStore.due_for_enqueue). It
  runs in every worker, every GRADER_SWEEP_SECONDS and once at start-up, so a job
  whose worker was killed is graded soon after any worker runs again. It also
  removes the sandbox containers of finished jobs that a killed worker left
  (worker/janitor.py).
"""

from __future__ import annotations

import logging
import os
import threading
from functools import cache

from celery.signals import worker_ready

from sandbox.docker_sandbox import DockerSandbox
from store import SQLiteStore
from worker import janitor
from worker.app import app, settings
from worker.jobs import GraderCache, JobRunner, OutcomeKind

log = logging.getLogger(__name__)
RETRY_BACKOFF = (5, 20, 60)  # seconds before a released job is sent again


@cache
def store() -> SQLiteStore:
    return SQLiteStore(settings.data_dir)


@cache
def sandbox() -> DockerSandbox:
    return DockerSandbox(settings.worker.sandbox_image, settings.worker.work_dir)


@cache
def runner() -> JobRunner:
    graders = GraderCache(settings.assignments_dir, settings.cache_dir)
    worker = settings.worker
    return JobRunner(store(), graders.get, sandbox(), worker.lease_seconds, worker.max_attempts)


# The sweep runs in the main worker process and opens a Docker connection there; a pool
# process forked later (to replace one that died) must open its own, not share that socket.
os.register_at_fork(after_in_child=lambda: (sandbox.cache_clear(), runner.cache_clear()))


@app.task(name="grade_job")
def grade_job(job_id: str) -> str:
    outcome = runner().run(job_id)
    log.info("job %s: %s %s", job_id, outcome.kind, outcome.detail)
    if outcome.kind == OutcomeKind.RELEASED:
        job = store().job(job_id)
        attempt = job.attempts if job else 1
        delay = RETRY_BACKOFF[min(attempt, len(RETRY_BACKOFF)) - 1]
        grade_job.apply_async((job_id,), countdown=delay)
    return outcome.kind


def enqueue(job_id: str) -> None:
    """Send a stored job to the queue. Call only after the job is durably stored; if
    this raises (Redis down), the job stays stored and the sweep sends it later."""
    grade_job.delay(job_id)
    store().mark_queued(job_id)


@app.task(name="sweep")
def sweep() -> int:
    ids = store().due_for_enqueue(settings.worker.queued_grace)
    for job_id in ids:
        grade_job.delay(job_id)
    if ids:
        log.info("sweep re-sent %d job(s): %s", len(ids), ", ".join(ids))
    reaped = janitor.reap(store(), sandbox())
    if reaped:
        log.info("sweep removed the leftover containers of %s", ", ".join(reaped))
    return len(ids)


@worker_ready.connect
def _start_sweeping(**_: object) -> None:
    def loop() -> None:
        while True:
            try:
                sweep()
            except Exception:  # Redis or the store briefly down: try again next round
                log.exception("sweep failed")
            stop.wait(settings.worker.sweep_seconds)

    stop = threading.Event()
    threading.Thread(target=loop, name="grader-sweep", daemon=True).start()
