"""The base of every part of the emulator: who the LMS is, its lock and clock, and its
addresses (the issuer and endpoints the tool is registered with)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Platform:
    """The identity ``LmsEmulator.__init__`` sets, and what all parts share. Each part (a
    mixin of ``LmsEmulator``) keeps its own state, set in its ``__init__``."""

    tool_url: str
    port: int
    url: str
    client_id: str
    deployment_ids: list[str]
    context: dict[str, Any]

    def __init__(self) -> None:
        super().__init__()
        self.clock: Callable[[], float] = time.time
        self._serial = 0
        self._lock = threading.Lock()

    @property
    def issuer(self) -> str:
        return self.url

    @property
    def auth_url(self) -> str:
        return self.url + "/auth"

    @property
    def token_url(self) -> str:
        return self.url + "/token"

    @property
    def jwks_url(self) -> str:
        return self.url + "/jwks"

    @property
    def deep_link_return_url(self) -> str:
        return self.url + "/deep_link_return"

    @property
    def lineitems_url(self) -> str:
        return f"{self.url}/courses/{quote(self.context['id'], safe='')}/lineitems"

    @property
    def memberships_url(self) -> str:
        return f"{self.url}/courses/{quote(self.context['id'], safe='')}/memberships"

    @property
    def redirect_uri(self) -> str:
        return self.tool_url + "/lti/launch"

    @property
    def tool_jwks_url(self) -> str:
        return self.tool_url + "/lti/jwks"

    def registration(self, name: str = "LMS emulator") -> dict[str, Any]:
        """This platform as an entry of the tool's GRADER_LTI_CONFIG list."""
        return {
            "issuer": self.issuer,
            "client_id": self.client_id,
            "deployment_ids": list(self.deployment_ids),
            "auth_login_url": self.auth_url,
            "auth_token_url": self.token_url,
            "key_set_url": self.jwks_url,
            "name": name,
        }
