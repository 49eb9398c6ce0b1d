"""Multipart uploads: CreateMultipartUpload, UploadPart, UploadPartCopy,
ListParts, ListMultipartUploads, CompleteMultipartUpload, AbortMultipartUpload.

Handlers translate; the engine stages parts and publishes the object. Part
bodies are streamed, never buffered whole.
"""

from __future__ import annotations

import base64

from s3box.protocol import checksums
from s3box.protocol.conditions import write_condition
from s3box.protocol.errors import S3Error
from s3box.protocol.object_headers import (
    XML_HEADERS,
    object_fields_from_headers,
    quote_etag,
    reject_customer_key,
)
from s3box.protocol.operations.copy import (
    copy_source_checker,
    parse_copy_source,
    render_upload_part_copy,
)
from s3box.protocol.operations.listing import (
    ListMultipartUploadsOutput,
    render_list_multipart_uploads,
)
from s3box.protocol.operations.multipart import (
    CompletedPart,
    ListPartsOutput,
    page_parts,
    parse_complete_multipart_upload,
    render_complete_multipart_upload,
    render_create_multipart_upload,
    render_list_parts,
)
from s3box.protocol.query import (
    MAX_PAGE_SIZE,
    int_query_param,
    parse_encoding_type,
    parse_part_number,
)
from s3box.protocol.ranges import parse_copy_source_range
from s3box.protocol.request import bucket_of, key_of
from s3box.protocol.response import Response
from s3box.protocol.xmlrender import OWNER
from s3box.records import MAX_PART_NUMBER, ChecksumRecord, PartRecord, UploadInfo
from s3box.server.http import RequestContext, parse_document
from s3box.server.payload import Payload
from s3box.storage.errors import StorageError

# Which checksum types each algorithm allows at CreateMultipartUpload
# (S3 User Guide, "Checking object integrity": full object vs composite).
ALLOWED_TYPES = {
    "CRC32": ("COMPOSITE", "FULL_OBJECT"),
    "CRC32C": ("COMPOSITE", "FULL_OBJECT"),
    "CRC64NVME": ("FULL_OBJECT",),
    "SHA1": ("COMPOSITE",),
    "SHA256": ("COMPOSITE",),
}
DEFAULT_TYPE = {
    "CRC32": "COMPOSITE",
    "CRC32C": "COMPOSITE",
    "CRC64NVME": "FULL_OBJECT",
    "SHA1": "COMPOSITE",
    "SHA256": "COMPOSITE",
}


def _upload_id(ctx: RequestContext) -> str:
    upload_id = ctx.query.get("uploadId", "")
    if not upload_id:
        raise S3Error("NoSuchUpload", extra={"UploadId": upload_id})
    return upload_id


def _part_number(ctx: RequestContext) -> int:
    return parse_part_number(ctx.query.get("partNumber", ""))


def _requested_checksum(ctx: RequestContext) -> ChecksumRecord | None:
    algorithm = ctx.headers.get("x-amz-checksum-algorithm")
    ctype = ctx.headers.get("x-amz-checksum-type")
    if algorithm is None:
        if ctype is not None:
            raise S3Error(
                "InvalidRequest",
                "The x-amz-checksum-type header can only be used with the "
                "x-amz-checksum-algorithm header.",
            )
        return None
    alg = checksums.normalize_algorithm(algorithm)
    kind = ctype.strip().upper() if ctype else DEFAULT_TYPE[alg]
    if kind not in ALLOWED_TYPES[alg]:
        raise S3Error(
            "InvalidRequest",
            f"The {kind} checksum type cannot be used with the {alg.lower()} checksum algorithm.",
        )
    return ChecksumRecord(alg, kind, "")


def _checksum_response_headers(record: ChecksumRecord | None) -> list[tuple[str, str]]:
    if record is None:
        return []
    return [("x-amz-checksum-algorithm", record.algorithm), ("x-amz-checksum-type", record.type)]


async def create_multipart_upload(ctx: RequestContext) -> Response:
    bucket = bucket_of(ctx)
    key = key_of(ctx)
    fields = object_fields_from_headers(ctx)
    fields.checksum = _requested_checksum(ctx)
    upload_id = await ctx.app.engine.create_multipart_upload(bucket, key, fields)
    body = render_create_multipart_upload(bucket, key, upload_id)
    headers = [*XML_HEADERS, *_checksum_response_headers(fields.checksum)]
    return Response(headers=headers, body=body)


def _upload_algorithm(info: UploadInfo) -> str:
    record = info.fields.checksum
    return record.algorithm if record is not None else checksums.DEFAULT_ALGORITHM


