"""GetObjectAttributes: what an object's stored record says, as asked for in
x-amz-object-attributes (the rules are in protocol/operations/objects.py)."""

from __future__ import annotations

from s3box.protocol.operations.attributes import (
    parse_get_object_attributes,
    render_get_object_attributes,
)
from s3box.protocol.response import Response
from s3box.server.deps import Handler, HandlerDeps
from s3box.server.http import RequestContext


class AttributesHandlers:
    def __init__(self, deps: HandlerDeps) -> None:
        self.engine = deps.engine

    def routes(self) -> dict[str, Handler]:
        return {"get_object_attributes": self.get_object_attributes}

    async def get_object_attributes(self, ctx: RequestContext) -> Response:
        inp = parse_get_object_attributes(ctx)
        meta = await self.engine.head_object(inp.bucket, inp.key)
        return render_get_object_attributes(inp, meta)
