"""Rebuilding a bucket's SQLite index from the objects/ tree (the truth).

Streams the fanout tree level by level (memory bounded by one directory
listing), upserts every object with a fresh stamp, then deletes rows whose
stamp predates the rebuild. Blocking; no HTTP.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from s3box.storage import faults, layout
from s3box.storage.errors import NoSuchBucket
from s3box.storage.fsutil import read_file
from s3box.storage.index import BucketIndex, Row
from s3box.storage.meta import ObjectMeta

log = logging.getLogger("s3box.storage.rebuild")

PROGRESS_EVERY = 100
BATCH = 500


class Cancelled(Exception):
    """The rebuild was cancelled cooperatively (e.g. on shutdown)."""


def iter_object_metas(objects_dir: str) -> Iterator[ObjectMeta]:
    """Every readable live object under objects/, depth first, one directory
    listing in memory per level."""

    def walk(path: str, depth: int) -> Iterator[ObjectMeta]:
        try:
            names = sorted(os.listdir(path))
        except (FileNotFoundError, NotADirectoryError):
            return
        for name in names:
            child = os.path.join(path, name)
            if depth < 4:
                yield from walk(child, depth + 1)
                continue
            if not layout.is_valid_object_dir_name(name):
                continue
            try:
                yield ObjectMeta.from_json(read_file(os.path.join(child, layout.META_JSON)))
            except (OSError, ValueError, KeyError, TypeError):
                continue

    yield from walk(objects_dir, 0)


def rebuild(
    index: BucketIndex,
    objects_dir: str,
    bucket: str = "",
    cancel: threading.Event | None = None,
    write_batch: Callable[[list[ObjectMeta]], None] | None = None,
) -> int:
    """Re-derive index rows from objects/; returns how many objects it saw.

    write_batch, if given, stores each batch instead (the online rebuild
    passes one that takes the keys' locks and re-checks each key)."""
    started = time.time()
    count = 0
    batch: list[ObjectMeta] = []

    def flush() -> None:
        items = list(batch)
        batch.clear()
        if write_batch is not None:
            write_batch(items)
            return

        def write(c: sqlite3.Connection) -> None:
            now = time.time()
            for m in items:
                row = Row(m.size, m.etag, m.last_modified, m.fields.storage_class)
                BucketIndex.upsert(c, m.key, row, now)

        index.write(write)

    for meta in iter_object_metas(objects_dir):
        if cancel is not None and cancel.is_set():
            raise Cancelled(bucket)
        batch.append(meta)
        count += 1
        if len(batch) >= BATCH:
            flush()
            faults.hit("rebuild.after_batch")
        if count % PROGRESS_EVERY == 0:
            log.info("rebuild %s: %d objects indexed", bucket, count)
    if batch:
        flush()
    faults.hit("rebuild.before_sweep")
    removed = index.write(lambda c: BucketIndex.delete_unstamped(c, started))
    log.info("rebuild %s: done, %d objects, %d stale rows removed", bucket, count, removed)
    return count


def rebuild_index_offline(base_dir: Path, bucket: str) -> int:
    """Rebuild one bucket's index while no server runs (the CLI command)."""
    root = os.path.join(base_dir, "buckets", bucket)
    if bucket.startswith(".") or not os.path.isfile(os.path.join(root, layout.BUCKET_JSON)):
        raise NoSuchBucket(f"no such bucket: {bucket}")
    index = BucketIndex(os.path.join(root, layout.INDEX_FILE), 2)
    try:
        return rebuild(index, os.path.join(root, layout.OBJECTS), bucket)
    finally:
        index.close()
