"""The Deep Linking 2.0 return ``/deep_link_return``: the tool's signed response, whose
``ltiResourceLink`` items become resource links (with their line items) of the course."""

from __future__ import annotations

import html
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from tests.integration.lms.oauth import OAuth
from tests.integration.lms.pages import page
from tests.integration.lms.recording import Refused
from tests.integration.lms.tokens import Tokens
from tests.integration.lms.vocabulary import DEEP_LINKING_RESPONSE, DL, LTI


class DeepLinking(OAuth, Tokens):
    """Checks the response JWT against the tool's key set and the settings handed out."""

    async def _deep_link_return(self, request: Request) -> Response:
        record = await self._start(request, "deep_link_return")
        form = record.body if isinstance(record.body, dict) else {}
        try:
            claims = await self._tool_jwt(form.get("JWT", ""), self.issuer, ["exp", "iat", "nonce"])
            self._check_deep_link(claims)
        except Refused as error:
            text = f"<h1>Deep linking refused</h1>\n<p>{html.escape(error.reason)}</p>"
            return self._done(
                record, page("Deep linking refused", text, 400), error.code, reason=error.reason
            )
        items = claims.get(DL + "content_items") or []
        created = [
            self._link_from_item(item)
            for item in items
            if isinstance(item, dict) and item.get("type") == "ltiResourceLink"
        ]
        return self._done(
            record,
            _return_page(claims, created),
            claims=claims,
            content_items=items,
            created_links=[link["id"] for link in created],
        )

    def _check_deep_link(self, claims: dict[str, Any]) -> None:
        def need(ok: bool, reason: str) -> None:
            if not ok:
                raise Refused(400, "invalid_request", reason)

        need(
            claims.get(LTI + "message_type") == DEEP_LINKING_RESPONSE,
            f"message_type is not {DEEP_LINKING_RESPONSE}",
        )
        need(claims.get(LTI + "version") == "1.3.0", "version is not 1.3.0")
        need(claims.get(LTI + "deployment_id") in self.deployment_ids, "unknown deployment_id")
        need(
            claims.get(DL + "data") in self._dl_data,
            "data is not the deep_linking_settings data of a request",
        )
        items = claims.get(DL + "content_items", [])
        need(isinstance(items, list), "content_items is not a list")

    def _link_from_item(self, item: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._serial += 1
            link_id = f"link-{self._serial}"
        link = self.add_resource_link(
            link_id,
            str(item.get("title") or link_id),
            custom=item.get("custom"),
            url=item.get("url"),
        )
        spec = item.get("lineItem")
        if isinstance(spec, dict):
            self.add_lineitem(
                spec.get("label") or link["title"],
                spec.get("scoreMaximum", 100),
                resource_link_id=link_id,
                resource_id=spec.get("resourceId"),
                tag=spec.get("tag"),
            )
        return link


def _return_page(claims: dict[str, Any], created: list[dict[str, Any]]) -> HTMLResponse:
    """What the LMS shows after the return: the links added, the tool's msg/errormsg."""
    lines = [f"<p>Added: {html.escape(link['title'])}</p>" for link in created]
    for name in ("msg", "errormsg"):
        if claims.get(DL + name):
            lines.append(f'<p class="{name}">{html.escape(str(claims[DL + name]))}</p>')
    text = "\n".join(lines or ["<p>No items.</p>"])
    return page("Deep linking", f"<h1>Deep linking</h1>\n{text}")
