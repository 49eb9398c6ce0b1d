"""Put/Get/DeleteBucketCors and the preflight (options_object).

Handlers translate only: the rules live in bucket.json through the engine;
which rules a preflight is matched against (the bucket's or the server-wide
default) is server/cors.py's CorsPolicy.
"""

from __future__ import annotations

from s3box.protocol.operations.cors import (
    MAX_CORS_BODY,
    parse_delete_bucket_cors,
    parse_get_bucket_cors,
    parse_options_object,
    parse_put_bucket_cors,
    render_delete_bucket_cors,
    render_get_bucket_cors,
    render_options_object,
    render_put_bucket_cors,
)
from s3box.protocol.response import Response
from s3box.server.cors import CorsPolicy
from s3box.server.deps import Handler, HandlerDeps
from s3box.server.http import RequestContext


class CorsHandlers:
    def __init__(self, deps: HandlerDeps, policy: CorsPolicy) -> None:
        self.engine = deps.engine
        self.policy = policy

    def routes(self) -> dict[str, Handler]:
        return {
            "put_bucket_cors": self.put_bucket_cors,
            "get_bucket_cors": self.get_bucket_cors,
            "delete_bucket_cors": self.delete_bucket_cors,
            "options_object": self.options_object,
        }

    async def put_bucket_cors(self, ctx: RequestContext) -> Response:
        inp = parse_put_bucket_cors(ctx, await ctx.read_body(MAX_CORS_BODY))
        await self.engine.put_bucket_cors(inp.bucket, inp.rules)
        return render_put_bucket_cors(inp)

    async def get_bucket_cors(self, ctx: RequestContext) -> Response:
        inp = parse_get_bucket_cors(ctx)
        rules = await self.engine.get_bucket_cors(inp.bucket)
        return render_get_bucket_cors(inp, rules)

    async def delete_bucket_cors(self, ctx: RequestContext) -> Response:
        inp = parse_delete_bucket_cors(ctx)
        await self.engine.delete_bucket_cors(inp.bucket)
        return render_delete_bucket_cors(inp)

    async def options_object(self, ctx: RequestContext) -> Response:
        inp = parse_options_object(ctx)
        rules, found = await self.policy.rules_for(inp.bucket)
        return render_options_object(inp, rules, found)
