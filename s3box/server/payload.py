"""Request payloads: the decoded object bytes of a PUT or UploadPart.

Decides from the headers whether the body is plain or aws-chunked, feeds it
through the sans-I/O decoder, checks the decoded length against what the
client declared, and hands back the trailers. No storage access here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from s3box.protocol.errors import S3Error
from s3box.server.http import RequestContext

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

    def __init__(self, ctx: RequestContext) -> None:
        self.ctx = ctx
        self.chunked = is_aws_chunked(ctx)
        self.expected = declared_length(ctx)
        self.trailers: dict[str, str] = {}
        self.size = 0

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
