"""Object listings: ListObjects (v1) and ListObjectsV2.

Each handler is parse (protocol/operations/listing.py) -> one engine call ->
render; paging is the engine's, the XML the protocol's.
"""

from __future__ import annotations

from s3box.protocol.operations.listing import (
    parse_list_objects,
    parse_list_objects_v2,
    render_list_objects,
    render_list_objects_v2,
)
from s3box.protocol.response import Response
from s3box.server.deps import Handler, HandlerDeps
from s3box.server.http import RequestContext


class ListingHandlers:
    def __init__(self, deps: HandlerDeps) -> None:
        self.engine = deps.engine
        self.owner = deps.owner

    def routes(self) -> dict[str, Handler]:
        return {
            "list_objects": self.list_objects,
            "list_objects_v2": self.list_objects_v2,
        }

    async def list_objects(self, ctx: RequestContext) -> Response:
        inp = parse_list_objects(ctx)
        page = await self.engine.list_objects(
            inp.bucket,
            prefix=inp.prefix,
            delimiter=inp.delimiter,
            marker=inp.marker,
            max_keys=inp.max_keys,
        )
        return render_list_objects(inp, page, self.owner)

    async def list_objects_v2(self, ctx: RequestContext) -> Response:
        inp = parse_list_objects_v2(ctx)
        page = await self.engine.list_objects_v2(
            inp.bucket,
            prefix=inp.prefix,
            delimiter=inp.delimiter,
            continuation=inp.continuation,
            start_after=inp.start_after,
            max_keys=inp.max_keys,
        )
        return render_list_objects_v2(inp, page, self.owner)
