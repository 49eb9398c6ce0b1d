"""Deleting objects (DeleteObject, DeleteObjects): live directories move into
trash/ (atomic per object) and their index rows go.

Each delete commits its intent first (row gone, repair row added), renames,
then clears the repair row lazily, so a crash in between is reconciled from
objects/ at startup or by maintenance. No HTTP here.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Sequence

from s3box.records import DeleteResult, unquote_etag
from s3box.storage import faults
from s3box.storage.bucket import Bucket
from s3box.storage.bucket_ops import head_bucket
from s3box.storage.cache import CachedObject
from s3box.storage.core import Core
from s3box.storage.errors import NoSuchKey, PreconditionFailed, StorageError
from s3box.storage.fsutil import fsync_dir, unique_name
from s3box.storage.index import BucketIndex
from s3box.storage.lookup import live_path, reconcile_sync

# Worker chunks a large DeleteObjects trashes its keys in, at most.
DELETE_PARALLELISM = 4


async def delete_object(core: Core, bucket: str, key: str, *, if_match: str | None) -> None:
    """Move the live directory into trash, then drop the index row. An absent
    key is not an error (S3 answers 204). if_match (unquoted ETag) that does
    not match -> PreconditionFailed; if_match on an absent key -> NoSuchKey."""
    ck = (bucket, key)
    async with core.entered(bucket) as b, core.locks.hold(ck):
        hint = core.cache.get(ck)
        err = await core.run(core.space.call, _delete_one_sync, core, b, key, hint, if_match)
        core.cache.invalidate(ck)
        core.repaired.discard(ck)
        core.trash_added(b)
    if err is not None:
        raise err


def _delete_one_sync(
    core: Core, b: Bucket, key: str, hint: CachedObject | None, if_match: str | None
) -> StorageError | None:
    if if_match is not None:
        f = core.find(b, key)
        if f is None:
            return NoSuchKey(key=key)
        if unquote_etag(if_match) not in ("*", f.meta.etag):
            return PreconditionFailed("If-Match does not match the current ETag")
        path: str | None = f.path
    else:
        path = live_path(core, b, key, hint)
    idx = b.index()
    if path is None:
        idx.write(lambda c: _drop_rows(c, (key,)))
        return None
    now = core.clock()
    # One commit before the rename into trash (row gone, repair row
    # added); the repair row is cleared lazily once the rename landed.
    idx.write(lambda c: _drop_rows_with_repair(c, (key,), now))
    faults.hit("delete.after_repair_row")
    failed = trash_dirs(core, b, [path])
    faults.hit("delete.after_trash")
    if failed:
        reconcile_sync(core, b, [key])
        raise next(iter(failed.values()))
    idx.defer_clear_repair((key,))
    faults.hit("delete.before_ack")
    return None


async def delete_objects(core: Core, bucket: str, keys: Sequence[str]) -> list[DeleteResult]:
    """Delete up to 1000 keys in coarse batched steps; one result per key in
    request order. Raises NoSuchBucket, also when no key is given (a
    DeleteObjects whose every key names a version that does not exist).

    Three worker hops whatever the count: repair rows for every key (one
    transaction), then find-and-trash in a few parallel chunks, then drop
    every row in one transaction."""
    await head_bucket(core, bucket)
    if not keys:
        return []
    unique = list(dict.fromkeys(keys))
    errors: dict[str, BaseException] = {}
    cks = [(bucket, k) for k in unique]
    async with core.entered(bucket) as b, core.locks.hold_many(cks):
        hints = [core.cache.get(ck) for ck in cks]
        idx = await core.run(b.index)
        now = core.clock()
        await core.run(core.space.call, idx.write, lambda c: _drop_rows_with_repair(c, unique, now))
        n = max(1, min(DELETE_PARALLELISM, len(unique) // 128))
        # Striding spreads keys evenly; order does not matter here.
        chunks = [(unique[i::n], hints[i::n]) for i in range(n)]
        for chunk_errors in await asyncio.gather(
            *(core.run(_trash_keys_sync, core, b, ks, hs) for ks, hs in chunks)
        ):
            errors.update(chunk_errors)
        gone = [k for k in unique if k not in errors]
        if errors:  # their rows went ahead: put them back from disk
            await core.run(reconcile_sync, core, b, list(errors))
        idx.defer_clear_repair(gone)
        for ck in cks:
            core.cache.invalidate(ck)
            core.repaired.discard(ck)
        core.trash_added(b)
    out: list[DeleteResult] = []
    for k in keys:
        e = errors.get(k)
        if e is None:
            out.append(DeleteResult(k))
        else:
            code = e.code if isinstance(e, StorageError) else "InternalError"
            out.append(DeleteResult(k, code, str(e)))
    return out


def _trash_keys_sync(
    core: Core, b: Bucket, keys: Sequence[str], hints: Sequence[CachedObject | None]
) -> dict[str, BaseException]:
    errors: dict[str, BaseException] = {}
    key_of: dict[str, str] = {}  # live path -> key
    for key, hint in zip(keys, hints, strict=True):
        try:
            path = live_path(core, b, key, hint)
        except OSError as e:
            errors[key] = e
            continue
        if path is not None:
            key_of[path] = key
    for path, err in trash_dirs(core, b, list(key_of)).items():
        errors[key_of[path]] = err
    return errors


def trash_dirs(core: Core, b: Bucket, paths: Sequence[str]) -> dict[str, Exception]:
    """Rename each live directory into trash/<id> (atomic per object).
    Returns the paths that failed; a path already gone counts as done."""
    failed: dict[str, Exception] = {}
    for path in paths:
        try:
            dst = os.path.join(b.trash, unique_name())
            core.space.call(os.rename, path, dst)
            b.trash_count.add(dst)
        except FileNotFoundError:
            pass
        except (OSError, StorageError) as e:
            failed[path] = e
    if core.options.fsync and paths:
        for d in {os.path.dirname(p) for p in paths}:
            fsync_dir(d)
        fsync_dir(b.trash)
    return failed


def _drop_rows_with_repair(conn: sqlite3.Connection, keys: Sequence[str], now: float) -> None:
    """Delete the object rows and add repair rows (a delete's intent)."""
    BucketIndex.delete(conn, keys)
    BucketIndex.add_repair(conn, keys, now)


def _drop_rows(conn: sqlite3.Connection, keys: Sequence[str]) -> None:
    """Delete the object rows and their repair rows (one transaction)."""
    BucketIndex.delete(conn, keys)
    BucketIndex.clear_repair(conn, keys)
