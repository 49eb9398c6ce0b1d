"""CopyObject and UploadPartCopy on the wire: the x-amz-copy-source header and
its conditions, and the CopyObjectResult / CopyPartResult documents, which
differ only in their root (and ChecksumType).

Pure code; the copy itself is the engine's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import unquote

from s3box.protocol.conditions import evaluate_copy_source_conditions
from s3box.protocol.errors import S3Error
from s3box.protocol.names import validate_bucket_name, validate_key
from s3box.protocol.object_headers import reject_customer_key
from s3box.protocol.query import check_version_id
from s3box.protocol.request import RequestHead
from s3box.protocol.timefmt import iso8601_ms
from s3box.protocol.xmlrender import checksums_el, document, el, quoted_etag_el
from s3box.records import ObjectMeta


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


def copy_part_result(
    etag: str, last_modified: float, checksums: Mapping[str, str] | None = None
) -> bytes:
    """CopyPartResult of UploadPartCopy."""
    return _copy_result("CopyPartResult", etag, last_modified, checksums)


def parse_copy_source(value: str) -> tuple[str, str]:
    """x-amz-copy-source: "[/]bucket/key[?versionId=...]", URL-encoded."""
    source, _, query = value.partition("?")
    if query:
        for part in query.split("&"):
            name, _, version = part.partition("=")
            if name == "versionId":
                check_version_id(version or None, "x-amz-copy-source", value)
    decoded = unquote(source)
    if decoded.startswith("/"):
        decoded = decoded[1:]
    bucket, sep, key = decoded.partition("/")
    if not bucket or not sep or not key:
        raise S3Error(
            "InvalidArgument",
            "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
            extra={"ArgumentName": "x-amz-copy-source", "ArgumentValue": value},
        )
    validate_bucket_name(bucket)
    validate_key(key)
    return bucket, key


def copy_source_checker(req: RequestHead) -> Callable[[ObjectMeta], None]:
    h = req.headers

    def check(meta: ObjectMeta) -> None:
        reject_customer_key(req, "x-amz-copy-source-")
        evaluate_copy_source_conditions(
            h.get("x-amz-copy-source-if-match"),
            h.get("x-amz-copy-source-if-none-match"),
            h.get("x-amz-copy-source-if-modified-since"),
            h.get("x-amz-copy-source-if-unmodified-since"),
            meta.etag,
            meta.last_modified,
        )

    return check
