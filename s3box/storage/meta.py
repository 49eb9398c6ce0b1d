"""Metadata records of the storage engine and their JSON form (meta.json).

These are the typed values passed between the engine and the server. No HTTP
here: header names appear only as plain lower-case strings the server chose.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

STORAGE_VERSION = "v1"


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

    def to_dict(self) -> dict[str, str]:
        return {"algorithm": self.algorithm, "type": self.type, "value": self.value}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ChecksumRecord:
        return cls(algorithm=d["algorithm"], type=d["type"], value=d["value"])


def listed_checksum(algorithm: Any, type_: Any) -> tuple[str | None, str | None]:
    """The checksum algorithm and type a listing shows for an object: both, when
    both are strings (a hand-edited meta.json may hold anything), else neither."""
    if type(algorithm) is str and type(type_) is str:
        return algorithm, type_
    return None, None


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

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"number": self.number, "size": self.size, "etag": self.etag}
        if self.checksum is not None:
            d["checksum"] = self.checksum
        if self.last_modified:
            d["last_modified"] = self.last_modified
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PartRecord:
        return cls(
            number=int(d["number"]),
            size=int(d["size"]),
            etag=str(d["etag"]),
            checksum=d.get("checksum"),
            last_modified=float(d.get("last_modified", 0.0)),
        )


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

    def to_json(self) -> bytes:
        f = self.fields
        d: dict[str, Any] = {
            "key": self.key,
            "size": self.size,
            "etag": self.etag,
            "last_modified": self.last_modified,
            "seq": self.seq,
            "content_type": f.content_type,
            "headers": f.headers,
            "user_metadata": f.user_metadata,
            "storage_class": f.storage_class,
            "tags": f.tags,
            "checksum": f.checksum.to_dict() if f.checksum else None,
            "parts": [p.to_dict() for p in self.parts],
            "storage_version": STORAGE_VERSION,
        }
        return json.dumps(d, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> ObjectMeta:
        d = json.loads(data)
        checksum = d.get("checksum")
        fields = ObjectFields(
            content_type=d.get("content_type") or "binary/octet-stream",
            headers=dict(d.get("headers") or {}),
            user_metadata=dict(d.get("user_metadata") or {}),
            storage_class=d.get("storage_class") or "STANDARD",
            tags=dict(d.get("tags") or {}),
            checksum=ChecksumRecord.from_dict(checksum) if checksum else None,
        )
        return cls(
            key=d["key"],
            size=int(d["size"]),
            etag=str(d["etag"]),
            last_modified=float(d["last_modified"]),
            fields=fields,
            parts=[PartRecord.from_dict(p) for p in d.get("parts", [])],
            seq=int(d.get("seq", 0)),
        )


@dataclass(slots=True)
class BucketInfo:
    name: str
    creation_date: float


@dataclass(slots=True)
class ListEntry:
    """One row of a listing: exactly the fields SQLite keeps."""

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
class StagedResult:
    size: int
    md5_hex: str


def bucket_json(info: BucketInfo) -> bytes:
    """bucket.json: the bucket's name, creation time and storage_version."""
    d = {"name": info.name, "creation_date": info.creation_date, "storage_version": STORAGE_VERSION}
    return json.dumps(d, separators=(",", ":")).encode("utf-8")


def bucket_from_json(name: str, data: bytes) -> BucketInfo:
    d = json.loads(data)
    created = d.get("creation_date", d.get("created", 0.0))
    return BucketInfo(name=name, creation_date=float(created))


def fields_to_dict(f: ObjectFields) -> dict[str, Any]:
    return {
        "content_type": f.content_type,
        "headers": f.headers,
        "user_metadata": f.user_metadata,
        "storage_class": f.storage_class,
        "tags": f.tags,
        "checksum": f.checksum.to_dict() if f.checksum else None,
    }


def fields_from_dict(d: dict[str, Any]) -> ObjectFields:
    checksum = d.get("checksum")
    return ObjectFields(
        content_type=d.get("content_type") or "binary/octet-stream",
        headers=dict(d.get("headers") or {}),
        user_metadata=dict(d.get("user_metadata") or {}),
        storage_class=d.get("storage_class") or "STANDARD",
        tags=dict(d.get("tags") or {}),
        checksum=ChecksumRecord.from_dict(checksum) if checksum else None,
    )


@dataclass(slots=True)
class UploadInfo:
    """An in-progress multipart upload: staging/multipart/<upload_id>/upload.json.

    fields.checksum, when set, names the algorithm and type the client chose
    at CreateMultipartUpload (its value is empty until completion)."""

    upload_id: str
    key: str
    initiated: float
    fields: ObjectFields

    def to_json(self) -> bytes:
        d = {
            "upload_id": self.upload_id,
            "key": self.key,
            "initiated": self.initiated,
            "fields": fields_to_dict(self.fields),
            "storage_version": STORAGE_VERSION,
        }
        return json.dumps(d, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> UploadInfo:
        d = json.loads(data)
        return cls(
            upload_id=str(d["upload_id"]),
            key=d["key"],
            initiated=float(d["initiated"]),
            fields=fields_from_dict(d.get("fields") or {}),
        )


@dataclass(slots=True)
class StagedPart:
    """part-<N>.json of an upload: which data file currently is part N."""

    part: PartRecord
    file: str

    def to_json(self) -> bytes:
        d = self.part.to_dict()
        d["file"] = self.file
        return json.dumps(d, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> StagedPart:
        d = json.loads(data)
        return cls(part=PartRecord.from_dict(d), file=str(d["file"]))
