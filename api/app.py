"""The FastAPI application.

``create_app(settings, store, enqueue)`` builds it from its parts (tests pass a
store in a temporary folder and a fake ``enqueue``). ``app``, for uvicorn
(``uvicorn api.app:app``), is built on first access from the environment, with
the real queue (``worker.tasks.enqueue``); ``python -m api`` serves it.
"""

from __future__ import annotations

from functools import cache

from fastapi import FastAPI

from api.assignments import Assignments
from api.auth import Authenticator, User, load_tokens
from api.errors import install_handlers
from api.health import Probes, default_probes
from api.routes import router
from api.services import Enqueue, Services
from worker.config import Settings
from worker.store import Store, SubmissionStore

DESCRIPTION = """Submit ML homework, follow its grading, read Gradescope-style feedback.

Authenticate with `Authorization: Bearer TOKEN`. Errors are
`{"error": {"code": "...", "message": "..."}}`; see docs/api.md."""


def create_app(
    settings: Settings,
    store: SubmissionStore,
    enqueue: Enqueue,
    probes: Probes | None = None,
    users: dict[str, User] | None = None,
) -> FastAPI:
    """``users`` (token digest -> user) defaults to the tokens file of the settings."""
    app = FastAPI(title="mlgrader", version="1", description=DESCRIPTION)
    app.state.services = Services(
        settings=settings,
        store=store,
        enqueue=enqueue,
        assignments=Assignments(settings.assignments_dir),
        probes=probes or default_probes(settings, store),
        auth=Authenticator(load_tokens(settings.tokens_file) if users is None else users),
    )
    install_handlers(app)
    app.include_router(router)
    return app


@cache
def default_app() -> FastAPI:
    from worker.tasks import enqueue  # Celery and its broker settings: the real service only

    settings = Settings.from_env()
    return create_app(settings, Store(settings.data_dir), enqueue)


def __getattr__(name: str) -> FastAPI:
    if name == "app":
        return default_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
