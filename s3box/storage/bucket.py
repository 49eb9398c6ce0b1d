"""One bucket as the engine holds it: its paths, its lazily opened index, and
the state of that index (healthy, damaged, or incomplete until a rebuild ends).

A damaged index is noticed here (when opened, or when a query fails with a
damage error), reported to the engine through `notify` (from any thread) and
answered with IndexUnavailable; the engine then sets it aside and rebuilds.
Only listings and DeleteBucket need a complete index (objects/ answers
everything else), so only they wait for the rebuild. No HTTP here.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from s3box.records import BucketInfo
from s3box.storage import index_repair, layout
from s3box.storage.errors import IndexUnavailable
from s3box.storage.fsutil import fsync_dir, new_id, read_file, write_file
from s3box.storage.index import BucketIndex
from s3box.storage.trash import TrashCounter

if TYPE_CHECKING:
    from s3box.storage.core import EngineOptions


class Bucket:
    """Paths and lazily opened index of one bucket, plus the gate that lets
    delete_bucket wait for in-flight operations."""

    def __init__(
        self,
        root: str,
        name: str,
        options: EngineOptions,
        notify: Callable[[Bucket], None] | None = None,
    ) -> None:
        self.name = name
        self.root = root
        self.objects = os.path.join(root, layout.OBJECTS)
        self.staging_put = os.path.join(root, layout.STAGING_PUT)
        self.staging_multipart = os.path.join(root, layout.STAGING_MULTIPART)
        self.trash = os.path.join(root, layout.TRASH)
        self._options = options
        self._notify = notify
        self._index: BucketIndex | None = None
        self._index_lock = threading.Lock()
        # incomplete: the index lacks rows objects/ has (set aside, lost, or a
        # rebuild was interrupted); damaged: the open index must be replaced.
        self.incomplete = False
        self.damaged = False
        self.trash_count = TrashCounter()  # what went to trash/ since its last purge
        self.info: BucketInfo | None = None  # bucket.json, read once
        self.active = 0
        self.idle: asyncio.Event | None = None
        self.deleting: asyncio.Future[None] | None = None

    @property
    def index_path(self) -> str:
        return os.path.join(self.root, layout.INDEX_FILE)

    def index(self) -> BucketIndex:
        """The bucket's index, opened on first use (call from a worker thread).
        A damaged file is set aside and a fresh index opened in its place."""
        idx = self._index
        if idx is not None:
            return idx
        with self._index_lock:
            if self._index is None:
                idx, incomplete = index_repair.open_index(self.root, self._open)
                idx.on_error = self._index_error
                self._index = idx
                if incomplete:
                    self.incomplete = True
                    self._report()
            return self._index

    def listing_index(self) -> BucketIndex:
        """The index, for what must see every row (listings, DeleteBucket)."""
        idx = self.index()
        if self.incomplete:
            raise self._unavailable()
        return idx

    def _open(self, path: str) -> BucketIndex:
        return BucketIndex(path, self._options.sqlite_max_connections, durable=self._options.fsync)

    def _index_error(self, exc: sqlite3.DatabaseError) -> None:
        """BucketIndex.on_error: a damage error marks the index for replacement."""
        if not index_repair.is_damage(exc):
            return
        with self._index_lock:
            first = not self.damaged
            self.damaged = self.incomplete = True
        if first:
            index_repair.log.warning("index %s failed: %s", self.index_path, exc)
            self._report()
        raise self._unavailable() from exc

    def _report(self) -> None:
        if self._notify is not None:
            self._notify(self)

    def _unavailable(self) -> IndexUnavailable:
        return IndexUnavailable(
            f"The index of bucket {self.name} is being rebuilt from its objects after "
            "damage was found; listings resume when it is done. Please retry.",
            bucket=self.name,
        )

    def replace_damaged_index(self) -> None:
        """Close the damaged index, set its files aside and open a fresh one
        (marked incomplete until a rebuild ends). Worker thread."""
        with self._index_lock:
            if not self.damaged:
                return
            old, self._index = self._index, None
            if old is not None:
                old.on_error = None
                try:
                    old.close()
                except sqlite3.Error:
                    pass
            index_repair.set_aside(self.index_path, "damage found while serving")
            index_repair.mark_incomplete(self.root)
            self.damaged = False
        self.index()

    def index_rebuilt(self) -> None:
        """A rebuild of the current index finished: listings can trust it."""
        with self._index_lock:
            if self.damaged:
                return
            index_repair.mark_complete(self.root)
            self.incomplete = False

    # ---- bucket tags (tagging.json; nothing else reads it) ----
    def read_tagging(self) -> dict[str, str] | None:
        try:
            raw = read_file(os.path.join(self.root, layout.BUCKET_TAGGING))
        except FileNotFoundError:
            return None
        return dict(json.loads(raw))

    def write_tagging(self, tags: dict[str, str] | None, fsync: bool) -> None:
        """Replace the tags atomically (a temporary file renamed over the old
        one; write_file removes a partial one); None removes them."""
        path = os.path.join(self.root, layout.BUCKET_TAGGING)
        if tags is None:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
        else:
            tmp = os.path.join(self.root, f".{layout.BUCKET_TAGGING}.{new_id()}")
            write_file(tmp, json.dumps(tags, ensure_ascii=False).encode("utf-8"), fsync=fsync)
            os.replace(tmp, path)
        if fsync:
            fsync_dir(self.root)

    def close_index(self) -> None:
        with self._index_lock:
            if self._index is not None:
                self._index.on_error = None
                try:
                    self._index.close()
                except sqlite3.Error:
                    pass
                self._index = None
