"""Reading an upload: a ``multipart/form-data`` body whose ``files`` parts are files.

Limits are enforced before anything is kept: the declared Content-Length first,
then the bytes actually received (so a client that lies about its length is cut
off), then the number of parts. The body may exceed ``max_bytes`` by at most
``FRAMING_ALLOWANCE`` bytes of multipart framing (boundaries and part headers);
the files themselves are held to ``max_bytes`` by ``grader.archive``.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from api.errors import ApiError
from grader.errors import SubmissionError

FIELD = "files"
FRAMING_ALLOWANCE = 64 * 1024
MAX_TEXT_BYTES = 4096  # a text field of a page's upload form (its CSRF token)


def boundary_of(content_type: str | None) -> bytes:
    kind, options = parse_options_header(content_type or "")
    boundary = options.get(b"boundary", b"")
    if kind != b"multipart/form-data" or not boundary:
        got = content_type or "no Content-Type"
        raise ApiError(
            415,
            "unsupported_media_type",
            f"send the files as multipart/form-data (field {FIELD!r}) with a boundary; got {got}",
        )
    return boundary


def too_large(max_bytes: int) -> ApiError:
    limit = size_text(max_bytes)
    return ApiError(413, "too_large", f"the upload is larger than the limit of {limit}")


def size_text(n: int) -> str:
    """A size as people read it: "5 MiB (5242880 bytes)", or "900 bytes"."""
    mib = n / (1024 * 1024)
    return f"{mib:.3g} MiB ({n} bytes)" if mib >= 1 else f"{n} bytes"


class PartCollector:
    """Collects the file parts of one multipart body as (name, bytes), and the small
    text fields named in ``text_fields`` (the web page's form sends its CSRF token)."""

    def __init__(
        self, boundary: bytes, max_files: int, text_fields: frozenset[str] = frozenset()
    ) -> None:
        self.max_files = max_files
        self.text_fields = text_fields
        self.parts: list[tuple[str, bytes]] = []
        self.fields: dict[str, str] = {}
        self._text: str | None = None
        self.finished = False
        self._headers: dict[str, bytes] = {}
        self._field = b""
        self._value = b""
        self._name: str | None = None
        self._data = bytearray()
        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
                "on_end": self._end,
            },
        )

    def write(self, chunk: bytes) -> None:
        try:
            self.parser.write(chunk)
        except MultipartParseError as exc:
            raise ApiError(
                400, "bad_multipart", f"the multipart body is malformed: {exc}"
            ) from None

    def close(self) -> list[tuple[str, bytes]]:
        self.parser.finalize()
        if not self.finished:
            raise ApiError(400, "bad_multipart", "the multipart body ends before its last boundary")
        return self.parts

    def _begin(self) -> None:
        self._headers = {}
        self._data = bytearray()
        self._name = None
        self._text = None

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._field.decode("latin-1").lower()] = self._value
        self._field = self._value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get("content-disposition", b""))
        field = options.get(b"name", b"").decode("utf-8", "replace")
        if field in self.text_fields and b"filename" not in options:
            self._text = field
            return
        if field != FIELD:
            raise ApiError(
                422,
                "unexpected_field",
                f"unexpected form field {field!r}; send the files in the field {FIELD!r}",
            )
        if b"filename" not in options:
            raise ApiError(
                422, "unexpected_field", f"the field {FIELD!r} must hold files, with file names"
            )
        # the header's bytes, as sent: a name that is not UTF-8 keeps its bad bytes as
        # lone surrogates, for grader.archive to refuse by name
        self._name = options[b"filename"].decode("utf-8", "surrogateescape")
        if len(self.parts) >= self.max_files:
            raise SubmissionError(
                f"too many files: more than {self.max_files} were sent", "too_many_files"
            )

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        self._data += data[start:end]
        if self._text is not None and len(self._data) > MAX_TEXT_BYTES:
            raise ApiError(400, "bad_request", f"the form field {self._text!r} is too long")

    def _part_end(self) -> None:
        if self._text is not None:
            self.fields[self._text] = self._data.decode("utf-8", "replace")
            return
        assert self._name is not None
        if self._name or self._data:  # a browser's empty file input sends neither
            self.parts.append((self._name, bytes(self._data)))

    def _end(self) -> None:
        self.finished = True


async def read_parts(request: Request, max_bytes: int, max_files: int) -> list[tuple[str, bytes]]:
    """The uploaded files as (name, bytes), read within the limits. Raises ApiError."""
    parts, _ = await read_upload(request, max_bytes, max_files)
    return parts


async def read_upload(
    request: Request, max_bytes: int, max_files: int, text_fields: Iterable[str] = ()
) -> tuple[list[tuple[str, bytes]], dict[str, str]]:
    """The uploaded files, and the values of the allowed small text fields."""
    boundary = boundary_of(request.headers.get("content-type"))
    limit = max_bytes + FRAMING_ALLOWANCE
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise ApiError(400, "bad_request", f"invalid Content-Length {declared!r}")
        if int(declared) > limit:
            raise too_large(max_bytes)
    collector = PartCollector(boundary, max_files, frozenset(text_fields))
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise too_large(max_bytes)
        collector.write(chunk)
    return collector.close(), collector.fields