async def upload_part(ctx: RequestContext) -> Response:
    bucket = bucket_of(ctx)
    key = key_of(ctx)
    upload_id = _upload_id(ctx)
    number = _part_number(ctx)
    engine = ctx.app.engine
    info = await engine.get_upload(bucket, key, upload_id)
    reject_customer_key(ctx)  # no upload is created with a customer key
    algorithm = _upload_algorithm(info)
    payload = Payload(ctx, default_algorithm=algorithm)
    requested = payload.requested
    if requested is not None and requested.algorithm != algorithm and info.fields.checksum:
        raise S3Error(
            "InvalidRequest",
            f"Checksum Type mismatch occurred, expected checksum Type: "
            f"{algorithm.lower()}, actual checksum Type: {requested.algorithm.lower()}",
        )
    part = await engine.upload_part(
        bucket,
        key,
        upload_id,
        number,
        payload,
        size=payload.expected,
        hashers=payload.hashers(),
        verify=payload.verify,
    )
    headers = [("etag", quote_etag(part.etag))]
    if requested is not None:
        headers.append(
            (checksums.header_name(requested.algorithm), payload.values[requested.algorithm])
        )
    elif info.fields.checksum is not None and part.checksum is not None:
        headers.append((checksums.header_name(algorithm), part.checksum))
    return Response(headers=headers)


async def upload_part_copy(ctx: RequestContext) -> Response:
    bucket = bucket_of(ctx)
    key = key_of(ctx)
    upload_id = _upload_id(ctx)
    number = _part_number(ctx)
    src_bucket, src_key = parse_copy_source(ctx.headers["x-amz-copy-source"])
    engine = ctx.app.engine
    info = await engine.get_upload(bucket, key, upload_id)
    reject_customer_key(ctx)
    algorithm = _upload_algorithm(info)
    hasher = checksums.new_hasher(algorithm)

    def verify(_md5: bytes) -> ChecksumRecord:
        return ChecksumRecord(algorithm, "FULL_OBJECT", checksums.b64(hasher.digest()))

    copy_range = ctx.headers.get("x-amz-copy-source-range")
    part = await engine.upload_part_copy(
        bucket,
        key,
        upload_id,
        number,
        src_bucket,
        src_key,
        check_source=copy_source_checker(ctx),
        byte_range=lambda size: parse_copy_source_range(copy_range, size),
        hashers=[hasher],
        verify=verify,
    )
    extra = (
        {algorithm: part.checksum} if info.fields.checksum is not None and part.checksum else None
    )
    body = render_upload_part_copy(part.etag, part.last_modified, extra)
    return Response(headers=list(XML_HEADERS), body=body)


