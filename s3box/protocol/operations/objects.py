"""Object operations on the wire: PutObject, GetObject, HeadObject and
DeleteObject requests and responses, and GetObjectAttributes (its typed
input, the headers it reads, and its response).

Pure: a request head in, a typed input out; the engine's record of the object
in, a Response out. Reading the object and streaming its bytes are the
caller's (the handler hands render_get_object the body or its stream).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
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
from s3box.protocol.operations.multipart_documents import page_parts
from s3box.protocol.query import MAX_PAGE_SIZE, check_version_id, parse_part_number
from s3box.protocol.ranges import content_range, parse_range
from s3box.protocol.request import RequestHead, bucket_of, key_of
from s3box.protocol.response import Response, xml_response
from s3box.protocol.timefmt import http_date
from s3box.protocol.xmlrender import bool_text, checksums_el, document, el
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
    version_id = req.query.get("versionId")
    check_version_id(version_id)
    return cls(
        bucket,
        key,
        version_id,
        read_conditions(req.headers),
        req.headers.get("range"),
        req.query.get("partNumber"),
        tuple((p, req.query[p]) for p in RESPONSE_OVERRIDES if p in req.query),
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


# ---- GetObjectAttributes ----


@dataclass(slots=True)
class ObjectAttributes:
    """What GetObjectAttributes returns; None fields were not asked for (or do
    not apply, e.g. ObjectParts of a single-part object).

    checksum: algorithm -> value plus checksum_type; parts: the page of
    (part number, size, checksum value or None) with its paging fields.
    """

    etag: str | None = None
    checksum: Mapping[str, str] | None = None
    checksum_type: str | None = None
    storage_class: str | None = None
    object_size: int | None = None
    parts_count: int | None = None
    part_number_marker: int = 0
    next_part_number_marker: int = 0
    max_parts: int = MAX_PAGE_SIZE
    parts_truncated: bool = False
    parts: Sequence[tuple[int, int, Mapping[str, str]]] = ()


def object_attributes(
    meta: ObjectMeta, names: set[str], max_parts: int, marker: int
) -> ObjectAttributes:
    """What GetObjectAttributes reports of `meta`. ObjectParts only for a
    multipart object; its Part entries carry each part's checksum."""
    attrs = ObjectAttributes()
    record = meta.fields.checksum
    if "ETag" in names:
        attrs.etag = meta.etag
    if "Checksum" in names and record is not None:
        attrs.checksum = {record.algorithm: record.value}
        attrs.checksum_type = record.type
    if "StorageClass" in names:
        attrs.storage_class = meta.fields.storage_class
    if "ObjectSize" in names:
        attrs.object_size = meta.size
    if "ObjectParts" in names and "-" in meta.etag:
        page, attrs.parts_truncated = page_parts(meta.parts, marker, max_parts)
        attrs.parts_count = len(meta.parts)
        attrs.part_number_marker = marker
        attrs.next_part_number_marker = page[-1].number if page else marker
        attrs.max_parts = max_parts
        algorithm = record.algorithm if record is not None else None
        attrs.parts = [
            (p.number, p.size, {algorithm: p.checksum} if algorithm and p.checksum else {})
            for p in page
        ]
    return attrs


def render_object_attributes(attrs: ObjectAttributes) -> bytes:
    """GetObjectAttributesResponse. ETag is unquoted here, unlike every other
    body (GetObjectAttributes reference example); ObjectParts/PartsCount is
    the total, Part elements only the requested page."""
    body: list[str] = []
    if attrs.etag is not None:
        body.append(el("ETag", attrs.etag))
    if attrs.checksum is not None:
        inner = checksums_el(attrs.checksum)
        if attrs.checksum_type:
            inner += el("ChecksumType", attrs.checksum_type)
        body.append(f"<Checksum>{inner}</Checksum>")
    if attrs.parts_count is not None:
        items = "".join(
            f"<Part><PartNumber>{number}</PartNumber><Size>{size}</Size>"
            f"{checksums_el(checksums)}</Part>"
            for number, size, checksums in attrs.parts
        )
        body.append(
            f"<ObjectParts><PartsCount>{attrs.parts_count}</PartsCount>"
            f"<PartNumberMarker>{attrs.part_number_marker}</PartNumberMarker>"
            f"<NextPartNumberMarker>{attrs.next_part_number_marker}</NextPartNumberMarker>"
            f"<MaxParts>{attrs.max_parts}</MaxParts>"
            f"<IsTruncated>{bool_text(attrs.parts_truncated)}</IsTruncated>{items}</ObjectParts>"
        )
    if attrs.storage_class is not None:
        body.append(el("StorageClass", attrs.storage_class))
    if attrs.object_size is not None:
        body.append(f"<ObjectSize>{attrs.object_size}</ObjectSize>")
    return document("GetObjectAttributesResponse", "".join(body))


# Values of x-amz-object-attributes (GetObjectAttributes reference).
OBJECT_ATTRIBUTES = frozenset({"ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"})


def _requested_attributes(req: RequestHead) -> frozenset[str]:
    raw = req.headers.get("x-amz-object-attributes", "")
    names = frozenset(n.strip() for n in raw.split(",") if n.strip())
    if not names:
        raise S3Error(
            "InvalidRequest",
            "The x-amz-object-attributes header specifying the attributes to be retrieved "
            "is either missing or empty",
        )
    unknown = sorted(names - OBJECT_ATTRIBUTES)
    if unknown:
        raise S3Error(
            "InvalidArgument",
            "Invalid attribute name specified.",
            extra={"ArgumentName": "x-amz-object-attributes", "ArgumentValue": unknown[0]},
        )
    return names


def _header_int(req: RequestHead, name: str, default: int) -> int:
    raw = req.headers.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip()
    if not value.isdigit():
        raise S3Error(
            "InvalidArgument",
            f"Provided {name} not an integer or within integer range",
            extra={"ArgumentName": name, "ArgumentValue": raw},
        )
    return int(value)


@dataclass(frozen=True, slots=True)
class GetObjectAttributesInput:
    bucket: str
    key: str
    attributes: frozenset[str]  # from x-amz-object-attributes
    max_parts: int  # x-amz-max-parts, capped at MAX_PAGE_SIZE
    part_number_marker: int  # x-amz-part-number-marker


def parse_get_object_attributes(req: RequestHead) -> GetObjectAttributesInput:
    """The object, then x-amz-object-attributes (InvalidRequest when missing
    or empty, InvalidArgument for an unknown name), x-amz-max-parts and
    x-amz-part-number-marker (InvalidArgument unless digits)."""
    bucket, key = bucket_of(req), key_of(req)
    check_version_id(req.query.get("versionId"))
    names = _requested_attributes(req)
    max_parts = min(_header_int(req, "x-amz-max-parts", MAX_PAGE_SIZE), MAX_PAGE_SIZE)
    marker = _header_int(req, "x-amz-part-number-marker", 0)
    return GetObjectAttributesInput(bucket, key, names, max_parts, marker)


def render_get_object_attributes(inp: GetObjectAttributesInput, meta: ObjectMeta) -> Response:
    """The attributes asked for, with the object's Last-Modified header."""
    attrs = object_attributes(meta, set(inp.attributes), inp.max_parts, inp.part_number_marker)
    response = xml_response(render_object_attributes(attrs))
    response.headers.append(("last-modified", http_date(meta.last_modified)))
    return response
