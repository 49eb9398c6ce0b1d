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

from s3box.protocol import xmlbounds
from s3box.protocol.errors import S3Error
from s3box.protocol.timefmt import iso8601_ms
from s3box.protocol.xmlparse import (
    child,
    children,
    local_name,
    malformed,
    optional_text,
    parse_root,
    required_text,
    text_of,
)
from s3box.protocol.xmlrender import (
    PROLOGUE,
    S3_NS,
    XSI_NS,
    Owner,
    bool_text,
    checksums_el,
    document,
    el,
    encoder,
    escape,
    owner_el,
    quoted_etag_el,
)
from s3box.records import BucketInfo, DeleteResult, ListEntry, PartRecord, unquote_etag

# S3's documented caps on request documents.
MAX_DELETE_OBJECTS = 1000  # DeleteObjects: "up to 1,000 keys"
MAX_OBJECT_TAGS = 10  # Object tagging: "up to 10 tags per object"
MAX_TAG_KEY_CHARS = 128
MAX_TAG_VALUE_CHARS = 256
MAX_BUCKET_TAGS = 50  # Bucket tagging: "up to 50 tags"


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
    bucket_region = el("BucketRegion", region)
    items = "".join(
        f"<Bucket>{el('Name', b.name)}"
        f"<CreationDate>{iso8601_ms(b.creation_date)}</CreationDate>{bucket_region}</Bucket>"
        for b in buckets
    )
    owner = owner_el("Owner", Owner(owner_id, owner_name))
    tail = ""
    if continuation_token is not None:
        tail += el("ContinuationToken", continuation_token)
    if prefix is not None:
        tail += el("Prefix", prefix)
    return document("ListAllMyBucketsResult", f"{owner}<Buckets>{items}</Buckets>{tail}")


def render_location(region: str) -> bytes:
    """GetBucketLocation: us-east-1 is an empty LocationConstraint (S3 reference)."""
    if region in ("", "us-east-1"):
        return f'{PROLOGUE}<LocationConstraint xmlns="{S3_NS}"/>'.encode()
    return document("LocationConstraint", escape(region))


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
        f'<Grantee xmlns:xsi="{XSI_NS}" xsi:type="CanonicalUser">'
        f"<ID>{escape(owner.id)}</ID><DisplayName>{escape(owner.display_name)}</DisplayName>"
        "</Grantee>"
    )
    body = (
        f"{owner_el('Owner', owner)}<AccessControlList><Grant>{grantee}"
        "<Permission>FULL_CONTROL</Permission></Grant></AccessControlList>"
    )
    return document("AccessControlPolicy", body)


def render_tagging(tags: Mapping[str, str]) -> bytes:
    """GetObjectTagging / GetBucketTagging: Tagging/TagSet/Tag{Key,Value}."""
    items = "".join(
        f"<Tag>{el('Key', key)}{el('Value', value)}</Tag>" for key, value in tags.items()
    )
    return document("Tagging", f"<TagSet>{items}</TagSet>")


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
    enc = encoder(encoding_type)
    parts = [
        el("Name", bucket),
        f"<Prefix>{enc(prefix)}</Prefix>",
        f"<KeyMarker>{enc(key_marker)}</KeyMarker>",
        el("VersionIdMarker", version_id_marker),
    ]
    if is_truncated and next_key_marker is not None:
        parts.append(f"<NextKeyMarker>{enc(next_key_marker)}</NextKeyMarker>")
        if next_version_id_marker is not None:
            parts.append(el("NextVersionIdMarker", next_version_id_marker))
    parts.append(f"<MaxKeys>{max_keys}</MaxKeys>")
    if delimiter:
        parts.append(f"<Delimiter>{enc(delimiter)}</Delimiter>")
    if encoding_type:
        parts.append(el("EncodingType", encoding_type))
    parts.append(f"<IsTruncated>{bool_text(is_truncated)}</IsTruncated>")
    owner_xml = owner_el("Owner", owner)
    parts.extend(
        f"<Version><Key>{enc(e.key)}</Key><VersionId>null</VersionId>"
        f"<IsLatest>true</IsLatest><LastModified>{iso8601_ms(e.last_modified)}</LastModified>"
        f"<ETag>&quot;{escape(e.etag)}&quot;</ETag>{_checksum(e)}<Size>{e.size}</Size>"
        f"<StorageClass>{escape(e.storage_class)}</StorageClass>{owner_xml}</Version>"
        for e in entries
    )
    parts.append(_common_prefixes(common_prefixes, enc))
    return document("ListVersionsResult", "".join(parts))


