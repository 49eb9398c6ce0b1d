"""Multipart uploads: CreateMultipartUpload, UploadPart, ListParts,
ListMultipartUploads, CompleteMultipartUpload, AbortMultipartUpload, and
their files in staging/multipart/<upload_id>/.

upload.json names the key and fields; each part's bytes go to a uniquely named
data file, and part-<N>.json (replaced atomically) says which data file is
part N now, so a re-uploaded part never tears. Completion hard-links the chosen
data files into a new object directory (no data is copied) and publishes it
like a PUT. Operations on one upload hold its lock. No HTTP here.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
from collections.abc import AsyncIterable, Callable, Sequence
from functools import partial

from s3box.records import (
    MAX_PART_NUMBER,
    ChecksumRecord,
    Hasher,
    ObjectFields,
    ObjectMeta,
    PartRecord,
    UploadInfo,
    UploadsPage,
    WriteCondition,
    unquote_etag,
)
from s3box.storage import diskfull, faults, layout, paging
from s3box.storage.bucket import Bucket
from s3box.storage.core import Core
from s3box.storage.errors import (
    EntityTooSmall,
    InvalidArgument,
    InvalidPart,
    InvalidPartOrder,
    NoSuchBucket,
    NoSuchUpload,
)
from s3box.storage.fsutil import fsync_dir, new_id, read_file, unique_name, write_file
from s3box.storage.meta import StagedPart, upload_from_json, upload_to_json
from s3box.storage.publish import Publication, object_meta, publish, staged_write
from s3box.storage.staging import create_file, make_staging_dir

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


def _create(staging_multipart: str, key: str, fields: ObjectFields, now: float, fsync: bool) -> str:
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


def staged_parts(path: str) -> list[StagedPart]:
    """The committed parts in the upload directory, by number."""
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


def _list_uploads(staging_multipart: str, prefix: str) -> list[UploadInfo]:
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


def _link_into(upload_path: str, chosen: Sequence[StagedPart], obj_dir: str) -> None:
    """Hard-link the chosen data files into obj_dir as part.1..part.N (the
    upload keeps its names, so a failed publish leaves the upload intact)."""
    for i, p in enumerate(chosen, start=1):
        os.link(os.path.join(upload_path, p.file), os.path.join(obj_dir, layout.part_name(i)))


# ---- the operations ----
def _lock(bucket: str, upload_id: str) -> tuple[str, str, str]:
    return ("upload", bucket, upload_id)


async def create_multipart_upload(core: Core, bucket: str, key: str, fields: ObjectFields) -> str:
    """Start an upload; returns its id (unguessable, safe as a dir name)."""
    async with core.entered(bucket) as b:
        try:
            return await core.run(
                core.space.call,
                _create,
                b.staging_multipart,
                key,
                fields,
                core.clock(),
                core.options.fsync,
            )
        except FileNotFoundError:
            raise NoSuchBucket(bucket=bucket) from None


async def get_upload(core: Core, bucket: str, key: str, upload_id: str) -> UploadInfo:
    """The upload of key with that id. Raises NoSuchBucket, NoSuchUpload."""
    b = core.bucket(bucket)
    return await core.run(load, b.staging_multipart, upload_id, key)


async def list_parts(
    core: Core, bucket: str, key: str, upload_id: str
) -> tuple[UploadInfo, list[PartRecord]]:
    """The upload and its committed parts by number. Raises NoSuchUpload."""
    b = core.bucket(bucket)
    return await core.run(_list_parts_sync, b, key, upload_id)


def _list_parts_sync(b: Bucket, key: str, upload_id: str) -> tuple[UploadInfo, list[PartRecord]]:
    info = load(b.staging_multipart, upload_id, key)
    path = upload_dir(b.staging_multipart, upload_id)
    return info, [p.part for p in staged_parts(path)]


async def list_multipart_uploads(
    core: Core,
    bucket: str,
    *,
    prefix: str,
    delimiter: str,
    key_marker: str,
    upload_id_marker: str,
    max_uploads: int,
) -> UploadsPage:
    """One page of in-progress uploads whose key starts with prefix, by key
    (binary UTF-8) then initiation time, rolled up at delimiter."""
    b = core.bucket(bucket)
    uploads = await core.run(_list_uploads, b.staging_multipart, prefix)
    return paging.page_uploads(
        uploads,
        prefix=prefix,
        delimiter=delimiter,
        key_marker=key_marker,
        upload_id_marker=upload_id_marker,
        max_uploads=max_uploads,
    )


async def upload_part(
    core: Core,
    bucket: str,
    key: str,
    upload_id: str,
    part_number: int,
    body: AsyncIterable[bytes],
    *,
    hashers: Sequence[Hasher],
    verify: Callable[[bytes], ChecksumRecord | None],
) -> PartRecord:
    """Stream `body` into a fresh data file of the upload through the hashers,
    verify it (verify(md5 digest) returns the part's checksum, None for none,
    or raises),
    then make it part `part_number`, atomically replacing any earlier upload
    of that number. On any failure the data file is removed. Raises
    NoSuchUpload, InvalidArgument (part number)."""
    b = core.bucket(bucket)
    path, name, fd = await core.run(_open_part_sync, b, key, upload_id, part_number)
    staged = staged_write(core, bucket, key, path, name, fd, hashers, owns_dir=False)
    try:
        async for piece in body:
            await staged.write(piece)
        result = await staged.finish()
        record = verify(bytes.fromhex(result.md5_hex))
        checksum = record.value if record is not None else None
        part = PartRecord(part_number, result.size, result.md5_hex, checksum, core.clock())
        async with core.locks.hold(_lock(bucket, upload_id)):
            await core.run(
                core.space.call,
                _commit_part_sync,
                b,
                key,
                upload_id,
                part,
                name,
                core.options.fsync,
            )
        return part
    except BaseException:
        await staged.abort()
        raise


def _open_part_sync(b: Bucket, key: str, upload_id: str, part_number: int) -> tuple[str, str, int]:
    if not 1 <= part_number <= MAX_PART_NUMBER:
        raise InvalidArgument("part number must be 1..10000")
    load(b.staging_multipart, upload_id, key)
    path = upload_dir(b.staging_multipart, upload_id)
    name = part_file_name(part_number)
    try:
        fd = create_file(os.path.join(path, name))
    except FileNotFoundError:
        raise NoSuchUpload(upload_id=upload_id) from None
    return path, name, fd


def _commit_part_sync(
    b: Bucket, key: str, upload_id: str, part: PartRecord, file: str, fsync: bool
) -> None:
    load(b.staging_multipart, upload_id, key)
    commit_part(upload_dir(b.staging_multipart, upload_id), part, file, fsync)


async def complete_multipart_upload(
    core: Core,
    bucket: str,
    key: str,
    upload_id: str,
    parts: Sequence[tuple[int, str]],
    condition: WriteCondition | None,
    *,
    checksum: ChecksumRecord | None,
    min_part_size: int,
) -> ObjectMeta:
    """Publish the named parts as the object: their data files are linked
    into a new object directory as part.1..part.N (no data copy), meta.json
    gets ETag md5(concat(part MD5s))-N, and the directory is published like
    a PUT. checksum (computed by the caller) replaces the upload's. The
    upload disappears on success and is left intact on any error."""
    async with core.locks.hold(_lock(bucket, upload_id)):
        b = core.bucket(bucket)
        # Under the upload's lock no part changes, so what is chosen here is
        # what stage() links.
        info, chosen = await core.run(_choose_sync, b, key, upload_id, parts, min_part_size)
        records = [
            PartRecord(i, p.part.size, p.part.etag, p.part.checksum)
            for i, p in enumerate(chosen, start=1)
        ]
        fields = info.fields
        if checksum is not None:
            fields = dataclasses.replace(fields, checksum=checksum)
        make = partial(object_meta, key, fields, records, multipart_etag(records))
        upath = upload_dir(b.staging_multipart, upload_id)

        def stage(b: Bucket) -> str:
            obj = make_staging_dir(b.staging_put, b.name)
            try:
                _link_into(upath, chosen, obj)
                faults.hit("complete.after_link")
            except BaseException:
                shutil.rmtree(obj, ignore_errors=True)
                raise
            return obj

        pub = Publication(key, make, condition, stage)
        meta = await diskfull.retrying(core.relieve, lambda: publish(core, bucket, pub))
        faults.hit("complete.before_retire")
        await core.run(_retire_upload_sync, core, b, upload_id)
    return meta


def _choose_sync(
    b: Bucket, key: str, upload_id: str, parts: Sequence[tuple[int, str]], min_part_size: int
) -> tuple[UploadInfo, list[StagedPart]]:
    info = load(b.staging_multipart, upload_id, key)
    upath = upload_dir(b.staging_multipart, upload_id)
    return info, choose_parts(staged_parts(upath), parts, min_part_size)


async def abort_multipart_upload(core: Core, bucket: str, key: str, upload_id: str) -> None:
    """Discard the upload and its parts. Raises NoSuchUpload."""
    b = core.bucket(bucket)
    async with core.locks.hold(_lock(bucket, upload_id)):
        await core.run(_abort_upload_sync, core, b, key, upload_id)


def _abort_upload_sync(core: Core, b: Bucket, key: str, upload_id: str) -> None:
    load(b.staging_multipart, upload_id, key)
    _retire_upload_sync(core, b, upload_id)


def _retire_upload_sync(core: Core, b: Bucket, upload_id: str) -> None:
    """Move the upload dir into trash (atomic: it vanishes from listings);
    maintenance deletes it. Its data files are linked from the object."""
    path = upload_dir(b.staging_multipart, upload_id)
    dst = os.path.join(b.trash, unique_name())
    try:
        core.space.call(os.rename, path, dst)
    except FileNotFoundError:
        raise NoSuchUpload(upload_id=upload_id) from None
    b.trash_count.add(dst)
