"""Web sign-in: a signed, timestamped session cookie, and the CSRF token it carries.

The cookie holds who signed in (name and role) and a random CSRF token, signed with
the service's secret by itsdangerous, so it cannot be forged or edited; its age is
checked on every request, so a sign-in lasts ``session_hours``. Everyone gets a
session on their first page (an anonymous one, so that the sign-in form itself has
a CSRF token); signing in replaces it with a new one (new token: no fixation).

The cookie is ``HttpOnly`` (no script reads it), ``SameSite=Lax`` (other sites'
forms do not carry it) and ``Secure`` when the request came over HTTPS. Every form
post is also checked against the session's CSRF token (``check_csrf``). Signing out
drops the cookie; as with any signed cookie, a copy taken before then stays valid
until it expires, so sessions are kept short.

The LTI launch (docs/lti.md, later) creates the same session.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import secrets
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from api.auth import Role, User

COOKIE = "mlgrader_session"
CSRF_FIELD = "csrf"
SALT = "mlgrader.web-session"
# The browser keeps the cookie a day past the session's end (the signature's age is what
# counts), so that a person coming back is told their session expired.
KEEP_EXPIRED = 24 * 3600
CSRF_MESSAGE = (
    "this form has expired or did not come from this site's page: reload the page and send it again"
)


class SessionState(StrEnum):
    NONE = "none"  # no cookie, or one we did not sign
    EXPIRED = "expired"  # ours, but older than the session lifetime
    VALID = "valid"


@dataclass(frozen=True)
class WebSession:
    csrf: str
    user: User | None = None
    state: SessionState = SessionState.VALID
    fresh: bool = False  # made by this request: the response must set the cookie


class SignInRequired(Exception):
    """A page needs a signed-in user: the handler redirects to the sign-in page."""

    def __init__(self, expired: bool) -> None:
        super().__init__("sign in required")
        self.expired = expired


class CsrfError(Exception):
    """A form post without this session's CSRF token."""


class Sessions:
    def __init__(self, secret: str, max_age_seconds: float) -> None:
        self.serializer = URLSafeTimedSerializer(secret, salt=SALT)
        self.max_age = int(max_age_seconds)

    def read(self, request: Request) -> WebSession:
        """This request's session; a new anonymous one when it has none (or an
        expired one: ``state`` says which)."""
        cached = getattr(request.state, "web_session", None)
        if isinstance(cached, WebSession):
            return cached
        session = self._load(request.cookies.get(COOKIE))
        request.state.web_session = session
        return session

    def _load(self, cookie: str | None) -> WebSession:
        if not cookie:
            return anonymous(SessionState.NONE)
        try:
            data = self.serializer.loads(cookie, max_age=self.max_age)
        except SignatureExpired:
            return anonymous(SessionState.EXPIRED)
        except BadSignature:
            return anonymous(SessionState.NONE)
        return from_payload(data)

    def write(
        self, request: Request, response: Response, session: WebSession, embedded: bool = False
    ) -> None:
        """``embedded``: the session of an LMS launch, whose pages may be shown in the
        LMS's iframe, where only a ``SameSite=None; Secure`` cookie (partitioned per top
        site, CHIPS) is sent; that needs HTTPS. Over plain HTTP (a developer's machine)
        it is ``Lax``, which works when the LMS and the tool are the same site."""
        cross_site = embedded and secure_context(request)
        response.set_cookie(
            COOKIE,
            self.serializer.dumps(payload(session)),
            max_age=self.max_age + KEEP_EXPIRED,
            path="/",
            httponly=True,
            samesite="none" if cross_site else "lax",
            secure=cross_site or request.url.scheme == "https",
            partitioned=cross_site,
        )

    def clear(self, request: Request, response: Response) -> None:
        response.delete_cookie(
            COOKIE, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https"
        )


def secure_context(request: Request) -> bool:
    """Whether the request came over HTTPS (directly, or as the proxy in front says,
    with uvicorn's --proxy-headers): only then may a cookie be ``SameSite=None``."""
    return request.url.scheme == "https"


def anonymous(state: SessionState) -> WebSession:
    return WebSession(csrf=secrets.token_urlsafe(24), state=state, fresh=True)


def signed_in(user: User) -> WebSession:
    return WebSession(csrf=secrets.token_urlsafe(24), user=user, fresh=True)


def payload(session: WebSession) -> dict[str, Any]:
    data: dict[str, Any] = {"c": session.csrf}
    if session.user is not None:
        data |= {"u": session.user.name, "r": session.user.role, "d": session.user.display}
    return data


def from_payload(data: Any) -> WebSession:
    if not isinstance(data, dict) or not isinstance(data.get("c"), str):
        return anonymous(SessionState.NONE)
    role: Role | None = data.get("r")
    name = data.get("u")
    display = data.get("d") if isinstance(data.get("d"), str) else ""
    if isinstance(name, str) and role in ("student", "instructor"):
        return WebSession(csrf=data["c"], user=User(name, role, display))
    return WebSession(csrf=data["c"])


def check_csrf(session: WebSession, sent: str | None) -> None:
    if session.fresh or not sent or not hmac.compare_digest(session.csrf, sent):
        raise CsrfError


def session_secret(configured: str, data_dir: Path) -> str:
    """The configured secret, or one made once and kept in ``<data_dir>/session.key``
    (readable by this user only), so sessions survive a restart of the API."""
    if configured:
        return configured
    key = Path(data_dir) / "session.key"
    if not key.exists():
        key.parent.mkdir(parents=True, exist_ok=True)
        draft = key.with_name(f".session.key.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(32))
        with contextlib.suppress(FileExistsError):  # another API process was first
            os.link(draft, key)
        draft.unlink()
    return key.read_text().strip()
