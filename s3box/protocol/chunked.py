"""Incremental aws-chunked body decoder with chunk and trailer signature checks.

Strategy (h11-style): `feed` runs a table of small readers (state -> reader) over each network
piece and returns payload pieces as zero-copy memoryview slices of the input; only chunk-size
and trailer lines (a few bytes) are ever copied or buffered. Pure code: never does I/O, never
stores data, never lets a non-S3Error exception escape for bad input.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable

from s3box.protocol.errors import S3Error

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
# A chunk-size line is `<hex size>;chunk-signature=<64 hex>\r\n` (about 90 bytes); trailer lines
# are short too. Anything longer than this is garbage, not a slow client.
MAX_LINE = 4096
# 2**63 - 1 fits in 16 hex digits; more digits cannot be a real chunk size.
_MAX_SIZE_DIGITS = 16
_HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")
TRAILER_SIGNATURE = "x-amz-trailer-signature"


def hex_bytes(text: str) -> str:
    """S3's `StringToSignBytes` form: each byte as two hex digits, space separated."""
    return " ".join(f"{b:02x}" for b in text.encode("utf-8"))


def _malformed(detail: str) -> S3Error:
    # S3 answers IncompleteBody for any body it cannot frame (versitygw, which mirrors S3's
    # behaviour in its test suite, does the same for bad sizes, missing CRLF and long lines).
    return S3Error("IncompleteBody", f"The request body terminated unexpectedly: {detail}")


class ChunkSignatureVerifier:
    """Checks the chain of chunk signatures that starts at the request's seed signature.

    String to sign per chunk (S3 API, "Signature Calculations ... in Multiple Chunks"):
    `AWS4-HMAC-SHA256-PAYLOAD`, date, scope, previous signature, sha256(""), sha256(chunk).
    The trailer uses `AWS4-HMAC-SHA256-TRAILER` and sha256 of the trailer lines.
    """

    def __init__(
        self,
        signing_key: bytes,
        amz_date: str,
        scope: str,
        seed_signature: str,
        access_key: str = "",
    ) -> None:
        self._key = signing_key
        self._date_scope = f"{amz_date}\n{scope}\n"
        self._previous = seed_signature
        self._access_key = access_key
        self._hash = hashlib.sha256()

    def update(self, data: bytes | bytearray | memoryview) -> None:
        """Hash a piece of the current chunk's data (pieces may split a chunk anywhere)."""
        self._hash.update(data)

    def verify_chunk(self, provided: str) -> None:
        """Check the current chunk's signature, then start hashing the next chunk."""
        string_to_sign = (
            f"AWS4-HMAC-SHA256-PAYLOAD\n{self._date_scope}{self._previous}\n"
            f"{EMPTY_SHA256}\n{self._hash.hexdigest()}"
        )
        self._hash = hashlib.sha256()
        self._check(string_to_sign, provided)

    def verify_trailer(self, trailer_lines: bytes, provided: str) -> None:
        """Check the trailer signature over the trailer lines, each ending in `\\n`."""
        string_to_sign = (
            f"AWS4-HMAC-SHA256-TRAILER\n{self._date_scope}{self._previous}\n"
            f"{hashlib.sha256(trailer_lines).hexdigest()}"
        )
        self._check(string_to_sign, provided)

    def _check(self, string_to_sign: str, provided: str) -> None:
        expected = hmac.new(self._key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode(), provided.encode("utf-8", "replace")):
            raise S3Error(
                "SignatureDoesNotMatch",
                extra={
                    "AWSAccessKeyId": self._access_key,
                    "StringToSign": string_to_sign,
                    "SignatureProvided": provided,
                    "StringToSignBytes": hex_bytes(string_to_sign),
                },
            )
        self._previous = expected


_SIZE_LINE, _DATA, _DATA_END, _TRAILER, _DONE = range(5)


