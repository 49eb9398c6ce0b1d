"""Object operations on the wire: PutObject, GetObject, HeadObject and
DeleteObject requests and responses (GetObjectAttributes is in attributes.py).

Pure: a request head in, a typed input out; the engine's record of the object
in, a Response out. Reading the object and streaming its bytes are the
caller's (the handler hands render_get_object the body or its stream).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from s3box.protocol import checksums
from s3box.protocol.conditions import (
    ReadConditions,
    evaluate_read_conditions,
    parse_etag_condition,
    read_conditions,
    write_condition,
)
from s3box.protocol.errors import S3Error
from s3box.protocol.header_values import check_override_value
from s3box.protocol.object_headers import (
    RESPONSE_OVERRIDES,
    customer_key_refused,
    has_customer_key,
    object_fields_from_headers,
    object_headers,
    quote_etag,
)
from s3box.protocol.query import check_version_id, parse_part_number
from s3box.protocol.ranges import content_range, parse_range
from s3box.protocol.request import RequestHead, bucket_of, key_of
from s3box.protocol.response import Response
from s3box.protocol.timefmt import http_date
from s3box.records import ObjectFields, ObjectMeta, WriteCondition


def checksum_headers(meta: ObjectMeta) -> list[tuple[str, str]]:
    """The stored flexible checksum as response headers (none without one)."""
    record = meta.fields.checksum
    if record is None:
        return []
    return [
        (checksums.header_name(record.algorithm), record.value),
        ("x-amz-checksum-type", record.type),
    ]


# ---- PutObject ----


@dataclass(frozen=True, slots=True)
class PutObjectInput:
    """PutObject: what the object stores besides its bytes, and the write
    condition. The body is the handler's to read (a Payload)."""

    bucket: str
    key: str
    fields: ObjectFields
    condition: WriteCondition | None


def parse_put_object(req: RequestHead) -> PutObjectInput:
    bucket = bucket_of(req)
    key = key_of(req)
    fields = object_fields_from_headers(req)  # validates every header it reads
    return PutObjectInput(bucket, key, fields, write_condition(req))


def render_put_object(meta: ObjectMeta) -> Response:
    """200 with the new object's ETag and checksum."""
    return Response(headers=[("etag", quote_etag(meta.etag)), *checksum_headers(meta)])


# ---- GetObject and HeadObject ----


@dataclass(frozen=True, slots=True)
class GetObjectInput:
    """GetObject. Only the bucket, key and version id are checked before the
    lookup: S3 answers NoSuchKey before any other problem of a read, so the
    rest is kept as sent and checked against the object by object_read.

    overrides: the response-* query parameters sent, (parameter, value).
    range / part_number: the Range header and partNumber parameter as sent.
    """

    bucket: str
    key: str
    version_id: str | None
    conditions: ReadConditions
    range: str | None
    part_number: str | None
    overrides: tuple[tuple[str, str], ...]
    checksum_mode: bool
    customer_key: bool


@dataclass(frozen=True, slots=True)
class HeadObjectInput(GetObjectInput):
    """HeadObject reads the same request parts as GetObject."""


_ReadInput = TypeVar("_ReadInput", bound=GetObjectInput)


def _parse_read(cls: type[_ReadInput], req: RequestHead) -> _ReadInput:
    bucket = bucket_of(req)
    key = key_of(req)
    query = req.query
    version_id = query.get("versionId")
    check_version_id(version_id)
    return cls(
        bucket,
        key,
        version_id,
        read_conditions(req.headers),
        req.headers.get("range"),
        query.get("partNumber"),
        tuple((p, query[p]) for p in RESPONSE_OVERRIDES if p in query) if query else (),
        # GET/HEAD return the stored checksum only when asked, and never for
        # a Range (the value covers the whole object).
        req.headers.get("x-amz-checksum-mode", "").upper() == "ENABLED",
        has_customer_key(req),
    )


def parse_get_object(req: RequestHead) -> GetObjectInput:
    return _parse_read(GetObjectInput, req)


def parse_head_object(req: RequestHead) -> HeadObjectInput:
    return _parse_read(HeadObjectInput, req)


@dataclass(frozen=True, slots=True)
class ObjectRead:
    """What a GET or HEAD of one object answers: status, headers and the
    inclusive byte range [start, end] to send, `length` bytes (0: none)."""

    status: int
    headers: list[tuple[str, str]]
    start: int
    end: int
    length: int


