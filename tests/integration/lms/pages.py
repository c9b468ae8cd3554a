"""The emulator's HTML pages and their auto-submitted forms, and ``form_fields``, which
reads a form back (for tests that drive a launch with httpx instead of a browser)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from html.parser import HTMLParser

from starlette.responses import HTMLResponse

SUBMIT_SCRIPT = "<script>document.getElementById('lti-form').submit();</script>"


@dataclass(frozen=True)
class Form:
    action: str
    method: str
    fields: dict[str, str]


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n<body>\n{body}\n</body></html>\n",
        status_code=status,
    )


def hidden_form(action: str, fields: dict[str, str], method: str = "post", target: str = "") -> str:
    """<form id="lti-form"> with ``fields`` as hidden inputs (SUBMIT_SCRIPT posts it)."""
    inputs = "\n".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in fields.items()
    )
    target_attr = f' target="{html.escape(target)}"' if target else ""
    return (
        f'<form id="lti-form" method="{method}" action="{html.escape(action)}"{target_attr}>\n'
        f'{inputs}\n<button type="submit">Continue</button>\n</form>'
    )


def form_fields(page: str) -> Form:
    """The first <form> of an HTML page: action, method and its named inputs (for tests
    that drive a launch with httpx instead of a browser)."""
    parser = _FormParser()
    parser.feed(page)
    if parser.form is None:
        raise ValueError("no <form> in the page")
    return parser.form


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.form: Form | None = None
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and self.form is None:
            self.form = Form(values.get("action", ""), values.get("method", "get").upper(), {})
            self._inside = True
        elif tag == "input" and self._inside and self.form is not None and "name" in values:
            self.form.fields[values["name"]] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False
