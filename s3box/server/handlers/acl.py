"""ACLs: Get/Put{Bucket,Object}Acl. s3box has none: Gets show the owner with
FULL_CONTROL, Puts succeed only for that private ACL (the rule is in
protocol/operations/acl.py)."""

from __future__ import annotations

from s3box.protocol.operations.acl import (
    MAX_ACL_BODY,
    parse_get_bucket_acl,
    parse_get_object_acl,
    parse_put_bucket_acl,
    parse_put_object_acl,
    render_get_bucket_acl,
    render_get_object_acl,
    render_put_bucket_acl,
    render_put_object_acl,
)
from s3box.protocol.response import Response
from s3box.server.deps import Handler, HandlerDeps
from s3box.server.http import RequestContext


class AclHandlers:
    def __init__(self, deps: HandlerDeps) -> None:
        self.engine = deps.engine

    def routes(self) -> dict[str, Handler]:
        return {
            "get_bucket_acl": self.get_bucket_acl,
            "get_object_acl": self.get_object_acl,
            "put_bucket_acl": self.put_bucket_acl,
            "put_object_acl": self.put_object_acl,
        }

    async def get_bucket_acl(self, ctx: RequestContext) -> Response:
        inp = parse_get_bucket_acl(ctx)
        await self.engine.head_bucket(inp.bucket)
        return render_get_bucket_acl(inp)

    async def get_object_acl(self, ctx: RequestContext) -> Response:
        inp = parse_get_object_acl(ctx)
        await self.engine.head_object(inp.bucket, inp.key)
        return render_get_object_acl(inp)

    async def put_bucket_acl(self, ctx: RequestContext) -> Response:
        inp = parse_put_bucket_acl(ctx)
        await self.engine.head_bucket(inp.bucket)
        # Read after the lookup: a missing bucket is NoSuchBucket whatever the body.
        return render_put_bucket_acl(inp, await ctx.read_body(MAX_ACL_BODY))

    async def put_object_acl(self, ctx: RequestContext) -> Response:
        inp = parse_put_object_acl(ctx)
        await self.engine.head_object(inp.bucket, inp.key)
        return render_put_object_acl(inp, await ctx.read_body(MAX_ACL_BODY))
