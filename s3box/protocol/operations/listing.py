"""Listings of objects: ListObjects, ListObjectsV2 and ListObjectVersions
(typed input, parse and render of each, the XML from a typed page record).
ListMultipartUploads is in list_uploads.py.

Rendering builds strings directly (no ElementTree) because listings are hot.
With encoding-type=url, the key-like fields S3 names are url-encoded;
opaque tokens and upload ids never are. Paging itself is the engine's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from s3box.protocol.errors import S3Error
from s3box.protocol.query import (
    MAX_PAGE_SIZE,
    check_version_id,
    decode_continuation_token,
    encode_continuation_token,
    int_query_param,
    max_keys_echo,
    parse_encoding_type,
)
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
from s3box.records import ListEntry, ListPage


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


def common_prefixes(prefixes: Iterable[str], enc: Callable[[str], str]) -> str:
    return "".join(f"<CommonPrefixes><Prefix>{enc(p)}</Prefix></CommonPrefixes>" for p in prefixes)


@dataclass(frozen=True, slots=True)
class ListObjectsInput:
    bucket: str
    prefix: str
    delimiter: str
    marker: str
    max_keys: int  # the page size: max-keys, at most 1000
    max_keys_shown: int  # the MaxKeys echoed: what the client asked for
    encoding_type: str | None


def parse_list_objects(req: RequestHead) -> ListObjectsInput:
    """ListObjects (v1): prefix, delimiter, marker, max-keys and encoding-type."""
    bucket = bucket_of(req)
    q = req.query
    max_keys = int_query_param(q, "max-keys", MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    return ListObjectsInput(
        bucket=bucket,
        prefix=q.get("prefix", ""),
        delimiter=q.get("delimiter", ""),
        marker=q.get("marker", ""),
        max_keys=max_keys,
        encoding_type=parse_encoding_type(q),
        max_keys_shown=max_keys_echo(q),
    )


def render_list_objects(inp: ListObjectsInput, page: ListPage, owner: Owner) -> Response:
    out = ListObjectsOutput(
        bucket=inp.bucket,
        prefix=inp.prefix,
        marker=inp.marker,
        delimiter=inp.delimiter,
        max_keys=inp.max_keys_shown,
        encoding_type=inp.encoding_type,
        entries=page.entries,
        common_prefixes=page.common_prefixes,
        is_truncated=page.is_truncated,
        next_marker=page.next_marker if (page.is_truncated and inp.delimiter) else None,
        owner=owner,
    )
    return xml_response(render_list_objects_xml(out))


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


def render_list_objects_xml(out: ListObjectsOutput) -> bytes:
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
    parts.append(common_prefixes(out.common_prefixes, enc))
    return document("ListBucketResult", "".join(parts))


@dataclass(frozen=True, slots=True)
class ListObjectsV2Input:
    bucket: str
    prefix: str
    delimiter: str
    continuation_token: str | None  # as the client sent it
    continuation: str | None  # the key the token stands for
    start_after: str
    max_keys: int  # the page size: max-keys, at most 1000
    max_keys_shown: int  # the MaxKeys echoed: what the client asked for
    encoding_type: str | None
    fetch_owner: bool


def parse_list_objects_v2(req: RequestHead) -> ListObjectsV2Input:
    """ListObjectsV2: list-type=2, prefix, delimiter, continuation-token,
    start-after, max-keys, encoding-type and fetch-owner."""
    bucket = bucket_of(req)
    q = req.query
    if q.get("list-type") != "2":
        raise S3Error(
            "InvalidArgument",
            "Invalid List Type specified in Request",
            extra={"ArgumentName": "list-type", "ArgumentValue": q.get("list-type", "")},
        )
    token = q.get("continuation-token")
    max_keys = int_query_param(q, "max-keys", MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    encoding_type = parse_encoding_type(q)
    return ListObjectsV2Input(
        bucket=bucket,
        prefix=q.get("prefix", ""),
        delimiter=q.get("delimiter", ""),
        continuation_token=token,
        continuation=decode_continuation_token(token) if token is not None else None,
        start_after=q.get("start-after", ""),
        max_keys=max_keys,
        max_keys_shown=max_keys_echo(q),
        encoding_type=encoding_type,
        fetch_owner=q.get("fetch-owner", "").lower() == "true",
    )


def render_list_objects_v2(inp: ListObjectsV2Input, page: ListPage, owner: Owner) -> Response:
    truncated_at = page.next_marker if page.is_truncated else None
    out = ListObjectsV2Output(
        bucket=inp.bucket,
        prefix=inp.prefix,
        delimiter=inp.delimiter,
        max_keys=inp.max_keys_shown,
        encoding_type=inp.encoding_type,
        entries=page.entries,
        common_prefixes=page.common_prefixes,
        is_truncated=page.is_truncated,
        key_count=len(page.entries) + len(page.common_prefixes),
        continuation_token=inp.continuation_token,
        next_continuation_token=encode_continuation_token(truncated_at) if truncated_at else None,
        start_after=inp.start_after or None,
        fetch_owner=inp.fetch_owner,
        owner=owner,
    )
    return xml_response(render_list_objects_v2_xml(out))


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


def render_list_objects_v2_xml(out: ListObjectsV2Output) -> bytes:
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
    parts.append(common_prefixes(out.common_prefixes, enc))
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


def render_list_versions_result(out: ListObjectVersionsOutput) -> bytes:
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
    parts.append(common_prefixes(out.common_prefixes, enc))
    return document("ListVersionsResult", "".join(parts))


@dataclass(frozen=True, slots=True)
class ListObjectVersionsInput:
    bucket: str
    prefix: str
    delimiter: str
    key_marker: str
    version_id_marker: str
    encoding_type: str | None
    max_keys: int  # what one page holds (capped)
    max_keys_echo: int  # what MaxKeys shows (as asked)


def parse_list_object_versions(req: RequestHead) -> ListObjectVersionsInput:
    """key-marker lists keys after it; version-id-marker needs a key-marker
    and may only be "null" (the only version), else InvalidArgument."""
    bucket = bucket_of(req)
    q = req.query
    key_marker = q.get("key-marker", "")
    version_id_marker = q.get("version-id-marker", "")
    encoding_type = parse_encoding_type(q)
    if version_id_marker and not key_marker:
        raise S3Error(
            "InvalidArgument",
            "A version-id marker cannot be specified without a key marker.",
            extra={"ArgumentName": "version-id-marker", "ArgumentValue": version_id_marker},
        )
    check_version_id(version_id_marker or None, "version-id-marker")
    max_keys = int_query_param(q, "max-keys", MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    return ListObjectVersionsInput(
        bucket=bucket,
        prefix=q.get("prefix", ""),
        delimiter=q.get("delimiter", ""),
        key_marker=key_marker,
        version_id_marker=version_id_marker,
        encoding_type=encoding_type,
        max_keys=max_keys,
        max_keys_echo=max_keys_echo(q),
    )


def render_list_object_versions(inp: ListObjectVersionsInput, page: ListPage) -> Response:
    """ListVersionsResult of one page of an unversioned bucket: each current
    object once, VersionId "null" (render_list_versions_result)."""
    next_key = page.next_marker if page.is_truncated else None
    # A page ending on a version continues after that version ("null"); one
    # ending on a common prefix continues after the prefix alone.
    last_is_version = bool(page.entries) and next_key == page.entries[-1].key
    out = ListObjectVersionsOutput(
        bucket=inp.bucket,
        prefix=inp.prefix,
        key_marker=inp.key_marker,
        version_id_marker=inp.version_id_marker,
        next_key_marker=next_key,
        next_version_id_marker="null" if last_is_version else None,
        max_keys=inp.max_keys_echo,
        delimiter=inp.delimiter or None,
        encoding_type=inp.encoding_type,
        entries=page.entries,
        common_prefixes=page.common_prefixes,
        is_truncated=page.is_truncated,
        owner=OWNER,
    )
    return xml_response(render_list_versions_result(out))
