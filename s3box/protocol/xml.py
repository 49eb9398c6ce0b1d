"""S3 XML bodies: fast string rendering of responses, safe parsing of requests.

Rendering builds strings directly (no ElementTree) because listings are hot;
parsing goes through defusedxml only, is namespace-agnostic, and turns every
failure into S3Error MalformedXML. No I/O here, and never a DTD or an entity.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from s3box.protocol import xmlbounds
from s3box.protocol.errors import S3Error
from s3box.protocol.timefmt import iso8601_ms
from s3box.storage.meta import BucketInfo, DeleteResult, ListEntry, PartRecord

PROLOGUE = '<?xml version="1.0" encoding="UTF-8"?>\n'
S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
_XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

# S3's documented caps on request documents.
MAX_DELETE_OBJECTS = 1000  # DeleteObjects: "up to 1,000 keys"
MAX_OBJECT_TAGS = 10  # Object tagging: "up to 10 tags per object"
MAX_TAG_KEY_CHARS = 128
MAX_TAG_VALUE_CHARS = 256
MAX_BUCKET_TAGS = 50  # Bucket tagging: "up to 50 tags"


@dataclass(slots=True, frozen=True)
class Owner:
    """The canonical user shown as Owner / Initiator (s3box has one)."""

    id: str
    display_name: str


@dataclass(slots=True)
class UploadEntry:
    """One in-progress multipart upload as ListMultipartUploads shows it."""

    key: str
    upload_id: str
    initiated: float
    storage_class: str = "STANDARD"
    checksum_algorithm: str | None = None
    checksum_type: str | None = None


@dataclass(slots=True)
class CompletedPart:
    """One <Part> of a CompleteMultipartUpload request.

    etag is unquoted; checksums maps algorithm (CRC32, CRC32C, CRC64NVME,
    SHA1, SHA256) to the base64 value the client sent for that part.
    """

    part_number: int
    etag: str
    checksums: dict[str, str] = field(default_factory=dict)


# --- escaping ------------------------------------------------------------------

# Characters that need rewriting in text content. '&', '<', '>' as entities;
# '\r', '\n', '\t' as character references so a parser keeps them (a literal
# CR or CRLF is normalised to LF by every XML parser, so a key holding one
# would not round-trip); other C0 controls, lone surrogates and U+FFFE/U+FFFF
# as numeric references. Those last ones are not legal XML 1.0 characters in
# any form: S3 itself sends such keys un-encodable (aws/aws-sdk-go#1914,
# boto/boto3#2347) and its ListObjects reference says to request
# encoding-type=url for them, which botocore does by default. A reference
# keeps our document free of raw control bytes and never crashes the encoder.
_NEEDS_ESCAPE = re.compile("[&<>\x00-\x1f\ud800-\udfff\ufffe\uffff]")
_NEEDS_REFERENCE = re.compile("[\x00-\x1f\ud800-\udfff\ufffe\uffff]")
_REFERENCES: dict[int, str] = {c: f"&#{c};" for c in range(0x20)}
_REFERENCES.update({c: f"&#{c};" for c in range(0xD800, 0xE000)})
_REFERENCES.update({0xFFFE: "&#65534;", 0xFFFF: "&#65535;"})


def escape(text: str) -> str:
    """Text content escaped for an element body (see the rules above)."""
    if _NEEDS_ESCAPE.search(text) is None:
        return text
    # str.replace runs in C; translate only for the rare control characters.
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if _NEEDS_REFERENCE.search(text) is not None:
        text = text.translate(_REFERENCES)
    return text


# encoding-type=url. Measured against S3 (brekkylab/backlot#178, 2026): a
# space becomes '+', '+' becomes %2B, '%' becomes %25, UTF-8 is
# percent-encoded and '/' stays as is ("run books/x.txt" -> "run+books/x.txt";
# also ceph/s3-tests#478). That is form encoding with '/' kept, which is what
# botocore undoes with unquote_plus. Keys made only of unreserved characters
# skip the encoder.
_URL_SAFE = re.compile(r"[A-Za-z0-9_.~/-]*", re.ASCII)
_URL_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.~/-")
# Byte (as a latin-1 code point) -> its form encoding; translate runs in C,
# several times faster than urllib.parse.quote_plus on a listing page.
_URL_TABLE: dict[int, str] = {
    b: ("+" if b == 0x20 else f"%{b:02X}") for b in range(256) if b not in _URL_UNRESERVED
}


def url_encode(text: str) -> str:
    """A key, prefix, marker or delimiter as S3 writes it under encoding-type=url.

    Same result as urllib.parse.quote_plus(text, safe="/").
    """
    if _URL_SAFE.fullmatch(text):
        return text
    raw = text.encode("utf-8", "surrogatepass").decode("latin-1")
    return raw.translate(_URL_TABLE)


def _encoder(encoding_type: str | None) -> Callable[[str], str]:
    """Escape-only, or url-encode, per the request's encoding-type.

    Form-encoded text is ASCII letters, digits and "_.~/-+%" only, so it
    needs no XML escaping on top.
    """
    return url_encode if encoding_type == "url" else escape


def _el(name: str, text: str) -> str:
    return f"<{name}>{escape(text)}</{name}>"


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _owner(tag: str, owner: Owner) -> str:
    return (
        f"<{tag}><ID>{escape(owner.id)}</ID>"
        f"<DisplayName>{escape(owner.display_name)}</DisplayName></{tag}>"
    )


def _quoted_etag(etag: str) -> str:
    # S3 writes the quotes of an ETag as &quot; in XML bodies (versity/
    # versitygw#1985 shows a captured S3 listing); clients read back "abc".
    return f"<ETag>&quot;{escape(etag)}&quot;</ETag>"


def _checksums(checksums: Mapping[str, str]) -> str:
    return "".join(
        f"<Checksum{alg}>{escape(value)}</Checksum{alg}>" for alg, value in checksums.items()
    )


def _document(root: str, body: str, *, namespaced: bool = True) -> bytes:
    ns = f' xmlns="{S3_NS}"' if namespaced else ""
    return f"{PROLOGUE}<{root}{ns}>{body}</{root}>".encode()


# --- errors --------------------------------------------------------------------


def render_error(
    code: str,
    message: str,
    resource: str | None,
    request_id: str,
    host_id: str,
    extra: Mapping[str, str] | None = None,
) -> bytes:
    """<Error> body (no namespace, as S3): Code, Message, extra fields, Resource,
    RequestId, HostId."""
    parts = [_el("Code", code), _el("Message", message)]
    if extra:
        parts.extend(_el(name, value) for name, value in extra.items())
    if resource is not None:
        parts.append(_el("Resource", resource))
    parts.append(_el("RequestId", request_id))
    parts.append(_el("HostId", host_id))
    return _document("Error", "".join(parts), namespaced=False)


def render_s3_error(error: S3Error, request_id: str, host_id: str) -> bytes:
    """render_error for a raised S3Error."""
    return render_error(error.code, error.message, error.resource, request_id, host_id, error.extra)


# --- service and bucket ----------------------------------------------------------


def render_list_buckets(
    buckets: Iterable[BucketInfo],
    owner_id: str,
    owner_name: str,
    *,
    region: str = "us-east-1",
    prefix: str | None = None,
    continuation_token: str | None = None,
) -> bytes:
    """ListAllMyBucketsResult: each bucket with its BucketRegion, then the
    ContinuationToken while more remain and the Prefix when one was asked for."""
    bucket_region = _el("BucketRegion", region)
    items = "".join(
        f"<Bucket>{_el('Name', b.name)}"
        f"<CreationDate>{iso8601_ms(b.creation_date)}</CreationDate>{bucket_region}</Bucket>"
        for b in buckets
    )
    owner = _owner("Owner", Owner(owner_id, owner_name))
    tail = ""
    if continuation_token is not None:
        tail += _el("ContinuationToken", continuation_token)
    if prefix is not None:
        tail += _el("Prefix", prefix)
    return _document("ListAllMyBucketsResult", f"{owner}<Buckets>{items}</Buckets>{tail}")


def render_location(region: str) -> bytes:
    """GetBucketLocation: us-east-1 is an empty LocationConstraint (S3 reference)."""
    if region in ("", "us-east-1"):
        return f'{PROLOGUE}<LocationConstraint xmlns="{S3_NS}"/>'.encode()
    return _document("LocationConstraint", escape(region))


def render_versioning() -> bytes:
    """GetBucketVersioning of a bucket that was never versioned: no Status."""
    return f'{PROLOGUE}<VersioningConfiguration xmlns="{S3_NS}"/>'.encode()


def render_empty_configuration(root: str, inner: str = "") -> bytes:
    """The 200 answer S3 gives for a bucket configuration that was never set and
    reads as an empty document (logging, notification, accelerate), or with its
    fixed default inside (`inner`: request payment's Payer)."""
    if inner:
        return f'{PROLOGUE}<{root} xmlns="{S3_NS}">{inner}</{root}>'.encode()
    return f'{PROLOGUE}<{root} xmlns="{S3_NS}"/>'.encode()


def render_acl(owner_id: str, owner_name: str) -> bytes:
    """Get{Bucket,Object}Acl: the owner with FULL_CONTROL, nothing else."""
    owner = Owner(owner_id, owner_name)
    grantee = (
        f'<Grantee xmlns:xsi="{_XSI_NS}" xsi:type="CanonicalUser">'
        f"<ID>{escape(owner.id)}</ID><DisplayName>{escape(owner.display_name)}</DisplayName>"
        "</Grantee>"
    )
    body = (
        f"{_owner('Owner', owner)}<AccessControlList><Grant>{grantee}"
        "<Permission>FULL_CONTROL</Permission></Grant></AccessControlList>"
    )
    return _document("AccessControlPolicy", body)


def render_tagging(tags: Mapping[str, str]) -> bytes:
    """GetObjectTagging / GetBucketTagging: Tagging/TagSet/Tag{Key,Value}."""
    items = "".join(
        f"<Tag>{_el('Key', key)}{_el('Value', value)}</Tag>" for key, value in tags.items()
    )
    return _document("Tagging", f"<TagSet>{items}</TagSet>")


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
    max_parts: int = 1000
    parts_truncated: bool = False
    parts: Sequence[tuple[int, int, Mapping[str, str]]] = ()


def render_object_attributes(attrs: ObjectAttributes) -> bytes:
    """GetObjectAttributesResponse. ETag is unquoted here, unlike every other
    body (GetObjectAttributes reference example); ObjectParts/PartsCount is
    the total, Part elements only the requested page."""
    body: list[str] = []
    if attrs.etag is not None:
        body.append(_el("ETag", attrs.etag))
    if attrs.checksum is not None:
        inner = _checksums(attrs.checksum)
        if attrs.checksum_type:
            inner += _el("ChecksumType", attrs.checksum_type)
        body.append(f"<Checksum>{inner}</Checksum>")
    if attrs.parts_count is not None:
        items = "".join(
            f"<Part><PartNumber>{number}</PartNumber><Size>{size}</Size>"
            f"{_checksums(checksums)}</Part>"
            for number, size, checksums in attrs.parts
        )
        body.append(
            f"<ObjectParts><PartsCount>{attrs.parts_count}</PartsCount>"
            f"<PartNumberMarker>{attrs.part_number_marker}</PartNumberMarker>"
            f"<NextPartNumberMarker>{attrs.next_part_number_marker}</NextPartNumberMarker>"
            f"<MaxParts>{attrs.max_parts}</MaxParts>"
            f"<IsTruncated>{_bool(attrs.parts_truncated)}</IsTruncated>{items}</ObjectParts>"
        )
    if attrs.storage_class is not None:
        body.append(_el("StorageClass", attrs.storage_class))
    if attrs.object_size is not None:
        body.append(f"<ObjectSize>{attrs.object_size}</ObjectSize>")
    return _document("GetObjectAttributesResponse", "".join(body))


def render_list_object_versions(
    bucket: str,
    prefix: str,
    key_marker: str,
    version_id_marker: str,
    next_key_marker: str | None,
    next_version_id_marker: str | None,
    max_keys: int,
    delimiter: str | None,
    encoding_type: str | None,
    entries: Sequence[ListEntry],
    common_prefixes: Sequence[str],
    is_truncated: bool,
    owner: Owner,
) -> bytes:
    """ListVersionsResult of an unversioned bucket: every current object is
    its only version, VersionId "null" and IsLatest true (ListObjectVersions
    reference; S3 shows objects written before versioning that way).

    With encoding-type=url, KeyMarker, NextKeyMarker, Prefix, Delimiter, Key
    and CommonPrefixes/Prefix are encoded.
    """
    enc = _encoder(encoding_type)
    parts = [
        _el("Name", bucket),
        f"<Prefix>{enc(prefix)}</Prefix>",
        f"<KeyMarker>{enc(key_marker)}</KeyMarker>",
        _el("VersionIdMarker", version_id_marker),
    ]
    if is_truncated and next_key_marker is not None:
        parts.append(f"<NextKeyMarker>{enc(next_key_marker)}</NextKeyMarker>")
        if next_version_id_marker is not None:
            parts.append(_el("NextVersionIdMarker", next_version_id_marker))
    parts.append(f"<MaxKeys>{max_keys}</MaxKeys>")
    if delimiter:
        parts.append(f"<Delimiter>{enc(delimiter)}</Delimiter>")
    if encoding_type:
        parts.append(_el("EncodingType", encoding_type))
    parts.append(f"<IsTruncated>{_bool(is_truncated)}</IsTruncated>")
    owner_xml = _owner("Owner", owner)
    parts.extend(
        f"<Version><Key>{enc(e.key)}</Key><VersionId>null</VersionId>"
        f"<IsLatest>true</IsLatest><LastModified>{iso8601_ms(e.last_modified)}</LastModified>"
        f"<ETag>&quot;{escape(e.etag)}&quot;</ETag>{_checksum(e)}<Size>{e.size}</Size>"
        f"<StorageClass>{escape(e.storage_class)}</StorageClass>{owner_xml}</Version>"
        for e in entries
    )
    parts.append(_common_prefixes(common_prefixes, enc))
    return _document("ListVersionsResult", "".join(parts))


# --- listings ------------------------------------------------------------------


def _contents(entries: Sequence[ListEntry], enc: Callable[[str], str], owner: Owner | None) -> str:
    owner_xml = _owner("Owner", owner) if owner is not None else ""
    return "".join(
        [
            f"<Contents><Key>{enc(e.key)}</Key>"
            f"<LastModified>{iso8601_ms(e.last_modified)}</LastModified>"
            f"<ETag>&quot;{escape(e.etag)}&quot;</ETag>{_checksum(e)}<Size>{e.size}</Size>{owner_xml}"
            f"<StorageClass>{escape(e.storage_class)}</StorageClass></Contents>"
            for e in entries
        ]
    )


def _checksum(e: ListEntry) -> str:
    """ChecksumAlgorithm and ChecksumType of a listed object (S3 lists both for
    every object stored with a checksum, which since 2025 is every object)."""
    if e.checksum_algorithm is None or e.checksum_type is None:
        return ""
    return (
        f"<ChecksumAlgorithm>{escape(e.checksum_algorithm)}</ChecksumAlgorithm>"
        f"<ChecksumType>{escape(e.checksum_type)}</ChecksumType>"
    )


def _common_prefixes(prefixes: Iterable[str], enc: Callable[[str], str]) -> str:
    return "".join(f"<CommonPrefixes><Prefix>{enc(p)}</Prefix></CommonPrefixes>" for p in prefixes)


def render_list_objects_v1(
    bucket: str,
    prefix: str | None,
    marker: str | None,
    delimiter: str | None,
    max_keys: int,
    encoding_type: str | None,
    entries: Sequence[ListEntry],
    common_prefixes: Sequence[str],
    is_truncated: bool,
    next_marker: str | None,
    owner: Owner,
) -> bytes:
    """ListBucketResult of ListObjects (v1).

    NextMarker only with a delimiter and a truncated page (ListObjects
    reference: "This element is returned only if you have the delimiter
    request parameter specified"); otherwise clients continue from the last
    Key. Owner is always in v1 Contents.
    """
    enc = _encoder(encoding_type)
    parts = [
        _el("Name", bucket),
        f"<Prefix>{enc(prefix or '')}</Prefix>",
        f"<Marker>{enc(marker or '')}</Marker>",
    ]
    if delimiter and is_truncated and next_marker is not None:
        parts.append(f"<NextMarker>{enc(next_marker)}</NextMarker>")
    parts.append(f"<MaxKeys>{max_keys}</MaxKeys>")
    # An empty delimiter is no delimiter; S3 omits the element then
    # (apache/ozone#10586, s3-tests test_bucket_list_delimiter_empty).
    if delimiter:
        parts.append(f"<Delimiter>{enc(delimiter)}</Delimiter>")
    if encoding_type:
        parts.append(_el("EncodingType", encoding_type))
    parts.append(f"<IsTruncated>{_bool(is_truncated)}</IsTruncated>")
    parts.append(_contents(entries, enc, owner))
    parts.append(_common_prefixes(common_prefixes, enc))
    return _document("ListBucketResult", "".join(parts))


def render_list_objects_v2(
    bucket: str,
    prefix: str | None,
    delimiter: str | None,
    max_keys: int,
    encoding_type: str | None,
    entries: Sequence[ListEntry],
    common_prefixes: Sequence[str],
    is_truncated: bool,
    key_count: int,
    continuation_token: str | None,
    next_continuation_token: str | None,
    start_after: str | None,
    fetch_owner: bool,
    owner: Owner,
) -> bytes:
    """ListBucketResult of ListObjectsV2.

    With encoding-type=url, Key, Prefix, Delimiter, StartAfter and
    CommonPrefixes/Prefix are encoded (ListObjectsV2 reference, EncodingType);
    continuation tokens are opaque and never encoded. Owner only with
    fetch-owner=true.
    """
    enc = _encoder(encoding_type)
    parts = [_el("Name", bucket), f"<Prefix>{enc(prefix or '')}</Prefix>"]
    if delimiter:
        parts.append(f"<Delimiter>{enc(delimiter)}</Delimiter>")
    parts.append(f"<MaxKeys>{max_keys}</MaxKeys>")
    if encoding_type:
        parts.append(_el("EncodingType", encoding_type))
    parts.append(f"<KeyCount>{key_count}</KeyCount>")
    parts.append(f"<IsTruncated>{_bool(is_truncated)}</IsTruncated>")
    if continuation_token is not None:
        parts.append(_el("ContinuationToken", continuation_token))
    if is_truncated and next_continuation_token is not None:
        parts.append(_el("NextContinuationToken", next_continuation_token))
    if start_after:
        parts.append(f"<StartAfter>{enc(start_after)}</StartAfter>")
    parts.append(_contents(entries, enc, owner if fetch_owner else None))
    parts.append(_common_prefixes(common_prefixes, enc))
    return _document("ListBucketResult", "".join(parts))


# --- objects -------------------------------------------------------------------


def render_delete_result(
    results: Sequence[DeleteResult],
    quiet: bool,
    version_ids: Sequence[str | None] | None = None,
) -> bytes:
    """DeleteResult of DeleteObjects. Quiet mode lists only the errors
    (DeleteObjects reference: "the response includes only keys where the
    delete action encountered an error"). A VersionId the request named for
    a key (version_ids, parallel to results) is echoed in its entry."""
    parts: list[str] = []
    for i, r in enumerate(results):
        version_id = version_ids[i] if version_ids is not None else None
        version = _el("VersionId", version_id) if version_id is not None else ""
        if r.error_code is None:
            if not quiet:
                parts.append(f"<Deleted>{_el('Key', r.key)}{version}</Deleted>")
            continue
        message = r.error_message if r.error_message is not None else r.error_code
        parts.append(
            f"<Error>{_el('Key', r.key)}{version}{_el('Code', r.error_code)}"
            f"{_el('Message', message)}</Error>"
        )
    return _document("DeleteResult", "".join(parts))


def _copy_result(
    root: str,
    etag: str,
    last_modified: float,
    checksums: Mapping[str, str] | None,
    checksum_type: str | None = None,
) -> bytes:
    body = (
        f"<LastModified>{iso8601_ms(last_modified)}</LastModified>{_quoted_etag(etag)}"
        f"{_checksums(checksums or {})}"
    )
    if checksum_type:
        body += _el("ChecksumType", checksum_type)
    return _document(root, body)


def render_copy_object_result(
    etag: str,
    last_modified: float,
    checksums: Mapping[str, str] | None = None,
    checksum_type: str | None = None,
) -> bytes:
    """CopyObjectResult: LastModified, ETag (and the new object's checksum
    with its ChecksumType)."""
    return _copy_result("CopyObjectResult", etag, last_modified, checksums, checksum_type)


def render_copy_part_result(
    etag: str, last_modified: float, checksums: Mapping[str, str] | None = None
) -> bytes:
    """CopyPartResult of UploadPartCopy."""
    return _copy_result("CopyPartResult", etag, last_modified, checksums)


# --- multipart -----------------------------------------------------------------


def render_initiate_multipart(bucket: str, key: str, upload_id: str) -> bytes:
    """InitiateMultipartUploadResult: Bucket, Key, UploadId."""
    body = f"{_el('Bucket', bucket)}{_el('Key', key)}{_el('UploadId', upload_id)}"
    return _document("InitiateMultipartUploadResult", body)


def render_complete_multipart(
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
        f"{_el('Location', location)}{_el('Bucket', bucket)}{_el('Key', key)}"
        f"{_quoted_etag(etag)}{_checksums(checksum or {})}"
    )
    if checksum_type:
        body += _el("ChecksumType", checksum_type)
    return _document("CompleteMultipartUploadResult", body)


def render_list_parts(
    bucket: str,
    key: str,
    upload_id: str,
    part_number_marker: int,
    next_part_number_marker: int,
    max_parts: int,
    is_truncated: bool,
    parts: Sequence[PartRecord],
    owner: Owner,
    storage_class: str = "STANDARD",
    checksum_algorithm: str | None = None,
    checksum_type: str | None = None,
) -> bytes:
    """ListPartsResult (ListParts reference, all fields).

    Each part's own checksum (PartRecord.checksum) is rendered as
    Checksum<checksum_algorithm> when the upload has an algorithm.
    """
    items: list[str] = []
    for p in parts:
        checksum = ""
        if checksum_algorithm and p.checksum is not None:
            checksum = _checksums({checksum_algorithm: p.checksum})
        items.append(
            f"<Part><PartNumber>{p.number}</PartNumber>"
            f"<LastModified>{iso8601_ms(p.last_modified)}</LastModified>"
            f"{_quoted_etag(p.etag)}<Size>{p.size}</Size>{checksum}</Part>"
        )
    body = [
        _el("Bucket", bucket),
        _el("Key", key),
        _el("UploadId", upload_id),
        f"<PartNumberMarker>{part_number_marker}</PartNumberMarker>",
        f"<NextPartNumberMarker>{next_part_number_marker}</NextPartNumberMarker>",
        f"<MaxParts>{max_parts}</MaxParts>",
        f"<IsTruncated>{_bool(is_truncated)}</IsTruncated>",
        "".join(items),
        _owner("Initiator", owner),
        _owner("Owner", owner),
        _el("StorageClass", storage_class),
    ]
    if checksum_algorithm:
        body.append(_el("ChecksumAlgorithm", checksum_algorithm))
    if checksum_type:
        body.append(_el("ChecksumType", checksum_type))
    return _document("ListPartsResult", "".join(body))


def render_list_multipart_uploads(
    bucket: str,
    key_marker: str | None,
    upload_id_marker: str | None,
    next_key_marker: str | None,
    next_upload_id_marker: str | None,
    max_uploads: int,
    is_truncated: bool,
    uploads: Sequence[UploadEntry],
    common_prefixes: Sequence[str],
    prefix: str | None,
    delimiter: str | None,
    encoding_type: str | None,
    owner: Owner,
) -> bytes:
    """ListMultipartUploadsResult (ListMultipartUploads reference, all fields).

    With encoding-type=url, Delimiter, KeyMarker, Prefix, NextKeyMarker and
    Key are encoded (reference, EncodingType); upload ids never are.
    """
    enc = _encoder(encoding_type)
    parts = [
        _el("Bucket", bucket),
        f"<KeyMarker>{enc(key_marker or '')}</KeyMarker>",
        _el("UploadIdMarker", upload_id_marker or ""),
        f"<NextKeyMarker>{enc(next_key_marker or '')}</NextKeyMarker>",
        _el("NextUploadIdMarker", next_upload_id_marker or ""),
    ]
    if delimiter:
        parts.append(f"<Delimiter>{enc(delimiter)}</Delimiter>")
    parts.append(f"<Prefix>{enc(prefix or '')}</Prefix>")
    parts.append(f"<MaxUploads>{max_uploads}</MaxUploads>")
    if encoding_type:
        parts.append(_el("EncodingType", encoding_type))
    parts.append(f"<IsTruncated>{_bool(is_truncated)}</IsTruncated>")
    owner_xml = _owner("Initiator", owner) + _owner("Owner", owner)
    for u in uploads:
        extra = ""
        if u.checksum_algorithm:
            extra += _el("ChecksumAlgorithm", u.checksum_algorithm)
        if u.checksum_type:
            extra += _el("ChecksumType", u.checksum_type)
        parts.append(
            f"<Upload><Key>{enc(u.key)}</Key>{_el('UploadId', u.upload_id)}{owner_xml}"
            f"{_el('StorageClass', u.storage_class)}"
            f"<Initiated>{iso8601_ms(u.initiated)}</Initiated>{extra}</Upload>"
        )
    parts.append(_common_prefixes(common_prefixes, enc))
    return _document("ListMultipartUploadsResult", "".join(parts))


# --- parsing -------------------------------------------------------------------


def _malformed() -> S3Error:
    return S3Error("MalformedXML")


def _local(tag: Any) -> str:
    # "{http://s3.amazonaws.com/doc/2006-03-01/}Key" -> "Key"; clients send
    # the namespace or not, S3 accepts both.
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _parse_root(body: bytes, root: str, max_elements: int = xmlbounds.MAX_ELEMENTS) -> Any:
    """Parse with DTDs, entities and external references forbidden, under the
    bounds of xmlbounds (depth, element count, tag length).

    Every failure (not well-formed, a DOCTYPE, an entity bomb, bad encoding, a
    document past the bounds, a different root element) is MalformedXML, as S3
    answers a body that does not validate, never another exception.
    """
    try:
        element = xmlbounds.parse_bounded(body, max_elements=max_elements)
    except Exception as exc:  # defusedxml and expat raise several unrelated types
        raise _malformed() from exc
    if _local(element.tag) != root:
        raise _malformed()
    return element


def _children(element: Any, name: str) -> list[Any]:
    return [child for child in element if _local(child.tag) == name]


def _child(element: Any, name: str) -> Any | None:
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _text(element: Any) -> str:
    return "".join(element.itertext())


def _required_text(element: Any, name: str) -> str:
    child = _child(element, name)
    if child is None:
        raise _malformed()
    return _text(child)


def _optional_text(element: Any, name: str) -> str | None:
    child = _child(element, name)
    return None if child is None else _text(child)


def _unquote_etag(value: str) -> str:
    tag = value.strip()
    if len(tag) >= 2 and tag[0] == '"' and tag[-1] == '"':
        tag = tag[1:-1]
    return tag


def parse_delete_objects(body: bytes) -> tuple[list[str], list[str | None], bool]:
    """Delete request of DeleteObjects -> (keys in request order, each one's
    VersionId or None, quiet).

    DeleteObjects reference: Object is required and at most 1000 may be
    given; S3 answers MalformedXML to both violations (as moto and
    floci-io/floci#2201 confirm for zero objects).
    """
    root = _parse_root(body, "Delete")
    objects = _children(root, "Object")
    if not objects or len(objects) > MAX_DELETE_OBJECTS:
        raise _malformed()
    keys = [_required_text(obj, "Key") for obj in objects]
    version_ids = [_optional_text(obj, "VersionId") for obj in objects]
    quiet_el = _child(root, "Quiet")
    quiet = quiet_el is not None and _text(quiet_el).strip().lower() == "true"
    return keys, version_ids, quiet


_CHECKSUM_PREFIX = "Checksum"
_CHECKSUM_ALGORITHMS = frozenset({"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"})
_PART_NUMBER = re.compile(r"\s*[0-9]{1,9}\s*", re.ASCII)


def parse_complete_multipart(body: bytes) -> list[CompletedPart]:
    """CompleteMultipartUpload request -> its parts, in request order.

    PartNumber and ETag are required in each Part; a PartNumber that is not a
    plain integer is MalformedXML. Order and existence are the caller's checks
    (InvalidPartOrder / InvalidPart).
    """
    root = _parse_root(body, "CompleteMultipartUpload", xmlbounds.MAX_ELEMENTS_COMPLETE)
    part_elements = _children(root, "Part")
    if not part_elements:
        raise _malformed()
    parts: list[CompletedPart] = []
    for element in part_elements:
        number_text = _required_text(element, "PartNumber")
        if _PART_NUMBER.fullmatch(number_text) is None:
            raise _malformed()
        etag = _unquote_etag(_required_text(element, "ETag"))
        checksums: dict[str, str] = {}
        for child in element:
            name = _local(child.tag)
            if name.startswith(_CHECKSUM_PREFIX):
                algorithm = name[len(_CHECKSUM_PREFIX) :]
                if algorithm in _CHECKSUM_ALGORITHMS:
                    checksums[algorithm] = _text(child).strip()
        parts.append(CompletedPart(int(number_text), etag, checksums))
    return parts


def parse_create_bucket(body: bytes) -> str | None:
    """CreateBucketConfiguration -> LocationConstraint, or None (empty body or
    no constraint, meaning us-east-1)."""
    if not body.strip():
        return None
    root = _parse_root(body, "CreateBucketConfiguration")
    location = _child(root, "LocationConstraint")
    if location is None:
        return None
    return _text(location).strip() or None


def _invalid_tag(message: str) -> S3Error:
    return S3Error("InvalidTag", message)


_TAG_SYMBOLS = frozenset("_.:/=+-@")


def _tag_text_ok(text: str) -> bool:
    """AWS's tag pattern `[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*`: letters, separators (spaces),
    numbers and `_ . : / = + - @`. S3 answers InvalidTag for anything else (a comma or
    parentheses in a value, for instance)."""
    for ch in text:
        if ch.isalnum() or ch in _TAG_SYMBOLS:
            continue
        if unicodedata.category(ch)[0] not in "LZN":
            return False
    return True


def check_tags(pairs: Iterable[tuple[str, str]], max_tags: int = MAX_OBJECT_TAGS) -> dict[str, str]:
    """Tag pairs in request order -> {key: value}, within S3's limits.

    Limits from "Categorizing your storage using tags" (S3 User Guide): up to
    10 tags per object (50 per bucket), keys of 1 to 128 and values up to 256
    Unicode characters, keys unique; violations are InvalidTag. Keys starting
    with "aws:" are reserved for AWS and rejected likewise, and so are characters
    outside AWS's tag pattern (see _tag_text_ok). Shared by the
    Tagging body and the x-amz-tagging header.
    """
    tags: dict[str, str] = {}
    for key, value in pairs:
        if key in tags:
            raise _invalid_tag("Cannot provide multiple Tags with the same key")
        if not key:
            raise _invalid_tag("The TagKey you have provided is invalid")
        if len(key) > MAX_TAG_KEY_CHARS:
            raise _invalid_tag("The TagKey you have provided is too long, max 128")
        if len(value) > MAX_TAG_VALUE_CHARS:
            raise _invalid_tag("The TagValue you have provided is too long, max 256")
        if key.startswith("aws:"):
            raise _invalid_tag("Your TagKey cannot be prefixed with aws:")
        if not _tag_text_ok(key):
            raise _invalid_tag("The TagKey you have provided is invalid")
        if not _tag_text_ok(value):
            raise _invalid_tag("The TagValue you have provided is invalid")
        tags[key] = value
    if len(tags) > max_tags:
        what = "Object" if max_tags == MAX_OBJECT_TAGS else "Bucket"
        raise _invalid_tag(f"{what} tags cannot be greater than {max_tags}")
    return tags


def parse_tagging(body: bytes, max_tags: int = MAX_OBJECT_TAGS) -> dict[str, str]:
    """Tagging request (PutObjectTagging / PutBucketTagging) -> {key: value},
    checked by check_tags."""
    root = _parse_root(body, "Tagging")
    tag_set = _child(root, "TagSet")
    if tag_set is None:
        raise _malformed()
    pairs = [
        (_required_text(tag, "Key"), _required_text(tag, "Value"))
        for tag in _children(tag_set, "Tag")
    ]
    return check_tags(pairs, max_tags)


@dataclass(slots=True, frozen=True)
class Grant:
    """One <Grant> of an AccessControlPolicy: grantee type (CanonicalUser,
    Group, AmazonCustomerByEmail), its ID / URI / EmailAddress, permission."""

    grantee_type: str
    grantee: str
    permission: str


def parse_access_control_policy(body: bytes) -> tuple[str | None, list[Grant]]:
    """AccessControlPolicy (PutBucketAcl / PutObjectAcl body) -> (owner ID,
    grants). The grantee type comes from the xsi:type attribute."""
    root = _parse_root(body, "AccessControlPolicy")
    owner = _child(root, "Owner")
    owner_id = None
    if owner is not None:
        id_el = _child(owner, "ID")
        owner_id = _text(id_el).strip() if id_el is not None else None
    acl = _child(root, "AccessControlList")
    grants: list[Grant] = []
    for grant in _children(acl, "Grant") if acl is not None else []:
        grantee = _child(grant, "Grantee")
        if grantee is None:
            raise _malformed()
        kind = next(
            (v for k, v in grantee.attrib.items() if _local(k) == "type"),
            "",
        )
        ident = ""
        for name in ("ID", "URI", "EmailAddress"):
            el = _child(grantee, name)
            if el is not None:
                ident = _text(el).strip()
                break
        grants.append(Grant(kind, ident, _required_text(grant, "Permission").strip()))
    return owner_id, grants
