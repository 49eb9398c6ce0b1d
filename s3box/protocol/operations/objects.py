"""Object documents: GetObjectAttributes.

Pure: an object's stored record and the attributes asked for in, the
response document out; reading the object is the caller's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from s3box.protocol.operations.multipart_documents import page_parts
from s3box.protocol.query import MAX_PAGE_SIZE
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


def render_get_object_attributes(attrs: ObjectAttributes) -> bytes:
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