class AwsChunkedDecoder:
    """Feed raw body bytes, get payload pieces; `finish` at end of body returns the trailers.

    `trailer_names` are the lower-case names announced in `x-amz-trailer`; `decoded_length` is
    `x-amz-decoded-content-length` when the client sent it. Returned memoryviews alias the fed
    bytes (bytearray and memoryview input is copied once first).
    """

    def __init__(
        self,
        signer: ChunkSignatureVerifier | None,
        trailer_names: Iterable[str],
        decoded_length: int | None,
    ) -> None:
        self._signer = signer
        self._trailer_names = frozenset(name.strip().lower() for name in trailer_names)
        self._decoded_length = decoded_length
        self._state = _SIZE_LINE
        self._line = bytearray()  # a line (or the CRLF after data) split across feeds
        self._remaining = 0  # bytes of the current chunk still to come
        self._chunk_signature = ""
        self._decoded = 0
        self._trailers: dict[str, str] = {}
        self._trailer_signature: str | None = None
        self._finished = False
        self._readers: dict[int, Callable[[bytes, memoryview, int, list[memoryview]], int]] = {
            _SIZE_LINE: self._read_size_line,
            _DATA: self._read_data,
            _DATA_END: self._read_data_end,
            _TRAILER: self._read_trailer_line,
            _DONE: self._read_after_end,
        }

    def feed(self, data: bytes | bytearray | memoryview) -> list[memoryview]:
        """Decode one network piece; returns the payload pieces it contained, in order."""
        if self._finished:
            raise _malformed("data after the end of the body")
        buf = data if isinstance(data, bytes) else bytes(data)
        view = memoryview(buf)
        out: list[memoryview] = []
        pos, end = 0, len(buf)
        readers = self._readers
        while pos < end:
            pos = readers[self._state](buf, view, pos, out)
        return out

    def finish(self) -> dict[str, str]:
        """End of body: check it was complete, verify trailers, return them (lower-case names)."""
        if self._finished:
            return dict(self._trailers)
        # Lenient where SDKs differ: botocore and the JS SDK v3 end with an empty line after the
        # trailers, but a body that stops right after the last trailer line (or right after the
        # final `0` chunk line) is complete in every respect that matters, so accept it.
        if self._state == _TRAILER and not self._line:
            self._end_of_trailers()
        if self._state != _DONE:
            raise S3Error("IncompleteBody")
        self._finished = True
        return dict(self._trailers)

    # --- readers: each consumes from buf[pos:] and returns the new position -------------

    def _take_line(self, buf: bytes, pos: int) -> tuple[bytes | None, int]:
        """A complete CRLF-terminated line (without CRLF), or None after buffering the rest."""
        limit = MAX_LINE + 1 - len(self._line)
        newline = buf.find(b"\n", pos, pos + limit)
        if newline < 0:
            self._line += buf[pos : pos + limit]
            if len(self._line) > MAX_LINE:
                raise _malformed("line too long")
            return None, len(buf)
        if self._line:
            line = bytes(self._line) + buf[pos : newline + 1]
            self._line.clear()
        else:
            line = buf[pos : newline + 1]
        if len(line) < 2 or line[-2] != 0x0D:
            raise _malformed("line not terminated by CRLF")
        return line[:-2], newline + 1

    def _read_size_line(self, buf: bytes, view: memoryview, pos: int, out: list[memoryview]) -> int:
        line, pos = self._take_line(buf, pos)
        if line is None:
            return pos
        size_text, _, extensions = line.partition(b";")
        if (
            not size_text
            or len(size_text) > _MAX_SIZE_DIGITS
            or not _HEX_DIGITS.issuperset(size_text)
        ):
            raise _malformed("invalid chunk size")
        size = int(size_text, 16)
        self._chunk_signature = _chunk_signature(extensions)
        if self._signer is not None and not self._chunk_signature:
            raise S3Error("SignatureDoesNotMatch", "The chunk signature is missing.")
        if size == 0:
            self._end_of_chunks()
            return pos
        if self._decoded_length is not None and self._decoded + size > self._decoded_length:
            raise S3Error(
                "IncompleteBody", "The chunks carry more data than x-amz-decoded-content-length."
            )
        self._remaining = size
        self._state = _DATA
        return pos

    def _read_data(self, buf: bytes, view: memoryview, pos: int, out: list[memoryview]) -> int:
        take = min(self._remaining, len(buf) - pos)
        piece = view[pos : pos + take]
        if self._signer is not None:
            self._signer.update(piece)
        out.append(piece)
        self._remaining -= take
        self._decoded += take
        if self._remaining == 0:
            if self._signer is not None:
                self._signer.verify_chunk(self._chunk_signature)
            self._state = _DATA_END
        return pos + take

    def _read_data_end(self, buf: bytes, view: memoryview, pos: int, out: list[memoryview]) -> int:
        if not self._line and buf.startswith(b"\r\n", pos):
            self._state = _SIZE_LINE
            return pos + 2
        take = min(2 - len(self._line), len(buf) - pos)
        self._line += buf[pos : pos + take]
        if not b"\r\n".startswith(self._line):
            raise _malformed("chunk data not followed by CRLF")
        if len(self._line) == 2:
            self._line.clear()
            self._state = _SIZE_LINE
        return pos + take

    def _read_trailer_line(
        self, buf: bytes, view: memoryview, pos: int, out: list[memoryview]
    ) -> int:
        line, pos = self._take_line(buf, pos)
        if line is None:
            return pos
        if not line:
            self._end_of_trailers()
            return pos
        name_bytes, colon, value_bytes = line.partition(b":")
        name = name_bytes.decode("latin-1").strip().lower()
        value = value_bytes.decode("latin-1").strip()
        if not colon or not name:
            raise S3Error("MalformedTrailerError", MALFORMED_TRAILER)
        if name == TRAILER_SIGNATURE:
            self._trailer_signature = value
            return pos
        if name not in self._trailer_names or name in self._trailers:
            raise S3Error("MalformedTrailerError", MALFORMED_TRAILER)
        self._trailers[name] = value
        return pos

    def _read_after_end(self, buf: bytes, view: memoryview, pos: int, out: list[memoryview]) -> int:
        raise _malformed("data after the final chunk")

    # --- transitions ------------------------------------------------------------------

    def _end_of_chunks(self) -> None:
        if self._signer is not None:
            self._signer.verify_chunk(self._chunk_signature)
        if self._decoded_length is not None and self._decoded != self._decoded_length:
            raise S3Error("IncompleteBody")
        self._state = _TRAILER

    def _end_of_trailers(self) -> None:
        missing = self._trailer_names - self._trailers.keys()
        if missing:
            raise S3Error("MalformedTrailerError", MALFORMED_TRAILER)
        if self._signer is not None and (self._trailer_names or self._trailer_signature):
            if self._trailer_signature is None:
                raise S3Error("SignatureDoesNotMatch", "The trailer signature is missing.")
            self._signer.verify_trailer(canonical_trailers(self._trailers), self._trailer_signature)
        self._state = _DONE


MALFORMED_TRAILER = (
    "The request contained trailing data that was not well-formed or did not conform to our "
    "published schema."
)


def canonical_trailers(trailers: dict[str, str]) -> bytes:
    """What the trailer signature covers: `name:value\\n` per trailer, sorted by name.

    Names lower-case, values trimmed: the AWS SDKs (e.g. .NET's ConstructSignedTrailersChunk)
    canonicalise trailers like signed headers; for the usual single checksum trailer this is
    exactly the line as sent with its CRLF replaced by LF.
    """
    return "".join(f"{name}:{trailers[name]}\n" for name in sorted(trailers)).encode("latin-1")


def _chunk_signature(extensions: bytes) -> str:
    """The `chunk-signature` value among `;`-separated chunk extensions, or ""."""
    if not extensions:
        return ""
    for extension in extensions.split(b";"):
        name, _, value = extension.partition(b"=")
        if name.strip() == b"chunk-signature":
            return value.strip().decode("latin-1")
    return ""
