"""Service- and bucket-level operations: ListBuckets, CreateBucket, HeadBucket,
DeleteBucket and GetBucketLocation.

Each handler is parse (protocol/operations/buckets.py) -> one engine call ->
render. No header or XML logic, no file or SQLite access here.
"""

from __future__ import annotations

from functools import partial

from s3box.protocol.operations.buckets import (
    check_create_bucket_configuration,
    parse_create_bucket,
    parse_delete_bucket,
    parse_get_bucket_location,
    parse_head_bucket,
    parse_list_buckets,
    render_create_bucket,
    render_delete_bucket,
    render_get_bucket_location,
    render_head_bucket,
    render_list_buckets,
)
from s3box.protocol.response import Response
from s3box.server.deps import Handler, HandlerDeps
from s3box.server.http import RequestContext, parse_document


class BucketHandlers:
    def __init__(self, deps: HandlerDeps) -> None:
        self.engine = deps.engine
        self.region = deps.region
        self.owner = deps.owner

    def routes(self) -> dict[str, Handler]:
        return {
            "list_buckets": self.list_buckets,
            "create_bucket": self.create_bucket,
            "head_bucket": self.head_bucket,
            "delete_bucket": self.delete_bucket,
            "get_bucket_location": self.get_bucket_location,
        }

    async def list_buckets(self, ctx: RequestContext) -> Response:
        inp = parse_list_buckets(ctx)
        buckets = await self.engine.list_buckets()
        return render_list_buckets(inp, buckets, region=self.region, owner=self.owner)

    async def create_bucket(self, ctx: RequestContext) -> Response:
        # The head is judged before the body is read: a refused request leaves
        # its body unread and the connection is closed, as for any early error.
        inp = parse_create_bucket(ctx)
        body = await ctx.read_body()
        await parse_document(partial(check_create_bucket_configuration, region=self.region), body)
        await self.engine.create_bucket(inp.bucket)
        return render_create_bucket(inp)

    async def head_bucket(self, ctx: RequestContext) -> Response:
        inp = parse_head_bucket(ctx)
        await self.engine.head_bucket(inp.bucket)
        return render_head_bucket(self.region)

    async def delete_bucket(self, ctx: RequestContext) -> Response:
        inp = parse_delete_bucket(ctx)
        await self.engine.delete_bucket(inp.bucket)
        return render_delete_bucket()

    async def get_bucket_location(self, ctx: RequestContext) -> Response:
        inp = parse_get_bucket_location(ctx)
        await self.engine.head_bucket(inp.bucket)
        return render_get_bucket_location(self.region)
