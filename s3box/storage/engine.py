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

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from s3box.storage.meta import (
    BucketInfo,
    DeleteResult,
    ListPage,
    ObjectFields,
    ObjectMeta,
    StagedResult,
    WriteCondition,
)


class Hasher(Protocol):
    """Anything with hashlib's update(); the engine feeds it every body byte
    in order, from a worker thread, concurrently with the file write."""

    def update(self, data: bytes, /) -> None: ...


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


class Engine:
    def __init__(self, base_dir: Path, options: EngineOptions | None = None) -> None:
        raise NotImplementedError

    async def start(self) -> None:
        """Create base_dir/buckets if missing, open indexes lazily, and process
        every visibility-repair row of every bucket (startup repair)."""
        raise NotImplementedError

    async def close(self) -> None:
        """Wait for in-flight engine work, close SQLite connections and threads."""
        raise NotImplementedError

    # ---- buckets ----
    async def list_buckets(self) -> list[BucketInfo]:
        raise NotImplementedError

    async def create_bucket(self, bucket: str) -> BucketInfo:
        """Raises BucketAlreadyOwnedByYou if it exists."""
        raise NotImplementedError

    async def head_bucket(self, bucket: str) -> BucketInfo:
        """Raises NoSuchBucket."""
        raise NotImplementedError

    async def delete_bucket(self, bucket: str) -> None:
        """Raises NoSuchBucket, BucketNotEmpty (any live object)."""
        raise NotImplementedError

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
        raise NotImplementedError

    # ---- objects ----
    async def open_put(
        self, bucket: str, key: str, hashers: Sequence[Hasher] = ()
    ) -> StagedWrite:
        """Start a streamed PUT into staging. Raises NoSuchBucket."""
        raise NotImplementedError

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
        raise NotImplementedError

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
        raise NotImplementedError

    async def head_object(self, bucket: str, key: str) -> ObjectMeta:
        """Metadata of a live object (cache first). Raises NoSuchBucket,
        NoSuchKey. Self-heals the index if it disagrees with objects/."""
        raise NotImplementedError

    async def open_object(
        self, bucket: str, key: str, *, prefetch_limit: int = 256 * 1024
    ) -> ObjectHandle:
        """Open a live object for reading. If its size <= prefetch_limit the
        body is read in the same worker step and returned in handle.data."""
        raise NotImplementedError

    async def delete_object(self, bucket: str, key: str, *, if_match: str | None = None) -> None:
        """Move the live directory into trash, then drop the index row. An absent
        key is not an error (S3 answers 204). if_match (unquoted ETag) that does
        not match -> PreconditionFailed; if_match on an absent key -> NoSuchKey."""
        raise NotImplementedError

    async def delete_objects(self, bucket: str, keys: Sequence[str]) -> list[DeleteResult]:
        """Delete up to 1000 keys in coarse batched steps; one result per key in
        request order. Raises NoSuchBucket."""
        raise NotImplementedError

    async def copy_object(
        self,
        src_bucket: str,
        src_key: str,
        dst_bucket: str,
        dst_key: str,
        *,
        fields: ObjectFields | None,
        check_source: Callable[[ObjectMeta], None] | None = None,
        condition: WriteCondition | None = None,
    ) -> ObjectMeta:
        """Server-side copy. fields=None keeps the source's fields (metadata
        directive COPY); check_source runs on the source's metadata before any
        data moves and may raise. Part files are never modified once published,
        so the copy may hard-link them. Copy onto itself with new fields
        republishes the same bytes with the new metadata."""
        raise NotImplementedError
