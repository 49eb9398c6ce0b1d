"""uvicorn's httptools protocol with a bounded request head and a head read timeout.

httptools (llhttp) accepts a head of any size and any number of fields, and uvicorn
waits for a head forever: a 4 MB head was parsed whole into a 400,000-field list,
and a client that opens a connection and sends nothing holds it for good. This
subclass counts the head as it is parsed and refuses it past MAX_HEAD_BYTES or
MAX_HEADER_FIELDS with S3's 400 RequestHeaderSectionTooLarge, and closes a
connection whose head is not complete within the head timeout. Knows HTTP/1.1
connections, nothing about S3 operations. granian has both bounds built in
(runner.py sets its timeout).
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from s3box.protocol.errors import render_error
from s3box.protocol.limits import MAX_HEAD_BYTES, MAX_HEADER_FIELDS, header_section_too_large


class _HeadTooLarge(Exception):
    """Raised from a parser callback to stop parsing a head past the bounds."""


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    header_timeout: float = 20.0  # set per server by protocol_class()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True
        # Bytes of the request line and header fields parsed so far, and bytes
        # received since the last of them (a field the parser still holds).
        self._head_bytes = 0
        self._head_fields = 0
        self._pending = 0
        self._head_timer: asyncio.TimerHandle | None = None

    # --- the head timeout ---
    def _arm_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        # Servers close a connection whose head does not arrive (there is no request
        # to answer yet); S3's RequestTimeout is for bodies.
        self._head_timer = None
        if self._in_head and not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    # --- bytes in ---
    def data_received(self, data: bytes) -> None:
        if self._in_head:
            # After a response the keep-alive timeout covers the idle wait; the
            # head timeout starts with the next request's first byte.
            self._arm_head_timer()
            self._pending += len(data)
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            if isinstance(exc.__context__, _HeadTooLarge):
                self._refuse_head()
            else:
                self._invalid_request()
            return
        except httptools.HttpParserError:
            self._invalid_request()
            return
        except httptools.HttpParserUpgrade:  # as uvicorn's own data_received
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        if self._in_head and self._head_bytes + self._pending > MAX_HEAD_BYTES:
            self._refuse_head()  # one field longer than any head may be

    def _invalid_request(self) -> None:  # as uvicorn's own data_received
        msg = "Invalid HTTP request received."
        self.logger.warning(msg)
        self.send_400_response(msg)

    def _refuse_head(self) -> None:
        error = header_section_too_large()
        request_id = os.urandom(8).hex().upper()
        body = render_error(error.code, error.message, None, request_id, "", error.extra)
        self.transport.write(
            b"".join(
                [
                    STATUS_LINE[error.status],
                    b"content-type: application/xml\r\n",
                    b"x-amz-request-id: " + request_id.encode() + b"\r\n",
                    b"content-length: " + str(len(body)).encode() + b"\r\n",
                    b"connection: close\r\n\r\n",
                    body,
                ]
            )
        )
        self._in_head = False
        self._cancel_head_timer()
        self.transport.close()

    # --- parser callbacks ---
    def _count(self, size: int) -> None:
        self._head_bytes += size
        self._pending = 0
        if self._head_bytes > MAX_HEAD_BYTES or self._head_fields > MAX_HEADER_FIELDS:
            raise _HeadTooLarge()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_fields += 1
        self._count(len(name) + len(value) + 4)  # ": " and CRLF
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._cancel_head_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head = True
        self._head_bytes = self._head_fields = self._pending = 0


def protocol_class(header_timeout: float) -> type[BoundedHttpToolsProtocol]:
    """The protocol class uvicorn.Config(http=...) takes, with this head timeout."""
    return type(
        "S3boxHttpToolsProtocol", (BoundedHttpToolsProtocol,), {"header_timeout": header_timeout}
    )