# --- listings ------------------------------------------------------------------


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
    enc = encoder(encoding_type)
    parts = [
        el("Name", bucket),
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
        parts.append(el("EncodingType", encoding_type))
    parts.append(f"<IsTruncated>{bool_text(is_truncated)}</IsTruncated>")
    parts.append(_contents(entries, enc, owner))
    parts.append(_common_prefixes(common_prefixes, enc))
    return document("ListBucketResult", "".join(parts))


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
    enc = encoder(encoding_type)
    parts = [el("Name", bucket), f"<Prefix>{enc(prefix or '')}</Prefix>"]
    if delimiter:
        parts.append(f"<Delimiter>{enc(delimiter)}</Delimiter>")
    parts.append(f"<MaxKeys>{max_keys}</MaxKeys>")
    if encoding_type:
        parts.append(el("EncodingType", encoding_type))
    parts.append(f"<KeyCount>{key_count}</KeyCount>")
    parts.append(f"<IsTruncated>{bool_text(is_truncated)}</IsTruncated>")
    if continuation_token is not None:
        parts.append(el("ContinuationToken", continuation_token))
    if is_truncated and next_continuation_token is not None:
        parts.append(el("NextContinuationToken", next_continuation_token))
    if start_after:
        parts.append(f"<StartAfter>{enc(start_after)}</StartAfter>")
    parts.append(_contents(entries, enc, owner if fetch_owner else None))
    parts.append(_common_prefixes(common_prefixes, enc))
    return document("ListBucketResult", "".join(parts))


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
        version = el("VersionId", version_id) if version_id is not None else ""
        if r.error_code is None:
            if not quiet:
                parts.append(f"<Deleted>{el('Key', r.key)}{version}</Deleted>")
            continue
        message = r.error_message if r.error_message is not None else r.error_code
        parts.append(
            f"<Error>{el('Key', r.key)}{version}{el('Code', r.error_code)}"
            f"{el('Message', message)}</Error>"
        )
    return document("DeleteResult", "".join(parts))


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
    body = f"{el('Bucket', bucket)}{el('Key', key)}{el('UploadId', upload_id)}"
    return document("InitiateMultipartUploadResult", body)


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
        f"{el('Location', location)}{el('Bucket', bucket)}{el('Key', key)}"
        f"{quoted_etag_el(etag)}{checksums_el(checksum or {})}"
    )
    if checksum_type:
        body += el("ChecksumType", checksum_type)
    return document("CompleteMultipartUploadResult", body)


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
            checksum = checksums_el({checksum_algorithm: p.checksum})
        items.append(
            f"<Part><PartNumber>{p.number}</PartNumber>"
            f"<LastModified>{iso8601_ms(p.last_modified)}</LastModified>"
            f"{quoted_etag_el(p.etag)}<Size>{p.size}</Size>{checksum}</Part>"
        )
    body = [
        el("Bucket", bucket),
        el("Key", key),
        el("UploadId", upload_id),
        f"<PartNumberMarker>{part_number_marker}</PartNumberMarker>",
        f"<NextPartNumberMarker>{next_part_number_marker}</NextPartNumberMarker>",
        f"<MaxParts>{max_parts}</MaxParts>",
        f"<IsTruncated>{bool_text(is_truncated)}</IsTruncated>",
        "".join(items),
        owner_el("Initiator", owner),
        owner_el("Owner", owner),
        el("StorageClass", storage_class),
    ]
    if checksum_algorithm:
        body.append(el("ChecksumAlgorithm", checksum_algorithm))
    if checksum_type:
        body.append(el("ChecksumType", checksum_type))
    return document("ListPartsResult", "".join(body))


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
    enc = encoder(encoding_type)
    parts = [
        el("Bucket", bucket),
        f"<KeyMarker>{enc(key_marker or '')}</KeyMarker>",
        el("UploadIdMarker", upload_id_marker or ""),
        f"<NextKeyMarker>{enc(next_key_marker or '')}</NextKeyMarker>",
        el("NextUploadIdMarker", next_upload_id_marker or ""),
    ]
    if delimiter:
        parts.append(f"<Delimiter>{enc(delimiter)}</Delimiter>")
    parts.append(f"<Prefix>{enc(prefix or '')}</Prefix>")
    parts.append(f"<MaxUploads>{max_uploads}</MaxUploads>")
    if encoding_type:
        parts.append(el("EncodingType", encoding_type))
    parts.append(f"<IsTruncated>{bool_text(is_truncated)}</IsTruncated>")
    owner_xml = owner_el("Initiator", owner) + owner_el("Owner", owner)
    for u in uploads:
        extra = ""
        if u.checksum_algorithm:
            extra += el("ChecksumAlgorithm", u.checksum_algorithm)
        if u.checksum_type:
            extra += el("ChecksumType", u.checksum_type)
        parts.append(
            f"<Upload><Key>{enc(u.key)}</Key>{el('UploadId', u.upload_id)}{owner_xml}"
            f"{el('StorageClass', u.storage_class)}"
            f"<Initiated>{iso8601_ms(u.initiated)}</Initiated>{extra}</Upload>"
        )
    parts.append(_common_prefixes(common_prefixes, enc))
    return document("ListMultipartUploadsResult", "".join(parts))


