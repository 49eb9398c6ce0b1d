"""Keeping trash/ small without pulling a directory from under a reader.

trash/<id>/ holds object directories an overwrite or delete moved away (and
retired uploads). They are removed when idle longer than `expiry`, and also,
oldest first, whenever the trash of a bucket holds more than `max_entries`
directories or `max_bytes` of space its removal would free; on a full disk
(see diskfull.py) all of it goes. A directory a GET or a copy still reads
from (ReadGuard) is never removed: a reader holds the directory's fd and opens
part files relative to it, so the directory must stay until it is done.
Blocking (worker threads); no HTTP, no SQLite.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import shutil
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger("s3box.storage.trash")

_Token = tuple[int, int]  # (st_dev, st_ino) of a directory


class ReadGuard:
    """Directories open for reading. A reader holds its directory for as long
    as it reads; a purge claims a directory before removing it and skips held
    ones. Whichever comes first wins, under one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[_Token, int] = {}
        self._claimed: set[_Token] = set()

    def hold(self, dir_fd: int) -> _Token | None:
        """Hold the directory open at dir_fd; None if a purge removes or removed
        it (the caller then looks the key up again: it moved away meanwhile)."""
        st = os.fstat(dir_fd)
        token = (st.st_dev, st.st_ino)
        with self._lock:
            if token in self._claimed:
                return None
            self._held[token] = self._held.get(token, 0) + 1
        if os.fstat(dir_fd).st_nlink == 0:  # removed before we held it
            self.release(token)
            return None
        return token

    def release(self, token: _Token | None) -> None:
        if token is None:
            return
        with self._lock:
            n = self._held.get(token, 0) - 1
            if n > 0:
                self._held[token] = n
            else:
                self._held.pop(token, None)

    def claim(self, path: str) -> _Token | None:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return None
        token = (st.st_dev, st.st_ino)
        with self._lock:
            if token in self._held:
                return None
            self._claimed.add(token)
        return token

    def unclaim(self, token: _Token) -> None:
        with self._lock:
            self._claimed.discard(token)


@dataclass(frozen=True, slots=True)
class TrashLimits:
    expiry_secs: float = 600.0
    max_entries: int = 100_000
    max_bytes: int = 1 << 30


@dataclass(slots=True)
class _Entry:
    path: str
    last_activity: float
    freed: int  # bytes its removal frees (files not linked from elsewhere)


def last_activity(path: str) -> float:
    """Newest mtime of a staging/trash dir and its direct children."""
    newest = os.stat(path).st_mtime
    for entry in os.scandir(path):
        try:
            newest = max(newest, entry.stat(follow_symlinks=False).st_mtime)
        except FileNotFoundError:
            pass
    return newest


def _scan(path: str) -> _Entry | None:
    try:
        newest = os.stat(path).st_mtime
        freed = 0
        with os.scandir(path) as it:
            for child in it:
                st = child.stat(follow_symlinks=False)
                newest = max(newest, st.st_mtime)
                if st.st_nlink == 1:  # a part also linked from a live object frees nothing
                    freed += st.st_blocks * 512
    except FileNotFoundError:
        return None
    return _Entry(path, newest, freed)


def remove(path: str, guard: ReadGuard) -> bool:
    """Remove one trash directory unless a reader holds it."""
    token = guard.claim(path)
    if token is None:
        return False
    try:
        shutil.rmtree(path, ignore_errors=True)
    finally:
        guard.unclaim(token)
    return True


def purge(trash_dir: str, now: float, limits: TrashLimits | None, guard: ReadGuard) -> int:
    """Remove what the limits say must go (limits None: everything not held).
    Returns how many directories were removed."""
    try:
        names = os.listdir(trash_dir)
    except FileNotFoundError:
        return 0
    entries = [e for e in (_scan(os.path.join(trash_dir, n)) for n in names) if e is not None]
    entries.sort(key=lambda e: e.last_activity)  # oldest first
    count = len(entries)
    total = sum(e.freed for e in entries)
    removed = 0
    for e in entries:
        if limits is not None and not (
            now - e.last_activity > limits.expiry_secs
            or count > limits.max_entries
            or total > limits.max_bytes
        ):
            break  # the rest are newer and within the limits
        if remove(e.path, guard):
            removed += 1
            count -= 1
            total -= e.freed
    return removed


