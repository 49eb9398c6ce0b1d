"""Object operations: PutObject, GetObject, HeadObject, DeleteObject,
CopyObject, GetObjectAcl.

Handlers translate S3 requests into engine calls and records into headers.
Bodies are streamed; only small, size-bounded bodies are taken whole.
"""

from __future__ import annotations

import asyncio
import dataclasses

from s3box.protocol import checksums
from s3box.protocol.conditions import (
    evaluate_read_conditions,
    parse_etag_condition,
    write_condition,
)
from s3box.protocol.errors import S3Error
from s3box.protocol.header_values import check_override_value
from s3box.protocol.object_headers import (
    REDIRECT_LOCATION,
    RESPONSE_OVERRIDES,
    XML_HEADERS,
    object_fields_from_headers,
    object_headers,
    quote_etag,
    reject_customer_key,
)
from s3box.protocol.operations.copy import (
    copy_source_checker,
    parse_copy_source,
    render_copy_object,
)
from s3box.protocol.query import check_version_id, parse_part_number
from s3box.protocol.ranges import content_range, parse_range
from s3box.protocol.request import bucket_of, key_of
from s3box.protocol.response import Response
from s3box.records import ChecksumRecord, ObjectFields, ObjectMeta
from s3box.server.http import RequestContext
from s3box.server.payload import Payload


def checksum_headers(meta: ObjectMeta) -> list[tuple[str, str]]:
    record = meta.fields.checksum
    if record is None:
        return []
    return [
        (checksums.header_name(record.algorithm), record.value),
        ("x-amz-checksum-type", record.type),
    ]


def _put_response(meta: ObjectMeta) -> Response:
    return Response(headers=[("etag", quote_etag(meta.etag)), *checksum_headers(meta)])


async def put_object(ctx: RequestContext) -> Response:
    bucket = bucket_of(ctx)
    key = key_of(ctx)
    fields = object_fields_from_headers(ctx)
    condition = write_condition(ctx)
    payload = Payload(ctx)
    meta = await ctx.app.engine.put_object(
        bucket,
        key,
        payload,
        size=payload.expected,
        fields=fields,
        condition=condition,
        hashers=payload.hashers(),
        verify=payload.verify,
    )
    return _put_response(meta)


def _apply_overrides(ctx: RequestContext, headers: list[tuple[str, str]]) -> None:
    overrides = {
        header: check_override_value(param, ctx.query[param])
        for param, header in RESPONSE_OVERRIDES.items()
        if param in ctx.query
    }
    if not overrides:
        return
    headers[:] = [(n, v) for n, v in headers if n not in overrides]
    headers.extend(overrides.items())


def _check_read_conditions(ctx: RequestContext, meta: ObjectMeta) -> None:
    h = ctx.headers
    status = evaluate_read_conditions(
        h.get("if-match"),
        h.get("if-none-match"),
        h.get("if-modified-since"),
        h.get("if-unmodified-since"),
        meta.etag,
        meta.last_modified,
    )
    if status == 304:
        raise S3Error(
            "NotModified",
            status=304,
            headers={
                "etag": quote_etag(meta.etag),
                "last-modified": object_headers(meta)[1][1],
            },
        )


def _requested_range(
    ctx: RequestContext, meta: ObjectMeta, headers: list[tuple[str, str]]
) -> tuple[int, int] | None:
    """The byte range a GET/HEAD asks for, from Range or partNumber (a part
    read is a ranged read: 206 with Content-Range, plus the part count for a
    multipart object). Appends Content-Range to headers."""
    raw_part = ctx.query.get("partNumber")
    if raw_part is None:
        rng = parse_range(ctx.headers.get("range"), meta.size)
        if rng is not None:
            headers.append(("content-range", content_range(rng[0], rng[1], meta.size)))
        return rng
    if "range" in ctx.headers:
        raise S3Error(
            "InvalidRequest", "Cannot specify both Range header and partNumber query parameter"
        )
    number = parse_part_number(raw_part)
    multipart = "-" in meta.etag
    if (not multipart and number != 1) or (multipart and number > len(meta.parts)):
        raise S3Error(
            "InvalidPartNumber", "The requested partnumber is not satisfiable", status=416
        )
    if multipart:
        start = sum(p.size for p in meta.parts[: number - 1])
        end = start + meta.parts[number - 1].size - 1
        headers.append(("x-amz-mp-parts-count", str(len(meta.parts))))
        record = meta.fields.checksum
        part_checksum = meta.parts[number - 1].checksum
        if _checksum_mode(ctx) and record and record.type == "COMPOSITE" and part_checksum:
            headers.append((checksums.header_name(record.algorithm), part_checksum))
            headers.append(("x-amz-checksum-type", record.type))
    else:
        start, end = 0, meta.size - 1
    if meta.size:
        headers.append(("content-range", content_range(start, end, meta.size)))
    return start, end


