"""Request payloads: how a body is framed and signed, and every check S3 makes on it.

Strategy (h11-style): PayloadCheck is fed the request headers (lower-case names) once and the
raw body pieces as they arrive; it decodes aws-chunked framing (chunked.py, chunk signatures
included), counts the bytes against the declared length, and after the body verifies the
signed SHA-256, Content-MD5 and the flexible checksum (header or trailer). The hashers it
hands out are fed by whoever holds the bytes (the engine, in worker threads). Pure code: no
I/O, no storage, S3Error for every refusal.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Mapping

from s3box.protocol import checksums, framing
from s3box.protocol.chunked import (
    EMPTY_SHA256,
    MALFORMED_TRAILER,
    AwsChunkedDecoder,
    ChunkSignatureVerifier,
)
from s3box.protocol.errors import S3Error
from s3box.records import ChecksumRecord

# The x-amz-content-sha256 values that are not a hex SHA-256 of the body.
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_PAYLOAD = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_PAYLOAD_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
STREAMING_UNSIGNED_PAYLOAD_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
PAYLOAD_MODES = frozenset(
    {
        UNSIGNED_PAYLOAD,
        STREAMING_PAYLOAD,
        STREAMING_PAYLOAD_TRAILER,
        STREAMING_UNSIGNED_PAYLOAD_TRAILER,
    }
)
# Modes whose aws-chunked body carries a chunk signature chain.
SIGNED_STREAMING_MODES = frozenset({STREAMING_PAYLOAD, STREAMING_PAYLOAD_TRAILER})
STREAMING_PREFIX = "STREAMING-"

_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")


def check_payload_hash_value(payload_hash: str) -> str:
    """The x-amz-content-sha256 value if S3 takes it (a payload mode or a hex SHA-256)."""
    if payload_hash == EMPTY_SHA256:  # every GET, HEAD and DELETE
        return payload_hash
    if payload_hash not in PAYLOAD_MODES and not _SHA256_HEX.fullmatch(payload_hash):
        raise S3Error(
            "InvalidArgument",
            "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a "
            "valid sha256 value.",
            extra={"ArgumentName": "x-amz-content-sha256", "ArgumentValue": payload_hash},
        )
    return payload_hash


def check_payload_sha256(expected_hex: str, actual_digest: bytes) -> None:
    """XAmzContentSHA256Mismatch when the body's SHA-256 is not the signed one."""
    actual_hex = actual_digest.hex()
    if not hmac.compare_digest(expected_hex.lower().encode(), actual_hex.encode()):
        raise S3Error(
            "XAmzContentSHA256Mismatch",
            extra={
                "ClientComputedContentSHA256": expected_hex,
                "S3ComputedContentSHA256": actual_hex,
            },
        )


def has_body(headers: Mapping[str, str]) -> bool:
    """Whether the request says a body follows (Transfer-Encoding, or a non-zero length)."""
    if "transfer-encoding" in headers:
        return True
    length = headers.get("content-length", "").strip()
    return length not in ("", "0")


def is_aws_chunked(headers: Mapping[str, str]) -> bool:
    """The body is aws-chunked: a STREAMING-* payload hash, or `aws-chunked` content coding."""
    if headers.get("x-amz-content-sha256", "").startswith(STREAMING_PREFIX):
        return True
    return "aws-chunked" in headers.get("content-encoding", "").lower()


def declared_length(headers: Mapping[str, str]) -> int | None:
    """The object size the client declared: x-amz-decoded-content-length for
    aws-chunked bodies, else Content-Length (None when streamed with
    Transfer-Encoding: chunked)."""
    name = "x-amz-decoded-content-length" if is_aws_chunked(headers) else "content-length"
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise S3Error("InvalidArgument", f"Invalid {name} header.") from None
    if value < 0:
        raise S3Error("InvalidArgument", f"Invalid {name} header.")
    return value


def decode_content_md5(headers: Mapping[str, str]) -> bytes | None:
    """The Content-MD5 digest (16 bytes), None when absent; InvalidDigest when malformed."""
    raw = headers.get("content-md5")
    if raw is None:
        return None
    try:
        digest = base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise S3Error("InvalidDigest") from None
    if len(digest) != 16:
        raise S3Error("InvalidDigest")
    return digest


def check_content_md5(expected: bytes | None, actual: bytes) -> None:
    """BadDigest when a Content-MD5 was given and the body's MD5 is another."""
    if expected is not None and expected != actual:
        raise S3Error(
            "BadDigest",
            extra={
                "ExpectedDigest": base64.b64encode(expected).decode(),
                "CalculatedDigest": base64.b64encode(actual).decode(),
            },
        )


def verify_content_md5(headers: Mapping[str, str], actual: bytes) -> None:
    """Check a body read whole (an XML document) against its Content-MD5, if any."""
    check_content_md5(decode_content_md5(headers), actual)


