"""Versioning reads of buckets that are never versioned: GetBucketVersioning
(no Status) and ListObjectVersions (each current object once, VersionId
"null")."""

from __future__ import annotations

from s3box.protocol.operations.listing import (
    parse_list_object_versions,
    render_list_object_versions,
)
from s3box.protocol.operations.unconfigured import (
    parse_get_bucket_versioning,
    render_get_bucket_versioning,
)
from s3box.protocol.response import Response
from s3box.server.deps import Handler, HandlerDeps
from s3box.server.http import RequestContext


class VersionsHandlers:
    def __init__(self, deps: HandlerDeps) -> None:
        self.engine = deps.engine

    def routes(self) -> dict[str, Handler]:
        return {
            "get_bucket_versioning": self.get_bucket_versioning,
            "list_object_versions": self.list_object_versions,
        }

    async def get_bucket_versioning(self, ctx: RequestContext) -> Response:
        inp = parse_get_bucket_versioning(ctx)
        await self.engine.head_bucket(inp.bucket)
        return render_get_bucket_versioning(inp)

    async def list_object_versions(self, ctx: RequestContext) -> Response:
        inp = parse_list_object_versions(ctx)
        page = await self.engine.list_object_versions(
            inp.bucket,
            prefix=inp.prefix,
            delimiter=inp.delimiter,
            key_marker=inp.key_marker,
            max_keys=inp.max_keys,
        )
        return render_list_object_versions(inp, page)
