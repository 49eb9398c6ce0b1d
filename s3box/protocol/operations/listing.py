"""Listing results: ListObjects, ListObjectsV2, ListObjectVersions and
ListMultipartUploads, each rendered from a typed page record.

Rendering builds strings directly (no ElementTree) because listings are hot.
With encoding-type=url, the key-like fields S3 names are url-encoded;
opaque tokens and upload ids never are. Paging itself is the engine's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from s3box.protocol.query import MAX_PAGE_SIZE, int_query_param, parse_encoding_type
from s3box.protocol.request import RequestHead, bucket_of
from s3box.protocol.response import Response, xml_response
from s3box.protocol.timefmt import iso8601_ms
from s3box.protocol.xmlrender import (
    OWNER,
    Owner,
    bool_text,
    document,
    el,
    encoder,
    escape,
    owner_el,
)
from s3box.records import ListEntry, UploadInfo, UploadsPage


def _checksum(e: ListEntry) -> str:
    """ChecksumAlgorithm and ChecksumType of a listed object (S3 lists both for
    every object stored with a checksum, which since 2025 is every object)."""
    if e.checksum_algorithm is None or e.checksum_type is None:
        return ""
    return (
        f"<ChecksumAlgorithm>{escape(e.checksum_algorithm)}</ChecksumAlgorithm>"
        f"<ChecksumType>{escape(e.checksum_type)}</ChecksumType>"
    )


def _contents(entries: Sequence[ListEntry], enc: Callable[[str], str], owner: Owner | None) -> str:
    owner_xml = owner_el("Owner", owner) if owner is not None else ""
    return "".join(
        [
            f"<Contents><Key>{enc(e.key)}</Key>"
            f"<LastModified>{iso8601_ms(e.last_modified)}</LastModified>"
            f"<ETag>&quot;{escape(e.etag)}&quot;</ETag>{_checksum(e)}<Size>{e.size}</Size>{owner_xml}"
            f"<StorageClass>{escape(e.storage_class)}</StorageClass></Contents>"
            for e in entries
        ]
    )


def _common_prefixes(prefixes: Iterable[str], enc: Callable[[str], str]) -> str:
    return "".join(f"<CommonPrefixes><Prefix>{enc(p)}</Prefix></CommonPrefixes>" for p in prefixes)


@dataclass(slots=True)
class ListObjectsOutput:
    """One page of ListObjects (v1) as its ListBucketResult shows it."""

    bucket: str
    prefix: str | None
    marker: str | None
    delimiter: str | None
    max_keys: int
    encoding_type: str | None
    entries: Sequence[ListEntry]
    common_prefixes: Sequence[str]
    is_truncated: bool
    next_marker: str | None
    owner: Owner


def render_list_objects(out: ListObjectsOutput) -> bytes:
    """ListBucketResult of ListObjects (v1).

    NextMarker only with a delimiter and a truncated page (ListObjects
    reference: "This element is returned only if you have the delimiter
    request parameter specified"); otherwise clients continue from the last
    Key. Owner is always in v1 Contents.
    """
    enc = encoder(out.encoding_type)
    parts = [
        el("Name", out.bucket),
        f"<Prefix>{enc(out.prefix or '')}</Prefix>",
        f"<Marker>{enc(out.marker or '')}</Marker>",
    ]
    if out.delimiter and out.is_truncated and out.next_marker is not None:
        parts.append(f"<NextMarker>{enc(out.next_marker)}</NextMarker>")
    parts.append(f"<MaxKeys>{out.max_keys}</MaxKeys>")
    # An empty delimiter is no delimiter; S3 omits the element then
    # (apache/ozone#10586, s3-tests test_bucket_list_delimiter_empty).
    if out.delimiter:
        parts.append(f"<Delimiter>{enc(out.delimiter)}</Delimiter>")
    if out.encoding_type:
        parts.append(el("EncodingType", out.encoding_type))
    parts.append(f"<IsTruncated>{bool_text(out.is_truncated)}</IsTruncated>")
    parts.append(_contents(out.entries, enc, out.owner))
    parts.append(_common_prefixes(out.common_prefixes, enc))
    return document("ListBucketResult", "".join(parts))


@dataclass(slots=True)
class ListObjectsV2Output:
    """One page of ListObjectsV2 as its ListBucketResult shows it."""

    bucket: str
    prefix: str | None
    delimiter: str | None
    max_keys: int
    encoding_type: str | None
    entries: Sequence[ListEntry]
    common_prefixes: Sequence[str]
    is_truncated: bool
    key_count: int
    continuation_token: str | None
    next_continuation_token: str | None
    start_after: str | None
    fetch_owner: bool
    owner: Owner


def render_list_objects_v2(out: ListObjectsV2Output) -> bytes:
    """ListBucketResult of ListObjectsV2.

    With encoding-type=url, Key, Prefix, Delimiter, StartAfter and
    CommonPrefixes/Prefix are encoded (ListObjectsV2 reference, EncodingType);
    continuation tokens are opaque and never encoded. Owner only with
    fetch-owner=true.
    """
    enc = encoder(out.encoding_type)
    parts = [el("Name", out.bucket), f"<Prefix>{enc(out.prefix or '')}</Prefix>"]
    if out.delimiter:
        parts.append(f"<Delimiter>{enc(out.delimiter)}</Delimiter>")
    parts.append(f"<MaxKeys>{out.max_keys}</MaxKeys>")
    if out.encoding_type:
        parts.append(el("EncodingType", out.encoding_type))
    parts.append(f"<KeyCount>{out.key_count}</KeyCount>")
    parts.append(f"<IsTruncated>{bool_text(out.is_truncated)}</IsTruncated>")
    if out.continuation_token is not None:
        parts.append(el("ContinuationToken", out.continuation_token))
    if out.is_truncated and out.next_continuation_token is not None:
        parts.append(el("NextContinuationToken", out.next_continuation_token))
    if out.start_after:
        parts.append(f"<StartAfter>{enc(out.start_after)}</StartAfter>")
    parts.append(_contents(out.entries, enc, out.owner if out.fetch_owner else None))
    parts.append(_common_prefixes(out.common_prefixes, enc))
    return document("ListBucketResult", "".join(parts))


@dataclass(slots=True)
class ListObjectVersionsOutput:
    """One page of ListObjectVersions as its ListVersionsResult shows it."""

    bucket: str
    prefix: str
    key_marker: str
    version_id_marker: str
    next_key_marker: str | None
    next_version_id_marker: str | None
    max_keys: int
    delimiter: str | None
    encoding_type: str | None
    entries: Sequence[ListEntry]
    common_prefixes: Sequence[str]
    is_truncated: bool
    owner: Owner


def render_list_object_versions(out: ListObjectVersionsOutput) -> bytes:
    """ListVersionsResult of an unversioned bucket: every current object is
    its only version, VersionId "null" and IsLatest true (ListObjectVersions
    reference; S3 shows objects written before versioning that way).

    With encoding-type=url, KeyMarker, NextKeyMarker, Prefix, Delimiter, Key
    and CommonPrefixes/Prefix are encoded.
    """
    enc = encoder(out.encoding_type)
    parts = [
        el("Name", out.bucket),
        f"<Prefix>{enc(out.prefix)}</Prefix>",
        f"<KeyMarker>{enc(out.key_marker)}</KeyMarker>",
        el("VersionIdMarker", out.version_id_marker),
    ]
    if out.is_truncated and out.next_key_marker is not None:
        parts.append(f"<NextKeyMarker>{enc(out.next_key_marker)}</NextKeyMarker>")
        if out.next_version_id_marker is not None:
            parts.append(el("NextVersionIdMarker", out.next_version_id_marker))
    parts.append(f"<MaxKeys>{out.max_keys}</MaxKeys>")
    if out.delimiter:
        parts.append(f"<Delimiter>{enc(out.delimiter)}</Delimiter>")
    if out.encoding_type:
        parts.append(el("EncodingType", out.encoding_type))
    parts.append(f"<IsTruncated>{bool_text(out.is_truncated)}</IsTruncated>")
    owner_xml = owner_el("Owner", out.owner)
    parts.extend(
        f"<Version><Key>{enc(e.key)}</Key><VersionId>null</VersionId>"
        f"<IsLatest>true</IsLatest><LastModified>{iso8601_ms(e.last_modified)}</LastModified>"
        f"<ETag>&quot;{escape(e.etag)}&quot;</ETag>{_checksum(e)}<Size>{e.size}</Size>"
        f"<StorageClass>{escape(e.storage_class)}</StorageClass>{owner_xml}</Version>"
        for e in out.entries
    )
    parts.append(_common_prefixes(out.common_prefixes, enc))
    return document("ListVersionsResult", "".join(parts))


@dataclass(slots=True)
class ListMultipartUploadsOutput:
    """One page of ListMultipartUploads as its result shows it."""

    bucket: str
    key_marker: str | None
    upload_id_marker: str | None
    next_key_marker: str | None
    next_upload_id_marker: str | None
    max_uploads: int
    is_truncated: bool
    uploads: Sequence[UploadInfo]
    common_prefixes: Sequence[str]
    prefix: str | None
    delimiter: str | None
    encoding_type: str | None
    owner: Owner


def _upload(u: UploadInfo, enc: Callable[[str], str], owner_xml: str) -> str:
    extra = ""
    record = u.fields.checksum
    if record is not None and record.algorithm:
        extra += el("ChecksumAlgorithm", record.algorithm)
    if record is not None and record.type:
        extra += el("ChecksumType", record.type)
    return (
        f"<Upload><Key>{enc(u.key)}</Key>{el('UploadId', u.upload_id)}{owner_xml}"
        f"{el('StorageClass', u.fields.storage_class)}"
        f"<Initiated>{iso8601_ms(u.initiated)}</Initiated>{extra}</Upload>"
    )


def list_multipart_uploads_result(out: ListMultipartUploadsOutput) -> bytes:
    """ListMultipartUploadsResult (ListMultipartUploads reference, all fields).

    With encoding-type=url, Delimiter, KeyMarker, Prefix, NextKeyMarker and
    Key are encoded (reference, EncodingType); upload ids never are.
    """
    enc = encoder(out.encoding_type)
    parts = [
        el("Bucket", out.bucket),
        f"<KeyMarker>{enc(out.key_marker or '')}</KeyMarker>",
        el("UploadIdMarker", out.upload_id_marker or ""),
        f"<NextKeyMarker>{enc(out.next_key_marker or '')}</NextKeyMarker>",
        el("NextUploadIdMarker", out.next_upload_id_marker or ""),
    ]
    if out.delimiter:
        parts.append(f"<Delimiter>{enc(out.delimiter)}</Delimiter>")
    parts.append(f"<Prefix>{enc(out.prefix or '')}</Prefix>")
    parts.append(f"<MaxUploads>{out.max_uploads}</MaxUploads>")
    if out.encoding_type:
        parts.append(el("EncodingType", out.encoding_type))
    parts.append(f"<IsTruncated>{bool_text(out.is_truncated)}</IsTruncated>")
    owner_xml = owner_el("Initiator", out.owner) + owner_el("Owner", out.owner)
    parts.extend(_upload(u, enc, owner_xml) for u in out.uploads)
    parts.append(_common_prefixes(out.common_prefixes, enc))
    return document("ListMultipartUploadsResult", "".join(parts))


@dataclass(frozen=True, slots=True)
class ListMultipartUploadsInput:
    bucket: str
    prefix: str
    delimiter: str
    key_marker: str
    upload_id_marker: str
    max_uploads: int
    encoding_type: str | None


def parse_list_multipart_uploads(req: RequestHead) -> ListMultipartUploadsInput:
    bucket = bucket_of(req)
    q = req.query
    prefix = q.get("prefix", "")
    delimiter = q.get("delimiter", "")
    key_marker = q.get("key-marker", "")
    upload_id_marker = q.get("upload-id-marker", "")
    max_uploads = int_query_param(q, "max-uploads", MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    encoding_type = parse_encoding_type(q)
    return ListMultipartUploadsInput(
        bucket, prefix, delimiter, key_marker, upload_id_marker, max_uploads, encoding_type
    )


def render_list_multipart_uploads(inp: ListMultipartUploadsInput, page: UploadsPage) -> Response:
    """The engine's page as ListMultipartUploadsResult (an empty query value
    renders as an absent one)."""
    out = ListMultipartUploadsOutput(
        bucket=inp.bucket,
        key_marker=inp.key_marker or None,
        upload_id_marker=inp.upload_id_marker or None,
        next_key_marker=page.next_key_marker,
        next_upload_id_marker=page.next_upload_id_marker,
        max_uploads=inp.max_uploads,
        is_truncated=page.is_truncated,
        uploads=page.uploads,
        common_prefixes=page.common_prefixes,
        prefix=inp.prefix or None,
        delimiter=inp.delimiter or None,
        encoding_type=inp.encoding_type,
        owner=OWNER,
    )
    return xml_response(list_multipart_uploads_result(out))
