"""DeleteObjects: the batch delete.

parse (protocol/operations/deletes.py: Content-MD5, the Delete document, the
keys) -> one engine call -> render. Reading the body is this handler's job.
"""

from __future__ import annotations

from functools import partial

from s3box.protocol.operations.deletes import parse_delete_objects, render_delete_objects
from s3box.protocol.response import Response
from s3box.server.deps import Handler, HandlerDeps
from s3box.server.http import RequestContext, parse_document


class DeleteHandlers:
    def __init__(self, deps: HandlerDeps) -> None:
        self.engine = deps.engine

    def routes(self) -> dict[str, Handler]:
        return {"delete_objects": self.delete_objects}

    async def delete_objects(self, ctx: RequestContext) -> Response:
        body = await ctx.read_body()
        # Hashing and parsing a large document runs off the event loop.
        inp = await parse_document(partial(parse_delete_objects, ctx), body)
        deleted = await self.engine.delete_objects(inp.bucket, inp.deletable)
        return render_delete_objects(inp, deleted)