def purge_staging(parents: tuple[str, ...], now: float, expiry: float) -> int:
    """Remove staging directories (abandoned PUTs and uploads) idle longer
    than expiry. Returns how many were removed."""
    removed = 0
    for parent in parents:
        try:
            entries = list(os.scandir(parent))
        except FileNotFoundError:
            continue
        for entry in entries:
            try:
                idle = now - last_activity(entry.path)
            except FileNotFoundError:
                continue
            if idle > expiry:
                shutil.rmtree(entry.path, ignore_errors=True)
                removed += 1
    return removed


class TrashCounter:
    """The directories this process moved into a bucket's trash, oldest first,
    with the bytes each held (appended from worker threads: deque appends are
    atomic), and what arrived since the last purge. Lets a write-triggered
    purge remove the oldest without listing or stat-ing the whole trash."""

    def __init__(self) -> None:
        self.recent: deque[tuple[str, int]] = deque()
        self.bytes = 0
        self.entries_since = 0
        self.bytes_since = 0
        self.purging = False

    def add(self, path: str, size: int = 0) -> None:
        self.recent.append((path, size))
        self.bytes += size
        self.entries_since += 1
        self.bytes_since += size

    def past_step(self, limits: TrashLimits) -> bool:
        """A tenth of either bound arrived since the last purge."""
        step_entries = max(1, limits.max_entries // 10)
        step_bytes = max(1, limits.max_bytes // 10)
        return self.entries_since >= step_entries or self.bytes_since >= step_bytes

    def due(self, limits: TrashLimits) -> bool:
        return not self.purging and self.past_step(limits)

    def reset(self) -> None:
        self.entries_since = self.bytes_since = 0


def purge_recent(counter: TrashCounter, limits: TrashLimits, guard: ReadGuard) -> int:
    """Remove the oldest directories this process trashed until the bucket is
    within its bounds (worker thread). Held ones stay, at the front; ones
    already gone (removed by a maintenance pass) are just forgotten."""
    removed = 0
    held: list[tuple[str, int]] = []
    recent = counter.recent
    while recent and (
        len(recent) + len(held) > limits.max_entries or counter.bytes > limits.max_bytes
    ):
        path, size = recent.popleft()
        if remove(path, guard):
            removed += 1
        elif os.path.lexists(path):
            held.append((path, size))
            continue
        counter.bytes -= size
    recent.extendleft(reversed(held))
    return removed


class _Bucket(Protocol):
    trash: str
    staging_put: str
    staging_multipart: str
    trash_count: TrashCounter


class TrashKeeper:
    """Purges of every bucket's trash: by the maintenance pass (with its
    expiry), and early, in the background, when writes push a bucket's trash
    past a tenth of a bound since its last purge."""

    def __init__(self, guard: ReadGuard, limits: TrashLimits | None = None) -> None:
        self.guard = guard
        self.limits = limits or TrashLimits()
        self.tasks: set[asyncio.Task[int]] = set()

    def purge_bucket(self, b: _Bucket, now: float, staging_expiry: float, expiry: float) -> int:
        """The maintenance pass (worker thread): expired staging, then trash by
        age and bounds. Returns how many directories went."""
        limits = dataclasses.replace(self.limits, expiry_secs=expiry)
        b.trash_count.reset()
        removed = purge_staging((b.staging_put, b.staging_multipart), now, staging_expiry)
        return removed + purge(b.trash, now, limits, self.guard)

    def added(
        self,
        b: _Bucket,
        run: Callable[..., Awaitable[Any]],
        clock: Callable[[], float],
    ) -> None:
        """After a write that moved directories into trash (event loop)."""
        if not b.trash_count.due(self.limits):
            return
        b.trash_count.purging = True
        task = asyncio.create_task(self._purge(b, run, clock))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _purge(
        self, b: _Bucket, run: Callable[..., Awaitable[Any]], clock: Callable[[], float]
    ) -> int:
        removed = 0
        try:
            while True:  # again if writes filled it past a step while this ran
                b.trash_count.reset()
                removed += await run(purge_recent, b.trash_count, self.limits, self.guard)
                if not b.trash_count.past_step(self.limits):
                    return removed
        finally:
            b.trash_count.purging = False
