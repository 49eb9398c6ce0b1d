"""Multipart uploads on disk: staging/multipart/<upload_id>/.

upload.json names the key and fields; each part's bytes go to a uniquely named
data file, and part-<N>.json (replaced atomically) says which data file is
part N now, so a re-uploaded part never tears. Completion hard-links the chosen
data files into a new object directory; no data is copied. Blocking file I/O
for worker threads; no SQLite, no HTTP.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence

from s3box.records import ObjectFields, PartRecord, UploadInfo, unquote_etag
from s3box.storage import layout
from s3box.storage.errors import (
    EntityTooSmall,
    InvalidPart,
    InvalidPartOrder,
    NoSuchUpload,
)
from s3box.storage.fsutil import fsync_dir, new_id, read_file, unique_name, write_file
from s3box.storage.meta import StagedPart, upload_from_json, upload_to_json

UPLOAD_JSON = "upload.json"
MIN_PART_SIZE = 5 * 1024 * 1024
_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
_PART_JSON = re.compile(r"part-([0-9]+)\.json")


def upload_dir(staging_multipart: str, upload_id: str) -> str:
    """The upload's directory; NoSuchUpload for anything that is not an id we
    could have made (so an id can never walk out of staging)."""
    if not _UPLOAD_ID.fullmatch(upload_id):
        raise NoSuchUpload(upload_id=upload_id)
    return os.path.join(staging_multipart, upload_id)


def create(staging_multipart: str, key: str, fields: ObjectFields, now: float, fsync: bool) -> str:
    upload_id = new_id()
    path = os.path.join(staging_multipart, upload_id)
    os.mkdir(path)
    info = UploadInfo(upload_id=upload_id, key=key, initiated=now, fields=fields)
    try:
        write_file(os.path.join(path, UPLOAD_JSON), upload_to_json(info), fsync=fsync)
    except BaseException:
        os.rmdir(path)  # write_file removed its partial file
        raise
    if fsync:
        fsync_dir(path)
        fsync_dir(staging_multipart)
    return upload_id


def load(staging_multipart: str, upload_id: str, key: str | None) -> UploadInfo:
    path = upload_dir(staging_multipart, upload_id)
    try:
        info = upload_from_json(read_file(os.path.join(path, UPLOAD_JSON)))
    except (FileNotFoundError, NotADirectoryError, ValueError, KeyError):
        raise NoSuchUpload(upload_id=upload_id) from None
    if key is not None and info.key != key:
        raise NoSuchUpload(upload_id=upload_id)
    return info


def part_file_name(number: int) -> str:
    """A fresh data file name for an attempt at part `number`."""
    return f"data-{number}-{unique_name()}"


def commit_part(path: str, part: PartRecord, file: str, fsync: bool) -> None:
    """Make `file` part N: atomically replace part-N.json, then drop the data
    file it named before (if any)."""
    final = os.path.join(path, f"part-{part.number}.json")
    old: str | None = None
    try:
        old = StagedPart.from_json(read_file(final)).file
    except (FileNotFoundError, ValueError, KeyError):
        pass
    tmp = os.path.join(path, f"tmp-{unique_name()}.json")
    write_file(tmp, StagedPart(part, file).to_json(), fsync=fsync)
    os.replace(tmp, final)
    if fsync:
        fsync_dir(path)
    if old is not None and old != file:
        try:
            os.unlink(os.path.join(path, old))
        except FileNotFoundError:
            pass


def list_parts(path: str) -> list[StagedPart]:
    parts: list[StagedPart] = []
    for name in os.listdir(path):
        if not _PART_JSON.fullmatch(name):
            continue
        try:
            parts.append(StagedPart.from_json(read_file(os.path.join(path, name))))
        except (FileNotFoundError, ValueError, KeyError):
            continue
    parts.sort(key=lambda p: p.part.number)
    return parts


def list_uploads(staging_multipart: str, prefix: str = "") -> list[UploadInfo]:
    """Every readable upload whose key starts with prefix, by (key bytes,
    initiated)."""
    out: list[UploadInfo] = []
    try:
        names = os.listdir(staging_multipart)
    except FileNotFoundError:
        return out
    for name in names:
        if not _UPLOAD_ID.fullmatch(name):
            continue
        try:
            info = load(staging_multipart, name, None)
        except NoSuchUpload:
            continue
        if info.key.startswith(prefix):
            out.append(info)
    out.sort(key=lambda u: (u.key.encode("utf-8"), u.initiated))
    return out


def choose_parts(
    staged: Sequence[StagedPart],
    requested: Sequence[tuple[int, str]],
    min_part_size: int,
) -> list[StagedPart]:
    """The staged parts a CompleteMultipartUpload names, validated as S3 does:
    ascending numbers (InvalidPartOrder), each uploaded with that ETag
    (InvalidPart), every part but the last >= 5 MiB (EntityTooSmall).
    https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html"""
    if not requested:
        raise InvalidPart("CompleteMultipartUpload must name at least one part")
    by_number = {p.part.number: p for p in staged}
    chosen: list[StagedPart] = []
    last = 0
    for number, etag in requested:
        if number <= last:
            raise InvalidPartOrder("parts must be listed in ascending order")
        last = number
        got = by_number.get(number)
        if got is None or got.part.etag != unquote_etag(etag).lower():
            raise InvalidPart(f"part {number} was not uploaded with that ETag")
        chosen.append(got)
    for p in chosen[:-1]:
        if p.part.size < min_part_size:
            raise EntityTooSmall(f"part {p.part.number} is smaller than the minimum")
    return chosen


def multipart_etag(parts: Sequence[PartRecord]) -> str:
    """md5 of the concatenated binary part MD5s, then "-N"."""
    digest = hashlib.md5(b"".join(bytes.fromhex(p.etag) for p in parts)).hexdigest()
    return f"{digest}-{len(parts)}"


def link_into(upload_path: str, chosen: Sequence[StagedPart], obj_dir: str) -> list[PartRecord]:
    """Hard-link the chosen data files into obj_dir as part.1..part.N (the
    upload keeps its names, so a failed publish leaves the upload intact)."""
    records: list[PartRecord] = []
    for i, p in enumerate(chosen, start=1):
        os.link(os.path.join(upload_path, p.file), os.path.join(obj_dir, layout.part_name(i)))
        records.append(PartRecord(i, p.part.size, p.part.etag, p.part.checksum))
    return records
