"""s3box's own endpoints: health and metrics under /_s3box/, and the
POST /{bucket}?rebuildIndex operation.

Health and metrics are never authenticated and never touch object data (they
carry counts, no keys and no secrets). rebuildIndex is an S3-style request
(signed when auth is on) that only asks the engine to start a background
rebuild.
"""

from __future__ import annotations

from s3box.protocol.errors import S3Error
from s3box.protocol.request import bucket_of
from s3box.protocol.response import Response
from s3box.server.http import RequestContext
from s3box.server.metrics import CONTENT_TYPE
from s3box.storage.errors import RebuildInProgress

_TEXT = [("content-type", "text/plain; charset=utf-8")]


async def health_live(ctx: RequestContext) -> Response:
    return Response(headers=list(_TEXT), body=b"ok\n")


async def health_ready(ctx: RequestContext) -> Response:
    if not ctx.app.started:
        raise S3Error("ServiceUnavailable", "s3box is starting or stopping.")
    return Response(headers=list(_TEXT), body=b"ready\n")


async def metrics(ctx: RequestContext) -> Response:
    return Response(headers=[("content-type", CONTENT_TYPE)], body=ctx.app.metrics.render())


async def rebuild_index(ctx: RequestContext) -> Response:
    """202 Accepted: the rebuild runs in the background. One already running for
    the bucket -> 409 OperationAborted, the code S3 uses for "a conflicting
    operation is in progress against this resource"."""
    bucket = bucket_of(ctx)
    await ctx.drain()
    try:
        await ctx.app.engine.rebuild_index(bucket)
    except RebuildInProgress:
        raise S3Error(
            "OperationAborted",
            "An index rebuild is already running for this bucket. Try again when it ends.",
            status=409,
            extra={"BucketName": bucket},
        ) from None
    ctx.app.lifecycle.watch_rebuild(bucket)
    return Response(status=202)


HANDLERS = {
    ("GET", "/_s3box/health/live"): health_live,
    ("HEAD", "/_s3box/health/live"): health_live,
    ("GET", "/_s3box/health/ready"): health_ready,
    ("HEAD", "/_s3box/health/ready"): health_ready,
    ("GET", "/_s3box/metrics"): metrics,
}

# S3-style operations (routed by protocol/routing.py), merged into the app's table.
S3_HANDLERS = {
    "rebuild_index": rebuild_index,
}