class PayloadCheck:
    """The checks on one PutObject or UploadPart body, fed its raw pieces.

    `headers` are the request's (lower-case names). `expected_sha256` is the signed payload
    hash to verify (None when not signed so); `chunk_verifier` checks the chunk signatures
    of a signed aws-chunked body. `default_algorithm` is the checksum stored (an upload's for
    a part), else the client's, else CRC64NVME; a different requested algorithm is still
    computed and verified. Refusals of the headers (bad length, Content-MD5, checksum
    headers, over 5 GiB) are raised here, before any body byte is read.
    """

    def __init__(
        self,
        headers: Mapping[str, str],
        expected_sha256: str | None = None,
        chunk_verifier: ChunkSignatureVerifier | None = None,
        default_algorithm: str | None = None,
    ) -> None:
        self.chunked = is_aws_chunked(headers)
        self.expected = declared_length(headers)
        framing.check_upload_size(self.expected)
        self.size = 0
        self.trailers: dict[str, str] = {}
        self.values: dict[str, str] = {}
        self.expected_md5 = decode_content_md5(headers)
        self.requested = checksums.parse_checksum_headers(headers)
        requested_algorithm = self.requested.algorithm if self.requested else None
        self.algorithm = default_algorithm or requested_algorithm or checksums.DEFAULT_ALGORITHM
        self._checksum_hashers: dict[str, checksums.Hasher] = {
            self.algorithm: checksums.new_hasher(self.algorithm)
        }
        if requested_algorithm is not None and requested_algorithm not in self._checksum_hashers:
            self._checksum_hashers[requested_algorithm] = checksums.new_hasher(requested_algorithm)
        self.expected_sha256 = expected_sha256
        self.sha256 = hashlib.sha256() if expected_sha256 else None
        self._decoder: AwsChunkedDecoder | None = None
        if self.chunked:
            trailer_header = headers.get("x-amz-trailer", "")
            trailer_names = {t.strip().lower() for t in trailer_header.split(",") if t.strip()}
            self._decoder = AwsChunkedDecoder(
                chunk_verifier, trailer_names=trailer_names, decoded_length=self.expected
            )

    def hashers(self) -> list[checksums.Hasher]:
        """Hashers the decoded body must be fed to, besides MD5 (which the caller owns)."""
        out: list[checksums.Hasher] = list(self._checksum_hashers.values())
        if self.sha256 is not None:
            out.append(self.sha256)
        return out

    def feed_all(self, data: bytes) -> None:
        """Feed a decoded body already in memory to every hasher (small PUT path)."""
        for hasher in self.hashers():
            hasher.update(data)

    def feed(self, chunk: bytes) -> list[bytes]:
        """One raw body piece in, the object bytes it carries out (framing removed)."""
        if self._decoder is not None:
            pieces = [bytes(piece) for piece in self._decoder.feed(chunk)]
            for piece in pieces:
                self.size += len(piece)
            return pieces
        self.size += len(chunk)
        if self.expected is not None and self.size > self.expected:
            raise S3Error("IncompleteBody", "The request body is longer than declared.")
        if self.size > framing.MAX_UPLOAD_SIZE:  # HTTP-chunked: no size declared
            raise framing.entity_too_large(self.size)
        return [chunk]

    def finish(self) -> None:
        """End of the raw body: the framing is complete (trailers read) and the length is
        the declared one, else IncompleteBody (or the aws-chunked decoder's error)."""
        if self._decoder is not None:
            self.trailers = self._decoder.finish()
        if self.expected is not None and self.size != self.expected:
            raise S3Error("IncompleteBody")

    def verify(self, md5_digest: bytes) -> ChecksumRecord:
        """After the whole body went through the hashers: raise the S3 error for the first
        check that fails (payload SHA-256, Content-MD5, flexible checksum), else return the
        checksum to store (FULL_OBJECT, in self.algorithm). `values` then holds every
        computed checksum by algorithm (base64)."""
        if self.sha256 is not None and self.expected_sha256 is not None:
            check_payload_sha256(self.expected_sha256, self.sha256.digest())
        check_content_md5(self.expected_md5, md5_digest)
        digests = {alg: h.digest() for alg, h in self._checksum_hashers.items()}
        requested = self.requested
        if requested is not None:
            expected = requested.expected
            if expected is None and requested.trailer is not None:
                value = self.trailers.get(requested.trailer)
                if value is None:
                    raise S3Error("MalformedTrailerError", MALFORMED_TRAILER, status=400)
                expected = checksums.decode_checksum_value(
                    requested.algorithm, value, trailing=True
                )
            if expected is not None:
                checksums.check_digest(requested.algorithm, expected, digests[requested.algorithm])
        self.values = {alg: checksums.b64(d) for alg, d in digests.items()}
        return ChecksumRecord(self.algorithm, "FULL_OBJECT", self.values[self.algorithm])


__all__ = [
    "PAYLOAD_MODES",
    "SIGNED_STREAMING_MODES",
    "UNSIGNED_PAYLOAD",
    "PayloadCheck",
    "check_content_md5",
    "check_payload_hash_value",
    "check_payload_sha256",
    "declared_length",
    "decode_content_md5",
    "has_body",
    "is_aws_chunked",
    "verify_content_md5",
]
