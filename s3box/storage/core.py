"""The engine's shared state, in one place: buckets, key locks, the metadata
cache, the worker pools, the trash and disk-full relief.

Every operation module (bucket_ops, publish, lookup, deletes, copying,
multipart, listing, rebuild, maintenance) is a set of functions over a `Core`;
the `Engine` facade owns one. Also the few helpers they all use: entering a
bucket, finding a key's directory, an object's index row. No HTTP here.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from s3box.records import ListEntry, ObjectMeta
from s3box.storage import diskfull, layout, resolver, trash
from s3box.storage.bucket import Bucket
from s3box.storage.cache import MetaCache, RepairSuppression
from s3box.storage.errors import NoSuchBucket
from s3box.storage.locks import KeyLocks
from s3box.storage.meta import listed_checksum
from s3box.storage.resolver import Found

T = TypeVar("T")


@dataclass(slots=True)
class EngineOptions:
    sqlite_max_connections: int = 50
    meta_cache_capacity: int = 200_000
    sqlite_repair_cache_capacity: int = 200_000
    fsync: bool = False
    buffer_size: int = 1024 * 1024  # bytes per worker-thread write/read step


class Core:
    """What every engine operation shares. Event-loop side except where a
    method says "worker thread"."""

    def __init__(
        self,
        base_dir: Path,
        options: EngineOptions,
        *,
        clock: Callable[[], float] = time.time,
        hash_fn: layout.HashFn = layout.key_hash,
        threads: int = 32,
        bulk_initializer: Callable[[], None] | None = None,
    ) -> None:
        self.base_dir = Path(base_dir)
        self.options = options
        self.buckets_dir = str(self.base_dir / "buckets")
        self.clock = clock
        self.hash = hash_fn
        # Small steps (lookups, small PUTs, SQLite) and large-body streaming use separate
        # pools, so their threads can be placed differently (see bulk_initializer).
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="s3box-storage")
        self.bulk = ThreadPoolExecutor(
            threads, thread_name_prefix="s3box-bulk", initializer=bulk_initializer
        )
        self.locks = KeyLocks()
        self.cache = MetaCache(options.meta_cache_capacity)
        self.repaired = RepairSuppression(options.sqlite_repair_cache_capacity)
        self.buckets: dict[str, Bucket] = {}
        self.rebuilds: dict[str, tuple[asyncio.Task[None], threading.Event]] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self.guard = trash.ReadGuard()  # directories being read: purges skip them
        self.space = diskfull.SpaceRelief(self.buckets_dir, self.guard)
        self.trash = trash.TrashKeeper(self.guard)  # limits: from the maintenance config
        self.recoveries: set[asyncio.Task[None]] = set()
        # Bucket.notify (from any thread): the bucket's index is damaged or
        # incomplete. Set by the engine to the rebuild module's recovery.
        self.index_trouble: Callable[[Bucket], None] | None = None
        # Told the bucket of each rebuild the engine starts by itself (metrics).
        self.on_recovery_rebuild: Callable[[str], None] | None = None

    def run(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """Run fn(*args) in the small-steps pool."""
        return asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)

    def bucket(self, name: str) -> Bucket:
        """The bucket, from memory or bucket.json on disk. Raises NoSuchBucket."""
        b = self.buckets.get(name)
        if b is not None:
            return b
        if not name or "/" in name or name.startswith(".") or "\x00" in name:
            raise NoSuchBucket(bucket=name)
        root = os.path.join(self.buckets_dir, name)
        if not os.path.isfile(os.path.join(root, layout.BUCKET_JSON)):
            raise NoSuchBucket(bucket=name)
        b = self.buckets[name] = Bucket(root, name, self.options, self._notify)
        return b

    def _notify(self, b: Bucket) -> None:
        if self.index_trouble is not None:
            self.index_trouble(b)

    async def enter(self, name: str) -> Bucket:
        """Register an operation on the bucket (see leave); waits out a
        concurrent delete_bucket and then re-resolves the bucket."""
        while True:
            b = self.bucket(name)
            if b.deleting is None:
                b.active += 1
                return b
            await asyncio.shield(b.deleting)

    def leave(self, b: Bucket) -> None:
        b.active -= 1
        if b.active == 0 and b.idle is not None:
            b.idle.set()

    @asynccontextmanager
    async def entered(self, name: str) -> AsyncIterator[Bucket]:
        """`async with core.entered(bucket) as b`: enter, then leave however it ends."""
        b = await self.enter(name)
        try:
            yield b
        finally:
            self.leave(b)

    def leaf(self, b: Bucket, key: str) -> tuple[str, str]:
        """The key's fanout leaf directory and its hash."""
        h = self.hash(b.name, key)
        return layout.leaf_dir(b.objects, h), h

    def find(self, b: Bucket, key: str, *, keep_fd: bool = False) -> Found | None:
        """The key's live directory (worker thread)."""
        leaf, h = self.leaf(b, key)
        return resolver.find(leaf, h, key, keep_fd=keep_fd)

    def close_found(self, found: Found) -> None:
        """Release the read hold of a looked-up directory and close its fd."""
        self.guard.release(found.hold)  # type: ignore[arg-type]
        found.hold = None
        found.close()

    def trash_added(self, b: Bucket) -> None:
        """Something went to the bucket's trash: purge soon if over the limits."""
        self.trash.added(b, self.run, self.clock)

    async def relieve(self) -> None:
        """Free space (the trash) after a write found the disk full."""
        await self.run(self.space.relieve)


def row_of(meta: ObjectMeta) -> ListEntry:
    """The index row (listing entry) an object's metadata makes."""
    f = meta.fields
    c = f.checksum
    if c is None:
        return ListEntry(meta.key, meta.size, meta.etag, meta.last_modified, f.storage_class)
    algorithm, type_ = listed_checksum(c.algorithm, c.type)
    return ListEntry(
        meta.key, meta.size, meta.etag, meta.last_modified, f.storage_class, algorithm, type_
    )
