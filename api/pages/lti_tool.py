"""The tool's LTI parts, built once per app: registered platforms, their key sets, the
tool's own key, the LTI records, and the signed state cookies of launches in flight.

A launch is bound to the browser that began it: ``/lti/login`` sets a cookie named for
the launch's ``state`` holding its nonce (signed, ten minutes), and ``/lti/launch``
accepts the id_token only with that cookie and that nonce.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from api.errors import ApiError
from api.pages.session import secure_context
from lti.keys import ToolKey
from lti.launch import KeySets
from lti.registry import Registry
from store import SQLiteLtiStore

STATE_COOKIE = "mlgrader_lti_"
STATE_SECONDS = 600


@dataclass(frozen=True)
class LtiTool:
    registry: Registry
    keysets: KeySets
    key: ToolKey
    records: SQLiteLtiStore
    states: URLSafeTimedSerializer
    public_url: str
    http: httpx.Client  # to the LMSs' services (the roster)

    @classmethod
    def build(
        cls, config: Path | None, data_dir: Path, secret: str, public_url: str
    ) -> LtiTool | None:
        """None when no LMS is registered (then the tool has no key to make either)."""
        registry = Registry.load(config)
        if not registry:
            return None
        http = httpx.Client(timeout=10)
        return cls(
            registry=registry,
            keysets=KeySets(http),
            key=ToolKey.load_or_create(data_dir),
            records=SQLiteLtiStore(data_dir),
            states=URLSafeTimedSerializer(secret, salt="mlgrader.lti-state"),
            public_url=public_url.rstrip("/"),
            http=http,
        )

    def url(self, request: Request, path: str) -> str:
        """An address of this service as the LMS and browsers reach it."""
        base = self.public_url or str(request.base_url).rstrip("/")
        return base + path

    def begin(self, request: Request, response: Response) -> tuple[str, str]:
        """A new launch's state and nonce, the state's cookie set on ``response``."""
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        secure = secure_context(request)
        response.set_cookie(
            STATE_COOKIE + state,
            self.states.dumps(nonce),
            max_age=STATE_SECONDS,
            path="/lti/",
            httponly=True,
            samesite="none" if secure else "lax",  # the LMS posts the launch cross-site
            secure=secure,
        )
        return state, nonce

    def nonce_of(self, request: Request, state: str) -> str | None:
        """The nonce this browser's cookie holds for ``state``; None without one."""
        cookie = request.cookies.get(STATE_COOKIE + state)
        if not cookie:
            return None
        try:
            return str(self.states.loads(cookie, max_age=STATE_SECONDS))
        except BadSignature:
            return None


def lti_tool(request: Request) -> LtiTool:
    tool = getattr(request.app.state, "lti", None)
    if not isinstance(tool, LtiTool):
        raise ApiError(404, "lti_disabled", "no LMS is registered with this service")
    return tool
