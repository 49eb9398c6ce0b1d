"""s3box's own endpoints: health and metrics under /_s3box/, and the
POST /{bucket}?rebuildIndex operation.

Health and metrics are never authenticated and never touch object data (they
carry counts, no keys and no secrets). rebuildIndex is an S3-style request
(signed when auth is on) that only asks the engine to start a background
rebuild.
"""

from __future__ import annotations

from collections.abc import Callable

from s3box.protocol.operations.admin import (
    parse_rebuild_index,
    rebuild_index_conflict,
    render_health_live,
    render_health_ready,
    render_rebuild_index,
)
from s3box.protocol.response import Response
from s3box.server.deps import Handler
from s3box.server.http import RequestContext
from s3box.server.lifecycle import Lifecycle
from s3box.server.metrics import CONTENT_TYPE, Metrics
from s3box.storage.engine import Engine
from s3box.storage.errors import RebuildInProgress


class AdminHandlers:
    """`started` answers whether the app has started and is not stopping."""

    def __init__(
        self,
        *,
        engine: Engine,
        metrics: Metrics,
        lifecycle: Lifecycle,
        started: Callable[[], bool],
    ) -> None:
        self.engine = engine
        self.metrics = metrics
        self.lifecycle = lifecycle
        self.started = started

    def routes(self) -> dict[str, Handler]:
        """The S3-style operations (routed by protocol/routing.py)."""
        return {"rebuild_index": self.rebuild_index}

    def admin_routes(self) -> dict[tuple[str, str], Handler]:
        """The /_s3box/ endpoints, by method and path."""
        return {
            ("GET", "/_s3box/health/live"): self.health_live,
            ("HEAD", "/_s3box/health/live"): self.health_live,
            ("GET", "/_s3box/health/ready"): self.health_ready,
            ("HEAD", "/_s3box/health/ready"): self.health_ready,
            ("GET", "/_s3box/metrics"): self.metrics_text,
        }

    async def health_live(self, ctx: RequestContext) -> Response:
        return render_health_live()

    async def health_ready(self, ctx: RequestContext) -> Response:
        return render_health_ready(self.started())

    async def metrics_text(self, ctx: RequestContext) -> Response:
        return Response(headers=[("content-type", CONTENT_TYPE)], body=self.metrics.render())

    async def rebuild_index(self, ctx: RequestContext) -> Response:
        inp = parse_rebuild_index(ctx)
        await ctx.drain()
        try:
            await self.engine.rebuild_index(inp.bucket)
        except RebuildInProgress:
            raise rebuild_index_conflict(inp) from None
        self.lifecycle.watch_rebuild(inp.bucket)
        return render_rebuild_index()