def parse_delete_objects(body: bytes) -> tuple[list[str], list[str | None], bool]:
    """Delete request of DeleteObjects -> (keys in request order, each one's
    VersionId or None, quiet).

    DeleteObjects reference: Object is required and at most 1000 may be
    given; S3 answers MalformedXML to both violations (as moto and
    floci-io/floci#2201 confirm for zero objects).
    """
    root = parse_root(body, "Delete")
    objects = children(root, "Object")
    if not objects or len(objects) > MAX_DELETE_OBJECTS:
        raise malformed()
    keys = [required_text(obj, "Key") for obj in objects]
    version_ids = [optional_text(obj, "VersionId") for obj in objects]
    quiet_el = child(root, "Quiet")
    quiet = quiet_el is not None and text_of(quiet_el).strip().lower() == "true"
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


def parse_create_bucket(body: bytes) -> str | None:
    """CreateBucketConfiguration -> LocationConstraint, or None (empty body or
    no constraint, meaning us-east-1)."""
    if not body.strip():
        return None
    root = parse_root(body, "CreateBucketConfiguration")
    location = child(root, "LocationConstraint")
    if location is None:
        return None
    return text_of(location).strip() or None


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
    root = parse_root(body, "Tagging")
    tag_set = child(root, "TagSet")
    if tag_set is None:
        raise malformed()
    pairs = [
        (required_text(tag, "Key"), required_text(tag, "Value")) for tag in children(tag_set, "Tag")
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
    root = parse_root(body, "AccessControlPolicy")
    owner = child(root, "Owner")
    owner_id = None
    if owner is not None:
        id_el = child(owner, "ID")
        owner_id = text_of(id_el).strip() if id_el is not None else None
    acl = child(root, "AccessControlList")
    grants: list[Grant] = []
    for grant in children(acl, "Grant") if acl is not None else []:
        grantee = child(grant, "Grantee")
        if grantee is None:
            raise malformed()
        kind = next(
            (v for k, v in grantee.attrib.items() if local_name(k) == "type"),
            "",
        )
        ident = ""
        for name in ("ID", "URI", "EmailAddress"):
            found = child(grantee, name)
            if found is not None:
                ident = text_of(found).strip()
                break
        grants.append(Grant(kind, ident, required_text(grant, "Permission").strip()))
    return owner_id, grants
