"""Multipart uploads: CreateMultipartUpload, UploadPart, UploadPartCopy,
ListParts, ListMultipartUploads, CompleteMultipartUpload, AbortMultipartUpload.

Each handler parses its typed input (protocol/operations/multipart.py),
calls the engine and renders the engine's records; the engine stages parts
and publishes the object. Part bodies are streamed, never buffered whole.
"""

from __future__ import annotations

from functools import partial

from s3box.protocol.operations.list_uploads import (
    parse_list_multipart_uploads,
    render_list_multipart_uploads,
)
from s3box.protocol.operations.multipart import (
    CompleteMultipartUploadInput,
    complete_checksum,
    parse_abort_multipart_upload,
    parse_complete_multipart_upload,
    parse_create_multipart_upload,
    parse_list_parts,
    parse_upload_part,
    parse_upload_part_copy,
    part_algorithm,
    render_abort_multipart_upload,
    render_complete_multipart_upload,
    render_create_multipart_upload,
    render_list_parts,
    render_upload_part,
    render_upload_part_copy,
)
from s3box.protocol.operations.multipart_checksums import check_part_algorithm, part_copy_checksum
from s3box.protocol.response import Response
from s3box.server.deps import Handler, HandlerDeps
from s3box.server.http import RequestContext, parse_document
from s3box.server.payload import Payload
from s3box.storage.errors import StorageError


class MultipartHandlers:
    def __init__(self, deps: HandlerDeps) -> None:
        self.engine = deps.engine
        self.completions = deps.completions

    def routes(self) -> dict[str, Handler]:
        return {
            "create_multipart_upload": self.create_multipart_upload,
            "upload_part": self.upload_part,
            "upload_part_copy": self.upload_part_copy,
            "list_parts": self.list_parts,
            "list_multipart_uploads": self.list_multipart_uploads,
            "complete_multipart_upload": self.complete_multipart_upload,
            "abort_multipart_upload": self.abort_multipart_upload,
        }

    async def create_multipart_upload(self, ctx: RequestContext) -> Response:
        inp = parse_create_multipart_upload(ctx)
        upload_id = await self.engine.create_multipart_upload(inp.bucket, inp.key, inp.fields)
        return render_create_multipart_upload(inp, upload_id)

    async def upload_part(self, ctx: RequestContext) -> Response:
        inp = parse_upload_part(ctx)
        # The upload decides the part's checksum algorithm, so it is looked up
        # before the payload's checks are set up.
        info = await self.engine.get_upload(inp.bucket, inp.key, inp.upload_id)
        payload = Payload(ctx, default_algorithm=part_algorithm(inp, info))
        requested = payload.requested
        check_part_algorithm(info, requested.algorithm if requested is not None else None)
        part = await self.engine.upload_part(
            inp.bucket,
            inp.key,
            inp.upload_id,
            inp.part_number,
            payload,
            size=payload.expected,
            hashers=payload.hashers(),
            verify=payload.verify,
        )
        return render_upload_part(info, part, requested, payload.values)

    async def upload_part_copy(self, ctx: RequestContext) -> Response:
        inp = parse_upload_part_copy(ctx)
        info = await self.engine.get_upload(inp.bucket, inp.key, inp.upload_id)
        hasher, verify = part_copy_checksum(part_algorithm(inp, info))
        part = await self.engine.upload_part_copy(
            inp.bucket,
            inp.key,
            inp.upload_id,
            inp.part_number,
            inp.src_bucket,
            inp.src_key,
            check_source=inp.check_source,
            byte_range=inp.byte_range,
            hashers=[hasher],
            verify=verify,
        )
        return render_upload_part_copy(info, part)

    async def list_parts(self, ctx: RequestContext) -> Response:
        inp = parse_list_parts(ctx)
        info, parts = await self.engine.list_parts(inp.bucket, inp.key, inp.upload_id)
        return render_list_parts(inp, info, parts)

    async def list_multipart_uploads(self, ctx: RequestContext) -> Response:
        inp = parse_list_multipart_uploads(ctx)
        page = await self.engine.list_multipart_uploads(
            inp.bucket,
            prefix=inp.prefix,
            delimiter=inp.delimiter,
            key_marker=inp.key_marker,
            upload_id_marker=inp.upload_id_marker,
            max_uploads=inp.max_uploads,
        )
        return render_list_multipart_uploads(inp, page)

    async def complete_multipart_upload(self, ctx: RequestContext) -> Response:
        body = await ctx.read_body()
        inp = await parse_document(partial(parse_complete_multipart_upload, ctx), body)
        try:
            # The parts' checksums make the object's, so they are read first.
            info, parts = await self.engine.list_parts(inp.bucket, inp.key, inp.upload_id)
            checksum = complete_checksum(inp, info, parts)
            meta = await self.engine.complete_multipart_upload(
                inp.bucket, inp.key, inp.upload_id, inp.requested, inp.condition, checksum=checksum
            )
        except StorageError as err:
            replay = self._replay(inp)
            if err.code == "NoSuchUpload" and replay is not None:
                return replay  # a retried Complete, or a racing one of the same parts won
            raise
        response = render_complete_multipart_upload(inp, info, meta.etag, checksum)
        self.completions.remember(inp.bucket, inp.key, inp.upload_id, inp.requested, response)
        return response

    def _replay(self, inp: CompleteMultipartUploadInput) -> Response | None:
        return self.completions.replay(inp.bucket, inp.key, inp.upload_id, inp.requested)

    async def abort_multipart_upload(self, ctx: RequestContext) -> Response:
        inp = parse_abort_multipart_upload(ctx)
        await self.engine.abort_multipart_upload(inp.bucket, inp.key, inp.upload_id)
        return render_abort_multipart_upload()