def object_read(inp: GetObjectInput, meta: ObjectMeta) -> ObjectRead:
    """Check the read against the object found (SSE-C headers, conditions,
    overrides, range or part number, in S3's order) and decide the answer.
    Raises S3Error, NotModified (304) included."""
    if inp.customer_key:
        raise customer_key_refused()
    _check_read_conditions(inp.conditions, meta)
    headers = object_headers(meta)
    _apply_overrides(inp.overrides, headers)
    rng = _requested_range(inp, meta, headers)
    if rng is None:
        start, end, status = 0, meta.size - 1, 200
        if inp.checksum_mode:
            headers.extend(checksum_headers(meta))
    else:
        (start, end), status = rng, 206
    length = max(end - start + 1, 0) if meta.size else 0
    return ObjectRead(status, headers, start, end, length)


def _check_read_conditions(conditions: ReadConditions, meta: ObjectMeta) -> None:
    status = evaluate_read_conditions(
        conditions.if_match,
        conditions.if_none_match,
        conditions.if_modified_since,
        conditions.if_unmodified_since,
        meta.etag,
        meta.last_modified,
    )
    if status == 304:
        raise S3Error(
            "NotModified",
            status=304,
            headers={
                "etag": quote_etag(meta.etag),
                "last-modified": http_date(meta.last_modified),
            },
        )


def _apply_overrides(overrides: Sequence[tuple[str, str]], headers: list[tuple[str, str]]) -> None:
    """Replace the headers the response-* parameters name, in place."""
    replaced = {
        RESPONSE_OVERRIDES[param]: check_override_value(param, value) for param, value in overrides
    }
    if not replaced:
        return
    headers[:] = [(n, v) for n, v in headers if n not in replaced]
    headers.extend(replaced.items())


def _requested_range(
    inp: GetObjectInput, meta: ObjectMeta, headers: list[tuple[str, str]]
) -> tuple[int, int] | None:
    """The byte range a GET/HEAD asks for, from Range or partNumber (a part
    read is a ranged read: 206 with Content-Range, plus the part count for a
    multipart object). Appends Content-Range to headers."""
    if inp.part_number is None:
        rng = parse_range(inp.range, meta.size)
        if rng is not None:
            headers.append(("content-range", content_range(rng[0], rng[1], meta.size)))
        return rng
    if inp.range is not None:
        raise S3Error(
            "InvalidRequest", "Cannot specify both Range header and partNumber query parameter"
        )
    number = parse_part_number(inp.part_number)
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
        if inp.checksum_mode and record and record.type == "COMPOSITE" and part_checksum:
            headers.append((checksums.header_name(record.algorithm), part_checksum))
            headers.append(("x-amz-checksum-type", record.type))
    else:
        start, end = 0, meta.size - 1
    if meta.size:
        headers.append(("content-range", content_range(start, end, meta.size)))
    return start, end


def render_get_object(
    read: ObjectRead,
    body: bytes | AsyncIterator[bytes],
    on_close: Callable[[], Awaitable[None]] | None = None,
) -> Response:
    """GetObject: `body` is the whole object's bytes (the range is cut here)
    or a stream of exactly the range's bytes; on_close runs once it is sent."""
    if isinstance(body, bytes):
        data = body[read.start : read.end + 1] if read.length else b""
        return Response(status=read.status, headers=read.headers, body=data, on_close=on_close)
    return Response(
        status=read.status,
        headers=read.headers,
        stream=body,
        content_length=read.length,
        on_close=on_close,
    )


def render_head_object(read: ObjectRead) -> Response:
    """HeadObject: GetObject's status and headers, no body."""
    return Response(status=read.status, headers=read.headers, content_length=read.length)


# ---- DeleteObject ----


@dataclass(frozen=True, slots=True)
class DeleteObjectInput:
    """DeleteObject; if_match: the unquoted ETag of If-Match (None without
    one, and for If-Match: *, which any existing or absent key satisfies)."""

    bucket: str
    key: str
    if_match: str | None


def parse_delete_object(req: RequestHead) -> DeleteObjectInput:
    bucket = bucket_of(req)
    key = key_of(req)
    check_version_id(req.query.get("versionId"))
    if_match = req.headers.get("if-match")
    etag = parse_etag_condition(if_match)[1] if if_match is not None else None
    return DeleteObjectInput(bucket, key, etag)


def render_delete_object() -> Response:
    """204, whether or not the key existed (S3)."""
    return Response(status=204)
