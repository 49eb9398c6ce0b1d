"""Which CORS rules a request is matched against, and the hook that puts the
matched rule's headers on every actual (non-OPTIONS) response.

A bucket's own rules (PutBucketCors) when it has them; otherwise the
server-wide default of the `cors:` config section, which also covers
requests naming no bucket or a missing one. The matching itself is
protocol/cors.py's; the bucket's rules are held in memory by the engine.
"""

from __future__ import annotations

from s3box.config.model import CorsConfig
from s3box.protocol.cors import actual_request_headers
from s3box.protocol.response import Response
from s3box.records import CorsRule
from s3box.server.http import RequestContext
from s3box.storage.engine import Engine
from s3box.storage.errors import NoSuchBucket, StorageError

Rules = tuple[CorsRule, ...]


def default_rules(config: CorsConfig) -> Rules | None:
    """The `cors:` section as one rule, or None when it allows no origin (off)."""
    if not config.allowed_origins:
        return None
    return (
        CorsRule(
            allowed_origins=config.allowed_origins,
            allowed_methods=config.allowed_methods,
            allowed_headers=config.allowed_headers,
            expose_headers=config.expose_headers,
            max_age_seconds=config.max_age_seconds,
        ),
    )


class CorsPolicy:
    def __init__(self, engine: Engine, default: Rules | None) -> None:
        self.engine = engine
        self.default = default

    async def rules_for(self, bucket: str | None) -> tuple[Rules | None, bool]:
        """(the rules that apply, whether the bucket exists). Raises what the
        engine raises other than NoSuchBucket."""
        if bucket is None:
            return self.default, False
        try:
            own = await self.engine.get_bucket_cors(bucket)
        except NoSuchBucket:
            return self.default, False
        return (own if own is not None else self.default), True

    async def add_headers(self, ctx: RequestContext, response: Response) -> None:
        """Append the matched rule's CORS headers to an actual request's response
        (success or error). Costs one dict lookup without an Origin header; never
        fails the response."""
        if "origin" not in ctx.headers or ctx.method == "OPTIONS":
            return
        try:
            rules, _ = await self.rules_for(ctx.bucket)
        except StorageError:
            return
        if rules:
            response.headers.extend(actual_request_headers(rules, ctx.method, ctx.headers))
