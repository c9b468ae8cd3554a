"""The composition root of the API: the real service's app, from the environment.

The only API module that imports the worker and the sandbox: the queue
(``worker.tasks.enqueue``) and the real probes of Redis and the Docker engine, from
the adapters that own those services. Every other API module imports only the
core, the store, the configuration and the web framework, so that the app can be
built and tested with a store in a temporary folder and fakes for the rest.
"""

from __future__ import annotations

from functools import cache

from fastapi import FastAPI

from api.app import create_app
from api.health import Probes
from config import Settings
from sandbox.docker_sandbox import ping_engine
from store import SYSTEM_CLOCK, SQLiteStore, SubmissionStore
from worker import pool_report, queue


def default_probes(settings: Settings, store: SubmissionStore) -> Probes:
    return Probes(
        redis=lambda: queue.ping(settings.redis_url),
        store=store.ping,
        docker=ping_engine,
        pool=lambda: pool_report.read(settings.redis_url),
    )


@cache
def default_app() -> FastAPI:
    from worker.tasks import enqueue  # Celery and its broker settings: the real service only

    settings = Settings.from_env()
    clock = SYSTEM_CLOCK  # the store's time and the API's: due dates, quotas, release
    store = SQLiteStore(settings.data_dir, clock)
    return create_app(settings, store, enqueue, default_probes(settings, store), clock=clock)


def __getattr__(name: str) -> FastAPI:
    """``app``, for ``uvicorn api.wiring:app``: the real service's app, built on first use."""
    if name == "app":
        return default_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
