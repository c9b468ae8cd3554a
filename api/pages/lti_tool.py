"""The tool's LTI parts, built once per app: registered platforms, their key sets, the
tool's own key, the LTI records, and the signed state cookies of launches in flight.

A launch is bound to the browser that began it: ``/lti/login`` sets a cookie named for
the launch holding its nonce (signed, ten minutes), and ``/lti/launch`` accepts the
id_token only with that cookie and that nonce. Where the browser does not keep the
cookie (the LMS's iframe, third-party cookies blocked), the nonce is kept in the LMS's
platform storage instead, or the launch begins again in a new window
(api/pages/lti_launch.py).
"""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from api.errors import ApiError
from api.pages.session import secure_context
from lti.claims import Launch
from lti.keys import ToolKey
from lti.launch import KeySets
from lti.registry import Registry
from store import SQLiteLtiStore

STATE_COOKIE = "mlgrader_lti_"
STATE_SECONDS = 600
STATE_SALT = "mlgrader.lti-state-param"


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

    def begin(self, login: dict[str, str]) -> LaunchState:
        """A new launch: its id (names the browser's cookie), nonce and login parameters."""
        return LaunchState(secrets.token_urlsafe(12), secrets.token_urlsafe(24), login)

    def bind(self, request: Request, response: Response, began: LaunchState) -> None:
        """Set the launch's cookie (its nonce, signed) on ``response``."""
        secure = secure_context(request)
        response.set_cookie(
            STATE_COOKIE + began.id,
            self.states.dumps(began.nonce),
            max_age=STATE_SECONDS,
            path="/lti/",
            httponly=True,
            samesite="none" if secure else "lax",  # the LMS posts the launch cross-site
            secure=secure,
            partitioned=secure,  # inside the LMS's iframe, where third-party cookies fail
        )

    def state_of(self, state: str) -> LaunchState | None:
        """The launch a state names (ours, and younger than ten minutes), or None."""
        try:
            data = self.states.loads(state, salt=STATE_SALT, max_age=STATE_SECONDS)
        except BadSignature:
            return None
        return LaunchState(str(data["id"]), str(data["n"]), dict(data["p"]))

    def encode(self, began: LaunchState) -> str:
        return self.states.dumps(
            {"id": began.id, "n": began.nonce, "p": began.login}, salt=STATE_SALT
        )

    def cookie_nonce(self, request: Request, began: LaunchState) -> str | None:
        """The nonce this browser's cookie holds for the launch; None without one."""
        cookie = request.cookies.get(STATE_COOKIE + began.id)
        if not cookie:
            return None
        try:
            return str(self.states.loads(cookie, max_age=STATE_SECONDS))
        except BadSignature:
            return None


@dataclass(frozen=True)
class LaunchState:
    id: str  # names the browser's state cookie, and the launch's key in platform storage
    nonce: str
    login: dict[str, str]  # the login's parameters: to begin again in a new window


def lti_tool(request: Request) -> LtiTool:
    tool = getattr(request.app.state, "lti", None)
    if not isinstance(tool, LtiTool):
        raise ApiError(404, "lti_disabled", "no LMS is registered with this service")
    return tool


def launch_from_dict(data: dict[str, Any]) -> Launch:
    """A Launch from its fields as JSON gave them back (lists for tuples)."""
    names = {f.name for f in dataclasses.fields(Launch)}
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in names}
    return Launch(**values)
