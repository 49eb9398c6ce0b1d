"""Streamed writes of unpublished bodies into staging directories.

Buffers up to buffer_size bytes, then writes the buffer, feeds MD5 and each
extra hasher, each in its own worker-thread task (awaited together, so they run
on separate cores); the next buffer fills while the previous one flushes.
Memory per transfer stays within two buffers, taken from a small pool of
reusable fixed-size buffers: each byte is copied once into a buffer whose pages
are already mapped (no growth, no reallocation, no page faults per MiB). No
publishing, SQLite or HTTP.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor
from typing import Any, Protocol

from s3box.storage.fsutil import write_all
from s3box.storage.meta import StagedResult


class _Hasher(Protocol):
    # Fed the filled buffer itself (no one writes to it until the flush is done):
    # hashlib and the checksum hashers take any buffer, so no copy is made.
    def update(self, data: bytes | bytearray | memoryview, /) -> None: ...


class _BufferPool:
    """Idle fixed-size buffers kept for the next transfer (at most `keep` per size).
    Used from the event loop thread only."""

    def __init__(self, keep: int = 16) -> None:
        self._keep = keep
        self._free: dict[int, list[bytearray]] = {}

    def take(self, size: int) -> bytearray:
        free = self._free.get(size)
        return free.pop() if free else bytearray(size)

    def give(self, buf: bytearray) -> None:
        free = self._free.setdefault(len(buf), [])
        if len(free) < self._keep:
            free.append(buf)


_buffers = _BufferPool()


class FileStagedWrite:
    """A body streaming into `dir_path/file_name` (StagedWrite protocol).

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
        hashers: Sequence[_Hasher] = (),
        buffer_size: int = 1024 * 1024,
        fsync: bool = False,
        owns_dir: bool = True,
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
        # [the buffer being filled, the one in flight or idle]; taken on first use.
        self._bufs: list[bytearray] = []
        self._fill = 0
        self._size = 0
        self._inflight: asyncio.Future[Any] | None = None
        self._result: StagedResult | None = None
        self._aborted = False

    @property
    def result(self) -> StagedResult | None:
        return self._result

    def _run(self, fn: Callable[..., Any], *args: Any) -> Awaitable[Any]:
        return asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def write(self, data: bytes) -> None:
        if self._result is not None or self._aborted:
            raise ValueError("write after finish/abort")
        if not data:
            return
        size = self._buffer_size
        if not self._fill and len(data) >= size:
            await self._flush(data)  # immutable bytes: written and hashed as they are
            return
        if not self._bufs:
            self._bufs = [_buffers.take(size), _buffers.take(size)]
        src = memoryview(data)
        while src:
            buf = self._bufs[0]
            take = min(len(src), size - self._fill)
            buf[self._fill : self._fill + take] = src[:take]
            self._fill += take
            src = src[take:]
            if self._fill == size:
                self._fill = 0
                # _flush waits for the other buffer's flight, then flies this one:
                # the other buffer is free to fill.
                await self._flush(buf)
                self._bufs.reverse()

    async def _flush(self, chunk: bytes | bytearray | memoryview) -> None:
        """Wait for the previous flush, then start this one in the background."""
        await self._wait_inflight()
        fd = self._fd
        assert fd is not None
        self._size += len(chunk)
        tasks = [self._run(write_all, fd, chunk), self._run(self._md5.update, chunk)]
        tasks.extend(self._run(h.update, chunk) for h in self._hashers)
        self._inflight = asyncio.gather(*tasks)

    async def _wait_inflight(self) -> None:
        if self._inflight is not None:
            fut, self._inflight = self._inflight, None
            await fut

    async def finish(self) -> StagedResult:
        if self._result is not None:
            return self._result
        if self._aborted:
            raise ValueError("finish after abort")
        if self._fill:
            n, self._fill = self._fill, 0
            await self._flush(memoryview(self._bufs[0])[:n])
        await self._wait_inflight()
        self._release_buffers()
        fd, self._fd = self._fd, None
        assert fd is not None
        await self._run(_close, fd, self._fsync)
        self._result = StagedResult(size=self._size, md5_hex=self._md5.hexdigest())
        return self._result

    def _release_buffers(self) -> None:
        # Only once no flight reads them (after _wait_inflight). A flight cancelled
        # mid-way may still read a buffer in its thread: it only feeds this aborted
        # transfer, never the one that takes the buffer next.
        bufs, self._bufs = self._bufs, []
        for buf in bufs:
            _buffers.give(buf)

    async def abort(self) -> None:
        if self._aborted:
            return
        self._aborted = True
        try:
            await self._wait_inflight()
        except Exception:
            pass
        self._release_buffers()
        fd, self._fd = self._fd, None
        await self._run(self._remove, fd)

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
