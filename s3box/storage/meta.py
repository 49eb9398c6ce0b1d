"""The JSON form of the engine's records on disk (meta.json, upload.json,
part-N.json, bucket.json), and the engine-private records that have one.

The records themselves are in s3box/records.py. No HTTP here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from s3box.records import (
    BucketInfo,
    ChecksumRecord,
    CorsRule,
    ObjectFields,
    ObjectMeta,
    PartRecord,
    UploadInfo,
)

STORAGE_VERSION = "v1"


def _dumps(d: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON: the form of every file this module writes."""
    return json.dumps(d, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def listed_checksum(algorithm: Any, type_: Any) -> tuple[str | None, str | None]:
    """The checksum algorithm and type a listing shows for an object: both, when
    both are strings (a hand-edited meta.json may hold anything), else neither."""
    if type(algorithm) is str and type(type_) is str:
        return algorithm, type_
    return None, None


def checksum_to_dict(c: ChecksumRecord) -> dict[str, str]:
    return {"algorithm": c.algorithm, "type": c.type, "value": c.value}


def checksum_from_dict(d: dict[str, Any]) -> ChecksumRecord:
    return ChecksumRecord(algorithm=d["algorithm"], type=d["type"], value=d["value"])


def part_to_dict(p: PartRecord) -> dict[str, Any]:
    d: dict[str, Any] = {"number": p.number, "size": p.size, "etag": p.etag}
    if p.checksum is not None:
        d["checksum"] = p.checksum
    if p.last_modified:
        d["last_modified"] = p.last_modified
    return d


def part_from_dict(d: dict[str, Any]) -> PartRecord:
    return PartRecord(
        number=int(d["number"]),
        size=int(d["size"]),
        etag=str(d["etag"]),
        checksum=d.get("checksum"),
        last_modified=float(d.get("last_modified", 0.0)),
    )


def fields_to_dict(f: ObjectFields) -> dict[str, Any]:
    return {
        "content_type": f.content_type,
        "headers": f.headers,
        "user_metadata": f.user_metadata,
        "storage_class": f.storage_class,
        "tags": f.tags,
        "checksum": checksum_to_dict(f.checksum) if f.checksum else None,
    }


def fields_from_dict(d: dict[str, Any]) -> ObjectFields:
    checksum = d.get("checksum")
    return ObjectFields(
        content_type=d.get("content_type") or "binary/octet-stream",
        headers=dict(d.get("headers") or {}),
        user_metadata=dict(d.get("user_metadata") or {}),
        storage_class=d.get("storage_class") or "STANDARD",
        tags=dict(d.get("tags") or {}),
        checksum=checksum_from_dict(checksum) if checksum else None,
    )


def meta_to_json(meta: ObjectMeta) -> bytes:
    """meta.json: the object's fields at the top level, next to its parts."""
    d: dict[str, Any] = {
        "key": meta.key,
        "size": meta.size,
        "etag": meta.etag,
        "last_modified": meta.last_modified,
        "seq": meta.seq,
        **fields_to_dict(meta.fields),
        "parts": [part_to_dict(p) for p in meta.parts],
        "storage_version": STORAGE_VERSION,
    }
    return _dumps(d)


def meta_from_json(data: bytes) -> ObjectMeta:
    d = json.loads(data)
    return ObjectMeta(
        key=d["key"],
        size=int(d["size"]),
        etag=str(d["etag"]),
        last_modified=float(d["last_modified"]),
        fields=fields_from_dict(d),
        parts=[part_from_dict(p) for p in d.get("parts", [])],
        seq=int(d.get("seq", 0)),
    )


def bucket_json(info: BucketInfo) -> bytes:
    """bucket.json: the bucket's name, creation time and storage_version, and its
    CORS rules ("cors") when it has any."""
    d: dict[str, Any] = {
        "name": info.name,
        "creation_date": info.creation_date,
        "storage_version": STORAGE_VERSION,
    }
    if info.cors is not None:
        d["cors"] = [cors_rule_to_dict(rule) for rule in info.cors]
    return _dumps(d)


def bucket_from_json(name: str, data: bytes) -> BucketInfo:
    d = json.loads(data)
    created = d.get("creation_date", d.get("created", 0.0))
    rules = d.get("cors")
    cors = None if rules is None else tuple(cors_rule_from_dict(r) for r in rules)
    return BucketInfo(name=name, creation_date=float(created), cors=cors)


def cors_rule_to_dict(rule: CorsRule) -> dict[str, Any]:
    """One CORS rule: the lists always, max_age_seconds and id when set."""
    d: dict[str, Any] = {
        "allowed_origins": list(rule.allowed_origins),
        "allowed_methods": list(rule.allowed_methods),
        "allowed_headers": list(rule.allowed_headers),
        "expose_headers": list(rule.expose_headers),
    }
    if rule.max_age_seconds is not None:
        d["max_age_seconds"] = rule.max_age_seconds
    if rule.id is not None:
        d["id"] = rule.id
    return d


def cors_rule_from_dict(d: dict[str, Any]) -> CorsRule:
    max_age = d.get("max_age_seconds")
    rule_id = d.get("id")
    return CorsRule(
        allowed_origins=tuple(str(v) for v in d.get("allowed_origins", ())),
        allowed_methods=tuple(str(v) for v in d.get("allowed_methods", ())),
        allowed_headers=tuple(str(v) for v in d.get("allowed_headers", ())),
        expose_headers=tuple(str(v) for v in d.get("expose_headers", ())),
        max_age_seconds=None if max_age is None else int(max_age),
        id=None if rule_id is None else str(rule_id),
    )


def upload_to_json(info: UploadInfo) -> bytes:
    """upload.json of staging/multipart/<upload_id>/."""
    d = {
        "upload_id": info.upload_id,
        "key": info.key,
        "initiated": info.initiated,
        "fields": fields_to_dict(info.fields),
        "storage_version": STORAGE_VERSION,
    }
    return _dumps(d)


def upload_from_json(data: bytes) -> UploadInfo:
    d = json.loads(data)
    return UploadInfo(
        upload_id=str(d["upload_id"]),
        key=d["key"],
        initiated=float(d["initiated"]),
        fields=fields_from_dict(d.get("fields") or {}),
    )


@dataclass(slots=True)
class StagedResult:
    size: int
    md5_hex: str


@dataclass(slots=True)
class StagedPart:
    """part-<N>.json of an upload: which data file currently is part N."""

    part: PartRecord
    file: str

    def to_json(self) -> bytes:
        d = part_to_dict(self.part)
        d["file"] = self.file
        return _dumps(d)

    @classmethod
    def from_json(cls, data: bytes) -> StagedPart:
        d = json.loads(data)
        return cls(part=part_from_dict(d), file=str(d["file"]))
