"""Request payloads: the decoded object bytes of a PUT or UploadPart, and
every check the client asked for on them.

Decides from the headers whether the body is plain or aws-chunked, feeds it
through the sans-I/O decoder, checks the decoded length against what the
client declared, and verifies Content-MD5, the flexible checksum (header or
trailer) and the signed payload SHA-256 once the body is complete. The
hashers run wherever the bytes go (the engine feeds them in worker threads).
No storage access here.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

from s3box.protocol import checksums, framing
from s3box.protocol.errors import S3Error
from s3box.records import ChecksumRecord, Hasher
from s3box.server.handlers.common import decode_content_md5, verify_content_md5
from s3box.server.http import RequestContext

# With no checksum from the client, S3 stores a CRC64NVME of the object.
DEFAULT_ALGORITHM = "CRC64NVME"

STREAMING_PREFIX = "STREAMING-"


def is_aws_chunked(ctx: RequestContext) -> bool:
    sha = ctx.headers.get("x-amz-content-sha256", "")
    if sha.startswith(STREAMING_PREFIX):
        return True
    encoding = ctx.headers.get("content-encoding", "")
    return "aws-chunked" in encoding.lower()


def declared_length(ctx: RequestContext) -> int | None:
    """The object size the client declared: x-amz-decoded-content-length for
    aws-chunked bodies, else Content-Length (None when streamed with
    Transfer-Encoding: chunked)."""
    name = "x-amz-decoded-content-length" if is_aws_chunked(ctx) else "content-length"
    raw = ctx.headers.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise S3Error("InvalidArgument", f"Invalid {name} header.") from None
    if value < 0:
        raise S3Error("InvalidArgument", f"Invalid {name} header.")
    return value


class Payload:
    """An iterator over the decoded body. After exhausting it, `trailers` holds
    aws-chunked trailer values (lower-case names) and `size` the byte count."""

    def __init__(self, ctx: RequestContext, default_algorithm: str | None = None) -> None:
        self.ctx = ctx
        self.chunked = is_aws_chunked(ctx)
        self.expected = declared_length(ctx)
        framing.check_upload_size(self.expected)
        self.trailers: dict[str, str] = {}
        self.size = 0
        self.expected_md5 = decode_content_md5(ctx)
        self.requested = checksums.parse_checksum_headers(ctx.headers)
        # The algorithm whose value is stored: the upload's for a part, else
        # what the client sent, else CRC64NVME. A different requested
        # algorithm is still computed and verified.
        algorithm = default_algorithm or (
            self.requested.algorithm if self.requested else DEFAULT_ALGORITHM
        )
        self.algorithm = algorithm
        self._checksum_hashers: dict[str, Hasher] = {algorithm: checksums.new_hasher(algorithm)}
        if self.requested is not None and self.requested.algorithm not in self._checksum_hashers:
            self._checksum_hashers[self.requested.algorithm] = checksums.new_hasher(
                self.requested.algorithm
            )
        auth = ctx.auth
        self.expected_sha256: str | None = getattr(auth, "expected_sha256", None)
        self.sha256 = hashlib.sha256() if self.expected_sha256 else None
        self.values: dict[str, str] = {}

    def hashers(self) -> list[Hasher]:
        """Hashers the body must be fed to, besides MD5 (which the engine owns)."""
        out: list[Hasher] = list(self._checksum_hashers.values())
        if self.sha256 is not None:
            out.append(self.sha256)
        return out

    def verify(self, md5_digest: bytes) -> ChecksumRecord:
        """After the whole body went through the hashers: raise the S3 error
        for the first check that fails, else return the checksum to store
        (FULL_OBJECT, in self.algorithm). `values` then holds every computed
        checksum by algorithm (base64)."""
        if self.sha256 is not None and self.expected_sha256 is not None:
            from s3box.protocol.sigv4 import check_payload_sha256

            check_payload_sha256(self.expected_sha256, self.sha256.digest())
        verify_content_md5(self.ctx, md5_digest)
        digests = {alg: h.digest() for alg, h in self._checksum_hashers.items()}
        requested = self.requested
        if requested is not None:
            expected = requested.expected
            if expected is None and requested.trailer is not None:
                value = self.trailers.get(requested.trailer)
                if value is None:
                    raise S3Error(
                        "MalformedTrailerError",
                        "The request contained trailing data that was not well-formed or did "
                        "not conform to our published schema.",
                        status=400,
                    )
                expected = checksums.decode_checksum_value(
                    requested.algorithm, value, trailing=True
                )
            if expected is not None:
                checksums.check_digest(requested.algorithm, expected, digests[requested.algorithm])
        self.values = {alg: checksums.b64(d) for alg, d in digests.items()}
        return ChecksumRecord(self.algorithm, "FULL_OBJECT", self.values[self.algorithm])

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[bytes]:
        if self.chunked:
            async for piece in self._decode_chunked():
                yield piece
        else:
            async for chunk in self.ctx.body_chunks():
                self.size += len(chunk)
                if self.expected is not None and self.size > self.expected:
                    raise S3Error("IncompleteBody", "The request body is longer than declared.")
                if self.size > framing.MAX_UPLOAD_SIZE:  # HTTP-chunked: no size declared
                    raise framing.entity_too_large(self.size)
                yield chunk
        if self.expected is not None and self.size != self.expected:
            raise S3Error("IncompleteBody")

    async def _decode_chunked(self) -> AsyncIterator[bytes]:
        from s3box.protocol.chunked import AwsChunkedDecoder

        trailer_header = self.ctx.headers.get("x-amz-trailer", "")
        trailer_names = {t.strip().lower() for t in trailer_header.split(",") if t.strip()}
        verifier = None
        auth = self.ctx.auth
        if auth is not None and hasattr(auth, "chunk_verifier"):
            verifier = auth.chunk_verifier()
        decoder = AwsChunkedDecoder(
            verifier, trailer_names=trailer_names, decoded_length=self.expected
        )
        async for chunk in self.ctx.body_chunks():
            for piece in decoder.feed(chunk):
                data = bytes(piece)
                self.size += len(data)
                yield data
        self.trailers = decoder.finish()
