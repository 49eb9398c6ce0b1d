"""Request payloads: the decoded object bytes of a PUT or UploadPart, read from the socket.

A thin adapter: reads ctx.body_chunks() and feeds protocol/payload.PayloadCheck, which
removes any aws-chunked framing and makes every check the client asked for (declared length,
Content-MD5, flexible checksum from header or trailer, signed payload SHA-256). The hashers
run wherever the bytes go (the engine feeds them in worker threads). No storage access here
besides handing the bytes to a staged write.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from s3box.protocol import checksums
from s3box.protocol.checksums import RequestChecksum
from s3box.protocol.payload import PayloadCheck
from s3box.records import ChecksumRecord
from s3box.server.http import RequestContext
from s3box.storage.engine import StagedWrite


class Payload:
    """An iterator over the decoded body. After exhausting it, `trailers` holds
    aws-chunked trailer values (lower-case names) and `size` the byte count."""

    def __init__(self, ctx: RequestContext, default_algorithm: str | None = None) -> None:
        self.ctx = ctx
        auth = ctx.auth
        factory = auth.chunk_verifier if auth is not None else None
        self.check = PayloadCheck(
            ctx.headers,
            expected_sha256=auth.expected_sha256 if auth is not None else None,
            chunk_verifier=factory() if factory is not None else None,
            default_algorithm=default_algorithm,
        )

    @property
    def chunked(self) -> bool:
        """True when the body is aws-chunked."""
        return self.check.chunked

    @property
    def expected(self) -> int | None:
        """The object size the client declared, None when it declared none."""
        return self.check.expected

    @property
    def size(self) -> int:
        """Object bytes read so far."""
        return self.check.size

    @property
    def trailers(self) -> dict[str, str]:
        """aws-chunked trailer values by lower-case name (after the body)."""
        return self.check.trailers

    @property
    def values(self) -> dict[str, str]:
        """Every computed checksum by algorithm, base64 (after verify)."""
        return self.check.values

    @property
    def algorithm(self) -> str:
        """The algorithm whose checksum is stored."""
        return self.check.algorithm

    @property
    def requested(self) -> RequestChecksum | None:
        """The checksum the client declared (header or trailer), if any."""
        return self.check.requested

    def hashers(self) -> list[checksums.Hasher]:
        """Hashers the body must be fed to, besides MD5 (which the engine owns)."""
        return self.check.hashers()

    def feed_all(self, data: bytes) -> None:
        """Feed a body already in memory to every hasher (small PUT path)."""
        self.check.feed_all(data)

    def verify(self, md5_digest: bytes) -> ChecksumRecord:
        """After the whole body went through the hashers: raise the S3 error for the
        first check that fails, else return the checksum to store."""
        return self.check.verify(md5_digest)

    async def write_into(self, staged: StagedWrite) -> ChecksumRecord:
        """Stream the whole body into `staged`, finish it and verify every
        check; on any failure (bad digest, client gone, ...) abort `staged` so
        nothing of this body stays behind. Returns the checksum to store."""
        try:
            async for piece in self:
                await staged.write(piece)
            result = await staged.finish()
            return self.verify(bytes.fromhex(result.md5_hex))
        except BaseException:
            await staged.abort()
            raise

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[bytes]:
        check = self.check
        async for chunk in self.ctx.body_chunks():
            for piece in check.feed(chunk):
                yield piece
        check.finish()
