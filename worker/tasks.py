"""Celery tasks: thin shells that pass job ids to worker.jobs.

- ``grade_job(job_id)``: grade one job (claim, sandbox, verdict).
- ``pass_back()``: queue the scores LMS gradebooks are owed and send the due ones
  (worker/passback.py); after each grading, and from every sweep when an LMS is
  registered, so a score waits at most a sweep and its backoff.
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

import httpx
from celery.signals import worker_process_shutdown, worker_ready

from grader.errors import SpecError
from grader.spec import Assignment, load_assignment
from lti.keys import ToolKey
from lti.registry import Registry
from sandbox.docker_sandbox import DockerSandbox
from sandbox.leftovers import Leftovers
from store import SYSTEM_CLOCK, SQLiteLtiStore, SQLiteStore
from worker import janitor, pool_report
from worker.app import app, settings
from worker.jobs import GraderCache, JobRunner, OutcomeKind
from worker.passback import Passback

log = logging.getLogger(__name__)
RETRY_BACKOFF = (5, 20, 60)  # seconds before a released job is sent again


@cache
def store() -> SQLiteStore:
    return SQLiteStore(settings.data_dir)


@cache
def sandbox() -> DockerSandbox:
    """This process's sandbox, with its warm pool (GRADER_POOL_SIZE), whose figures are
    published for the API's health (worker/pool_report.py)."""
    worker = settings.worker
    box = DockerSandbox(
        worker.sandbox_image, worker.work_dir, None, worker.pool_size, worker.pool_idle
    )
    if box.pool is not None:
        pool = box.pool
        pool_report.publish_forever(settings.redis_url, lambda: pool.stats().as_dict(), _stopping)
    return box


@cache
def leftovers() -> Leftovers:
    """The sandbox containers the sweep looks for, on the engine the sandboxes use."""
    worker = settings.worker
    return DockerSandbox(worker.sandbox_image, worker.work_dir).leftovers


@cache
def runner() -> JobRunner:
    graders = GraderCache(settings.assignments_dir, settings.cache_dir)
    worker = settings.worker
    return JobRunner(store(), graders.get, sandbox(), worker.lease_seconds, worker.max_attempts)


# The sweep runs in the main worker process and opens a Docker connection there; a pool
# process forked later (to replace one that died) must open its own, not share that socket.
os.register_at_fork(
    after_in_child=lambda: (
        sandbox.cache_clear(),
        leftovers.cache_clear(),
        runner.cache_clear(),
        passback.cache_clear(),
    )
)
_stopping = threading.Event()


@worker_process_shutdown.connect
def _close_pool(**_: object) -> None:
    """A worker process that exits removes its warm containers (a killed one leaves them
    to the sweep: they stop waiting after GRADER_POOL_IDLE and are then removed)."""
    _stopping.set()
    if sandbox.cache_info().currsize:
        sandbox().close()


@cache
def passback() -> Passback | None:
    """The gradebook sender, when LMSs are registered (GRADER_LTI_CONFIG)."""
    registry = Registry.load(settings.lti_config)
    if not registry:
        return None
    return Passback(
        store(),
        SQLiteLtiStore(settings.data_dir),
        spec_or_none,
        registry,
        ToolKey.load_or_create(settings.data_dir),
        httpx.Client(timeout=10),
        SYSTEM_CLOCK,
        settings.worker.passback_backoff,
    )


def spec_or_none(assignment_id: str) -> Assignment | None:
    try:
        return load_assignment(settings.assignments_dir / assignment_id)
    except (OSError, SpecError):  # an assignment that cannot be loaded has no score to send
        log.exception("assignment %s: no spec, its scores wait", assignment_id)
        return None


@app.task(name="pass_back")
def pass_back() -> int:
    sender = passback()
    if sender is None:
        return 0
    sender.sync()
    return sender.send_due()


@app.task(name="grade_job")
def grade_job(job_id: str) -> str:
    outcome = runner().run(job_id)
    log.info("job %s: %s %s", job_id, outcome.kind, outcome.detail)
    if outcome.kind == OutcomeKind.GRADED and passback() is not None:
        try:
            pass_back.delay()
        except Exception:  # the queue is down: the sweep sends the score
            log.exception("job %s: could not queue pass_back", job_id)
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
    if passback() is not None:
        pass_back.delay()
    reaped = janitor.reap(store(), leftovers())
    if reaped:
        log.info("sweep removed the leftover containers of %s", ", ".join(reaped))
    stale = leftovers().remove_stale(janitor.STALE_AFTER)
    if stale:
        log.info("sweep removed %d stale sandbox container(s)", stale)
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
