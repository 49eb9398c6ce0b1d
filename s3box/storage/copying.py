"""Server-side copies: CopyObject, UploadPartCopy, and the object tagging
operations (a copy of an object onto itself with new tags).

CopyObject stages a directory of hard links to the source's part files
(published directories are immutable, so linking is safe; a byte copy where
the file system refuses links) and publishes it like a PUT. UploadPartCopy
streams a byte range of the source into a part. No HTTP here.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import errno
import os
import shutil
from collections.abc import AsyncIterator, Callable, Sequence

from s3box.records import (
    ChecksumRecord,
    Hasher,
    ObjectFields,
    ObjectMeta,
    PartRecord,
    WriteCondition,
)
from s3box.storage import bucket_ops, diskfull, layout, lookup, multipart
from s3box.storage.bucket import Bucket
from s3box.storage.core import Core
from s3box.storage.errors import ConditionalRequestConflict, NoSuchKey
from s3box.storage.fsutil import write_all
from s3box.storage.publish import Publication, object_meta, publish
from s3box.storage.reader import hash_parts
from s3box.storage.resolver import Found
from s3box.storage.staging import make_staging_dir


async def copy_object(
    core: Core,
    src_bucket: str,
    src_key: str,
    dst_bucket: str,
    dst_key: str,
    *,
    fields: ObjectFields | Callable[[ObjectMeta], ObjectFields] | None,
    check_source: Callable[[ObjectMeta], None] | None = None,
    condition: WriteCondition | None = None,
    recompute_checksum: tuple[str, Hasher] | None = None,
    in_place: bool = False,
) -> ObjectMeta:
    """Server-side copy. Raises NoSuchBucket for the destination bucket
    before looking at the source. fields=None keeps the source's fields
    (metadata directive COPY); a callable derives them from the source's
    metadata; check_source runs on the source's metadata before any data
    moves and may raise. recompute_checksum (algorithm, a fresh hasher):
    hash the bytes of the very version copied and store that FULL_OBJECT
    checksum instead of the source's. Part files are never modified once
    published, so the copy may hard-link them. Copy onto itself with new
    fields republishes the same bytes with the new metadata. in_place (a
    copy onto itself that only changes fields, e.g. tagging) keeps
    Last-Modified and raises ConditionalRequestConflict if the key changed
    since it was read."""
    await bucket_ops.head_bucket(core, dst_bucket)
    async with core.entered(src_bucket) as sb:
        token = core.cache.token()
        src, agrees = await core.run(lookup.lookup_sync, core, sb, src_key, True)
        await lookup.after_lookup(core, sb, src_key, src, agrees, token)
    if src is None:
        raise NoSuchKey(key=src_key)
    try:
        if check_source is not None:
            check_source(src.meta)
        smeta = src.meta
        if callable(fields):
            new_fields = fields(smeta)
        else:
            new_fields = fields if fields is not None else smeta.fields
        if recompute_checksum is not None:
            algorithm, hasher = recompute_checksum
            assert src.fd is not None  # looked up with keep_fd
            # One long step (the whole object): in the bulk pool, which is
            # sized and placed for streaming bodies, not the small-steps pool.
            digest = await asyncio.get_running_loop().run_in_executor(
                core.bulk, hash_parts, src.fd, smeta, src.path, hasher
            )
            value = base64.b64encode(digest).decode("ascii")
            new_fields = dataclasses.replace(
                new_fields, checksum=ChecksumRecord(algorithm, "FULL_OBJECT", value)
            )
        parts = [
            PartRecord(p.number, p.size, p.etag, c, p.last_modified)
            for p, c in zip(smeta.parts, copied_part_checksums(smeta, new_fields), strict=True)
        ]
        copied = src

        def stage(b: Bucket) -> str:
            return link_parts(b.staging_put, b.name, copied, core.options.fsync)

        def make(old: ObjectMeta | None, now: float) -> ObjectMeta:
            if in_place and old is None:
                raise NoSuchKey(key=dst_key)
            if in_place and old is not None and old.seq != smeta.seq:
                raise ConditionalRequestConflict("the object changed while being updated")
            when = smeta.last_modified if in_place else now
            return object_meta(dst_key, new_fields, parts, smeta.etag, old, when)

        pub = Publication(dst_key, make, condition, stage)
        return await diskfull.retrying(core.relieve, lambda: publish(core, dst_bucket, pub))
    finally:
        await core.run(core.close_found, src)


async def put_object_tagging(core: Core, bucket: str, key: str, tags: dict[str, str]) -> ObjectMeta:
    """Replace an object's tags (empty: remove them) without rewriting its
    data: the same part files republished with a new meta.json. ETag and
    Last-Modified stay, as in S3. Raises NoSuchBucket, NoSuchKey."""

    def with_tags(meta: ObjectMeta) -> ObjectFields:
        return dataclasses.replace(meta.fields, tags=dict(tags))

    for attempt in range(3):
        try:
            return await copy_object(
                core, bucket, key, bucket, key, fields=with_tags, in_place=True
            )
        except ConditionalRequestConflict:
            if attempt == 2:  # overwritten three times meanwhile: let the client retry
                raise
    raise AssertionError("unreachable")


async def upload_part_copy(
    core: Core,
    bucket: str,
    key: str,
    upload_id: str,
    part_number: int,
    src_bucket: str,
    src_key: str,
    *,
    check_source: Callable[[ObjectMeta], None] | None,
    byte_range: Callable[[int], tuple[int, int]] | None,
    hashers: Sequence[Hasher],
    verify: Callable[[bytes], ChecksumRecord | None],
) -> PartRecord:
    """UploadPartCopy: bytes of the source object (byte_range(size) gives the
    inclusive first and last offsets; None: all of it) become part
    part_number of the upload, streamed like an UploadPart. check_source
    runs on the source's metadata before any byte moves and may raise."""
    handle = await lookup.get_object(core, src_bucket, src_key, prefetch_limit=0)
    try:
        meta = handle.meta
        if check_source is not None:
            check_source(meta)
        start, end = byte_range(meta.size) if byte_range is not None else (0, meta.size - 1)
        body = handle.iter_range(start, end) if end >= start else _nothing()
        return await multipart.upload_part(
            core, bucket, key, upload_id, part_number, body, hashers=hashers, verify=verify
        )
    finally:
        await handle.close()


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield b""  # an async generator that yields nothing


