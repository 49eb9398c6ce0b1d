"""The routed subresources s3box leaves out (SPEC §7.3 and §8): Gets of
policy, lifecycle, encryption and the rest (404 not configured, or an
empty document), their Deletes (204), the object-lock reads, and
RestoreObject. Each answer needs only the bucket (or object) to exist; the
table of answers is protocol/operations/unconfigured.py."""

from __future__ import annotations

from s3box.protocol.operations.unconfigured import (
    UNCONFIGURED_OPERATIONS,
    parse_restore_object,
    parse_unconfigured,
    render_restore_object,
    render_unconfigured,
)
from s3box.protocol.response import Response
from s3box.server.deps import Handler, HandlerDeps
from s3box.server.http import RequestContext
from s3box.storage.engine import Engine


class _Unconfigured:
    """The handler of one unconfigured-subresource operation (its route name)."""

    def __init__(self, engine: Engine, operation: str) -> None:
        self.engine = engine
        self.operation = operation

    async def __call__(self, ctx: RequestContext) -> Response:
        inp = parse_unconfigured(ctx, self.operation)
        await self.engine.head_bucket(inp.bucket)
        return render_unconfigured(inp)


class UnconfiguredHandlers:
    def __init__(self, deps: HandlerDeps) -> None:
        self.engine = deps.engine

    def routes(self) -> dict[str, Handler]:
        routes: dict[str, Handler] = {
            op: _Unconfigured(self.engine, op) for op in sorted(UNCONFIGURED_OPERATIONS)
        }
        routes["restore_object"] = self.restore_object
        return routes

    async def restore_object(self, ctx: RequestContext) -> Response:
        inp = parse_restore_object(ctx)
        meta = await self.engine.head_object(inp.bucket, inp.key)
        return render_restore_object(inp, meta)