def _checksum_mode(ctx: RequestContext) -> bool:
    """GET/HEAD return the stored checksum only when asked, and never for a
    Range (the value covers the whole object)."""
    return ctx.headers.get("x-amz-checksum-mode", "").upper() == "ENABLED"


async def get_object(ctx: RequestContext) -> Response:
    bucket = bucket_of(ctx)
    key = key_of(ctx)
    check_version_id(ctx.query.get("versionId"))
    handle = await ctx.app.engine.get_object(bucket, key)
    try:
        meta = handle.meta
        reject_customer_key(ctx)
        _check_read_conditions(ctx, meta)
        headers = object_headers(meta)
        _apply_overrides(ctx, headers)
        rng = _requested_range(ctx, meta, headers)
        status = 200
        if rng is None:
            start, end = 0, meta.size - 1
            if _checksum_mode(ctx):
                headers.extend(checksum_headers(meta))
        else:
            start, end = rng
            status = 206
        length = end - start + 1 if meta.size else 0
        if handle.data is not None:
            await handle.close()
            body = handle.data[start : end + 1] if length else b""
            return Response(status=status, headers=headers, body=body)
        if length == 0:
            await handle.close()
            return Response(status=status, headers=headers, body=b"")
        return Response(
            status=status,
            headers=headers,
            stream=handle.iter_range(start, end),
            content_length=length,
            on_close=handle.close,
        )
    except BaseException:
        await handle.close()
        raise


async def head_object(ctx: RequestContext) -> Response:
    bucket = bucket_of(ctx)
    key = key_of(ctx)
    check_version_id(ctx.query.get("versionId"))
    meta = await ctx.app.engine.head_object(bucket, key)
    reject_customer_key(ctx)
    _check_read_conditions(ctx, meta)
    headers = object_headers(meta)
    _apply_overrides(ctx, headers)
    rng = _requested_range(ctx, meta, headers)
    if rng is None:
        if _checksum_mode(ctx):
            headers.extend(checksum_headers(meta))
        return Response(headers=headers, content_length=meta.size)
    start, end = rng
    return Response(status=206, headers=headers, content_length=max(end - start + 1, 0))


async def delete_object(ctx: RequestContext) -> Response:
    bucket = bucket_of(ctx)
    key = key_of(ctx)
    check_version_id(ctx.query.get("versionId"))
    if_match = ctx.headers.get("if-match")
    etag = parse_etag_condition(if_match)[1] if if_match is not None else None
    await ctx.app.engine.head_bucket(bucket)
    await ctx.app.engine.delete_object(bucket, key, if_match=etag)
    return Response(status=204)


def _directive(ctx: RequestContext, name: str) -> str:
    """x-amz-metadata-directive / x-amz-tagging-directive: COPY (default) or
    REPLACE, else InvalidArgument."""
    value = ctx.headers.get(name, "COPY").strip().upper()
    if value not in ("COPY", "REPLACE"):
        raise S3Error(
            "InvalidArgument",
            f"Unknown {name[len('x-amz-') :].replace('-', ' ')}.",
            extra={"ArgumentName": name, "ArgumentValue": ctx.headers.get(name, "")},
        )
    return value


class _SourceChanged(Exception):
    """The copy source was overwritten between checksumming and copying."""


# Hash a chunk in a worker thread from this size up (SHA-256 of 1 MiB takes
# ~0.5 ms, too long for the event loop; CRCs of small chunks are cheaper
# than the hop).
_THREAD_HASH_MIN = 256 * 1024


