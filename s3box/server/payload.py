"""Request payloads: the decoded object bytes of a PUT or UploadPart, read from the socket.

A thin adapter over protocol/payload.PayloadCheck, which removes any aws-chunked framing and
makes every check the client asked for (declared length, Content-MD5, flexible checksum from
header or trailer, signed payload SHA-256): Payload reads ctx.body_chunks() and feeds it.
The hashers run wherever the bytes go (the engine feeds them in worker threads). No storage
access here besides handing the bytes to a staged write.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from s3box.protocol.payload import PayloadCheck
from s3box.server.http import RequestContext


class Payload(PayloadCheck):
    """An async iterator over the decoded body of ctx, with PayloadCheck's checks and state
    (`chunked`, `expected`, `size`, `trailers`, `values`, `algorithm`, `requested`,
    `hashers()`, `feed_all()`, `verify()`). `size` and `trailers` are final once the
    iteration is done."""

    def __init__(self, ctx: RequestContext, default_algorithm: str | None = None) -> None:
        auth = ctx.auth
        factory = auth.chunk_verifier if auth is not None else None
        super().__init__(
            ctx.headers,
            expected_sha256=auth.expected_sha256 if auth is not None else None,
            chunk_verifier=factory() if factory is not None else None,
            default_algorithm=default_algorithm,
        )
        self.ctx = ctx

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[bytes]:
        async for chunk in self.ctx.body_chunks():
            for piece in self.feed(chunk):
                yield piece
        self.finish()
