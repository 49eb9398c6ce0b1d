"""Reading objects (HeadObject, GetObject) and keeping the index true to
objects/: the self-heal after a lookup, reconciling repair rows.

objects/ is the truth. A lookup finds the key's directory and compares its
metadata with the index row; a disagreement is healed under the key's lock.
The metadata cache answers warm HEADs, and a GET of a cached object opens the
very directory the cache names (same inode) without SQLite. No HTTP here.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from functools import partial
from typing import Any

from s3box.records import ObjectMeta
from s3box.storage.bucket import Bucket
from s3box.storage.cache import CachedObject
from s3box.storage.core import Core, row_of
from s3box.storage.errors import DamagedObject, NoSuchKey
from s3box.storage.index import BucketIndex
from s3box.storage.reader import Handle, check_parts, read_parts
from s3box.storage.resolver import Found

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC


async def head_object(core: Core, bucket: str, key: str) -> ObjectMeta:
    """Metadata of a live object (cache first). Raises NoSuchBucket,
    NoSuchKey. Self-heals the index if it disagrees with objects/."""
    cached = core.cache.get((bucket, key))
    if cached is not None:
        return cached.meta
    async with core.entered(bucket) as b:
        token = core.cache.token()
        found, agrees = await core.run(lookup_sync, core, b, key, False)
        await after_lookup(core, b, key, found, agrees, token)
    if found is None:
        raise NoSuchKey(key=key)
    return found.meta


async def get_object(core: Core, bucket: str, key: str, *, prefetch_limit: int) -> Handle:
    """Open a live object for reading. If its size <= prefetch_limit the
    body is read in the same worker step and returned in handle.data."""
    ck = (bucket, key)
    b = await core.enter(bucket)
    try:
        cached = core.cache.get(ck)
        if cached is not None:
            got = await core.run(_open_cached_sync, core, cached, prefetch_limit)
            if got is not None:
                meta, fd, data, held = got
                release = None if fd is None else partial(core.guard.release, held)
                return Handle(core.bulk, core.options.buffer_size, meta, fd, data, release)
        token = core.cache.token()
        found, agrees, data = await core.run(_open_sync, core, b, key, prefetch_limit)
        await after_lookup(core, b, key, found, agrees, token)
    except DamagedObject:
        core.cache.invalidate(ck)  # so that HEAD answers like this GET
        raise
    finally:
        core.leave(b)
    if found is None:
        raise NoSuchKey(key=key)
    release = None if found.fd is None else partial(core.guard.release, found.hold)  # type: ignore[arg-type]
    return Handle(core.bulk, core.options.buffer_size, found.meta, found.fd, data, release)


def lookup_sync(core: Core, b: Bucket, key: str, keep_fd: bool) -> tuple[Found | None, bool]:
    """Find the key in objects/ and say whether the index row agrees. With
    keep_fd the directory is held (ReadGuard) until core.close_found."""
    for _ in range(3):
        found = core.find(b, key, keep_fd=keep_fd)
        if found is None or found.fd is None:
            break
        found.hold = core.guard.hold(found.fd)
        if found.hold is not None:
            break
        found.close()  # moved to trash and purged meanwhile: look again
    try:
        if found is not None:
            check_parts(found.meta, found.path, found.fd)
        row = b.index().get(key)
    except BaseException:
        if found is not None:
            core.close_found(found)
        raise
    if found is None:
        return None, row is None
    return found, row == row_of(found.meta)


async def after_lookup(
    core: Core, b: Bucket, key: str, found: Found | None, agrees: bool, token: int
) -> None:
    """Record a lookup in the cache, and heal the index if it disagreed."""
    ck = (b.name, key)
    if found is not None:
        core.cache.fill(ck, CachedObject(found.meta, found.path, found.ino), token)
    else:
        # Gone from objects/ (removed by hand, or the cached directory was
        # swapped away): a warm HEAD must not keep answering from cache.
        core.cache.invalidate(ck)
    if not agrees and ck not in core.repaired:
        await _heal(core, b, key)


async def _heal(core: Core, b: Bucket, key: str) -> None:
    """Make the index row of key agree with objects/ (under the key's lock,
    so an in-flight publish or delete of the key is not second-guessed)."""
    ck = (b.name, key)
    async with core.locks.hold(ck):
        await core.run(reconcile_sync, core, b, [key])
        core.repaired.add(ck)


def reconcile_sync(core: Core, b: Bucket, keys: Sequence[str]) -> None:
    """objects/ is the truth: upsert or delete each key's row, and drop its
    repair row, in one transaction."""
    rows = [(key, core.find(b, key)) for key in keys]

    def commit(c: sqlite3.Connection) -> None:
        for key, found in rows:
            if found is None:
                BucketIndex.delete(c, (key,))
            else:
                BucketIndex.upsert(c, row_of(found.meta))
        BucketIndex.clear_repair(c, keys)

    b.index().write(commit)


def repair_all_sync(core: Core, b: Bucket, older_than: float | None, batch: int = 1000) -> int:
    """Reconcile every visibility-repair row (startup, delete_bucket). Each
    batch's keys leave the table, so this ends."""
    done = 0
    idx = b.index()
    while True:
        keys = idx.repair_rows(older_than, batch)
        if not keys:
            return done
        reconcile_sync(core, b, keys)
        done += len(keys)


async def repair_pending(core: Core, bucket: str, *, older_than: float | None, batch: int) -> int:
    """Reconcile the repair rows created before older_than (None: all), in
    batches, each under the keys' locks (maintenance)."""
    async with core.entered(bucket) as b:
        done = 0
        while True:
            keys = await core.run(b.index().repair_rows, older_than, batch)
            if not keys:
                return done
            async with core.locks.hold_many((bucket, k) for k in keys):
                await core.run(reconcile_sync, core, b, keys)
            done += len(keys)


def found_from_hint(hint: CachedObject | None) -> Found | None:
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


def live_path(core: Core, b: Bucket, key: str, hint: CachedObject | None) -> str | None:
    """The key's live directory: the cached one when still in place, else
    looked up on disk (worker thread)."""
    f = found_from_hint(hint) or core.find(b, key)
    return f.path if f is not None else None


def _open_cached_sync(
    core: Core, cached: CachedObject, prefetch_limit: int
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
        held = core.guard.hold(fd)
    except BaseException:
        os.close(fd)
        raise
    if held is None:  # purged from trash meanwhile: look the key up
        os.close(fd)
        return None
    return cached.meta, fd, None, held


def _open_sync(
    core: Core, b: Bucket, key: str, prefetch_limit: int
) -> tuple[Found | None, bool, bytes | None]:
    found, agrees = lookup_sync(core, b, key, True)
    if found is None or found.meta.size > prefetch_limit:
        return found, agrees, None
    assert found.fd is not None
    try:
        data = read_parts(found.fd, found.meta, found.path)
    finally:
        core.close_found(found)
    return found, agrees, data
