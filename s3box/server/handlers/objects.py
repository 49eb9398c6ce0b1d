"""Object operations: PutObject, GetObject, HeadObject, DeleteObject, CopyObject.

Each handler parses the request (protocol/operations/objects.py and copy.py),
makes one engine call and renders its result; the header rules live in
protocol. Bodies are streamed: a Payload in, a stream of the range out.
"""

from __future__ import annotations

from s3box.protocol.operations.copy import parse_copy_object, render_copy_object
from s3box.protocol.operations.objects import (
    object_read,
    parse_delete_object,
    parse_get_object,
    parse_head_object,
    parse_put_object,
    render_delete_object,
    render_get_object,
    render_head_object,
    render_put_object,
)
from s3box.protocol.response import Response
from s3box.server.deps import Handler, HandlerDeps
from s3box.server.http import RequestContext
from s3box.server.payload import Payload


class ObjectHandlers:
    def __init__(self, deps: HandlerDeps) -> None:
        self.engine = deps.engine

    def routes(self) -> dict[str, Handler]:
        return {
            "put_object": self.put_object,
            "get_object": self.get_object,
            "head_object": self.head_object,
            "delete_object": self.delete_object,
            "copy_object": self.copy_object,
        }

    async def put_object(self, ctx: RequestContext) -> Response:
        inp = parse_put_object(ctx)
        payload = Payload(ctx)
        meta = await self.engine.put_object(
            inp.bucket,
            inp.key,
            payload,
            size=payload.expected,
            fields=inp.fields,
            condition=inp.condition,
            hashers=payload.hashers(),
            verify=payload.verify,
        )
        return render_put_object(meta)

    async def get_object(self, ctx: RequestContext) -> Response:
        inp = parse_get_object(ctx)
        handle = await self.engine.get_object(inp.bucket, inp.key)
        try:
            read = object_read(inp, handle.meta)
            # A small object came with its bytes; nothing to stream either
            # for an empty range. The handle is closed before answering then.
            if handle.data is not None or read.length == 0:
                await handle.close()
                return render_get_object(read, handle.data or b"")
            return render_get_object(read, handle.iter_range(read.start, read.end), handle.close)
        except BaseException:
            await handle.close()
            raise

    async def head_object(self, ctx: RequestContext) -> Response:
        inp = parse_head_object(ctx)
        meta = await self.engine.head_object(inp.bucket, inp.key)
        return render_head_object(object_read(inp, meta))

    async def delete_object(self, ctx: RequestContext) -> Response:
        inp = parse_delete_object(ctx)
        await self.engine.delete_object(inp.bucket, inp.key, if_match=inp.if_match)
        return render_delete_object()

    async def copy_object(self, ctx: RequestContext) -> Response:
        inp = parse_copy_object(ctx)
        meta = await self.engine.copy_object(
            inp.source_bucket,
            inp.source_key,
            inp.bucket,
            inp.key,
            fields=inp.copy_fields,
            check_source=inp.check_source,
            condition=inp.condition,
            recompute_checksum=inp.recompute_checksum(),
        )
        return render_copy_object(meta)
