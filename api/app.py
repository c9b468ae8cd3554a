"""The FastAPI application.

``create_app(settings, store, enqueue, probes)`` builds it from its parts (tests pass
a store in a temporary folder, a fake ``enqueue`` and their own probes; the time is the
store's clock unless ``clock`` is given, so a ManualClock decides due dates). The real
service's app is built by api/wiring.py (``uvicorn api.wiring:app``); ``python -m api``
serves it.
"""

from __future__ import annotations

from fastapi import FastAPI

from api import pages, policy_routes
from api.assignments import Assignments
from api.auth import Authenticator, User, load_tokens
from api.drain import DrainRequestBody
from api.errors import install_handlers
from api.health import Probes
from api.routes import router
from api.services import Enqueue, Services
from config import Settings
from store import Clock, SubmissionStore

DESCRIPTION = """Submit ML homework, follow its grading, read Gradescope-style feedback.

Authenticate with `Authorization: Bearer TOKEN`. Errors are
`{"error": {"code": "...", "message": "..."}}`; see docs/api.md."""


def create_app(
    settings: Settings,
    store: SubmissionStore,
    enqueue: Enqueue,
    probes: Probes,
    users: dict[str, User] | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """``users`` (token digest -> user) defaults to the tokens file of the settings."""
    app = FastAPI(title="mlgrader", version="1", description=DESCRIPTION)
    tokens_file = settings.api.tokens_file
    app.state.services = Services(
        settings=settings,
        store=store,
        enqueue=enqueue,
        assignments=Assignments(settings.assignments_dir),
        probes=probes,
        auth=Authenticator(load_tokens(tokens_file) if users is None else users),
        clock=store.clock if clock is None else clock,
    )
    install_handlers(app)
    app.add_middleware(DrainRequestBody, max_bytes=settings.api.upload_drain_bytes)
    app.include_router(router)
    app.include_router(policy_routes.router)
    pages.install(app, settings)
    return app
