"""Writing objects: PutObject's body into staging, and the one publish step
every write ends in (PUT, copy, tagging, multipart completion).

A publication stages a complete object directory under staging/put/, then,
under the key's lock and in one worker-thread step, checks the write
condition, writes meta.json, commits the index row with a repair row, and
swaps the directory in (renameat2 RENAME_EXCHANGE over an old version, so the
key is never absent). No HTTP here.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from collections.abc import AsyncIterable, Callable, Sequence
from dataclasses import dataclass
from functools import partial

from s3box.records import (
    ChecksumRecord,
    Hasher,
    ObjectFields,
    ObjectMeta,
    PartRecord,
    WriteCondition,
    unquote_etag,
)
from s3box.storage import bucket_ops, diskfull, faults, layout, resolver, trash
from s3box.storage.bucket import Bucket
from s3box.storage.cache import CachedObject
from s3box.storage.core import Core, row_of
from s3box.storage.errors import NoSuchBucket, NoSuchKey, PreconditionFailed, StorageError
from s3box.storage.fsutil import (
    fsync_dir,
    makedirs_tracked,
    rename_exchange,
    rename_noreplace,
    unique_name,
    write_file,
)
from s3box.storage.index import BucketIndex
from s3box.storage.lookup import found_from_hint, reconcile_sync
from s3box.storage.meta import meta_to_json
from s3box.storage.resolver import Found
from s3box.storage.staging import FileStagedWrite, create_file, make_staging_dir

# A PutObject of at most this many declared bytes is taken whole and published
# in one engine step; larger or undeclared bodies stream through staging.
SMALL_PUT_LIMIT = 256 * 1024

# The new object's metadata from the key's current one (None: absent) and the
# publication time.
Make = Callable[[ObjectMeta | None, float], ObjectMeta]


def object_meta(
    key: str,
    fields: ObjectFields,
    parts: list[PartRecord],
    etag: str,
    old: ObjectMeta | None,
    now: float,
) -> ObjectMeta:
    """The metadata of a new version of key (bind the first four for a Make)."""
    return ObjectMeta(
        key=key,
        size=sum(p.size for p in parts),
        etag=etag,
        last_modified=now,
        fields=fields,
        parts=parts,
        seq=old.seq + 1 if old else 1,
    )


def single_part(key: str, size: int, md5_hex: str, fields: ObjectFields) -> Make:
    """The Make of a PutObject body: one part, ETag its MD5."""
    checksum = fields.checksum.value if fields.checksum is not None else None
    return partial(object_meta, key, fields, [PartRecord(1, size, md5_hex, checksum)], md5_hex)


@dataclass(slots=True)
class Publication:
    """One object about to be published.

    stage builds (or names) the complete staging directory, in the worker
    step; owns_staging says whether a failed publish removes it (a streamed
    PUT keeps its body staged for a retry, then aborts it itself)."""

    key: str
    make: Make
    condition: WriteCondition | None
    stage: Callable[[Bucket], str]
    owns_staging: bool = True


def check_condition(condition: WriteCondition | None, old: ObjectMeta | None) -> None:
    """Conditional writes, evaluated under the key's lock at publish time.
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html"""
    if condition is None:
        return
    if condition.if_none_match_star and old is not None:
        raise PreconditionFailed("If-None-Match: * but the key exists")
    if condition.if_match is not None:
        if old is None:
            raise NoSuchKey("If-Match on a key that does not exist")
        want = unquote_etag(condition.if_match)
        if want != "*" and want != old.etag:
            raise PreconditionFailed("If-Match does not match the current ETag")


async def put_object(
    core: Core,
    bucket: str,
    key: str,
    body: AsyncIterable[bytes],
    *,
    size: int | None,
    fields: ObjectFields,
    condition: WriteCondition | None,
    hashers: Sequence[Hasher],
    verify: Callable[[bytes], ChecksumRecord | None],
) -> ObjectMeta:
    """PutObject. A body declared at most SMALL_PUT_LIMIT bytes is read whole
    (after the bucket is known to exist), hashed and published in one worker
    step; any other streams into staging through the hashers in worker
    threads. verify(md5 digest) runs once the body is complete and returns
    the checksum to store (None: none; it raises for a bad digest). On any failure the
    staged body is removed, here and only here."""
    if size is not None and size <= SMALL_PUT_LIMIT:
        await bucket_ops.head_bucket(core, bucket)  # NoSuchBucket before reading the body
        data = b"".join([chunk async for chunk in body])
        md5 = hashlib.md5(data)
        for h in hashers:
            h.update(data)
        fields.checksum = verify(md5.digest())
        return await put_bytes(core, bucket, key, data, md5.hexdigest(), fields, condition)
    staged = await open_put(core, bucket, key, hashers)
    try:
        async for piece in body:
            await staged.write(piece)
        result = await staged.finish()
        fields.checksum = verify(bytes.fromhex(result.md5_hex))
        return await publish_staged(core, staged, fields, condition)
    except BaseException:
        await staged.abort()
        raise


async def open_put(
    core: Core, bucket: str, key: str, hashers: Sequence[Hasher] = ()
) -> FileStagedWrite:
    """A streamed body into a fresh staging dir (part.1). Raises NoSuchBucket."""
    b = core.bucket(bucket)
    path, fd = await core.run(_open_staging_sync, b)
    return staged_write(core, bucket, key, path, layout.part_name(1), fd, hashers)


def staged_write(
    core: Core,
    bucket: str,
    key: str,
    path: str,
    name: str,
    fd: int,
    hashers: Sequence[Hasher],
    *,
    owns_dir: bool = True,
) -> FileStagedWrite:
    """A FileStagedWrite into path/name (open as fd) with the engine's
    buffers, bulk threads, fsync and disk-full relief."""
    return FileStagedWrite(
        core.bulk,
        bucket=bucket,
        key=key,
        dir_path=path,
        file_name=name,
        fd=fd,
        hashers=hashers,
        buffer_size=core.options.buffer_size,
        fsync=core.options.fsync,
        owns_dir=owns_dir,
        on_full=core.space.relieve,
    )


def _open_staging_sync(b: Bucket) -> tuple[str, int]:
    path = make_staging_dir(b.staging_put, b.name)
    return path, create_file(os.path.join(path, layout.part_name(1)))


async def publish_staged(
    core: Core, staged: FileStagedWrite, fields: ObjectFields, condition: WriteCondition | None
) -> ObjectMeta:
    """Publish a finished streamed body. A full disk frees the trash and
    publishes again; the staged dir stays for the caller to abort on failure."""
    result = await staged.finish()
    make = single_part(staged.key, result.size, result.md5_hex, fields)
    meta_path = os.path.join(staged.dir_path, layout.META_JSON)

    async def relieve() -> None:  # then publish again (the body is staged)
        await core.relieve()
        await core.run(_unlink_quietly, meta_path)

    pub = Publication(staged.key, make, condition, lambda _b: staged.dir_path, owns_staging=False)
    return await diskfull.retrying(relieve, lambda: publish(core, staged.bucket, pub))


async def put_bytes(
    core: Core,
    bucket: str,
    key: str,
    data: bytes,
    md5_hex: str,
    fields: ObjectFields,
    condition: WriteCondition | None,
) -> ObjectMeta:
    """A small body already in memory and verified: stage, publish and index
    it in one worker-thread step."""

    def stage(b: Bucket) -> str:
        path = make_staging_dir(b.staging_put, b.name)
        try:
            write_file(os.path.join(path, layout.part_name(1)), data, fsync=core.options.fsync)
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        return path

    pub = Publication(key, single_part(key, len(data), md5_hex, fields), condition, stage)
    return await diskfull.retrying(core.relieve, lambda: publish(core, bucket, pub))


async def publish(core: Core, bucket: str, pub: Publication) -> ObjectMeta:
    """Under the key's lock, in one worker step: stage, check the condition,
    write meta.json, publish, index; then record the new version in the cache."""
    ck = (bucket, pub.key)
    async with core.entered(bucket) as b, core.locks.hold(ck):
        hint = core.cache.get(ck)
        found = await core.run(publish_sync, core, b, pub, hint)
        core.cache.set(ck, CachedObject(found.meta, found.path, found.ino))
        core.repaired.discard(ck)
        core.trash_added(b)
        return found.meta


def publish_sync(core: Core, b: Bucket, pub: Publication, hint: CachedObject | None) -> Found:
    """The worker step of publish: returns the published directory."""
    staged: str | None = pub.stage(b)
    assert staged is not None
    key = pub.key
    faults.hit("publish.staged")
    try:
        leaf, h = core.leaf(b, key)
        old = found_from_hint(hint) or resolver.find(leaf, h, key)
        check_condition(pub.condition, old.meta if old else None)
        meta = pub.make(old.meta if old else None, core.clock())
        fsync = core.options.fsync
        try:
            write_file(os.path.join(staged, layout.META_JSON), meta_to_json(meta), fsync=fsync)
        except FileNotFoundError:
            raise NoSuchBucket(bucket=b.name) from None
        if fsync:
            fsync_dir(staged)
        faults.hit("publish.after_meta")
        idx = b.index()
        row = row_of(meta)

        def intent(c: sqlite3.Connection) -> None:
            # One commit before the rename: the listing row and the repair
            # row that lets startup/maintenance reconcile the key if the
            # process dies before the rename lands. The repair row is
            # cleared lazily by the next write transaction.
            BucketIndex.upsert(c, row)
            BucketIndex.add_repair(c, (key,), meta.last_modified)

        idx.write(intent)
        faults.hit("publish.after_repair_row")
        try:
            live = swap_in(core, b, leaf, h, staged, old)
        except BaseException:
            reconcile_sync(core, b, [key])  # the row went ahead: put it back
            raise
        faults.hit("publish.after_rename")
        staged = None  # published: nothing to clean up any more
        ino = os.stat(live).st_ino
        idx.defer_clear_repair((key,))
        faults.hit("publish.before_ack")
        return Found(live, meta, ino)
    finally:
        if staged is not None and pub.owns_staging:
            shutil.rmtree(staged, ignore_errors=True)


def swap_in(core: Core, b: Bucket, leaf: str, h: str, staged: str, old: Found | None) -> str:
    """Make `staged` the key's live directory; returns its path.

    Overwrite: renameat2(RENAME_EXCHANGE) swaps the staged and live
    directories in one step, so the key is never absent, even across a
    crash; the old object, now at the staged path, then moves to trash.
    Without RENAME_EXCHANGE: rename live -> trash, then staged -> live (a
    crash in between leaves the key absent until the repair row is
    processed; see docs/storage.md)."""
    fsync = core.options.fsync
    if old is not None:
        trash_dir = os.path.join(b.trash, unique_name())
        b.trash_count.add(trash_dir, old.meta.size)
        if rename_exchange(staged, old.path):
            faults.hit("overwrite.after_exchange")
            try:  # published already: a full disk must not fail the PUT now
                core.space.call(os.rename, staged, trash_dir)
            except StorageError:
                trash.remove(staged, core.guard)
        else:
            os.rename(old.path, trash_dir)
            faults.hit("overwrite.fallback_after_trash")
            try:
                os.rename(staged, old.path)
            except BaseException:
                os.rename(trash_dir, old.path)  # put the old object back
                raise
        if fsync:
            fsync_dir(leaf)
            fsync_dir(b.trash)
            fsync_dir(os.path.dirname(staged))
        return old.path
    created = makedirs_tracked(leaf)
    name = layout.base_name(h) if created else resolver.allocate(leaf, h)
    while True:
        live = os.path.join(leaf, name)
        try:
            rename_noreplace(staged, live)
            break
        except FileExistsError:
            # Another key with the same 6 digits won the name: pick again.
            name = resolver.allocate(leaf, h)
    if fsync:
        fsync_dir(leaf)
        for d in created:
            fsync_dir(os.path.dirname(d))
        fsync_dir(os.path.dirname(staged))
    return live


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