async def _source_checksum(
    ctx: RequestContext, bucket: str, key: str, algorithm: str
) -> tuple[ChecksumRecord, tuple[str, int]]:
    """CopyObject with x-amz-checksum-algorithm: one pass over the source to
    compute the new FULL_OBJECT checksum; returns it with the (ETag, seq) of
    the exact version that was read."""
    handle = await ctx.app.engine.get_object(bucket, key, prefetch_limit=0)
    try:
        meta = handle.meta
        copy_source_checker(ctx)(meta)
        hasher = checksums.new_hasher(algorithm)
        async for chunk in handle.iter_range(0, meta.size - 1):
            if len(chunk) >= _THREAD_HASH_MIN:
                await asyncio.to_thread(hasher.update, chunk)
            else:
                hasher.update(chunk)
    finally:
        await handle.close()
    record = ChecksumRecord(algorithm, "FULL_OBJECT", checksums.b64(hasher.digest()))
    return record, (meta.etag, meta.seq)


async def copy_object(ctx: RequestContext) -> Response:
    bucket = bucket_of(ctx)
    key = key_of(ctx)
    src_bucket, src_key = parse_copy_source(ctx.headers["x-amz-copy-source"])
    directive = _directive(ctx, "x-amz-metadata-directive")
    tagging_directive = _directive(ctx, "x-amz-tagging-directive")
    raw_algorithm = ctx.headers.get("x-amz-checksum-algorithm")
    algorithm = checksums.normalize_algorithm(raw_algorithm) if raw_algorithm else None
    requested = object_fields_from_headers(ctx)  # validates every header it reads
    same = (src_bucket, src_key) == (bucket, key)
    if (
        same
        and directive == "COPY"
        and "x-amz-storage-class" not in ctx.headers
        and REDIRECT_LOCATION not in ctx.headers
        and algorithm is None
    ):
        raise S3Error(
            "InvalidRequest",
            "This copy request is illegal because it is trying to copy an object to itself "
            "without changing the object's metadata, storage class, website redirect "
            "location or encryption attributes.",
        )
    await ctx.app.engine.head_bucket(bucket)
    check = copy_source_checker(ctx)
    for _ in range(3):
        recomputed: ChecksumRecord | None = None
        pinned: tuple[str, int] | None = None
        if algorithm is not None:
            recomputed, pinned = await _source_checksum(ctx, src_bucket, src_key, algorithm)

        def check_source(meta: ObjectMeta, pinned: tuple[str, int] | None = pinned) -> None:
            check(meta)
            if pinned is not None and (meta.etag, meta.seq) != pinned:
                raise _SourceChanged

        def derive(src: ObjectMeta, recomputed: ChecksumRecord | None = recomputed) -> ObjectFields:
            """The copy's fields: metadata per x-amz-metadata-directive, tags
            per x-amz-tagging-directive, the storage class sent (else STANDARD,
            as S3: a copy does not inherit the source's class), the checksum
            recomputed (else the source's)."""
            if directive == "REPLACE":
                fields = dataclasses.replace(requested)
            else:
                # The redirect location belongs to one object: a copy does not
                # inherit it (S3), it takes the one the request sends.
                headers = {k: v for k, v in src.fields.headers.items() if k != REDIRECT_LOCATION}
                if REDIRECT_LOCATION in requested.headers:
                    headers[REDIRECT_LOCATION] = requested.headers[REDIRECT_LOCATION]
                fields = dataclasses.replace(
                    src.fields, headers=headers, user_metadata=dict(src.fields.user_metadata)
                )
                fields.storage_class = requested.storage_class
            tags = requested.tags if tagging_directive == "REPLACE" else src.fields.tags
            fields.tags = dict(tags)
            fields.checksum = recomputed or src.fields.checksum
            return fields

        try:
            meta = await ctx.app.engine.copy_object(
                src_bucket,
                src_key,
                bucket,
                key,
                fields=derive,
                check_source=check_source,
                condition=write_condition(ctx),
            )
            break
        except _SourceChanged:
            continue
    else:
        raise S3Error(
            "ConditionalRequestConflict",
            "The copy source was modified while the copy was in progress; retry the request.",
        )
    record = meta.fields.checksum
    body = render_copy_object(
        meta.etag,
        meta.last_modified,
        {record.algorithm: record.value} if record else None,
        record.type if record else None,
    )
    return Response(headers=list(XML_HEADERS), body=body)


HANDLERS = {
    "put_object": put_object,
    "get_object": get_object,
    "head_object": head_object,
    "delete_object": delete_object,
    "copy_object": copy_object,
}
