"""The storage engine's public API: one async method per S3 operation.

Knows buckets, objects, the v1 on-disk layout, the SQLite index, the metadata
cache and per-key locks. Never HTTP, XML or auth: callers pass plain values
and get records from `s3box.storage.meta` or typed errors from
`s3box.storage.errors`. Blocking work (files, SQLite, hashing) runs in the
engine's worker threads in coarse steps; coroutines only await them.

CONTRACT (the server codes against this; internals are free to change):
- All methods are coroutines on the server's event loop.
- Bucket names arrive already validated by the protocol layer; keys are
  arbitrary str (<= 1024 UTF-8 bytes, validated by the caller).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Protocol, TypeVar

from s3box.records import (
    MAX_PART_NUMBER,
    BucketInfo,
    ChecksumRecord,
    DeleteResult,
    ListPage,
    ObjectFields,
    ObjectMeta,
    PartRecord,
    UploadInfo,
    WriteCondition,
    unquote_etag,
)
from s3box.storage import copying, diskfull, faults, layout, multipart, resolver, trash
from s3box.storage import rebuild as rebuild_mod
from s3box.storage.bucket import Bucket
from s3box.storage.cache import CachedObject, MetaCache, RepairSuppression
from s3box.storage.errors import (
    BucketAlreadyOwnedByYou,
    BucketNotEmpty,
    ConditionalRequestConflict,
    DamagedObject,
    IndexUnavailable,
    InvalidArgument,
    NoSuchBucket,
    NoSuchKey,
    NoSuchUpload,
    PreconditionFailed,
    RebuildInProgress,
    StorageError,
)
from s3box.storage.fsutil import (
    fsync_dir,
    makedirs_tracked,
    new_id,
    read_file,
    rename_exchange,
    rename_noreplace,
    unique_name,
    write_file,
)
from s3box.storage.index import BucketIndex, Row
from s3box.storage.locks import KeyLocks
from s3box.storage.meta import (
    StagedResult,
    bucket_from_json,
    bucket_json,
    listed_checksum,
    meta_to_json,
)
from s3box.storage.reader import Handle, check_parts, read_parts
from s3box.storage.resolver import Found
from s3box.storage.staging import FileStagedWrite

T = TypeVar("T")


class Hasher(Protocol):
    """Anything with hashlib's update(); the engine feeds it every body byte
    in order, from a worker thread, concurrently with the file write."""

    def update(self, data: bytes | bytearray, /) -> None: ...


@dataclass(slots=True)
class EngineOptions:
    sqlite_max_connections: int = 50
    meta_cache_capacity: int = 200_000
    sqlite_repair_cache_capacity: int = 200_000
    fsync: bool = False
    buffer_size: int = 1024 * 1024  # bytes per worker-thread write/read step


class StagedWrite(Protocol):
    """An unpublished body being written into staging/put/<id>/ (or a part)."""

    async def write(self, data: bytes) -> None:
        """Append bytes. Buffers up to buffer_size, then flushes (file write,
        MD5 and extra hashers) in worker threads."""
        ...

    async def finish(self) -> StagedResult:
        """Flush and close the file; returns size and hex MD5."""
        ...

    async def abort(self) -> None:
        """Remove everything this write created. Safe to call more than once,
        and after finish() when the caller decides not to publish."""
        ...


class ObjectHandle(Protocol):
    """An open live object. Holds the object directory open (dir fd), so it
    keeps reading the same bytes if the object is overwritten or deleted
    meanwhile."""

    meta: ObjectMeta
    # The whole body when the object was small enough to read in the same
    # worker-thread step as the lookup (see open_object's prefetch_limit).
    data: bytes | None

    def iter_range(self, start: int, end: int) -> AsyncIterator[bytes]:
        """Yield bytes [start, end] (inclusive), across part files, in chunks of
        at most buffer_size, reading in worker threads."""
        ...

    async def close(self) -> None: ...


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_BucketKey = tuple[str, str]


class PartWrite(FileStagedWrite):
    """A StagedWrite for one multipart part attempt."""

    def __init__(self, *args: Any, upload_id: str, part_number: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.upload_id = upload_id
        self.part_number = part_number


_Bucket = Bucket


def _row_of(meta: ObjectMeta) -> Row:
    f = meta.fields
    c = f.checksum
    if c is None:
        return Row(meta.size, meta.etag, meta.last_modified, f.storage_class)
    algorithm, type_ = listed_checksum(c.algorithm, c.type)
    return Row(meta.size, meta.etag, meta.last_modified, f.storage_class, algorithm, type_)


def _check_condition(condition: WriteCondition | None, old: ObjectMeta | None) -> None:
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


@dataclass(slots=True)
class _Published:
    meta: ObjectMeta
    path: str
    ino: int


class Engine:
    def __init__(
        self,
        base_dir: Path,
        options: EngineOptions | None = None,
        *,
        clock: Callable[[], float] = time.time,
        hash_fn: layout.HashFn = layout.key_hash,
        threads: int = 32,
        bulk_initializer: Callable[[], None] | None = None,
    ) -> None:
        """`bulk_initializer` runs in each thread of the pool that streams large bodies
        (writes with their hashes, reads of files): the server uses it to let those
        threads run on every CPU while the rest stay next to the event loop."""
        self.base_dir = Path(base_dir)
        self.options = options or EngineOptions()
        self._buckets_dir = str(self.base_dir / "buckets")
        self._clock = clock
        self._hash = hash_fn
        # Small steps (lookups, small PUTs, SQLite) and large-body streaming use separate
        # pools, so their threads can be placed differently (see bulk_initializer).
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="s3box-storage")
        self._bulk = ThreadPoolExecutor(
            threads, thread_name_prefix="s3box-bulk", initializer=bulk_initializer
        )
        self._locks = KeyLocks()
        self._cache = MetaCache(self.options.meta_cache_capacity)
        self._repaired = RepairSuppression(self.options.sqlite_repair_cache_capacity)
        self._buckets: dict[str, _Bucket] = {}
        self._rebuilds: dict[str, tuple[asyncio.Task[None], threading.Event]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._guard = trash.ReadGuard()  # directories being read: purges skip them
        self._space = diskfull.SpaceRelief(self._buckets_dir, self._guard)
        self._trash = trash.TrashKeeper(self._guard)  # limits: from the maintenance config
        self._recoveries: set[asyncio.Task[None]] = set()
        # Told the bucket of each rebuild the engine starts by itself (metrics).
        self.on_recovery_rebuild: Callable[[str], None] | None = None

    # ---- plumbing ----
    def _run(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        return asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    def _bucket(self, name: str) -> _Bucket:
        b = self._buckets.get(name)
        if b is not None:
            return b
        if not name or "/" in name or name.startswith(".") or "\x00" in name:
            raise NoSuchBucket(bucket=name)
        root = os.path.join(self._buckets_dir, name)
        if not os.path.isfile(os.path.join(root, layout.BUCKET_JSON)):
            raise NoSuchBucket(bucket=name)
        b = self._buckets[name] = _Bucket(root, name, self.options, self._index_trouble)
        return b

    async def _enter(self, name: str) -> _Bucket:
        """Register an operation on the bucket (see _leave); waits out a
        concurrent delete_bucket and then re-resolves the bucket."""
        while True:
            b = self._bucket(name)
            if b.deleting is None:
                b.active += 1
                return b
            await asyncio.shield(b.deleting)

    def _leave(self, b: _Bucket) -> None:
        b.active -= 1
        if b.active == 0 and b.idle is not None:
            b.idle.set()

    def _leaf(self, b: _Bucket, key: str) -> tuple[str, str]:
        h = self._hash(b.name, key)
        return layout.leaf_dir(b.objects, h), h

    def _find(self, b: _Bucket, key: str, *, keep_fd: bool = False) -> Found | None:
        leaf, h = self._leaf(b, key)
        return resolver.find(leaf, h, key, keep_fd=keep_fd)

    async def start(self) -> None:
        """Create base_dir/buckets if missing, open indexes lazily, and process
        every visibility-repair row of every bucket (startup repair)."""
        self._loop = asyncio.get_running_loop()
        await self._run(os.makedirs, self._buckets_dir, 0o755, True)
        for info in await self.list_buckets():
            b = self._bucket(info.name)
            try:
                await self._run(self._repair_all_sync, b, None)
            except IndexUnavailable:
                pass  # damaged index: set aside and rebuilt in the background

    def _index_trouble(self, b: _Bucket) -> None:
        """Bucket.notify, from any thread: its index is damaged or incomplete."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._schedule_recovery, b)

    def _schedule_recovery(self, b: _Bucket) -> None:
        if self._loop is None or self._buckets.get(b.name) is not b:
            return
        task = asyncio.create_task(self._recover_index(b))
        self._recoveries.add(task)
        task.add_done_callback(self._recoveries.discard)

    async def _recover_index(self, b: _Bucket) -> None:
        """Replace a damaged index by a fresh one and rebuild it from objects/
        (this bucket only; the others never notice)."""
        while b.name in self._rebuilds:
            await self.wait_rebuild(b.name)
        if b.damaged:
            await self._run(b.replace_damaged_index)
        if b.incomplete and b.name not in self._rebuilds and self._loop is not None:
            try:
                await self.start_rebuild(b.name)
            except NoSuchBucket:
                return
            if self.on_recovery_rebuild is not None:
                self.on_recovery_rebuild(b.name)

    async def close(self) -> None:
        """Wait for in-flight engine work, close SQLite connections and threads."""
        self._loop = None  # no new recoveries
        for _, cancel in list(self._rebuilds.values()):
            cancel.set()
        await asyncio.gather(*list(self._recoveries), *self._trash.tasks, return_exceptions=True)
        for task, cancel in list(self._rebuilds.values()):
            cancel.set()
            await asyncio.gather(task, return_exceptions=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self._pool.shutdown, True)
        await loop.run_in_executor(None, self._bulk.shutdown, True)
        for b in self._buckets.values():
            b.close_index()
        self._buckets.clear()

    # ---- buckets ----
    async def list_buckets(self) -> list[BucketInfo]:
        return await self._run(self._list_buckets_sync)

    def _list_buckets_sync(self) -> list[BucketInfo]:
        out: list[BucketInfo] = []
        try:
            entries = list(os.scandir(self._buckets_dir))
        except FileNotFoundError:
            return out
        for entry in entries:
            if entry.name.startswith(".") or not entry.is_dir():
                continue
            try:
                raw = read_file(os.path.join(entry.path, layout.BUCKET_JSON))
                out.append(bucket_from_json(entry.name, raw))
            except (OSError, ValueError):
                continue
        out.sort(key=lambda i: i.name)
        return out

    async def create_bucket(self, bucket: str) -> BucketInfo:
        """Raises BucketAlreadyOwnedByYou if it exists."""
        if bucket in self._buckets:
            raise BucketAlreadyOwnedByYou(bucket=bucket)
        return await self._run(self._space.call, self._create_bucket_sync, bucket)

    def _create_bucket_sync(self, bucket: str) -> BucketInfo:
        """Build the complete bucket directory under a dot-name (never a valid
        bucket name), then rename it into place without replacing."""
        info = BucketInfo(name=bucket, creation_date=self._clock())
        os.makedirs(self._buckets_dir, exist_ok=True)
        tmp = os.path.join(self._buckets_dir, ".new-" + new_id())
        os.mkdir(tmp)
        try:
            for sub in (layout.OBJECTS, layout.STAGING_PUT, layout.STAGING_MULTIPART, layout.TRASH):
                os.makedirs(os.path.join(tmp, sub))
            fsync = self.options.fsync
            write_file(os.path.join(tmp, layout.BUCKET_JSON), bucket_json(info), fsync=fsync)
            if fsync:
                for sub in ("staging", ""):
                    fsync_dir(os.path.join(tmp, sub))
            rename_noreplace(tmp, os.path.join(self._buckets_dir, bucket))
            if fsync:
                fsync_dir(self._buckets_dir)
        except FileExistsError:
            shutil.rmtree(tmp, ignore_errors=True)
            raise BucketAlreadyOwnedByYou(bucket=bucket) from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return info

    async def head_bucket(self, bucket: str) -> BucketInfo:
        """Raises NoSuchBucket. Reads bucket.json once; later calls cost no I/O
        (the server calls this on hot paths)."""
        b = await self._enter(bucket)
        self._leave(b)
        if b.info is not None:
            return b.info
        try:
            raw = await self._run(read_file, os.path.join(b.root, layout.BUCKET_JSON))
        except FileNotFoundError:
            if self._buckets.get(bucket) is b:
                del self._buckets[bucket]
            raise NoSuchBucket(bucket=bucket) from None
        b.info = bucket_from_json(bucket, raw)
        return b.info

    async def delete_bucket(self, bucket: str) -> None:
        """Raises NoSuchBucket, BucketNotEmpty (any live object).

        Waits for in-flight operations on the bucket (new ones wait for the
        outcome), reconciles leftover repair rows and stale rows so a self-heal
        can never leave the bucket undeletable, then renames the whole bucket
        directory away atomically and removes it."""
        b = await self._enter(bucket)
        self._leave(b)
        loop = asyncio.get_running_loop()
        b.deleting = loop.create_future()
        try:
            if b.active:
                b.idle = asyncio.Event()
                await b.idle.wait()
            await self._run(self._delete_bucket_sync, b)
            self._buckets.pop(bucket, None)
            self._cache.invalidate_bucket(bucket)
        finally:
            fut, b.deleting, b.idle = b.deleting, None, None
            fut.set_result(None)

    def _delete_bucket_sync(self, b: _Bucket) -> None:
        self._repair_all_sync(b, None)
        idx = b.listing_index()
        while True:
            keys = idx.keys_from("", 100)
            if not keys:
                break
            stale = [k for k in keys if self._find(b, k) is None]
            if len(stale) < len(keys):
                raise BucketNotEmpty(bucket=b.name)
            idx.write(lambda c, s=stale: BucketIndex.delete(c, s))  # type: ignore[misc]
        b.close_index()
        gone = os.path.join(self._buckets_dir, ".deleted-" + new_id())
        os.rename(b.root, gone)
        if self.options.fsync:
            fsync_dir(self._buckets_dir)
        shutil.rmtree(gone, ignore_errors=True)

    async def list_objects(
        self,
        bucket: str,
        *,
        prefix: str = "",
        delimiter: str = "",
        marker: str = "",
        max_keys: int = 1000,
    ) -> ListPage:
        """Keys > marker starting with prefix, in binary UTF-8 order; with a
        delimiter, keys sharing prefix+...+delimiter roll up into one common
        prefix (counted once towards max_keys) and the scan seeks past it. A
        marker that falls inside a common prefix skips that whole prefix, so a
        common prefix never appears on two pages. max_keys=0 returns an empty,
        non-truncated page."""
        b = await self._enter(bucket)
        try:
            return await self._run(self._list_sync, b, prefix, delimiter, marker, max_keys)
        finally:
            self._leave(b)

    def _list_sync(
        self, b: _Bucket, prefix: str, delimiter: str, marker: str, max_keys: int
    ) -> ListPage:
        return b.listing_index().list_objects(prefix, delimiter, marker, max_keys)

    # ---- objects: writing ----
    async def open_put(self, bucket: str, key: str, hashers: Sequence[Hasher] = ()) -> StagedWrite:
        """Start a streamed PUT into staging. Raises NoSuchBucket."""
        b = self._bucket(bucket)
        path, fd = await self._run(self._open_staging_sync, b)
        return FileStagedWrite(
            self._bulk,
            bucket=bucket,
            key=key,
            dir_path=path,
            file_name=layout.part_name(1),
            fd=fd,
            hashers=hashers,
            buffer_size=self.options.buffer_size,
            fsync=self.options.fsync,
            on_full=self._space.relieve,
        )

    def _open_staging_sync(self, b: _Bucket) -> tuple[str, int]:
        path = os.path.join(b.staging_put, unique_name())
        try:
            os.mkdir(path)
        except FileNotFoundError:
            raise NoSuchBucket(bucket=b.name) from None
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
        return path, os.open(os.path.join(path, layout.part_name(1)), flags, 0o644)

    async def publish_put(
        self,
        staged: StagedWrite,
        fields: ObjectFields,
        condition: WriteCondition | None = None,
    ) -> ObjectMeta:
        """Write meta.json into the staged dir and publish it atomically under
        the key's lock (an overwrite never leaves the key absent). Raises
        PreconditionFailed / NoSuchKey for a failed condition (the staged data is
        then removed)."""
        if not isinstance(staged, FileStagedWrite):
            raise TypeError("publish_put needs a StagedWrite from open_put")
        try:
            result = await staged.finish()
            part = PartRecord(1, result.size, result.md5_hex, _part_checksum(fields))

            def make(old: ObjectMeta | None, now: float) -> ObjectMeta:
                return ObjectMeta(
                    key=staged.key,
                    size=result.size,
                    etag=result.md5_hex,
                    last_modified=now,
                    fields=fields,
                    parts=[part],
                    seq=old.seq + 1 if old else 1,
                )

            meta_path = os.path.join(staged.dir_path, layout.META_JSON)

            async def relieve() -> None:  # then publish again (the body is staged)
                await self._relieve()
                await self._run(_unlink_quietly, meta_path)

            return await diskfull.retrying(
                relieve,
                lambda: self._publish(staged.bucket, staged.key, staged.dir_path, make, condition),
            )
        except BaseException:
            await staged.abort()
            raise

    async def put_object_bytes(
        self,
        bucket: str,
        key: str,
        data: bytes,
        md5_hex: str,
        fields: ObjectFields,
        condition: WriteCondition | None = None,
    ) -> ObjectMeta:
        """A small PUT whose whole body is in memory and already verified: stage,
        publish and index it in one worker-thread step."""
        part = PartRecord(1, len(data), md5_hex, _part_checksum(fields))

        def make(old: ObjectMeta | None, now: float) -> ObjectMeta:
            return ObjectMeta(
                key=key,
                size=len(data),
                etag=md5_hex,
                last_modified=now,
                fields=fields,
                parts=[part],
                seq=old.seq + 1 if old else 1,
            )

        def stage(b: _Bucket) -> str:
            path = os.path.join(b.staging_put, unique_name())
            try:
                os.mkdir(path)
            except FileNotFoundError:
                raise NoSuchBucket(bucket=b.name) from None
            try:
                write_file(os.path.join(path, "part.1"), data, fsync=self.options.fsync)
            except BaseException:
                shutil.rmtree(path, ignore_errors=True)
                raise
            return path

        return await diskfull.retrying(
            self._relieve, lambda: self._publish(bucket, key, None, make, condition, stage=stage)
        )

    async def _publish(
        self,
        bucket: str,
        key: str,
        staged_dir: str | None,
        make: Callable[[ObjectMeta | None, float], ObjectMeta],
        condition: WriteCondition | None,
        *,
        stage: Callable[[_Bucket], str] | None = None,
    ) -> ObjectMeta:
        """Under the key's lock, in one worker step: (stage,) check the
        condition, write meta.json, publish, index. Removes the staged dir on
        failure."""
        b = await self._enter(bucket)
        ck = (bucket, key)
        try:
            async with self._locks.hold(ck):
                hint = self._cache.get(ck)
                pub = await self._run(
                    self._publish_sync, b, key, staged_dir, make, condition, stage, hint
                )
                self._cache.set(ck, CachedObject(pub.meta, pub.path, pub.ino))
                self._repaired.discard(ck)
                self._trash_added(b)
                return pub.meta
        finally:
            self._leave(b)

    def _publish_sync(
        self,
        b: _Bucket,
        key: str,
        staged_dir: str | None,
        make: Callable[[ObjectMeta | None, float], ObjectMeta],
        condition: WriteCondition | None,
        stage: Callable[[_Bucket], str] | None,
        hint: CachedObject | None = None,
    ) -> _Published:
        if stage is not None:
            staged_dir = stage(b)
        assert staged_dir is not None
        faults.hit("publish.staged")
        try:
            leaf, h = self._leaf(b, key)
            old = self._found_from_hint(hint) or resolver.find(leaf, h, key)
            _check_condition(condition, old.meta if old else None)
            meta = make(old.meta if old else None, self._clock())
            fsync = self.options.fsync
            try:
                write_file(
                    os.path.join(staged_dir, layout.META_JSON), meta_to_json(meta), fsync=fsync
                )
            except FileNotFoundError:
                raise NoSuchBucket(bucket=b.name) from None
            if fsync:
                fsync_dir(staged_dir)
            faults.hit("publish.after_meta")
            idx = b.index()
            row = _row_of(meta)

            def intent(c: sqlite3.Connection) -> None:
                # One commit before the rename: the listing row and the repair
                # row that lets startup/maintenance reconcile the key if the
                # process dies before the rename lands. The repair row is
                # cleared lazily by the next write transaction.
                BucketIndex.upsert(c, key, row)
                BucketIndex.add_repair(c, (key,), meta.last_modified)

            idx.write(intent)
            faults.hit("publish.after_repair_row")
            try:
                live = self._swap_in(b, leaf, h, staged_dir, old)
            except BaseException:
                self._reconcile_sync(b, [key])  # the row went ahead: put it back
                raise
            faults.hit("publish.after_rename")
            staged_dir = None  # published: nothing to clean up any more
            ino = os.stat(live).st_ino
            idx.defer_clear_repair((key,))
            faults.hit("publish.before_ack")
            return _Published(meta, live, ino)
        finally:
            # A caller-owned staging dir (publish_put) stays for its retry or abort.
            if staged_dir is not None and stage is not None:
                shutil.rmtree(staged_dir, ignore_errors=True)

    def _swap_in(self, b: _Bucket, leaf: str, h: str, staged: str, old: Found | None) -> str:
        """Make `staged` the key's live directory; returns its path.

        Overwrite: renameat2(RENAME_EXCHANGE) swaps the staged and live
        directories in one step, so the key is never absent, even across a
        crash; the old object, now at the staged path, then moves to trash.
        Without RENAME_EXCHANGE: rename live -> trash, then staged -> live (a
        crash in between leaves the key absent until the repair row is
        processed; see docs/storage.md)."""
        fsync = self.options.fsync
        if old is not None:
            trash_dir = os.path.join(b.trash, unique_name())
            b.trash_count.add(trash_dir, old.meta.size)
            if rename_exchange(staged, old.path):
                faults.hit("overwrite.after_exchange")
                try:  # published already: a full disk must not fail the PUT now
                    self._space.call(os.rename, staged, trash_dir)
                except StorageError:
                    trash.remove(staged, self._guard)
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

    # ---- objects: reading ----
    async def head_object(self, bucket: str, key: str) -> ObjectMeta:
        """Metadata of a live object (cache first). Raises NoSuchBucket,
        NoSuchKey. Self-heals the index if it disagrees with objects/."""
        ck = (bucket, key)
        cached = self._cache.get(ck)
        if cached is not None:
            return cached.meta
        b = await self._enter(bucket)
        try:
            token = self._cache.token()
            found, agrees = await self._run(self._lookup_sync, b, key, False)
            await self._after_lookup(b, key, found, agrees, token)
        finally:
            self._leave(b)
        if found is None:
            raise NoSuchKey(key=key)
        return found.meta

    def _lookup_sync(self, b: _Bucket, key: str, keep_fd: bool) -> tuple[Found | None, bool]:
        """Find the key in objects/ and say whether the index row agrees. With
        keep_fd the directory is held (ReadGuard) until _close_found."""
        for _ in range(3):
            found = self._find(b, key, keep_fd=keep_fd)
            if found is None or found.fd is None:
                break
            found.hold = self._guard.hold(found.fd)
            if found.hold is not None:
                break
            found.close()  # moved to trash and purged meanwhile: look again
        try:
            if found is not None:
                check_parts(found.meta, found.path, found.fd)
            row = b.index().get(key)
        except BaseException:
            if found is not None:
                self._close_found(found)
            raise
        if found is None:
            return None, row is None
        return found, row == _row_of(found.meta)

    async def _after_lookup(
        self, b: _Bucket, key: str, found: Found | None, agrees: bool, token: int
    ) -> None:
        ck = (b.name, key)
        if found is not None:
            self._cache.fill(ck, CachedObject(found.meta, found.path, found.ino), token)
        else:
            # Gone from objects/ (removed by hand, or the cached directory was
            # swapped away): a warm HEAD must not keep answering from cache.
            self._cache.invalidate(ck)
        if not agrees and ck not in self._repaired:
            await self._heal(b, key)

    async def _heal(self, b: _Bucket, key: str) -> None:
        """Make the index row of key agree with objects/ (under the key's lock,
        so an in-flight publish or delete of the key is not second-guessed)."""
        ck = (b.name, key)
        async with self._locks.hold(ck):
            await self._run(self._reconcile_sync, b, [key])
            self._repaired.add(ck)

    def _reconcile_sync(self, b: _Bucket, keys: Sequence[str]) -> None:
        """objects/ is the truth: upsert or delete each key's row, and drop its
        repair row, in one transaction."""
        rows = [(key, self._find(b, key)) for key in keys]

        def commit(c: sqlite3.Connection) -> None:
            for key, found in rows:
                if found is None:
                    BucketIndex.delete(c, (key,))
                else:
                    BucketIndex.upsert(c, key, _row_of(found.meta))
            BucketIndex.clear_repair(c, keys)

        b.index().write(commit)

    def _repair_all_sync(self, b: _Bucket, older_than: float | None, batch: int = 1000) -> int:
        """Reconcile every visibility-repair row (startup, maintenance,
        delete_bucket). Each batch's keys leave the table, so this ends."""
        done = 0
        idx = b.index()
        while True:
            keys = idx.repair_rows(older_than, batch)
            if not keys:
                return done
            self._reconcile_sync(b, keys)
            done += len(keys)

    async def repair_pending(self, bucket: str, *, older_than: float | None, batch: int) -> int:
        """Maintenance: reconcile the repair rows created before older_than
        (None: all), in batches, each under the keys' locks."""
        b = await self._enter(bucket)
        try:
            done = 0
            while True:
                keys = await self._run(b.index().repair_rows, older_than, batch)
                if not keys:
                    return done
                async with self._locks.hold_many((bucket, k) for k in keys):
                    await self._run(self._reconcile_sync, b, keys)
                done += len(keys)
        finally:
            self._leave(b)

    def _close_found(self, found: Found) -> None:
        self._guard.release(found.hold)  # type: ignore[arg-type]
        found.hold = None
        found.close()

    async def open_object(
        self, bucket: str, key: str, *, prefetch_limit: int = 256 * 1024
    ) -> ObjectHandle:
        """Open a live object for reading. If its size <= prefetch_limit the
        body is read in the same worker step and returned in handle.data."""
        ck = (bucket, key)
        b = await self._enter(bucket)
        try:
            cached = self._cache.get(ck)
            if cached is not None:
                got = await self._run(self._open_cached_sync, cached, prefetch_limit)
                if got is not None:
                    meta, fd, data, held = got
                    release = None if fd is None else partial(self._guard.release, held)
                    return Handle(self._bulk, self.options.buffer_size, meta, fd, data, release)
            token = self._cache.token()
            found, agrees, data = await self._run(self._open_sync, b, key, prefetch_limit)
            await self._after_lookup(b, key, found, agrees, token)
        except DamagedObject:
            self._cache.invalidate(ck)  # so that HEAD answers like this GET
            raise
        finally:
            self._leave(b)
        if found is None:
            raise NoSuchKey(key=key)
        release = None if found.fd is None else partial(self._close_hold, found)
        return Handle(self._bulk, self.options.buffer_size, found.meta, found.fd, data, release)

    def _close_hold(self, found: Found) -> None:
        self._guard.release(found.hold)  # type: ignore[arg-type]

    def _open_cached_sync(
        self, cached: CachedObject, prefetch_limit: int
    ) -> tuple[ObjectMeta, int | None, bytes | None, Any] | None:
        """Open the directory the cache names, if it is still that directory
        (same inode): no SQLite, no meta.json. None: fall back to a lookup."""
        try:
            fd = os.open(cached.path, _DIR_FLAGS)
        except (FileNotFoundError, NotADirectoryError):
            return None
        try:
            if os.fstat(fd).st_ino != cached.ino:
                os.close(fd)
                return None
            if cached.meta.size <= prefetch_limit:
                data = read_parts(fd, cached.meta, cached.path)
                os.close(fd)
                return cached.meta, None, data, None
            check_parts(cached.meta, cached.path, fd)
            held = self._guard.hold(fd)
        except BaseException:
            os.close(fd)
            raise
        if held is None:  # purged from trash meanwhile: look the key up
            os.close(fd)
            return None
        return cached.meta, fd, None, held

    def _open_sync(
        self, b: _Bucket, key: str, prefetch_limit: int
    ) -> tuple[Found | None, bool, bytes | None]:
        found, agrees = self._lookup_sync(b, key, True)
        if found is None or found.meta.size > prefetch_limit:
            return found, agrees, None
        assert found.fd is not None
        try:
            data = read_parts(found.fd, found.meta, found.path)
        finally:
            self._close_found(found)
        return found, agrees, data

    # ---- objects: deleting ----
    async def delete_object(self, bucket: str, key: str, *, if_match: str | None = None) -> None:
        """Move the live directory into trash, then drop the index row. An absent
        key is not an error (S3 answers 204). if_match (unquoted ETag) that does
        not match -> PreconditionFailed; if_match on an absent key -> NoSuchKey."""
        b = await self._enter(bucket)
        ck = (bucket, key)
        try:
            async with self._locks.hold(ck):
                hint = self._cache.get(ck)
                err = await self._run(
                    self._space.call, self._delete_one_sync, b, key, hint, if_match
                )
                self._cache.invalidate(ck)
                self._repaired.discard(ck)
                self._trash_added(b)
        finally:
            self._leave(b)
        if err is not None:
            raise err

    def _delete_one_sync(
        self, b: _Bucket, key: str, hint: CachedObject | None, if_match: str | None
    ) -> StorageError | None:
        if if_match is not None:
            f = self._find(b, key)
            if f is None:
                return NoSuchKey(key=key)
            if unquote_etag(if_match) not in ("*", f.meta.etag):
                return PreconditionFailed("If-Match does not match the current ETag")
            path: str | None = f.path
        else:
            path = self._live_path(b, key, hint)
        idx = b.index()
        if path is None:
            idx.write(lambda c: _drop_rows(c, (key,)))
            return None
        now = self._clock()
        # One commit before the rename into trash (row gone, repair row
        # added); the repair row is cleared lazily once the rename landed.
        idx.write(lambda c: _drop_rows_with_repair(c, (key,), now))
        faults.hit("delete.after_repair_row")
        failed = self._trash_dirs(b, [path])
        faults.hit("delete.after_trash")
        if failed:
            self._reconcile_sync(b, [key])
            raise next(iter(failed.values()))
        idx.defer_clear_repair((key,))
        faults.hit("delete.before_ack")
        return None

    async def delete_objects(self, bucket: str, keys: Sequence[str]) -> list[DeleteResult]:
        """Delete up to 1000 keys in coarse batched steps; one result per key in
        request order. Raises NoSuchBucket.

        Three worker hops whatever the count: repair rows for every key (one
        transaction), then find-and-trash in a few parallel chunks, then drop
        every row in one transaction."""
        b = await self._enter(bucket)
        unique = list(dict.fromkeys(keys))
        errors: dict[str, BaseException] = {}
        try:
            cks = [(bucket, k) for k in unique]
            async with self._locks.hold_many(cks):
                hints = [self._cache.get(ck) for ck in cks]
                idx = await self._run(b.index)
                now = self._clock()
                await self._run(
                    self._space.call, idx.write, lambda c: _drop_rows_with_repair(c, unique, now)
                )
                n = max(1, min(self._delete_parallelism, len(unique) // 128))
                chunks = [
                    (unique[i::n], hints[i::n]) for i in range(n)
                ]  # striding spreads keys evenly; order does not matter here
                for chunk_errors in await asyncio.gather(
                    *(self._run(self._trash_keys_sync, b, ks, hs) for ks, hs in chunks)
                ):
                    errors.update(chunk_errors)
                gone = [k for k in unique if k not in errors]
                if errors:  # their rows went ahead: put them back from disk
                    await self._run(self._reconcile_sync, b, list(errors))
                idx.defer_clear_repair(gone)
                for ck in cks:
                    self._cache.invalidate(ck)
                    self._repaired.discard(ck)
                self._trash_added(b)
        finally:
            self._leave(b)
        out: list[DeleteResult] = []
        for k in keys:
            e = errors.get(k)
            if e is None:
                out.append(DeleteResult(k))
            else:
                code = e.code if isinstance(e, StorageError) else "InternalError"
                out.append(DeleteResult(k, code, str(e)))
        return out

    _delete_parallelism = 4

    def _trash_keys_sync(
        self, b: _Bucket, keys: Sequence[str], hints: Sequence[CachedObject | None]
    ) -> dict[str, BaseException]:
        errors: dict[str, BaseException] = {}
        key_of: dict[str, str] = {}  # live path -> key
        for key, hint in zip(keys, hints, strict=True):
            try:
                path = self._live_path(b, key, hint)
            except OSError as e:
                errors[key] = e
                continue
            if path is not None:
                key_of[path] = key
        for path, err in self._trash_dirs(b, list(key_of)).items():
            errors[key_of[path]] = err
        return errors

    @staticmethod
    def _found_from_hint(hint: CachedObject | None) -> Found | None:
        """The cached live directory, if the path still holds the very directory
        the entry named (same inode). Published directories never change in
        place, so its cached metadata is then exact: no listing, no meta.json
        read. Otherwise None (the caller looks the key up on disk)."""
        if hint is None:
            return None
        try:
            if os.lstat(hint.path).st_ino == hint.ino:
                return Found(hint.path, hint.meta, hint.ino)
        except OSError:
            pass
        return None

    def _live_path(self, b: _Bucket, key: str, hint: CachedObject | None) -> str | None:
        """The key's live directory. A cache entry is trusted when the path
        still holds the very directory it named (same inode): published
        directories never change in place, so no meta.json read is needed."""
        f = self._found_from_hint(hint) or self._find(b, key)
        return f.path if f is not None else None

    def _trash_dirs(self, b: _Bucket, paths: Sequence[str]) -> dict[str, Exception]:
        """Rename each live directory into trash/<id> (atomic per object).
        Returns the paths that failed; a path already gone counts as done."""
        failed: dict[str, Exception] = {}
        for path in paths:
            try:
                dst = os.path.join(b.trash, unique_name())
                self._space.call(os.rename, path, dst)
                b.trash_count.add(dst)
            except FileNotFoundError:
                pass
            except (OSError, StorageError) as e:
                failed[path] = e
        if self.options.fsync and paths:
            for d in {os.path.dirname(p) for p in paths}:
                fsync_dir(d)
            fsync_dir(b.trash)
        return failed

    # ---- copy ----
    async def copy_object(
        self,
        src_bucket: str,
        src_key: str,
        dst_bucket: str,
        dst_key: str,
        *,
        fields: ObjectFields | Callable[[ObjectMeta], ObjectFields] | None,
        check_source: Callable[[ObjectMeta], None] | None = None,
        condition: WriteCondition | None = None,
        in_place: bool = False,
    ) -> ObjectMeta:
        """Server-side copy. fields=None keeps the source's fields (metadata
        directive COPY); a callable derives them from the source's metadata;
        check_source runs on the source's metadata before any data moves and
        may raise. Part files are never modified once published, so the copy
        may hard-link them. Copy onto itself with new fields republishes the
        same bytes with the new metadata. in_place (a copy onto itself that
        only changes fields, e.g. tagging) keeps Last-Modified and raises
        ConditionalRequestConflict if the key changed since it was read."""
        sb = await self._enter(src_bucket)
        try:
            token = self._cache.token()
            src, agrees = await self._run(self._lookup_sync, sb, src_key, True)
            await self._after_lookup(sb, src_key, src, agrees, token)
        finally:
            self._leave(sb)
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
            part_sums = copying.copied_part_checksums(smeta, new_fields)

            def stage(b: _Bucket) -> str:
                return copying.link_parts(b.staging_put, b.name, src, self.options.fsync)

            def make(old: ObjectMeta | None, now: float) -> ObjectMeta:
                if in_place and old is None:
                    raise NoSuchKey(key=dst_key)
                if in_place and old is not None and old.seq != smeta.seq:
                    raise ConditionalRequestConflict("the object changed while being updated")
                return ObjectMeta(
                    key=dst_key,
                    size=smeta.size,
                    etag=smeta.etag,
                    last_modified=smeta.last_modified if in_place else now,
                    fields=new_fields,
                    parts=[
                        PartRecord(p.number, p.size, p.etag, c, p.last_modified)
                        for p, c in zip(smeta.parts, part_sums, strict=True)
                    ],
                    seq=old.seq + 1 if old else 1,
                )

            return await diskfull.retrying(
                self._relieve,
                lambda: self._publish(dst_bucket, dst_key, None, make, condition, stage=stage),
            )
        finally:
            await self._run(self._close_found, src)

    async def put_object_tagging(self, bucket: str, key: str, tags: dict[str, str]) -> ObjectMeta:
        """Replace an object's tags (empty: remove them) without rewriting its
        data: the same part files republished with a new meta.json. ETag and
        Last-Modified stay, as in S3. Raises NoSuchBucket, NoSuchKey."""

        def with_tags(meta: ObjectMeta) -> ObjectFields:
            return dataclasses.replace(meta.fields, tags=dict(tags))

        for attempt in range(3):
            try:
                return await self.copy_object(
                    bucket, key, bucket, key, fields=with_tags, in_place=True
                )
            except ConditionalRequestConflict:
                if attempt == 2:  # overwritten three times meanwhile: let the client retry
                    raise
        raise AssertionError("unreachable")

    # ---- bucket tagging (buckets/<name>/tagging.json) ----
    async def get_bucket_tagging(self, bucket: str) -> dict[str, str] | None:
        """The bucket's tags, or None when it has none. Raises NoSuchBucket."""
        b = await self._enter(bucket)
        try:
            return await self._run(b.read_tagging)
        finally:
            self._leave(b)

    async def put_bucket_tagging(self, bucket: str, tags: dict[str, str] | None) -> None:
        """Replace the bucket's tags atomically; None removes them."""
        b = await self._enter(bucket)
        try:
            await self._run(self._space.call, b.write_tagging, tags, self.options.fsync)
        finally:
            self._leave(b)

    # ---- multipart uploads ----
    async def create_multipart_upload(self, bucket: str, key: str, fields: ObjectFields) -> str:
        """Start an upload; returns its id (unguessable, safe as a dir name)."""
        b = await self._enter(bucket)
        try:
            return await self._run(
                self._space.call,
                multipart.create,
                b.staging_multipart,
                key,
                fields,
                self._clock(),
                self.options.fsync,
            )
        except FileNotFoundError:
            raise NoSuchBucket(bucket=bucket) from None
        finally:
            self._leave(b)

    async def upload_part(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        part_number: int,
        hashers: Sequence[Hasher] = (),
    ) -> PartWrite:
        """Start streaming part `part_number` into the upload (a fresh data file);
        commit_part() makes it the part. Raises NoSuchUpload."""
        b = self._bucket(bucket)
        path, name, fd = await self._run(self._open_part_sync, b, key, upload_id, part_number)
        return PartWrite(
            self._bulk,
            bucket=bucket,
            key=key,
            dir_path=path,
            file_name=name,
            fd=fd,
            hashers=hashers,
            buffer_size=self.options.buffer_size,
            fsync=self.options.fsync,
            on_full=self._space.relieve,
            owns_dir=False,
            upload_id=upload_id,
            part_number=part_number,
        )

    def _open_part_sync(
        self, b: _Bucket, key: str, upload_id: str, part_number: int
    ) -> tuple[str, str, int]:
        if not 1 <= part_number <= MAX_PART_NUMBER:
            raise InvalidArgument("part number must be 1..10000")
        multipart.load(b.staging_multipart, upload_id, key)
        path = multipart.upload_dir(b.staging_multipart, upload_id)
        name = multipart.part_file_name(part_number)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
        try:
            fd = os.open(os.path.join(path, name), flags, 0o644)
        except FileNotFoundError:
            raise NoSuchUpload(upload_id=upload_id) from None
        return path, name, fd

    async def commit_part(self, staged: PartWrite, checksum: str | None = None) -> PartRecord:
        """Finish the part's data and make it part N of the upload, atomically
        replacing any earlier upload of that number. checksum: the part's own
        checksum value (base64), if the client sent one."""
        try:
            result = await staged.finish()
            part = PartRecord(
                staged.part_number, result.size, result.md5_hex, checksum, self._clock()
            )
            b = self._bucket(staged.bucket)
            async with self._locks.hold(("upload", staged.bucket, staged.upload_id)):
                await self._run(self._space.call, self._commit_part_sync, b, staged, part)
            return part
        except BaseException:
            await staged.abort()
            raise

    def _commit_part_sync(self, b: _Bucket, staged: PartWrite, part: PartRecord) -> None:
        multipart.load(b.staging_multipart, staged.upload_id, staged.key)
        multipart.commit_part(staged.dir_path, part, staged.file_name, self.options.fsync)

    async def list_parts(
        self, bucket: str, key: str, upload_id: str
    ) -> tuple[UploadInfo, list[PartRecord]]:
        """The upload and its committed parts by number. Raises NoSuchUpload."""
        b = self._bucket(bucket)
        return await self._run(self._list_parts_sync, b, key, upload_id)

    def _list_parts_sync(
        self, b: _Bucket, key: str, upload_id: str
    ) -> tuple[UploadInfo, list[PartRecord]]:
        info = multipart.load(b.staging_multipart, upload_id, key)
        path = multipart.upload_dir(b.staging_multipart, upload_id)
        return info, [p.part for p in multipart.list_parts(path)]

    async def list_multipart_uploads(self, bucket: str, *, prefix: str = "") -> list[UploadInfo]:
        """In-progress uploads whose key starts with prefix, ordered by key
        (binary UTF-8) then initiation time; the caller pages."""
        b = self._bucket(bucket)
        return await self._run(multipart.list_uploads, b.staging_multipart, prefix)

    async def complete_multipart_upload(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        parts: Sequence[tuple[int, str]],
        condition: WriteCondition | None = None,
        *,
        checksum: ChecksumRecord | None = None,
        min_part_size: int = multipart.MIN_PART_SIZE,
    ) -> ObjectMeta:
        """Publish the named parts as the object: their data files are linked
        into a new object directory as part.1..part.N (no data copy), meta.json
        gets ETag md5(concat(part MD5s))-N, and the directory is published like
        a PUT. checksum (computed by the caller) replaces the upload's. The
        upload disappears on success and is left intact on any error."""
        ulock = ("upload", bucket, upload_id)
        state: dict[str, Any] = {}

        def stage(b: _Bucket) -> str:
            info = multipart.load(b.staging_multipart, upload_id, key)
            upath = multipart.upload_dir(b.staging_multipart, upload_id)
            chosen = multipart.choose_parts(multipart.list_parts(upath), parts, min_part_size)
            obj = os.path.join(b.staging_put, unique_name())
            os.mkdir(obj)
            try:
                state["records"] = multipart.link_into(upath, chosen, obj)
                faults.hit("complete.after_link")
            except BaseException:
                shutil.rmtree(obj, ignore_errors=True)
                raise
            state["info"] = info
            return obj

        def make(old: ObjectMeta | None, now: float) -> ObjectMeta:
            records: list[PartRecord] = state["records"]
            info: UploadInfo = state["info"]
            fields = info.fields
            if checksum is not None:
                fields = dataclasses.replace(fields, checksum=checksum)
            return ObjectMeta(
                key=key,
                size=sum(p.size for p in records),
                etag=multipart.multipart_etag(records),
                last_modified=now,
                fields=fields,
                parts=records,
                seq=old.seq + 1 if old else 1,
            )

        async with self._locks.hold(ulock):
            meta = await diskfull.retrying(
                self._relieve,
                lambda: self._publish(bucket, key, None, make, condition, stage=stage),
            )
            faults.hit("complete.before_retire")
            b = self._bucket(bucket)
            await self._run(self._retire_upload_sync, b, upload_id)
        return meta

    def _retire_upload_sync(self, b: _Bucket, upload_id: str) -> None:
        """Move the upload dir into trash (atomic: it vanishes from listings);
        maintenance deletes it. Its data files are linked from the object."""
        path = multipart.upload_dir(b.staging_multipart, upload_id)
        dst = os.path.join(b.trash, unique_name())
        try:
            self._space.call(os.rename, path, dst)
        except FileNotFoundError:
            raise NoSuchUpload(upload_id=upload_id) from None
        b.trash_count.add(dst)

    async def abort_multipart_upload(self, bucket: str, key: str, upload_id: str) -> None:
        """Discard the upload and its parts. Raises NoSuchUpload."""
        b = self._bucket(bucket)
        async with self._locks.hold(("upload", bucket, upload_id)):
            await self._run(self._abort_upload_sync, b, key, upload_id)

    def _abort_upload_sync(self, b: _Bucket, key: str, upload_id: str) -> None:
        multipart.load(b.staging_multipart, upload_id, key)
        self._retire_upload_sync(b, upload_id)

    # ---- index rebuild ----
    async def start_rebuild(self, bucket: str) -> None:
        """Start rebuilding the bucket's index from objects/ in the background
        (POST ?rebuildIndex answers 202). Raises RebuildInProgress if one runs
        for this bucket, NoSuchBucket. close() cancels it cooperatively."""
        b = self._bucket(bucket)
        if bucket in self._rebuilds:
            raise RebuildInProgress(bucket=bucket)
        cancel = threading.Event()
        task = asyncio.create_task(self._rebuild_task(b, cancel))
        self._rebuilds[bucket] = (task, cancel)

    def rebuild_running(self, bucket: str) -> bool:
        return bucket in self._rebuilds

    async def wait_rebuild(self, bucket: str) -> None:
        """Return when the bucket's running rebuild (if any) has ended."""
        running = self._rebuilds.get(bucket)
        if running is not None:
            await asyncio.gather(running[0], return_exceptions=True)

    async def _rebuild_task(self, b: _Bucket, cancel: threading.Event) -> None:
        loop = asyncio.get_running_loop()

        def write_batch(items: list[rebuild_mod.Listed]) -> None:
            # From the rebuild's worker thread: take the keys' locks on the
            # loop so a concurrent delete cannot be undone by a stale upsert.
            asyncio.run_coroutine_threadsafe(self._rebuild_batch(b, items), loop).result()

        try:
            # The walker blocks on write_batch, which needs an engine worker:
            # run it outside the engine's pool so rebuilds can never starve it.
            await asyncio.to_thread(self._rebuild_sync, b, cancel, write_batch)
            await self._run(b.index_rebuilt)
        except rebuild_mod.Cancelled:
            pass
        except IndexUnavailable as exc:  # damage found meanwhile: recovery restarts it
            rebuild_mod.log.warning("rebuild %s stopped: %s", b.name, exc)
        except Exception:
            rebuild_mod.log.exception("rebuild %s failed", b.name)
        finally:
            self._rebuilds.pop(b.name, None)

    def _rebuild_sync(
        self,
        b: _Bucket,
        cancel: threading.Event,
        write_batch: Callable[[list[rebuild_mod.Listed]], None],
    ) -> int:
        return rebuild_mod.rebuild(b.index(), b.objects, b.name, cancel, write_batch)

    async def _rebuild_batch(self, b: _Bucket, items: list[rebuild_mod.Listed]) -> None:
        async with self._locks.hold_many((b.name, it.key) for it in items):
            await self._run(self._rebuild_write_sync, b, items)

    def _rebuild_write_sync(self, b: _Bucket, items: list[rebuild_mod.Listed]) -> None:
        """Index one batch of the walk, under its keys' locks.

        A directory still at the path the walk listed, with the inode it was
        listed with, is the very directory whose meta.json the walk read
        (published directories never change in place, and an overwrite or a
        delete moves the old one away), so the walk's fields stand: one lstat
        instead of a lookup. Any other key changed since the walk read it and
        is looked up again, like _reconcile_sync does."""
        current: list[rebuild_mod.Listed] = []
        changed: list[tuple[str, Found | None]] = []
        for it in items:
            try:
                same = os.lstat(it.path).st_ino == it.ino
            except OSError:
                same = False
            if same:
                current.append(it)
            else:
                changed.append((it.key, self._find(b, it.key)))
        keys = [it.key for it in items]

        def commit(c: sqlite3.Connection) -> None:
            now = time.time()
            rebuild_mod.upsert_rows(c, current, now)
            for key, found in changed:
                if found is None:
                    BucketIndex.delete(c, (key,))
                else:
                    BucketIndex.upsert(c, key, _row_of(found.meta), now)
            BucketIndex.clear_repair(c, keys)

        b.index().write(commit)

    # ---- maintenance helpers ----
    async def purge_expired(
        self, bucket: str, *, staging_expiry_secs: float, trash_expiry_secs: float
    ) -> int:
        """Remove staging and trash dirs idle longer than their expiry (by
        mtime against the engine clock). Returns how many were removed."""
        b = await self._enter(bucket)
        try:
            return await self._run(self._purge_sync, b, staging_expiry_secs, trash_expiry_secs)
        finally:
            self._leave(b)

    def _purge_sync(self, b: _Bucket, staging_expiry: float, trash_expiry: float) -> int:
        return self._trash.purge_bucket(b, self._clock(), staging_expiry, trash_expiry)

    def set_trash_limits(self, limits: trash.TrashLimits) -> None:
        """Bounds of every bucket's trash (the maintenance config)."""
        self._trash.limits = limits

    def _trash_added(self, b: _Bucket) -> None:
        self._trash.added(b, self._run, self._clock)

    async def _relieve(self) -> None:
        await self._run(self._space.relieve)


def _drop_rows_with_repair(conn: sqlite3.Connection, keys: Sequence[str], now: float) -> None:
    """Delete the object rows and add repair rows (a delete's intent)."""
    BucketIndex.delete(conn, keys)
    BucketIndex.add_repair(conn, keys, now)


def _drop_rows(conn: sqlite3.Connection, keys: Sequence[str]) -> None:
    """Delete the object rows and their repair rows (one transaction)."""
    BucketIndex.delete(conn, keys)
    BucketIndex.clear_repair(conn, keys)


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _part_checksum(fields: ObjectFields) -> str | None:
    return fields.checksum.value if fields.checksum is not None else None
