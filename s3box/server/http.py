"""ASGI plumbing: the request context handed to handlers and the response record.

Knows ASGI messages and nothing about S3 operations. Bodies are consumed as a
stream of chunks (never buffered whole) unless a handler asks for a small,
bounded body (XML documents).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from s3box.protocol.auth import AuthResult
from s3box.protocol.errors import S3Error
from s3box.protocol.limits import BodyDeadline, BodyTimeouts, request_timeout

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

# XML request bodies (DeleteObjects, CompleteMultipartUpload, ...) are small;
# anything larger than this is refused instead of buffered.
MAX_XML_BODY = 8 * 1024 * 1024
# A document larger than this is parsed in a worker thread: parsing 64 KiB takes
# about a millisecond, a CompleteMultipartUpload of 10,000 parts some 50 ms.
XML_INLINE_BYTES = 64 * 1024

T = TypeVar("T")


class ClientDisconnected(Exception):
    """The client went away before the request body was complete."""


@dataclass(slots=True)
class RequestContext:
    method: str
    raw_path: str
    raw_query: str
    query: dict[str, str]
    headers: dict[str, str]
    header_list: list[tuple[str, str]]
    bucket: str | None
    key: str | None
    operation: str
    request_id: str
    receive: Receive
    access_key: str | None = None
    # False when some header name came more than once (headers then holds the values
    # joined with ","; header_list keeps each).
    unique_headers: bool = True
    bytes_in: int = 0
    body_done: bool = False
    # Set by authentication (None when auth is off or not needed): decides how the
    # payload is verified and decoded.
    auth: AuthResult | None = None
    # Idle and minimum-rate bounds on reading the body (None: wait forever).
    body_timeouts: BodyTimeouts | None = None
    # The bucket named by the Host header (virtual-hosted style), None for path style.
    host_bucket: str | None = None

    async def body_chunks(self) -> AsyncIterator[bytes]:
        """Yield the raw request body as it arrives (transfer coding already
        removed by the ASGI server). Raises ClientDisconnected if the client
        goes away first, RequestTimeout (400) if it falls behind body_timeouts."""
        if self.body_done:
            return
        timeouts = self.body_timeouts
        deadline = BodyDeadline(timeouts, time.monotonic()) if timeouts else None
        received = 0
        while True:
            if deadline is None:
                message = await self.receive()
            else:
                wait = deadline.wait_allowed(time.monotonic(), received)
                try:
                    # asyncio.timeout arms one timer on this task; wait_for would
                    # start a task per chunk.
                    async with asyncio.timeout(wait):
                        message = await self.receive()
                except TimeoutError:
                    raise request_timeout() from None
            mtype = message["type"]
            if mtype == "http.disconnect":
                self.body_done = True
                raise ClientDisconnected()
            chunk = message.get("body", b"")
            if chunk:
                received += len(chunk)
                self.bytes_in += len(chunk)
                yield chunk
            if not message.get("more_body", False):
                self.body_done = True
                return

    async def read_body(self, limit: int = MAX_XML_BODY) -> bytes:
        """Read a small body whole (XML documents); larger than limit ->
        MaxMessageLengthExceeded, refused before reading when declared so."""
        declared = self.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise S3Error("MaxMessageLengthExceeded", "Your request was too big.")
        parts: list[bytes] = []
        size = 0
        async for chunk in self.body_chunks():
            size += len(chunk)
            if size > limit:
                raise S3Error(
                    "MaxMessageLengthExceeded",
                    "Your request was too big.",
                )
            parts.append(chunk)
        return b"".join(parts)

    async def drain(self) -> None:
        """Consume and discard whatever body is left, so the connection stays
        usable after an early error (bounded by what the client sends)."""
        if self.body_done:
            return
        try:
            async for _ in self.body_chunks():
                pass
        except ClientDisconnected:
            pass


async def parse_document(parse: Callable[[bytes], T], body: bytes) -> T:
    """parse(body), in a worker thread when the document is large enough that parsing
    it on the event loop would hold up other requests."""
    if len(body) <= XML_INLINE_BYTES:
        return parse(body)
    return await asyncio.to_thread(parse, body)
