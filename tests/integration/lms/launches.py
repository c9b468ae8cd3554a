"""Launches: what a test sets up before a browser (or httpx) starts the OIDC login."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from tests.integration.lms.course import Course
from tests.integration.lms.vocabulary import DEEP_LINKING_REQUEST, RESOURCE_LINK_REQUEST


@dataclass(frozen=True)
class LaunchRequest:
    """What one launch_url()/login_params() call set up; ``id`` is its lti_message_hint."""

    id: str
    login_hint: str
    user_sub: str
    resource_link_id: str | None
    message_type: str
    target_link_uri: str
    deployment_id: str
    storage_target: str | None
    deep_link_data: str | None
    login_method: str


class Launches(Course):
    """``launches`` by id (the lti_message_hint /auth gets back)."""

    def __init__(self) -> None:
        super().__init__()
        self.launches: dict[str, LaunchRequest] = {}

    def launch_url(self, user_sub: str, resource_link_id: str | None = None, **options: Any) -> str:
        """The page a browser opens to launch the tool (see ``new_launch`` for options)."""
        return f"{self.url}/launch/{self.new_launch(user_sub, resource_link_id, **options).id}"

    def login_params(
        self, user_sub: str, resource_link_id: str | None = None, **options: Any
    ) -> dict[str, str]:
        """The login initiation fields the launch page would send (for httpx-driven tests)."""
        return self._login_fields(self.new_launch(user_sub, resource_link_id, **options))

    def new_launch(
        self,
        user_sub: str,
        resource_link_id: str | None = None,
        *,
        message_type: str = RESOURCE_LINK_REQUEST,
        target_link_uri: str | None = None,
        deployment_id: str | None = None,
        storage_target: str | None = None,
        deep_link_data: str | None = None,
        login_method: str = "post",
    ) -> LaunchRequest:
        """Remember a launch: ``storage_target`` (e.g. "_parent" or a frame name) embeds the
        tool in <iframe name="tool"> and offers platform storage; ``login_method`` "get"
        sends the login initiation as a GET."""
        if user_sub not in self.users:
            raise KeyError(f"no user {user_sub!r}: add_user() first")
        if message_type != DEEP_LINKING_REQUEST and resource_link_id not in self.resource_links:
            raise KeyError(f"no resource link {resource_link_id!r}: add_resource_link() first")
        link = self.resource_links.get(resource_link_id or "", {})
        launch = LaunchRequest(
            id="msg-" + secrets.token_urlsafe(9),
            login_hint="user-" + secrets.token_urlsafe(9),
            user_sub=user_sub,
            resource_link_id=resource_link_id,
            message_type=message_type,
            target_link_uri=target_link_uri or link.get("url") or self.redirect_uri,
            deployment_id=deployment_id or self.deployment_ids[0],
            storage_target=storage_target,
            deep_link_data=deep_link_data,
            login_method=login_method.lower(),
        )
        self.launches[launch.id] = launch
        return launch

    def _login_fields(self, launch: LaunchRequest) -> dict[str, str]:
        fields = {
            "iss": self.issuer,
            "login_hint": launch.login_hint,
            "target_link_uri": launch.target_link_uri,
            "lti_message_hint": launch.id,
            "client_id": self.client_id,
            "lti_deployment_id": launch.deployment_id,
        }
        if launch.storage_target:
            fields["lti_storage_target"] = launch.storage_target
        return fields
