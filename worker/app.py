"""The Celery application: ``celery -A worker.app worker``.

Reliability settings, and why:
- ``task_acks_late`` + ``task_reject_on_worker_lost``: a message is acknowledged only
  after its job is finished, so a worker killed mid-grade leaves it to be redelivered.
- ``worker_prefetch_multiplier = 1``: a worker holds one job at a time, not a batch
  that would wait behind a slow one (or be lost with it).
- JSON only: tasks carry a job id, never an object.
- Time limits above the longest sandbox run, a visibility timeout above both.
- Redelivery is never the only safety net: the store is the source of truth, and
  the sweep (worker/tasks.py) re-sends jobs whose message was lost or whose worker
  died; ``SubmissionStore.claim`` makes every duplicate harmless.
"""

from __future__ import annotations

from celery import Celery

from config import Settings

SOFT_TIME_LIMIT = 900  # seconds; above the largest submission_timeout we ship (120 s) + margin
HARD_TIME_LIMIT = 960
VISIBILITY_TIMEOUT = 1800

settings = Settings.from_env()
app = Celery("mlgrader", broker=settings.redis_url, include=["worker.tasks"])
app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_soft_time_limit=SOFT_TIME_LIMIT,
    task_time_limit=HARD_TIME_LIMIT,
    broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    task_default_queue="grading",
)
