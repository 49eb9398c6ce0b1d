"""Streamed writes of unpublished bodies into staging directories.

Buffers up to buffer_size bytes, then writes the buffer, feeds MD5 and each
extra hasher, each in its own worker-thread task (awaited together, so they run
on separate cores); the next buffer fills while the previous one flushes.
Memory per transfer stays within two buffers. No publishing, SQLite or HTTP.

A lone large transfer writes each buffer as two halves in two tasks (pwrite at
their offsets): copying into fresh page-cache pages is the costliest step of a
write on a VM whose memory the host backs lazily (2.3 s of CPU per GiB measured
here, against 1.4 s for MD5). ext4 serialises the two on the inode lock; the
gain is that the second half starts as soon as the first ends, in a thread that
is already running.
With several transfers in flight the cores are busy already and each buffer
stays one write (splitting then measured slower). See
docs/decisions/large-writes.md.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor
from typing import Any

from s3box.records import Hasher
from s3box.storage import diskfull
from s3box.storage.errors import NoSuchBucket
from s3box.storage.fsutil import pwrite_all, unique_name
from s3box.storage.meta import StagedResult

# Buffers at least this large are written in two halves when one transfer is alone.
SPLIT_MIN_BYTES = 512 * 1024


_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC


def make_staging_dir(staging_put: str, bucket: str) -> str:
    """A fresh, empty directory under the bucket's staging/put/ (worker
    thread). NoSuchBucket when the bucket was deleted meanwhile."""
    path = os.path.join(staging_put, unique_name())
    try:
        os.mkdir(path)
    except FileNotFoundError:
        raise NoSuchBucket(bucket=bucket) from None
    return path


def create_file(path: str) -> int:
    """Create a new data file for writing; returns its fd (worker thread)."""
    return os.open(path, _CREATE_FLAGS, 0o644)


class FileStagedWrite:
    """An unpublished body streaming into `dir_path/file_name`.

    Hashers are fed the filled buffer itself (a bytearray no one writes to any
    more): hashlib and the checksum hashers take any buffer, so no copy is made.

    `owns_dir` says whether abort() removes the whole directory (a single PUT's
    staging dir) or just the file (a multipart part)."""

    def __init__(
        self,
        executor: Executor,
        *,
        bucket: str,
        key: str,
        dir_path: str,
        file_name: str,
        fd: int,
        hashers: Sequence[Hasher] = (),
        buffer_size: int = 1024 * 1024,
        fsync: bool = False,
        owns_dir: bool = True,
        on_full: Callable[[], None] | None = None,
    ) -> None:
        self.bucket = bucket
        self.key = key
        self.dir_path = dir_path
        self.file_name = file_name
        self._executor = executor
        self._fd: int | None = fd
        self._md5 = hashlib.md5()
        self._hashers = list(hashers)
        self._buffer_size = buffer_size
        self._fsync = fsync
        self._owns_dir = owns_dir
        # Frees space (the trash) when a write finds none.
        self._on_full = on_full or diskfull.no_relief
        self._buf = bytearray()
        self._size = 0
        self._inflight: asyncio.Future[Any] | None = None
        self._result: StagedResult | None = None
        self._aborted = False
        self._counted = False  # in FileStagedWrite.active while data flows

    # Large transfers (at least one full buffer) with data in flight, all instances:
    # the event loop is the only writer, so no lock.
    active = 0

    def _run(self, fn: Callable[..., Any], *args: Any) -> Awaitable[Any]:
        return asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def write(self, data: bytes) -> None:
        """Append bytes. Buffers up to buffer_size, then flushes (file write,
        MD5 and extra hashers) in worker threads."""
        if self._result is not None or self._aborted:
            raise ValueError("write after finish/abort")
        if not data:
            return
        if not self._buf and len(data) >= self._buffer_size:
            await self._flush(data)
            return
        self._buf += data
        if len(self._buf) >= self._buffer_size:
            # Hand the buffer itself to the flush (no copy) and start a new one.
            chunk, self._buf = self._buf, bytearray()
            await self._flush(chunk)

    async def _flush(self, chunk: bytes | bytearray) -> None:
        """Wait for the previous flush, then start this one in the background."""
        await self._wait_inflight()
        fd = self._fd
        assert fd is not None
        offset = self._size
        n = len(chunk)
        self._size += n
        if n >= self._buffer_size and not self._counted:
            self._counted = True
            FileStagedWrite.active += 1
        if FileStagedWrite.active == 1 and n >= SPLIT_MIN_BYTES:
            half = (n // 2) & ~4095  # page-aligned boundary between the two writes
            view = memoryview(chunk)
            tasks = [
                self._run(self._pwrite, fd, view[:half], offset),
                self._run(self._pwrite, fd, view[half:], offset + half),
            ]
        else:
            tasks = [self._run(self._pwrite, fd, chunk, offset)]
        tasks.append(self._run(self._md5.update, chunk))
        tasks.extend(self._run(h.update, chunk) for h in self._hashers)
        self._inflight = asyncio.gather(*tasks)

    def _pwrite(self, fd: int, data: bytes | bytearray | memoryview, offset: int) -> None:
        """pwrite_all; on a full disk free the trash and write the chunk again
        (it is still in memory), then StorageFull (worker thread)."""
        diskfull.call(self._on_full, pwrite_all, fd, data, offset)

    async def _wait_inflight(self) -> None:
        if self._inflight is not None:
            fut, self._inflight = self._inflight, None
            await fut

    async def finish(self) -> StagedResult:
        """Flush and close the file; returns size and hex MD5."""
        if self._result is not None:
            return self._result
        if self._aborted:
            raise ValueError("finish after abort")
        if self._buf:
            chunk, self._buf = self._buf, bytearray()
            await self._flush(chunk)
        await self._wait_inflight()
        self._uncount()
        fd, self._fd = self._fd, None
        assert fd is not None
        try:
            await self._run(_close, fd, self._fsync)
        except OSError as exc:
            if diskfull.is_full(exc):
                raise diskfull.full_error(exc) from exc
            raise
        self._result = StagedResult(size=self._size, md5_hex=self._md5.hexdigest())
        return self._result

    async def abort(self) -> None:
        """Remove everything this write created. Safe to call more than once,
        and after finish() when the caller decides not to publish."""
        if self._aborted:
            return
        self._aborted = True
        try:
            await self._wait_inflight()
        except Exception:
            pass
        self._uncount()
        fd, self._fd = self._fd, None
        await self._run(self._remove, fd)

    def _uncount(self) -> None:
        if self._counted:
            self._counted = False
            FileStagedWrite.active -= 1

    def _remove(self, fd: int | None) -> None:
        if fd is not None:
            os.close(fd)
        if self._owns_dir:
            shutil.rmtree(self.dir_path, ignore_errors=True)
        else:
            try:
                os.unlink(os.path.join(self.dir_path, self.file_name))
            except FileNotFoundError:
                pass


def _close(fd: int, fsync: bool) -> None:
    try:
        if fsync:
            os.fsync(fd)
    finally:
        os.close(fd)
