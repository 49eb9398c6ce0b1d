"""The response an operation renders: status, headers and a body, either bytes
or a stream of chunks of known length. Built by the protocol's render_<op>
functions; sent by the server, which knows ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

XML_CONTENT_TYPE = ("content-type", "application/xml")


@dataclass(slots=True)
class Response:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    # A streamed body: an async iterator of chunks, with a known length.
    stream: AsyncIterator[bytes] | None = None
    content_length: int | None = None
    # Called once after the response was sent or abandoned (close a handle).
    on_close: Callable[[], Awaitable[None]] | None = None


def xml_response(body: bytes, status: int = 200) -> Response:
    """An XML document as S3 sends it."""
    return Response(status=status, headers=[XML_CONTENT_TYPE], body=body)
