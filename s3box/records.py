"""Records shared by the wire layer and the storage engine.

Plain typed values: what an object, a part, an upload, a listing row or a
bucket is. No behaviour beyond trivial accessors; nothing here imports from
s3box (protocol and storage both depend on this module, never the reverse).
Their JSON form on disk lives in storage/meta.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

MAX_PART_NUMBER = 10_000  # S3's highest part number (and most parts per upload)


def unquote_etag(value: str) -> str:
    """One entity-tag as sent (W/"abc", "abc" or abc) reduced to abc.

    Weak validators are tolerated: S3 has no weak ETags, so W/"x" can only
    mean the client echoed a proxy's rewrite of our strong "x".
    """
    tag = value.strip()
    if tag[:2] in ("W/", "w/"):
        tag = tag[2:].strip()
    if len(tag) >= 2 and tag[0] == '"' and tag[-1] == '"':
        tag = tag[1:-1]
    return tag


class Hasher(Protocol):
    """hashlib's shape: the checksum and payload hashers the server computes and
    the engine feeds every body byte to, in order, from its worker threads.
    They may be handed the filled buffer itself (a bytearray no one writes to
    any more), so they must not keep a reference to it."""

    def update(self, data: bytes | bytearray | memoryview, /) -> None: ...

    def digest(self) -> bytes: ...


@dataclass(slots=True)
class ChecksumRecord:
    """A flexible checksum of an object or part.

    algorithm: CRC32 | CRC32C | CRC64NVME | SHA1 | SHA256
    type: FULL_OBJECT | COMPOSITE
    value: base64 of the big-endian digest (COMPOSITE object values end in -N)
    """

    algorithm: str
    type: str
    value: str


@dataclass(slots=True)
class PartRecord:
    """One part of an object (single-part objects have exactly one, number 1).

    etag is the unquoted hex MD5 of the part's bytes. checksum, when present,
    is the part's own checksum value (base64) in the object's algorithm.
    """

    number: int
    size: int
    etag: str
    checksum: str | None = None
    last_modified: float = 0.0


@dataclass(slots=True)
class ObjectFields:
    """What a client chooses about a new object, besides its bytes.

    headers: the standard content headers, lower-case names
      (content-encoding, content-disposition, content-language, cache-control,
      expires), values as sent.
    user_metadata: x-amz-meta-* with the prefix removed, names lower-case.
    """

    content_type: str = "binary/octet-stream"
    headers: dict[str, str] = field(default_factory=dict)
    user_metadata: dict[str, str] = field(default_factory=dict)
    storage_class: str = "STANDARD"
    tags: dict[str, str] = field(default_factory=dict)
    checksum: ChecksumRecord | None = None


@dataclass(slots=True)
class ObjectMeta:
    """Everything meta.json holds about one live object (it names its own key)."""

    key: str
    size: int
    etag: str  # unquoted: hex MD5, or "<hex>-N" for multipart
    last_modified: float  # seconds since the epoch
    fields: ObjectFields
    parts: list[PartRecord]
    seq: int = 0  # publication sequence number, increases on every overwrite


@dataclass(slots=True, frozen=True)
class CorsRule:
    """One CORSRule of a bucket's CORS configuration, as PutBucketCors stored it
    (values kept as sent, in order; matching is protocol/cors.py's)."""

    allowed_origins: tuple[str, ...]
    allowed_methods: tuple[str, ...]
    allowed_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age_seconds: int | None = None
    id: str | None = None


@dataclass(slots=True)
class BucketInfo:
    name: str
    creation_date: float
    # The bucket's CORS rules (PutBucketCors), None when it has none.
    cors: tuple[CorsRule, ...] | None = None


@dataclass(slots=True, frozen=True)
class ListEntry:
    """One row of a listing: exactly the fields the SQLite index keeps (its
    row of the key), so a lookup can compare the row with the object."""

    key: str
    size: int
    etag: str
    last_modified: float
    storage_class: str = "STANDARD"
    checksum_algorithm: str | None = None
    checksum_type: str | None = None


@dataclass(slots=True)
class ListPage:
    """A page of a listing in key order (binary UTF-8 order).

    next_marker is the last key or common prefix returned when is_truncated,
    else None; passing it back as `marker` continues without repeating.
    """

    entries: list[ListEntry]
    common_prefixes: list[str]
    is_truncated: bool
    next_marker: str | None


@dataclass(slots=True)
class WriteCondition:
    """Conditional write (If-None-Match: * / If-Match: etag), checked at publish
    time under the key's lock."""

    if_none_match_star: bool = False
    if_match: str | None = None  # unquoted ETag


@dataclass(slots=True)
class DeleteResult:
    key: str
    error_code: str | None = None
    error_message: str | None = None


@dataclass(slots=True)
class UploadInfo:
    """An in-progress multipart upload: the engine's record, and what
    ListMultipartUploads lists (key, upload id, initiated, fields.storage_class).

    fields.checksum, when set, names the algorithm and type the client chose
    at CreateMultipartUpload (its value is empty until completion)."""

    upload_id: str
    key: str
    initiated: float
    fields: ObjectFields


@dataclass(slots=True)
class UploadsPage:
    """A page of ListMultipartUploads: uploads by (key bytes, initiated), with
    keys sharing prefix+...+delimiter rolled up into common prefixes.

    next_key_marker / next_upload_id_marker continue the listing when
    is_truncated (the upload id is None after a common prefix)."""

    uploads: list[UploadInfo]
    common_prefixes: list[str]
    is_truncated: bool
    next_key_marker: str | None
    next_upload_id_marker: str | None
