"""Copy results: CopyObject's CopyObjectResult and UploadPartCopy's
CopyPartResult, which differ only in their root (and ChecksumType).

Pure rendering; the copy itself is the engine's.
"""

from __future__ import annotations

from collections.abc import Mapping

from s3box.protocol.timefmt import iso8601_ms
from s3box.protocol.xmlrender import checksums_el, document, el, quoted_etag_el


def _copy_result(
    root: str,
    etag: str,
    last_modified: float,
    checksums: Mapping[str, str] | None,
    checksum_type: str | None = None,
) -> bytes:
    body = (
        f"<LastModified>{iso8601_ms(last_modified)}</LastModified>{quoted_etag_el(etag)}"
        f"{checksums_el(checksums or {})}"
    )
    if checksum_type:
        body += el("ChecksumType", checksum_type)
    return document(root, body)


def render_copy_object(
    etag: str,
    last_modified: float,
    checksums: Mapping[str, str] | None = None,
    checksum_type: str | None = None,
) -> bytes:
    """CopyObjectResult: LastModified, ETag (and the new object's checksum
    with its ChecksumType)."""
    return _copy_result("CopyObjectResult", etag, last_modified, checksums, checksum_type)


def render_upload_part_copy(
    etag: str, last_modified: float, checksums: Mapping[str, str] | None = None
) -> bytes:
    """CopyPartResult of UploadPartCopy."""
    return _copy_result("CopyPartResult", etag, last_modified, checksums)
