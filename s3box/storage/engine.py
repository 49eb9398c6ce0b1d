"""The storage engine's facade: one async method per storage operation, named
after the S3 operation it serves, plus the engine's own lifecycle.

Each method delegates to the module that owns the logic (bucket_ops, publish,
lookup, deletes, copying, listing, multipart, rebuild, maintenance); their
shared state is one `Core` (storage/core.py). Never HTTP, XML or auth:
callers pass plain values and get records from `s3box.records` or typed
errors from `s3box.storage.errors`. Blocking work (files, SQLite, hashing)
runs in the engine's worker threads in coarse steps; coroutines only await.

CONTRACT (the server codes against this; internals are free to change):
- All methods are coroutines on the server's event loop.
- Bucket names arrive already validated by the protocol layer; keys are
  arbitrary str (<= 1024 UTF-8 bytes, validated by the caller).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterable, Callable, Sequence
from functools import partial
from pathlib import Path

from s3box.records import (
    BucketInfo,
    ChecksumRecord,
    CorsRule,
    DeleteResult,
    Hasher,
    ListPage,
    ObjectFields,
    ObjectMeta,
    PartRecord,
    UploadInfo,
    UploadsPage,
    WriteCondition,
)
from s3box.storage import (
    bucket_ops,
    copying,
    deletes,
    layout,
    listing,
    lookup,
    maintenance,
    multipart,
    publish,
    rebuild,
    trash,
)
from s3box.storage.core import Core, EngineOptions
from s3box.storage.errors import IndexUnavailable
from s3box.storage.reader import Handle


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
        self.core = Core(
            base_dir,
            options or EngineOptions(),
            clock=clock,
            hash_fn=hash_fn,
            threads=threads,
            bulk_initializer=bulk_initializer,
        )
        self.core.index_trouble = partial(rebuild.index_trouble, self.core)

    @property
    def on_recovery_rebuild(self) -> Callable[[str], None] | None:
        """Told the bucket of each rebuild the engine starts by itself (metrics)."""
        return self.core.on_recovery_rebuild

    @on_recovery_rebuild.setter
    def on_recovery_rebuild(self, fn: Callable[[str], None] | None) -> None:
        self.core.on_recovery_rebuild = fn

    # ---- lifecycle ----
    async def start(self) -> None:
        """Create base_dir/buckets if missing, open indexes lazily, and process
        every visibility-repair row of every bucket (startup repair)."""
        core = self.core
        core.loop = asyncio.get_running_loop()
        await core.run(os.makedirs, core.buckets_dir, 0o755, True)
        for info in await self.list_buckets():
            b = core.bucket(info.name)
            try:
                await core.run(lookup.repair_all_sync, core, b, None)
            except IndexUnavailable:
                pass  # damaged index: set aside and rebuilt in the background

    async def close(self) -> None:
        """Wait for in-flight engine work, close SQLite connections and threads."""
        core = self.core
        core.loop = None  # no new recoveries
        for _, cancel in list(core.rebuilds.values()):
            cancel.set()
        await asyncio.gather(*list(core.recoveries), *core.trash.tasks, return_exceptions=True)
        for task, cancel in list(core.rebuilds.values()):
            cancel.set()
            await asyncio.gather(task, return_exceptions=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, core.pool.shutdown, True)
        await loop.run_in_executor(None, core.bulk.shutdown, True)
        for b in core.buckets.values():
            b.close_index()
        core.buckets.clear()

    # ---- buckets ----
    async def list_buckets(self) -> list[BucketInfo]:
        return await bucket_ops.list_buckets(self.core)

    async def create_bucket(self, bucket: str) -> BucketInfo:
        return await bucket_ops.create_bucket(self.core, bucket)

    async def head_bucket(self, bucket: str) -> BucketInfo:
        return await bucket_ops.head_bucket(self.core, bucket)

    async def delete_bucket(self, bucket: str) -> None:
        await bucket_ops.delete_bucket(self.core, bucket)

    async def get_bucket_tagging(self, bucket: str) -> dict[str, str] | None:
        return await bucket_ops.get_bucket_tagging(self.core, bucket)

    async def put_bucket_tagging(self, bucket: str, tags: dict[str, str]) -> None:
        await bucket_ops.put_bucket_tagging(self.core, bucket, tags)

    async def delete_bucket_tagging(self, bucket: str) -> None:
        await bucket_ops.put_bucket_tagging(self.core, bucket, None)

    async def get_bucket_cors(self, bucket: str) -> tuple[CorsRule, ...] | None:
        return await bucket_ops.get_bucket_cors(self.core, bucket)

    async def put_bucket_cors(self, bucket: str, rules: tuple[CorsRule, ...]) -> None:
        await bucket_ops.put_bucket_cors(self.core, bucket, rules)

    async def delete_bucket_cors(self, bucket: str) -> None:
        await bucket_ops.put_bucket_cors(self.core, bucket, None)

    # ---- objects ----
    async def put_object(
        self,
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
        """PutObject: size is the declared decoded size (None when unknown);
        verify(md5 digest) checks the finished body and returns the checksum
        to store (None: none). See publish.put_object."""
        return await publish.put_object(
            self.core,
            bucket,
            key,
            body,
            size=size,
            fields=fields,
            condition=condition,
            hashers=hashers,
            verify=verify,
        )

    async def get_object(
        self, bucket: str, key: str, *, prefetch_limit: int = 256 * 1024
    ) -> Handle:
        return await lookup.get_object(self.core, bucket, key, prefetch_limit=prefetch_limit)

    async def head_object(self, bucket: str, key: str) -> ObjectMeta:
        return await lookup.head_object(self.core, bucket, key)

    async def delete_object(self, bucket: str, key: str, *, if_match: str | None = None) -> None:
        await deletes.delete_object(self.core, bucket, key, if_match=if_match)

    async def delete_objects(self, bucket: str, keys: Sequence[str]) -> list[DeleteResult]:
        return await deletes.delete_objects(self.core, bucket, keys)

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
        recompute_checksum: tuple[str, Hasher] | None = None,
    ) -> ObjectMeta:
        """CopyObject; see copying.copy_object."""
        return await copying.copy_object(
            self.core,
            src_bucket,
            src_key,
            dst_bucket,
            dst_key,
            fields=fields,
            check_source=check_source,
            condition=condition,
            recompute_checksum=recompute_checksum,
        )

    async def get_object_tagging(self, bucket: str, key: str) -> dict[str, str]:
        return (await lookup.head_object(self.core, bucket, key)).fields.tags

    async def put_object_tagging(self, bucket: str, key: str, tags: dict[str, str]) -> ObjectMeta:
        return await copying.put_object_tagging(self.core, bucket, key, tags)

    async def delete_object_tagging(self, bucket: str, key: str) -> ObjectMeta:
        return await copying.put_object_tagging(self.core, bucket, key, {})

    # ---- listings ----
    async def list_objects(
        self,
        bucket: str,
        *,
        prefix: str = "",
        delimiter: str = "",
        marker: str = "",
        max_keys: int = 1000,
    ) -> ListPage:
        return await listing.list_objects(
            self.core, bucket, prefix=prefix, delimiter=delimiter, marker=marker, max_keys=max_keys
        )

    async def list_objects_v2(
        self,
        bucket: str,
        *,
        prefix: str = "",
        delimiter: str = "",
        continuation: str | None = None,
        start_after: str = "",
        max_keys: int = 1000,
    ) -> ListPage:
        return await listing.list_objects_v2(
            self.core,
            bucket,
            prefix=prefix,
            delimiter=delimiter,
            continuation=continuation,
            start_after=start_after,
            max_keys=max_keys,
        )

    async def list_object_versions(
        self,
        bucket: str,
        *,
        prefix: str = "",
        delimiter: str = "",
        key_marker: str = "",
        max_keys: int = 1000,
    ) -> ListPage:
        return await listing.list_object_versions(
            self.core,
            bucket,
            prefix=prefix,
            delimiter=delimiter,
            key_marker=key_marker,
            max_keys=max_keys,
        )

    # ---- multipart uploads ----
    async def create_multipart_upload(self, bucket: str, key: str, fields: ObjectFields) -> str:
        return await multipart.create_multipart_upload(self.core, bucket, key, fields)

    async def get_upload(self, bucket: str, key: str, upload_id: str) -> UploadInfo:
        return await multipart.get_upload(self.core, bucket, key, upload_id)

    async def upload_part(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        part_number: int,
        body: AsyncIterable[bytes],
        *,
        size: int | None,
        hashers: Sequence[Hasher],
        verify: Callable[[bytes], ChecksumRecord | None],
    ) -> PartRecord:
        """size: the declared decoded size (None when unknown). Parts always
        stream into their data file, whatever their size."""
        return await multipart.upload_part(
            self.core, bucket, key, upload_id, part_number, body, hashers=hashers, verify=verify
        )

    async def upload_part_copy(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        part_number: int,
        src_bucket: str,
        src_key: str,
        *,
        check_source: Callable[[ObjectMeta], None] | None = None,
        byte_range: Callable[[int], tuple[int, int]] | None = None,
        hashers: Sequence[Hasher],
        verify: Callable[[bytes], ChecksumRecord | None],
    ) -> PartRecord:
        return await copying.upload_part_copy(
            self.core,
            bucket,
            key,
            upload_id,
            part_number,
            src_bucket,
            src_key,
            check_source=check_source,
            byte_range=byte_range,
            hashers=hashers,
            verify=verify,
        )

    async def list_parts(
        self, bucket: str, key: str, upload_id: str
    ) -> tuple[UploadInfo, list[PartRecord]]:
        return await multipart.list_parts(self.core, bucket, key, upload_id)

    async def list_multipart_uploads(
        self,
        bucket: str,
        *,
        prefix: str = "",
        delimiter: str = "",
        key_marker: str = "",
        upload_id_marker: str = "",
        max_uploads: int = 1000,
    ) -> UploadsPage:
        return await multipart.list_multipart_uploads(
            self.core,
            bucket,
            prefix=prefix,
            delimiter=delimiter,
            key_marker=key_marker,
            upload_id_marker=upload_id_marker,
            max_uploads=max_uploads,
        )

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
        return await multipart.complete_multipart_upload(
            self.core,
            bucket,
            key,
            upload_id,
            parts,
            condition,
            checksum=checksum,
            min_part_size=min_part_size,
        )

    async def abort_multipart_upload(self, bucket: str, key: str, upload_id: str) -> None:
        await multipart.abort_multipart_upload(self.core, bucket, key, upload_id)

    # ---- index rebuild and maintenance (no S3 operation) ----
    async def rebuild_index(self, bucket: str) -> None:
        await rebuild.rebuild_index(self.core, bucket)

    async def wait_rebuild(self, bucket: str) -> None:
        await rebuild.wait_rebuild(self.core, bucket)

    async def purge_expired(
        self, bucket: str, *, staging_expiry_secs: float, trash_expiry_secs: float
    ) -> int:
        return await maintenance.purge_expired(
            self.core,
            bucket,
            staging_expiry_secs=staging_expiry_secs,
            trash_expiry_secs=trash_expiry_secs,
        )

    async def repair_pending(self, bucket: str, *, older_than: float | None, batch: int) -> int:
        return await lookup.repair_pending(self.core, bucket, older_than=older_than, batch=batch)

    def set_trash_limits(self, limits: trash.TrashLimits) -> None:
        """Bounds of every bucket's trash (the maintenance config)."""
        self.core.trash.limits = limits
