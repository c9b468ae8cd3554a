"""Helpers for the web pages' unit tests (test_session.py, test_login.py, test_student.py,
test_instructor.py, test_rendering.py): a browser-like TestClient per user, signing in
through the sign-in form, uploads through the assignment page's form, and a tiny HTML
query helper (the standard library's html.parser, elements found by data-testid).

The app is api_harness.py's: a real SQLiteStore in a temporary folder, a recording queue.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import httpx2
from fastapi.testclient import TestClient

from api.pages.session import COOKIE, CSRF_FIELD
from tests.unit.api_harness import ASSIGNMENT, Harness, headers

VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)


# ------------------------------------------------------------------ a tiny HTML query helper


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    children: list[Element | str] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        return self.attrs.get(name)

    def has(self, name: str) -> bool:
        return name in self.attrs

    @property
    def text(self) -> str:
        """The text of the element and its descendants, whitespace collapsed."""
        return " ".join("".join(self._texts()).split())

    def _texts(self) -> Iterator[str]:
        for child in self.children:
            if isinstance(child, str):
                yield child
            else:
                yield from child._texts()

    def iter(self) -> Iterator[Element]:
        """Every descendant element, in document order."""
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def all(self, tag: str | None = None, **attrs: str | bool) -> list[Element]:
        """Descendants with this tag (any if None) whose attributes have these values
        (``data_testid="x"`` for ``data-testid``, ``class_`` for ``class``; True: the
        attribute is there, with or without a value; False: it is not)."""
        wanted = {name.rstrip("_").replace("_", "-"): value for name, value in attrs.items()}
        return [
            e
            for e in self.iter()
            if (tag is None or e.tag == tag)
            and all(_matches(e.attrs, name, value) for name, value in wanted.items())
        ]

    def one(self, tag: str | None = None, **attrs: str | bool) -> Element:
        found = self.all(tag, **attrs)
        assert len(found) == 1, f"{len(found)} elements {tag} {attrs}, wanted one"
        return found[0]

    def by_testid(self, testid: str) -> list[Element]:
        return self.all(data_testid=testid)

    def testid(self, testid: str) -> Element:
        """The one element with this data-testid."""
        return self.one(data_testid=testid)


def _matches(attrs: Mapping[str, str | None], name: str, value: str | bool) -> bool:
    if isinstance(value, bool):
        return (name in attrs) is value
    return attrs.get(name) == value


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, dict(attrs)))  # <path ... /> in SVG

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def page_of(response: httpx2.Response, status: int = 200) -> Element:
    """The response's HTML, parsed, after checking it is an HTML page with this status."""
    assert response.status_code == status, (response.status_code, response.text[:2000])
    assert response.headers["content-type"].startswith("text/html"), response.headers
    return parse(response.text)


def error_text(response: httpx2.Response, status: int) -> str:
    """The message of an HTML error (or refusal) page with this status."""
    return page_of(response, status).testid("error").text


def csrf_of(html: str) -> str:
    """The CSRF token of a page's forms (every form of a page carries the same one)."""
    values = {e.get("value") for e in parse(html).all("input", name=CSRF_FIELD)}
    assert len(values) == 1, f"the page's forms carry {len(values)} CSRF tokens"
    (value,) = values
    assert value, "an empty CSRF token"
    return value


# ------------------------------------------------------------------ browsing and signing in


def browser(h: Harness, https: bool = False) -> TestClient:
    """A client of the harness's app with its own cookie jar (one per person), which does
    not follow redirects (the tests read them)."""
    base = "https://testserver" if https else "http://testserver"
    return TestClient(h.app, base_url=base, follow_redirects=False)


def put_cookie(client: TestClient, value: str) -> None:
    """Replace the client's session cookie by this value (as the server set it: the
    cookie jar calls the host "testserver" "testserver.local")."""
    client.cookies.set(COOKIE, value, domain="testserver.local", path="/")


def location(response: httpx2.Response) -> str:
    assert response.status_code == 303, (response.status_code, response.text[:2000])
    return response.headers["location"]


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def login_form(client: TestClient, next_path: str | None = None) -> str:
    """The sign-in page's CSRF token (the page also gives the client its session)."""
    params = {} if next_path is None else {"next": next_path}
    response = client.get("/login", params=params)
    page_of(response)
    return csrf_of(response.text)


def post_login(
    client: TestClient, token: str, next_path: str | None = None, csrf: str | None = None
) -> httpx2.Response:
    """Open the sign-in page and send its form with this token (and this csrf if given)."""
    form_csrf = login_form(client)
    data = {"token": token, CSRF_FIELD: form_csrf if csrf is None else csrf}
    if next_path is not None:
        data["next"] = next_path
    return client.post("/login", data=data, follow_redirects=False)


def sign_in(h: Harness, token: str, https: bool = False) -> TestClient:
    """A new client, signed in through the form as the token's user."""
    client = browser(h, https)
    response = post_login(client, token)
    assert location(response) == "/"
    assert COOKIE in client.cookies
    return client


def page_csrf(client: TestClient, path: str = "/") -> str:
    response = client.get(path)
    page_of(response)
    return csrf_of(response.text)


def post_form(
    client: TestClient, path: str, csrf: str | None, data: Mapping[str, str] | None = None
) -> httpx2.Response:
    """A url-encoded form post, as a page's button sends it (without a csrf field if None)."""
    fields = dict(data or {})
    if csrf is not None:
        fields[CSRF_FIELD] = csrf
    return client.post(path, data=fields, follow_redirects=False)


# ------------------------------------------------------------------ uploads


def multipart(
    files: Sequence[tuple[str, bytes]], fields: Mapping[str, str] | None = None
) -> tuple[bytes, str]:
    """A multipart/form-data body as a browser writes it, and its Content-Type: the text
    fields, then a ``files`` part per file (a file name of "" is an empty file input)."""
    boundary = secrets.token_hex(16)
    body = b""
    for name, value in (fields or {}).items():
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    for filename, data in files:
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def page_upload(
    client: TestClient,
    csrf: str | None,
    files: Sequence[tuple[str, bytes]],
    assignment: str = ASSIGNMENT,
) -> httpx2.Response:
    """The assignment page's upload form, sent with these files (no csrf field if None)."""
    body, content_type = multipart(files, {} if csrf is None else {CSRF_FIELD: csrf})
    return client.post(
        f"/assignments/{assignment}/submissions",
        content=body,
        headers={"Content-Type": content_type},
        follow_redirects=False,
    )


def api_upload(
    h: Harness, token: str, files: Sequence[tuple[str, bytes]], assignment: str = ASSIGNMENT
) -> httpx2.Response:
    """The same files through the JSON API, in the same multipart framing."""
    body, content_type = multipart(files)
    return h.client.post(
        f"/api/assignments/{assignment}/submissions",
        content=body,
        headers={**headers(token), "Content-Type": content_type},
    )
