"""OIDC third-party login, the platform's side: the launch page that sends the login
initiation to ``{tool_url}/lti/login``, and the authorization endpoint ``/auth`` that
answers with an id_token posted to the tool's redirect_uri (``response_mode=form_post``)."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from tests.integration.lms.launches import Launches, LaunchRequest
from tests.integration.lms.pages import SUBMIT_SCRIPT, hidden_form, page
from tests.integration.lms.recording import Refused
from tests.integration.lms.storage import Storage
from tests.integration.lms.tokens import IssuedToken, Tokens


class Oidc(Tokens, Launches, Storage):
    """``/launch/{launch_id}`` and ``/auth``."""

    async def _launch_page(self, request: Request) -> Response:
        record = await self._start(request, "launch_page")
        launch = self.launches.get(request.path_params["launch_id"])
        if launch is None:
            return self._done(
                record, page("No such launch", "<p>No such launch.</p>", 404), "not_found"
            )
        if not launch.storage_target:
            body = f"<h1>Launching the tool</h1>\n{self._login_form(launch)}\n{SUBMIT_SCRIPT}"
            return self._done(record, page("Launching the tool", body), launch=launch.id)
        body = self._embedding_body(launch, launch.storage_target)
        return self._done(record, page(self.context["title"], body), launch=launch.id)

    def _embedding_body(self, launch: LaunchRequest, target: str) -> str:
        """The course page: the tool in <iframe name="tool">, platform storage answered by
        this page (target "_parent") or by a hidden frame named ``target``."""
        frame = (
            ""
            if target == "_parent"
            else (
                f'<iframe name="{html.escape(target)}" title="Platform storage" hidden '
                f'src="/storage_frame?{urlencode({"frame": target})}"></iframe>\n'
            )
        )
        script = self._storage_js(target, "_parent", keeps=target == "_parent")
        return (
            f"<h1>{html.escape(self.context['title'])}</h1>\n"
            '<iframe name="tool" title="Tool" style="width:100%;height:80vh;border:1px solid">'
            f"</iframe>\n{frame}{self._login_form(launch, target='tool')}\n"
            f"<script>{script}\nwindow.addEventListener('load', function () "
            "{ document.getElementById('lti-form').submit(); });</script>"
        )

    def _login_form(self, launch: LaunchRequest, target: str = "") -> str:
        login = self.tool_url + "/lti/login"
        return hidden_form(login, self._login_fields(launch), launch.login_method, target=target)

    async def _auth_endpoint(self, request: Request) -> Response:
        record = await self._start(request, "auth")
        params = dict(request.query_params) | (record.body if isinstance(record.body, dict) else {})
        record.body = params
        try:
            launch = self._authorized(params)
        except Refused as error:
            text = f"<h1>Authorization refused</h1>\n<p>{error.code}: {html.escape(error.reason)}"
            return self._done(
                record, page("Authorization refused", text, 400), error.code, reason=error.reason
            )
        issued = self._issue(launch, params)
        fields = _form_post_fields(launch, issued)
        body = f"{hidden_form(issued.redirect_uri, fields)}\n{SUBMIT_SCRIPT}"
        return self._done(
            record, page("Signing in to the tool", body), launch=launch.id, id_token=issued.token
        )

    def _issue(self, launch: LaunchRequest, params: dict[str, str]) -> IssuedToken:
        """The id_token answering this authorization (after next_token_tamper, used once)."""
        claims = self.claims(
            launch.user_sub,
            launch.resource_link_id,
            params["nonce"],
            message_type=launch.message_type,
            deployment_id=launch.deployment_id,
            target_link_uri=launch.target_link_uri,
            deep_link_data=launch.deep_link_data,
        )
        header: dict[str, Any] = {"kid": self.kid, "alg": "RS256"}
        tamper, self.next_token_tamper = self.next_token_tamper, None
        token = self._signed(claims, header, tamper)
        state = params.get("state")
        issued = IssuedToken(token, claims, header, launch.id, state, params["redirect_uri"])
        with self._lock:
            self.id_tokens.append(issued)
        return issued

    def _authorized(self, params: dict[str, str]) -> LaunchRequest:
        def need(ok: bool, code: str, reason: str) -> None:
            if not ok:
                raise Refused(400, code, reason)

        need(
            params.get("client_id") == self.client_id,
            "unauthorized_client",
            f"unknown client_id {params.get('client_id')!r}",
        )
        need(
            params.get("redirect_uri") == self.redirect_uri,
            "invalid_request",
            f"redirect_uri {params.get('redirect_uri')!r} is not registered",
        )
        need("openid" in params.get("scope", "").split(), "invalid_scope", "scope lacks openid")
        need(
            params.get("response_type") == "id_token",
            "unsupported_response_type",
            "response_type must be id_token",
        )
        need(
            params.get("response_mode") == "form_post",
            "invalid_request",
            "response_mode must be form_post",
        )
        need(params.get("prompt") == "none", "invalid_request", "prompt must be none")
        need(bool(params.get("nonce")), "invalid_request", "no nonce")
        launch = self.launches.get(params.get("lti_message_hint", ""))
        need(launch is not None, "access_denied", "unknown lti_message_hint")
        assert launch is not None
        need(
            params.get("login_hint") == launch.login_hint,
            "access_denied",
            "login_hint does not match the lti_message_hint",
        )
        return launch


def _form_post_fields(launch: LaunchRequest, issued: IssuedToken) -> dict[str, str]:
    fields = {"id_token": issued.token}
    if issued.state is not None:
        fields["state"] = issued.state
    if launch.storage_target:
        fields["lti_storage_target"] = launch.storage_target
    return fields