def link_parts(staging_put: str, bucket: str, src: Found, fsync: bool) -> str:
    """A staging dir holding hard links to the source's part files, taken
    relative to the source's open dir fd (so it is exactly that version).
    Removed again if anything fails (a full disk included)."""
    path = make_staging_dir(staging_put, bucket)
    try:
        for part in src.meta.parts:
            name = layout.part_name(part.number)
            try:
                os.link(name, os.path.join(path, name), src_dir_fd=src.fd)
            except OSError as e:
                if e.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
                    raise
                copy_file(src.fd, name, os.path.join(path, name), fsync)
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise
    return path


def copied_part_checksums(src: ObjectMeta, fields: ObjectFields) -> list[str | None]:
    """Part checksums of a copy: the source's while the algorithm stays; with
    a recomputed checksum the old part values no longer apply (a single part
    takes the new whole-object value)."""
    old, new = src.fields.checksum, fields.checksum
    if (old.algorithm if old else None) == (new.algorithm if new else None):
        return [p.checksum for p in src.parts]
    if new is not None and len(src.parts) == 1 and new.type == "FULL_OBJECT":
        return [new.value]
    return [None for _ in src.parts]


def copy_file(src_dir_fd: int | None, name: str, dst: str, fsync: bool) -> None:
    sfd = os.open(name, os.O_RDONLY | os.O_CLOEXEC, dir_fd=src_dir_fd)
    try:
        dfd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        try:
            while True:
                buf = os.read(sfd, 1 << 20)
                if not buf:
                    break
                write_all(dfd, buf)
            if fsync:
                os.fsync(dfd)
        finally:
            os.close(dfd)
    finally:
        os.close(sfd)
