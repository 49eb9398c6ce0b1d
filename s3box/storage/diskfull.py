"""A full disk: recognise the errors that mean "no space", free what s3box may
free (the trash), retry once, and otherwise answer StorageFull.

Every write path leaves nothing behind when it fails (staging removed, no
index row, no partial file); this module only decides whether one more attempt
is worth it. On the first "no space" the trash of every bucket is purged
whatever its age (ReadGuard still protects directories being read), then the
write is tried again; a second failure is StorageFull (507). No HTTP here.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from s3box.storage import layout, trash
from s3box.storage.errors import StorageFull

log = logging.getLogger("s3box.storage.diskfull")

T = TypeVar("T")

_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_SQLITE_FULL = 13


def is_full(exc: BaseException) -> bool:
    """ENOSPC / EDQUOT from the OS, SQLITE_FULL from SQLite, or StorageFull."""
    if isinstance(exc, StorageFull):
        return True
    if isinstance(exc, OSError):
        return exc.errno in _FULL_ERRNOS
    if isinstance(exc, sqlite3.OperationalError):
        code = getattr(exc, "sqlite_errorcode", None)
        return (code is not None and code & 0xFF == _SQLITE_FULL) or "disk is full" in str(exc)
    return False


def full_error(exc: BaseException) -> StorageFull:
    if isinstance(exc, StorageFull):
        return exc
    where = getattr(exc, "filename", None)
    log.warning("write failed for lack of space%s: %s", f" ({where})" if where else "", exc)
    return StorageFull(
        "The disk holding s3box's data is full; nothing was stored. Delete objects "
        "(their space comes back at once) and retry."
    )


class SpaceRelief:
    """Frees the trash of every bucket under base_dir/buckets when a write finds
    the disk full. One purge at a time; a writer that waited for another's
    purge just retries."""

    def __init__(self, buckets_dir: str, guard: trash.ReadGuard) -> None:
        self._buckets_dir = buckets_dir
        self._guard = guard
        self._lock = threading.Lock()
        self._purges = 0

    def relieve(self) -> None:
        """Purge all trash now (worker thread)."""
        seen = self._purges
        with self._lock:
            if self._purges != seen:
                return  # another writer purged while we waited: just retry
            removed = 0
            try:
                names = os.listdir(self._buckets_dir)
            except FileNotFoundError:
                names = []
            for name in names:
                if not name.startswith("."):
                    trash_dir = os.path.join(self._buckets_dir, name, layout.TRASH)
                    removed += trash.purge(trash_dir, time.time(), None, self._guard)
            self._purges += 1
        log.warning("disk full: removed %d trash directories early to free space", removed)

    def call(self, fn: Callable[..., T], *args: object) -> T:
        return call(self.relieve, fn, *args)


def no_relief() -> None:
    """For writers with nothing to free: the retry then just tries again."""


def call(relieve: Callable[[], None], fn: Callable[..., T], *args: object) -> T:
    """fn(*args); on "no space", relieve() and call it once more, then
    StorageFull (worker thread). fn must leave nothing behind when it fails
    (or be safe to repeat, like a pwrite at the same offset)."""
    try:
        return fn(*args)
    except Exception as exc:
        if not is_full(exc):
            raise
    relieve()
    try:
        return fn(*args)
    except Exception as exc:
        if is_full(exc):
            raise full_error(exc) from exc
        raise


async def retrying(
    relieve: Callable[[], Awaitable[None]],
    attempt: Callable[[], Awaitable[T]],
    before_retry: Callable[[], None] | None = None,
) -> T:
    """await attempt(); on "no space", relieve and attempt once more; then
    StorageFull. attempt must store nothing when it fails."""
    try:
        return await attempt()
    except Exception as exc:
        if not is_full(exc):
            raise
    await relieve()
    if before_retry is not None:
        before_retry()
    try:
        return await attempt()
    except Exception as exc:
        if is_full(exc):
            raise full_error(exc) from exc
        raise
