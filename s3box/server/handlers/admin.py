"""s3box's own endpoints under /_s3box/: health (and later metrics, admin).

Never authenticated, never touching object data.
"""

from __future__ import annotations

from s3box.protocol.errors import S3Error
from s3box.server.http import RequestContext, Response

_TEXT = [("content-type", "text/plain; charset=utf-8")]


async def health_live(ctx: RequestContext) -> Response:
    return Response(headers=list(_TEXT), body=b"ok\n")


async def health_ready(ctx: RequestContext) -> Response:
    if not ctx.app.started:
        raise S3Error("ServiceUnavailable", "s3box is starting or stopping.")
    return Response(headers=list(_TEXT), body=b"ready\n")


HANDLERS = {
    ("GET", "/_s3box/health/live"): health_live,
    ("HEAD", "/_s3box/health/live"): health_live,
    ("GET", "/_s3box/health/ready"): health_ready,
    ("HEAD", "/_s3box/health/ready"): health_ready,
}
