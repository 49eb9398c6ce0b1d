"""Object and bucket tagging: Get/Put/Delete{Object,Bucket}Tagging.

Handlers translate only; tags live in meta.json (objects) and tagging.json
(buckets) through the engine.
"""

from __future__ import annotations

from s3box.protocol.operations.tagging import (
    MAX_TAGGING_BODY,
    parse_delete_bucket_tagging,
    parse_delete_object_tagging,
    parse_get_bucket_tagging,
    parse_get_object_tagging,
    parse_put_bucket_tagging,
    parse_put_object_tagging,
    render_delete_bucket_tagging,
    render_delete_object_tagging,
    render_get_bucket_tagging,
    render_get_object_tagging,
    render_put_bucket_tagging,
    render_put_object_tagging,
)
from s3box.protocol.response import Response
from s3box.server.deps import Handler, HandlerDeps
from s3box.server.http import RequestContext


class TaggingHandlers:
    def __init__(self, deps: HandlerDeps) -> None:
        self.engine = deps.engine

    def routes(self) -> dict[str, Handler]:
        return {
            "get_object_tagging": self.get_object_tagging,
            "put_object_tagging": self.put_object_tagging,
            "delete_object_tagging": self.delete_object_tagging,
            "get_bucket_tagging": self.get_bucket_tagging,
            "put_bucket_tagging": self.put_bucket_tagging,
            "delete_bucket_tagging": self.delete_bucket_tagging,
        }

    async def get_object_tagging(self, ctx: RequestContext) -> Response:
        inp = parse_get_object_tagging(ctx)
        tags = await self.engine.get_object_tagging(inp.bucket, inp.key)
        return render_get_object_tagging(inp, tags)

    async def put_object_tagging(self, ctx: RequestContext) -> Response:
        inp = parse_put_object_tagging(ctx, await ctx.read_body(MAX_TAGGING_BODY))
        await self.engine.put_object_tagging(inp.bucket, inp.key, inp.tags)
        return render_put_object_tagging(inp)

    async def delete_object_tagging(self, ctx: RequestContext) -> Response:
        inp = parse_delete_object_tagging(ctx)
        await self.engine.delete_object_tagging(inp.bucket, inp.key)
        return render_delete_object_tagging(inp)

    async def get_bucket_tagging(self, ctx: RequestContext) -> Response:
        inp = parse_get_bucket_tagging(ctx)
        tags = await self.engine.get_bucket_tagging(inp.bucket)
        return render_get_bucket_tagging(inp, tags)

    async def put_bucket_tagging(self, ctx: RequestContext) -> Response:
        inp = parse_put_bucket_tagging(ctx, await ctx.read_body(MAX_TAGGING_BODY))
        await self.engine.put_bucket_tagging(inp.bucket, inp.tags)
        return render_put_bucket_tagging(inp)

    async def delete_bucket_tagging(self, ctx: RequestContext) -> Response:
        inp = parse_delete_bucket_tagging(ctx)
        await self.engine.delete_bucket_tagging(inp.bucket)
        return render_delete_bucket_tagging(inp)
