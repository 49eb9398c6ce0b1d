"""CopyObject and UploadPartCopy on the wire: the x-amz-copy-source header and
its conditions, CopyObject's directives and the fields of the copy, and the
CopyObjectResult / CopyPartResult documents, which differ only in their root
(and ChecksumType).

Pure code; the copy itself is the engine's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from urllib.parse import unquote

from s3box.protocol import checksums
from s3box.protocol.conditions import (
    ReadConditions,
    evaluate_copy_source_conditions,
    read_conditions,
    write_condition,
)
from s3box.protocol.errors import S3Error
from s3box.protocol.names import validate_bucket_name, validate_key
from s3box.protocol.object_headers import (
    REDIRECT_LOCATION,
    customer_key_refused,
    has_customer_key,
    object_fields_from_headers,
)
from s3box.protocol.query import check_version_id
from s3box.protocol.request import RequestHead, bucket_of, key_of
from s3box.protocol.response import Response, xml_response
from s3box.protocol.timefmt import iso8601_ms
from s3box.protocol.xmlrender import checksums_el, document, el, quoted_etag_el
from s3box.records import Hasher, ObjectFields, ObjectMeta, WriteCondition

COPY_SOURCE_PREFIX = "x-amz-copy-source-"


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


def render_copy_object(meta: ObjectMeta) -> Response:
    """CopyObjectResult: LastModified, ETag (and the new object's checksum
    with its ChecksumType)."""
    record = meta.fields.checksum
    body = _copy_result(
        "CopyObjectResult",
        meta.etag,
        meta.last_modified,
        {record.algorithm: record.value} if record else None,
        record.type if record else None,
    )
    return xml_response(body)


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


def check_copy_source(conditions: ReadConditions, customer_key: bool, meta: ObjectMeta) -> None:
    """The copy source's SSE-C headers and x-amz-copy-source-if-* conditions
    against the source found; raises S3Error."""
    if customer_key:
        raise customer_key_refused()
    evaluate_copy_source_conditions(
        conditions.if_match,
        conditions.if_none_match,
        conditions.if_modified_since,
        conditions.if_unmodified_since,
        meta.etag,
        meta.last_modified,
    )


def copy_source_checker(req: RequestHead) -> Callable[[ObjectMeta], None]:
    """check_copy_source over the request's x-amz-copy-source-* headers."""
    return partial(
        check_copy_source,
        read_conditions(req.headers, COPY_SOURCE_PREFIX),
        has_customer_key(req, COPY_SOURCE_PREFIX),
    )


@dataclass(frozen=True, slots=True)
class CopyObjectInput:
    """CopyObject. fields: what the request sends for the copy (used as the
    directives say); checksum_algorithm: x-amz-checksum-algorithm, to
    recompute the copy's checksum (None: keep the source's)."""

    bucket: str
    key: str
    source_bucket: str
    source_key: str
    metadata_directive: str
    tagging_directive: str
    checksum_algorithm: str | None
    fields: ObjectFields
    source_conditions: ReadConditions
    source_customer_key: bool
    condition: WriteCondition | None

    def check_source(self, meta: ObjectMeta) -> None:
        """check_copy_source with this request's copy-source headers."""
        check_copy_source(self.source_conditions, self.source_customer_key, meta)

    def copy_fields(self, src: ObjectMeta) -> ObjectFields:
        """The copy's fields: metadata per x-amz-metadata-directive, tags per
        x-amz-tagging-directive, the storage class sent (else STANDARD, as S3:
        a copy does not inherit the source's class), the source's checksum
        (the engine replaces it when recompute_checksum asks)."""
        requested = self.fields
        if self.metadata_directive == "REPLACE":
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
        tags = requested.tags if self.tagging_directive == "REPLACE" else src.fields.tags
        fields.tags = dict(tags)
        fields.checksum = src.fields.checksum
        return fields

    def recompute_checksum(self) -> tuple[str, Hasher] | None:
        """(algorithm, a fresh hasher) when the copy gets a new checksum."""
        if self.checksum_algorithm is None:
            return None
        return self.checksum_algorithm, checksums.new_hasher(self.checksum_algorithm)


def _directive(req: RequestHead, name: str) -> str:
    """x-amz-metadata-directive / x-amz-tagging-directive: COPY (default) or
    REPLACE, else InvalidArgument."""
    value = req.headers.get(name, "COPY").strip().upper()
    if value not in ("COPY", "REPLACE"):
        raise S3Error(
            "InvalidArgument",
            f"Unknown {name[len('x-amz-') :].replace('-', ' ')}.",
            extra={"ArgumentName": name, "ArgumentValue": req.headers.get(name, "")},
        )
    return value


def parse_copy_object(req: RequestHead) -> CopyObjectInput:
    """Raises InvalidRequest for a copy onto itself that changes nothing."""
    bucket = bucket_of(req)
    key = key_of(req)
    source_bucket, source_key = parse_copy_source(req.headers["x-amz-copy-source"])
    directive = _directive(req, "x-amz-metadata-directive")
    tagging_directive = _directive(req, "x-amz-tagging-directive")
    raw_algorithm = req.headers.get("x-amz-checksum-algorithm")
    algorithm = checksums.normalize_algorithm(raw_algorithm) if raw_algorithm else None
    fields = object_fields_from_headers(req)  # validates every header it reads
    if (
        (source_bucket, source_key) == (bucket, key)
        and directive == "COPY"
        and "x-amz-storage-class" not in req.headers
        and REDIRECT_LOCATION not in req.headers
        and algorithm is None
    ):
        raise S3Error(
            "InvalidRequest",
            "This copy request is illegal because it is trying to copy an object to itself "
            "without changing the object's metadata, storage class, website redirect "
            "location or encryption attributes.",
        )
    return CopyObjectInput(
        bucket,
        key,
        source_bucket,
        source_key,
        directive,
        tagging_directive,
        algorithm,
        fields,
        read_conditions(req.headers, COPY_SOURCE_PREFIX),
        has_customer_key(req, COPY_SOURCE_PREFIX),
        write_condition(req),
    )
