"""GetObjectAttributes on the wire: its typed input, the headers it reads
(x-amz-object-attributes, x-amz-max-parts, x-amz-part-number-marker), and its
response document."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from s3box.protocol.errors import S3Error
from s3box.protocol.operations.multipart_documents import page_parts
from s3box.protocol.query import MAX_PAGE_SIZE, check_version_id
from s3box.protocol.request import RequestHead, bucket_of, key_of
from s3box.protocol.response import Response, xml_response
from s3box.protocol.timefmt import http_date
from s3box.protocol.xmlrender import bool_text, checksums_el, document, el
from s3box.records import ObjectMeta


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
