"""Rendering pages: the Jinja2 templates (autoescaped) and the assignments' READMEs.

A README is Markdown written by the instructor; it is rendered without raw HTML, and
its relative links are kept only where the service serves the file: the assignment's
``starter/`` folder. Any other relative link (data, examples) becomes plain text, so
no page points at files the service does not publish.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markdown_it import MarkdownIt
from markdown_it.token import Token

from api.pages.session import CSRF_FIELD, WebSession

HERE = Path(__file__).resolve().parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
STATIC_DIR = HERE / "static"
STARTER = "starter/"


def score_text(score: float | None, max_score: float | None = None) -> str:
    """A score as students read it: "37 / 37", "21.5 / 37", or a dash without one."""
    if score is None:
        return "\N{EN DASH}"
    shown = f"{score:.10g}"
    return shown if max_score is None else f"{shown} / {max_score:.10g}"


def when(moment: datetime) -> str:
    """A time as the pages show it: UTC, to the minute (the same for every reader)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def deadline(moment: datetime) -> str:
    """A due date in the time zone it was written in, to the minute, with its offset:
    "2026-12-10 23:59 UTC-08:00" reads as the instructor wrote it."""
    offset = moment.strftime("%z")
    zone = "UTC" if offset in ("", "+0000") else f"UTC{offset[:3]}:{offset[3:]}"
    return f"{moment.strftime('%Y-%m-%d %H:%M')} {zone}"


TEMPLATES.env.filters["score"] = score_text
TEMPLATES.env.filters["when"] = when
TEMPLATES.env.filters["deadline"] = deadline


def page(
    request: Request,
    template: str,
    session: WebSession,
    context: Mapping[str, Any],
    status: int = 200,
) -> HTMLResponse:
    """A page for this session's user; the sessions keeper sets the cookie if new."""
    values = {"user": session.user, "csrf": session.csrf, "csrf_field": CSRF_FIELD, **context}
    response = TEMPLATES.TemplateResponse(request, template, values, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    if session.fresh:
        request.app.state.sessions.write(request, response, session)
    return response


class Readmes:
    """Each assignment's README as HTML, rendered once per change of the file."""

    def __init__(self) -> None:
        self.markdown = MarkdownIt("commonmark", {"html": False}).enable("table")
        self._cache: dict[Path, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def html(self, folder: Path, assignment_id: str) -> str:
        path = folder / "README.md"
        if not path.is_file():
            return ""
        mtime = path.stat().st_mtime
        with self._lock:
            cached = self._cache.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
        tokens = self.markdown.parse(path.read_text(encoding="utf-8"))
        for token in tokens:
            for child in token.children or []:
                if child.type == "link_open":
                    relink(child, "href", assignment_id)
                elif child.type == "image":
                    relink(child, "src", assignment_id)
        html = self.markdown.renderer.render(tokens, self.markdown.options, {})
        with self._lock:
            self._cache[path] = (mtime, html)
        return html


def relink(token: Token, attr: str, assignment_id: str) -> None:
    """A link's href or an image's src: kept if absolute, rewritten to the starter
    route if in ``starter/``, dropped otherwise (a link becomes text, an image its alt)."""
    target = str(token.attrGet(attr) or "")
    if target.startswith(("http://", "https://", "#", "mailto:")):
        return
    if target.startswith(STARTER) and ".." not in target.split("/"):
        token.attrSet(attr, f"/assignments/{assignment_id}/{target}")
        return
    token.attrs.pop(attr, None)
