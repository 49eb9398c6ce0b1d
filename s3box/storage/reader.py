"""Reading live objects: the ObjectHandle and whole-body reads of small objects.

A handle holds the object directory open (dir fd) and opens part files relative
to it, so an overwrite or delete that renames the directory never changes what
it reads. Reads run in worker threads, one buffer per hop, with one read ahead.
No lookups, SQLite or HTTP here.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import os
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor

from s3box.records import Hasher, ObjectMeta
from s3box.storage import layout
from s3box.storage.errors import DamagedObject, InvalidStorageState

log = logging.getLogger("s3box.storage.reader")


def damaged(meta: ObjectMeta, where: str, number: int, problem: str) -> DamagedObject:
    """Log a damaged part file (WARNING, with its path) and make the error the
    client gets: 503, never a 200 with a short body."""
    log.warning(
        "object %r: part file %s is %s; answering 503 until it is restored or the "
        "object is overwritten or deleted",
        meta.key,
        os.path.join(where, layout.part_name(number)),
        problem,
    )
    return DamagedObject(
        "The object's data is damaged on the server (a part file is missing or "
        "truncated) and cannot be read.",
        key=meta.key,
    )


def check_parts(meta: ObjectMeta, where: str, dir_fd: int | None = None) -> None:
    """Before any header is sent: every part file exists and holds at least
    the bytes meta.json promises. `where` is the directory's path (for the log
    and, without dir_fd, for the stat)."""
    for part in meta.parts:
        if part.size == 0:
            continue
        name = layout.part_name(part.number)
        try:
            if dir_fd is None:
                size = os.stat(os.path.join(where, name)).st_size
            else:
                size = os.stat(name, dir_fd=dir_fd).st_size
        except FileNotFoundError:
            raise damaged(meta, where, part.number, "missing") from None
        if size < part.size:
            raise damaged(meta, where, part.number, f"truncated ({size} of {part.size} bytes)")


class Handle:
    """ObjectHandle: a dir fd on the object directory; part files are opened
    relative to it, so a rename of the directory (overwrite, delete) does not
    change what this handle reads."""

    def __init__(
        self,
        executor: Executor,
        buffer_size: int,
        meta: ObjectMeta,
        dir_fd: int | None,
        data: bytes | None,
        release: Callable[[], None] | None = None,
    ) -> None:
        self.meta = meta
        self._release = release  # lets trash purges remove the directory again
        self.data = data
        self._executor = executor
        self._buffer_size = buffer_size
        self._dir_fd = dir_fd
        self._part_fds: dict[int, int] = {}
        self._offsets: list[int] = []  # start offset of each part
        pos = 0
        for part in meta.parts:
            self._offsets.append(pos)
            pos += part.size
        self._inflight: asyncio.Future[bytes] | None = None
        self._closed = False

    async def iter_range(self, start: int, end: int) -> AsyncIterator[bytes]:
        end = min(end, self.meta.size - 1)
        if start > end:
            return
        step = self._buffer_size
        if self.data is not None:
            for pos in range(start, end + 1, step):
                yield self.data[pos : min(pos + step, end + 1)]
            return
        if self._closed:
            raise ValueError("handle closed")
        pos = start
        nxt = self._read_async(pos, min(step, end + 1 - pos))
        while True:
            chunk = await nxt
            self._inflight = None
            pos += len(chunk)
            if pos <= end:
                # Read ahead: the next chunk is read while this one is sent.
                nxt = self._read_async(pos, min(step, end + 1 - pos))
            yield chunk
            if pos > end:
                return

    def _read_async(self, pos: int, n: int) -> asyncio.Future[bytes]:
        fut = asyncio.get_running_loop().run_in_executor(self._executor, self._read_at, pos, n)
        self._inflight = fut
        return fut

    def _read_at(self, pos: int, n: int) -> bytes:
        """n bytes at object offset pos, across part boundaries (worker thread)."""
        out: list[bytes] = []
        i = bisect.bisect_right(self._offsets, pos) - 1
        parts = self.meta.parts
        while n > 0 and i < len(parts):
            part = parts[i]
            within = pos - self._offsets[i]
            take = min(n, part.size - within)
            if take <= 0:
                i += 1
                continue
            try:
                fd = self._part_fd(part.number)
                got = _pread_exact(fd, take, within)
            except (FileNotFoundError, InvalidStorageState):
                # Found mid-stream (the headers are out): the server must cut the
                # connection rather than send a short body.
                raise damaged(self.meta, "(open object)", part.number, "unreadable") from None
            out.append(got)
            pos += take
            n -= take
            if within + take >= part.size:
                self._close_part(part.number)
                i += 1
        return out[0] if len(out) == 1 else b"".join(out)

    def _part_fd(self, number: int) -> int:
        fd = self._part_fds.get(number)
        if fd is None:
            assert self._dir_fd is not None
            fd = os.open(layout.part_name(number), os.O_RDONLY | os.O_CLOEXEC, dir_fd=self._dir_fd)
            self._part_fds[number] = fd
        return fd

    def _close_part(self, number: int) -> None:
        fd = self._part_fds.pop(number, None)
        if fd is not None:
            os.close(fd)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._inflight is not None:
            try:
                await self._inflight
            except Exception:
                pass
            self._inflight = None
        for fd in self._part_fds.values():
            os.close(fd)
        self._part_fds.clear()
        if self._dir_fd is not None:
            os.close(self._dir_fd)
            self._dir_fd = None
        if self._release is not None:
            self._release()
            self._release = None


def _pread_exact(fd: int, n: int, offset: int) -> bytes:
    data = os.pread(fd, n, offset)
    if len(data) == n:
        return data
    chunks = [data]
    got = len(data)
    while got < n:
        more = os.pread(fd, n - got, offset + got)
        if not more:
            raise InvalidStorageState("part file shorter than meta.json says")
        chunks.append(more)
        got += len(more)
    return b"".join(chunks)


def read_parts(dir_fd: int, meta: ObjectMeta, where: str = "") -> bytes:
    """The whole body of a small object (worker thread). Raises DamagedObject
    for a missing or short part file."""
    chunks: list[bytes] = []
    for part in meta.parts:
        if part.size == 0:
            continue
        try:
            fd = os.open(layout.part_name(part.number), os.O_RDONLY | os.O_CLOEXEC, dir_fd=dir_fd)
        except FileNotFoundError:
            raise damaged(meta, where, part.number, "missing") from None
        try:
            chunks.append(_pread_exact(fd, part.size, 0))
        except InvalidStorageState:
            raise damaged(meta, where, part.number, "truncated") from None
        finally:
            os.close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


_HASH_BUFFER = 1 << 20  # bytes read per step while hashing a whole object


def hash_parts(dir_fd: int, meta: ObjectMeta, where: str, hasher: Hasher) -> bytes:
    """Feed every byte of the object to hasher, part by part, and return its
    digest (worker thread). Raises DamagedObject for a missing or short part file."""
    for part in meta.parts:
        if part.size == 0:
            continue
        try:
            fd = os.open(layout.part_name(part.number), os.O_RDONLY | os.O_CLOEXEC, dir_fd=dir_fd)
        except FileNotFoundError:
            raise damaged(meta, where, part.number, "missing") from None
        try:
            for offset in range(0, part.size, _HASH_BUFFER):
                hasher.update(_pread_exact(fd, min(_HASH_BUFFER, part.size - offset), offset))
        except InvalidStorageState:
            raise damaged(meta, where, part.number, "truncated") from None
        finally:
            os.close(fd)
    return hasher.digest()
