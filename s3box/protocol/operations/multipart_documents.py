"""The multipart documents: CreateMultipartUpload's result, the
CompleteMultipartUpload body and result, and ListPartsResult (with the part
paging ListParts and GetObjectAttributes share).

Pure code over bytes and records; part order and existence are the engine's
checks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from s3box.protocol import xmlbounds
from s3box.protocol.timefmt import iso8601_ms
from s3box.protocol.xmlparse import (
    children,
    local_name,
    malformed,
    parse_root,
    required_text,
    text_of,
)
from s3box.protocol.xmlrender import (
    Owner,
    bool_text,
    checksums_el,
    document,
    el,
    owner_el,
    quoted_etag_el,
)
from s3box.records import PartRecord, unquote_etag

_CHECKSUM_PREFIX = "Checksum"
_CHECKSUM_ALGORITHMS = frozenset({"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"})
_PART_NUMBER = re.compile(r"\s*[0-9]{1,9}\s*", re.ASCII)


@dataclass(slots=True)
class CompletedPart:
    """One <Part> of a CompleteMultipartUpload request.

    etag is unquoted; checksums maps algorithm (CRC32, CRC32C, CRC64NVME,
    SHA1, SHA256) to the base64 value the client sent for that part.
    """

    part_number: int
    etag: str
    checksums: dict[str, str] = field(default_factory=dict)


def initiate_multipart_upload_result(bucket: str, key: str, upload_id: str) -> bytes:
    """InitiateMultipartUploadResult: Bucket, Key, UploadId."""
    body = f"{el('Bucket', bucket)}{el('Key', key)}{el('UploadId', upload_id)}"
    return document("InitiateMultipartUploadResult", body)


def parse_completed_parts(body: bytes) -> list[CompletedPart]:
    """CompleteMultipartUpload request -> its parts, in request order.

    PartNumber and ETag are required in each Part; a PartNumber that is not a
    plain integer is MalformedXML. Order and existence are the caller's checks
    (InvalidPartOrder / InvalidPart).
    """
    root = parse_root(body, "CompleteMultipartUpload", xmlbounds.MAX_ELEMENTS_COMPLETE)
    part_elements = children(root, "Part")
    if not part_elements:
        raise malformed()
    parts: list[CompletedPart] = []
    for element in part_elements:
        number_text = required_text(element, "PartNumber")
        if _PART_NUMBER.fullmatch(number_text) is None:
            raise malformed()
        etag = unquote_etag(required_text(element, "ETag"))
        checksums: dict[str, str] = {}
        for sub in element:
            name = local_name(sub.tag)
            if name.startswith(_CHECKSUM_PREFIX):
                algorithm = name[len(_CHECKSUM_PREFIX) :]
                if algorithm in _CHECKSUM_ALGORITHMS:
                    checksums[algorithm] = text_of(sub).strip()
        parts.append(CompletedPart(int(number_text), etag, checksums))
    return parts


def complete_multipart_upload_result(
    location: str,
    bucket: str,
    key: str,
    etag: str,
    checksum: Mapping[str, str] | None = None,
    checksum_type: str | None = None,
) -> bytes:
    """CompleteMultipartUploadResult: Location, Bucket, Key, ETag, Checksum*,
    ChecksumType."""
    body = (
        f"{el('Location', location)}{el('Bucket', bucket)}{el('Key', key)}"
        f"{quoted_etag_el(etag)}{checksums_el(checksum or {})}"
    )
    if checksum_type:
        body += el("ChecksumType", checksum_type)
    return document("CompleteMultipartUploadResult", body)


def page_parts(
    parts: Sequence[PartRecord], part_number_marker: int, max_parts: int
) -> tuple[list[PartRecord], bool]:
    """The page of `parts` (in part-number order) after part_number_marker,
    at most max_parts long, and whether more follow it. Shared by ListParts
    and GetObjectAttributes' ObjectParts."""
    after = [p for p in parts if p.number > part_number_marker]
    page = after[:max_parts]
    return page, len(after) > len(page)


@dataclass(slots=True)
class ListPartsOutput:
    """One page of ListParts as its ListPartsResult shows it."""

    bucket: str
    key: str
    upload_id: str
    part_number_marker: int
    next_part_number_marker: int
    max_parts: int
    is_truncated: bool
    parts: Sequence[PartRecord]
    owner: Owner
    storage_class: str = "STANDARD"
    checksum_algorithm: str | None = None
    checksum_type: str | None = None


def list_parts_result(out: ListPartsOutput) -> bytes:
    """ListPartsResult (ListParts reference, all fields).

    Each part's own checksum (PartRecord.checksum) is rendered as
    Checksum<checksum_algorithm> when the upload has an algorithm.
    """
    items: list[str] = []
    for p in out.parts:
        checksum = ""
        if out.checksum_algorithm and p.checksum is not None:
            checksum = checksums_el({out.checksum_algorithm: p.checksum})
        items.append(
            f"<Part><PartNumber>{p.number}</PartNumber>"
            f"<LastModified>{iso8601_ms(p.last_modified)}</LastModified>"
            f"{quoted_etag_el(p.etag)}<Size>{p.size}</Size>{checksum}</Part>"
        )
    body = [
        el("Bucket", out.bucket),
        el("Key", out.key),
        el("UploadId", out.upload_id),
        f"<PartNumberMarker>{out.part_number_marker}</PartNumberMarker>",
        f"<NextPartNumberMarker>{out.next_part_number_marker}</NextPartNumberMarker>",
        f"<MaxParts>{out.max_parts}</MaxParts>",
        f"<IsTruncated>{bool_text(out.is_truncated)}</IsTruncated>",
        "".join(items),
        owner_el("Initiator", out.owner),
        owner_el("Owner", out.owner),
        el("StorageClass", out.storage_class),
    ]
    if out.checksum_algorithm:
        body.append(el("ChecksumAlgorithm", out.checksum_algorithm))
    if out.checksum_type:
        body.append(el("ChecksumType", out.checksum_type))
    return document("ListPartsResult", "".join(body))
