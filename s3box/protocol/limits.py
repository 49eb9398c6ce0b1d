"""Request-level bounds: the request head (size, field count), how repeated header
names are joined, and the deadline a request body must keep up with.

Pure code over header lists and clock readings: the ASGI app and the HTTP protocol
layer call it, nothing here reads a socket or the clock itself. The numbers and S3's
answers are listed in docs/security.md, "Request-level limits and timeouts".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from s3box.protocol.errors import S3Error

# S3 refuses a request whose header section (with its query parameters) is larger
# than 8 KB: 400 RequestHeaderSectionTooLarge, <MaxSizeAllowed>8192</MaxSizeAllowed>
# ("The PUT request header is limited to 8 KB in size", S3 User Guide, object
# metadata; the error as S3 sends it: versity/versitygw#2180). Counted as S3's
# metadata limit is, the bytes of every name and value.
MAX_HEADER_SECTION_BYTES = 8192
# At most this many header fields (Apache's LimitRequestFields and hyper, the HTTP
# library under granian, which answers 431 past it).
MAX_HEADER_FIELDS = 100
# What the HTTP layer buffers of a head before refusing it (request line, fields,
# separators): a head past this cannot be within MAX_HEADER_SECTION_BYTES, so it is
# refused before it is parsed whole (granian: hyper's own buffer bound).
MAX_HEAD_BYTES = 64 * 1024

HEADER_SECTION_MESSAGE = "Your request header section exceeds the maximum allowed size."

# S3's answer to a body that stops arriving (it waits about 20 s).
REQUEST_TIMEOUT_MESSAGE = (
    "Your socket connection to the server was not read from or written to within the "
    "timeout period. Idle connections will be closed."
)


def header_section_too_large() -> S3Error:
    return S3Error(
        "RequestHeaderSectionTooLarge",
        HEADER_SECTION_MESSAGE,
        status=400,
        extra={"MaxSizeAllowed": str(MAX_HEADER_SECTION_BYTES)},
    )


def check_request_head(headers: Sequence[tuple[bytes, bytes]], query: bytes) -> None:
    """Raise RequestHeaderSectionTooLarge when the head is past S3's bounds: more than
    MAX_HEADER_FIELDS fields, or names, values and query string together larger than
    MAX_HEADER_SECTION_BYTES."""
    if len(headers) > MAX_HEADER_FIELDS:
        raise header_section_too_large()
    size = len(query)
    for name, value in headers:
        size += len(name) + len(value)
    if size > MAX_HEADER_SECTION_BYTES:
        raise header_section_too_large()


def fold_headers(header_list: Sequence[tuple[str, str]]) -> tuple[dict[str, str], bool]:
    """Lower-cased (name, value) pairs -> ({name: value}, every name unique).

    A name given more than once maps to its values joined with "," in arrival order
    (RFC 9110 5.3). Each name's values are joined once, so the work is linear in the
    head's size whatever repeats (adding to a growing string per repeat is quadratic:
    400,000 repeats of one name took minutes of event-loop time).
    """
    headers: dict[str, str] = {}
    repeated: dict[str, list[str]] | None = None
    for name, value in header_list:
        if name not in headers:
            headers[name] = value
            continue
        if repeated is None:
            repeated = {}
        values = repeated.get(name)
        if values is None:
            repeated[name] = [headers[name], value]
        else:
            values.append(value)
    if repeated is None:
        return headers, True
    for name, values in repeated.items():
        headers[name] = ",".join(values)
    return headers, False


def request_timeout() -> S3Error:
    return S3Error("RequestTimeout", REQUEST_TIMEOUT_MESSAGE, status=400)


@dataclass(frozen=True, slots=True)
class BodyTimeouts:
    """How long a request body may take (docs/configuration.md, `limits`).

    idle_secs: the longest wait for the next body bytes.
    min_rate: bytes per second the body must average once idle_secs have passed since
    it started (0: no rate rule). Every byte received extends the body's deadline by
    1/min_rate s, as Apache's mod_reqtimeout MinRate does: a body that keeps up with
    min_rate never times out, however large; a trickle that falls behind it does.
    """

    idle_secs: float
    min_rate: int


class BodyDeadline:
    """The wait allowed for the next piece of one request body."""

    __slots__ = ("_started", "_timeouts")

    def __init__(self, timeouts: BodyTimeouts, started: float) -> None:
        self._timeouts = timeouts
        self._started = started

    def wait_allowed(self, now: float, received: int) -> float:
        """Seconds to wait for more body at `now` with `received` bytes so far;
        raises RequestTimeout when the body already fell behind the rate rule."""
        idle = self._timeouts.idle_secs
        rate = self._timeouts.min_rate
        if rate <= 0:
            return idle
        left = self._started + idle + received / rate - now
        if left <= 0:
            raise request_timeout()
        return min(idle, left)
