"""Bucket operations: CreateBucket, HeadBucket, DeleteBucket, ListBuckets, the
bucket's tags (tagging.json) and its CORS rules (in bucket.json).

A bucket is a directory under base_dir/buckets/ holding bucket.json; it is
built complete under a dot-name and renamed into place, and deleted by one
rename away. The in-memory Bucket (storage/bucket.py) is the engine's handle
on one. No HTTP here.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil

from s3box.records import BucketInfo, CorsRule
from s3box.storage import layout
from s3box.storage.bucket import Bucket
from s3box.storage.core import Core
from s3box.storage.errors import BucketAlreadyOwnedByYou, BucketNotEmpty, NoSuchBucket
from s3box.storage.fsutil import fsync_dir, new_id, read_file, rename_noreplace, write_file
from s3box.storage.index import BucketIndex
from s3box.storage.lookup import repair_all_sync
from s3box.storage.meta import bucket_from_json, bucket_json


async def list_buckets(core: Core) -> list[BucketInfo]:
    return await core.run(_list_buckets_sync, core)


def _list_buckets_sync(core: Core) -> list[BucketInfo]:
    out: list[BucketInfo] = []
    try:
        entries = list(os.scandir(core.buckets_dir))
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


async def create_bucket(core: Core, bucket: str) -> BucketInfo:
    """Raises BucketAlreadyOwnedByYou if it exists."""
    if bucket in core.buckets:
        raise BucketAlreadyOwnedByYou(bucket=bucket)
    return await core.run(core.space.call, _create_bucket_sync, core, bucket)


def _create_bucket_sync(core: Core, bucket: str) -> BucketInfo:
    """Build the complete bucket directory under a dot-name (never a valid
    bucket name), then rename it into place without replacing."""
    info = BucketInfo(name=bucket, creation_date=core.clock())
    os.makedirs(core.buckets_dir, exist_ok=True)
    tmp = os.path.join(core.buckets_dir, ".new-" + new_id())
    os.mkdir(tmp)
    try:
        for sub in (layout.OBJECTS, layout.STAGING_PUT, layout.STAGING_MULTIPART, layout.TRASH):
            os.makedirs(os.path.join(tmp, sub))
        fsync = core.options.fsync
        write_file(os.path.join(tmp, layout.BUCKET_JSON), bucket_json(info), fsync=fsync)
        if fsync:
            for sub in ("staging", ""):
                fsync_dir(os.path.join(tmp, sub))
        rename_noreplace(tmp, os.path.join(core.buckets_dir, bucket))
        if fsync:
            fsync_dir(core.buckets_dir)
    except FileExistsError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise BucketAlreadyOwnedByYou(bucket=bucket) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return info


async def head_bucket(core: Core, bucket: str) -> BucketInfo:
    """Raises NoSuchBucket. Reads bucket.json once; later calls cost no I/O
    (the server calls this on hot paths)."""
    b = await core.enter(bucket)
    core.leave(b)
    if b.info is not None:
        return b.info
    try:
        raw = await core.run(read_file, os.path.join(b.root, layout.BUCKET_JSON))
    except FileNotFoundError:
        if core.buckets.get(bucket) is b:
            del core.buckets[bucket]
        raise NoSuchBucket(bucket=bucket) from None
    b.info = bucket_from_json(bucket, raw)
    return b.info


async def delete_bucket(core: Core, bucket: str) -> None:
    """Raises NoSuchBucket, BucketNotEmpty (any live object).

    Waits for in-flight operations on the bucket (new ones wait for the
    outcome), reconciles leftover repair rows and stale rows so a self-heal
    can never leave the bucket undeletable, then renames the whole bucket
    directory away atomically and removes it."""
    b = await core.enter(bucket)
    core.leave(b)
    loop = asyncio.get_running_loop()
    b.deleting = loop.create_future()
    try:
        if b.active:
            b.idle = asyncio.Event()
            await b.idle.wait()
        await core.run(_delete_bucket_sync, core, b)
        core.buckets.pop(bucket, None)
        core.cache.invalidate_bucket(bucket)
    finally:
        fut, b.deleting, b.idle = b.deleting, None, None
        fut.set_result(None)


def _delete_bucket_sync(core: Core, b: Bucket) -> None:
    repair_all_sync(core, b, None)
    idx = b.listing_index()
    while True:
        keys = idx.keys_from("", 100)
        if not keys:
            break
        stale = [k for k in keys if core.find(b, k) is None]
        if len(stale) < len(keys):
            raise BucketNotEmpty(bucket=b.name)
        idx.write(lambda c, s=stale: BucketIndex.delete(c, s))  # type: ignore[misc]
    b.close_index()
    gone = os.path.join(core.buckets_dir, ".deleted-" + new_id())
    os.rename(b.root, gone)
    if core.options.fsync:
        fsync_dir(core.buckets_dir)
    shutil.rmtree(gone, ignore_errors=True)


async def get_bucket_tagging(core: Core, bucket: str) -> dict[str, str] | None:
    """The bucket's tags, or None when it has none. Raises NoSuchBucket."""
    async with core.entered(bucket) as b:
        return await core.run(b.read_tagging)


async def put_bucket_tagging(core: Core, bucket: str, tags: dict[str, str] | None) -> None:
    """Replace the bucket's tags atomically; None removes them."""
    async with core.entered(bucket) as b:
        await core.run(core.space.call, b.write_tagging, tags, core.options.fsync)


async def get_bucket_cors(core: Core, bucket: str) -> tuple[CorsRule, ...] | None:
    """The bucket's CORS rules, or None when it has none. Raises NoSuchBucket.
    From memory after the first read of bucket.json (every request with an
    Origin header asks)."""
    return (await head_bucket(core, bucket)).cors


async def put_bucket_cors(core: Core, bucket: str, rules: tuple[CorsRule, ...] | None) -> None:
    """Replace the bucket's CORS rules (None removes them): bucket.json is
    rewritten whole, atomically, and the in-memory copy follows."""
    info = await head_bucket(core, bucket)
    if rules is None and info.cors is None:
        return  # nothing to delete (S3 answers 204 all the same)
    async with core.entered(bucket) as b:
        updated = dataclasses.replace(info, cors=rules)
        await core.run(core.space.call, _write_bucket_json, b, updated, core.options.fsync)
        b.info = updated


def _write_bucket_json(b: Bucket, info: BucketInfo, fsync: bool) -> None:
    """A temporary file renamed over bucket.json (write_file removes a partial one)."""
    tmp = os.path.join(b.root, f".{layout.BUCKET_JSON}.{new_id()}")
    write_file(tmp, bucket_json(info), fsync=fsync)
    os.replace(tmp, os.path.join(b.root, layout.BUCKET_JSON))
    if fsync:
        fsync_dir(b.root)