async def list_parts(ctx: RequestContext) -> Response:
    bucket = bucket_of(ctx)
    key = key_of(ctx)
    upload_id = _upload_id(ctx)
    marker = int_query_param(ctx.query, "part-number-marker", 0, MAX_PART_NUMBER)
    max_parts = int_query_param(ctx.query, "max-parts", MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    info, parts = await ctx.app.engine.list_parts(bucket, key, upload_id)
    page, truncated = page_parts(parts, marker, max_parts)
    record = info.fields.checksum
    body = render_list_parts(
        ListPartsOutput(
            bucket=bucket,
            key=key,
            upload_id=upload_id,
            part_number_marker=marker,
            next_part_number_marker=page[-1].number if page else 0,
            max_parts=max_parts,
            is_truncated=truncated,
            parts=page,
            owner=OWNER,
            storage_class=info.fields.storage_class,
            checksum_algorithm=record.algorithm if record else None,
            checksum_type=record.type if record else None,
        )
    )
    return Response(headers=list(XML_HEADERS), body=body)


async def list_multipart_uploads(ctx: RequestContext) -> Response:
    bucket = bucket_of(ctx)
    prefix = ctx.query.get("prefix", "")
    delimiter = ctx.query.get("delimiter", "")
    key_marker = ctx.query.get("key-marker", "")
    upload_id_marker = ctx.query.get("upload-id-marker", "")
    max_uploads = int_query_param(ctx.query, "max-uploads", MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    encoding_type = parse_encoding_type(ctx.query)
    page = await ctx.app.engine.list_multipart_uploads(
        bucket,
        prefix=prefix,
        delimiter=delimiter,
        key_marker=key_marker,
        upload_id_marker=upload_id_marker,
        max_uploads=max_uploads,
    )
    body = render_list_multipart_uploads(
        ListMultipartUploadsOutput(
            bucket=bucket,
            key_marker=key_marker or None,
            upload_id_marker=upload_id_marker or None,
            next_key_marker=page.next_key_marker,
            next_upload_id_marker=page.next_upload_id_marker,
            max_uploads=max_uploads,
            is_truncated=page.is_truncated,
            uploads=page.uploads,
            common_prefixes=page.common_prefixes,
            prefix=prefix or None,
            delimiter=delimiter or None,
            encoding_type=encoding_type,
            owner=OWNER,
        )
    )
    return Response(headers=list(XML_HEADERS), body=body)


def _final_checksum(
    info: UploadInfo, parts: list[PartRecord], wanted: list[CompletedPart]
) -> ChecksumRecord | None:
    """The object's checksum from its parts' checksums: COMPOSITE is the
    checksum of the concatenated part digests with -N; FULL_OBJECT combines
    the part CRCs as if computed over the whole object."""
    record = info.fields.checksum
    algorithm = record.algorithm if record else checksums.DEFAULT_ALGORITHM
    kind = record.type if record else "FULL_OBJECT"
    by_number = {p.number: p for p in parts}
    chosen = [by_number.get(w.part_number) for w in wanted]
    if any(p is None or p.checksum is None for p in chosen):
        return None
    digests = [base64.b64decode(p.checksum) for p in chosen if p and p.checksum]
    for w, p in zip(wanted, chosen, strict=True):
        sent = w.checksums.get(algorithm)
        if sent is not None and p is not None and sent != p.checksum:
            raise S3Error(
                "InvalidPart",
                extra={"PartNumber": str(w.part_number), "UploadId": info.upload_id},
            )
    if kind == "COMPOSITE":
        return ChecksumRecord(algorithm, kind, checksums.composite_checksum(algorithm, digests))
    sizes = [p.size for p in chosen if p]
    combined = checksums.combine_full_object(algorithm, list(zip(digests, sizes, strict=True)))
    return ChecksumRecord(algorithm, kind, checksums.b64(combined))


async def complete_multipart_upload(ctx: RequestContext) -> Response:
    bucket = bucket_of(ctx)
    key = key_of(ctx)
    upload_id = _upload_id(ctx)
    body = await ctx.read_body()
    wanted = await parse_document(parse_complete_multipart_upload, body)
    condition = write_condition(ctx)
    engine = ctx.app.engine
    requested = [(w.part_number, w.etag) for w in wanted]
    try:
        info, parts = await engine.list_parts(bucket, key, upload_id)
    except StorageError as err:
        replay = ctx.app.completions.replay(bucket, key, upload_id, requested)
        if err.code == "NoSuchUpload" and replay is not None:
            return replay
        raise
    record: ChecksumRecord | None = None
    try:
        record = _final_checksum(info, parts, wanted)
    except S3Error:
        raise
    except (ValueError, KeyError):
        record = None
    _verify_full_object_checksum(ctx, record)
    try:
        meta = await engine.complete_multipart_upload(
            bucket, key, upload_id, requested, condition, checksum=record
        )
    except StorageError as err:
        replay = ctx.app.completions.replay(bucket, key, upload_id, requested)
        if err.code == "NoSuchUpload" and replay is not None:
            return replay  # a racing Complete of the same parts won
        raise
    location = f"/{bucket}/{key}"
    checksum_map = {record.algorithm: record.value} if record and info.fields.checksum else None
    body_xml = render_complete_multipart_upload(
        location,
        bucket,
        key,
        meta.etag,
        checksum_map,
        record.type if record and info.fields.checksum else None,
    )
    response = Response(headers=list(XML_HEADERS), body=body_xml)
    ctx.app.completions.remember(bucket, key, upload_id, requested, response)
    return response


def _verify_full_object_checksum(ctx: RequestContext, record: ChecksumRecord | None) -> None:
    """Complete may carry the whole object's checksum in x-amz-checksum-<alg>:
    it must equal what the parts add up to."""
    for name, value in ctx.headers.items():
        if not name.startswith("x-amz-checksum-") or name in (
            "x-amz-checksum-type",
            "x-amz-checksum-algorithm",
            "x-amz-checksum-mode",
        ):
            continue
        alg = name[len("x-amz-checksum-") :].upper()
        if record is None or record.algorithm != alg:
            continue
        if value.strip() != record.value:
            raise S3Error(
                "BadDigest",
                f"The {alg} you specified did not match the calculated checksum.",
            )


async def abort_multipart_upload(ctx: RequestContext) -> Response:
    bucket = bucket_of(ctx)
    key = key_of(ctx)
    upload_id = _upload_id(ctx)
    await ctx.app.engine.abort_multipart_upload(bucket, key, upload_id)
    return Response(status=204)


def part_range(parts: list[PartRecord], number: int) -> tuple[int, int]:
    """Byte range [start, end] of part `number` within the object."""
    offset = 0
    for p in parts:
        if p.number == number:
            return offset, offset + p.size - 1
        offset += p.size
    raise S3Error("InvalidPartNumber", "The requested partnumber is not satisfiable", status=416)


HANDLERS = {
    "create_multipart_upload": create_multipart_upload,
    "upload_part": upload_part,
    "upload_part_copy": upload_part_copy,
    "list_parts": list_parts,
    "list_multipart_uploads": list_multipart_uploads,
    "complete_multipart_upload": complete_multipart_upload,
    "abort_multipart_upload": abort_multipart_upload,
}
