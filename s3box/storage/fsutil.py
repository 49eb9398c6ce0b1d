"""Filesystem primitives the engine builds on: atomic directory swaps, fsync.

Linux renameat2(RENAME_EXCHANGE / RENAME_NOREPLACE) through ctypes, with a
documented fallback where the kernel or filesystem lacks it. Plain files and
directories only: no HTTP, no SQLite, no knowledge of keys or buckets.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import random
import secrets
import sys
from collections.abc import Callable

_AT_FDCWD = -100
_RENAME_NOREPLACE = 1
_RENAME_EXCHANGE = 2


def _load_renameat2() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


# Test-only: when set, behave as on a platform without renameat2 (the fallback
# paths run on a filesystem that has it). Never set it outside tests.
NO_RENAMEAT2_ENV = "S3BOX_TEST_NO_RENAMEAT2"
_renameat2 = None if os.environ.get(NO_RENAMEAT2_ENV) else _load_renameat2()
# Flipped off the first time the kernel/filesystem answers EINVAL or ENOSYS, so
# a filesystem without renameat2 costs one failed syscall per process.
_exchange_supported = _renameat2 is not None


def exchange_supported() -> bool:
    return _exchange_supported


def _call_renameat2(src: str, dst: str, flags: int) -> None:
    assert _renameat2 is not None
    if _renameat2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), flags) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), src, None, dst)


def rename_exchange(a: str, b: str) -> bool:
    """Atomically swap two existing paths. Returns False (nothing done) when
    the platform or filesystem cannot do it; the caller then falls back."""
    global _exchange_supported
    if not _exchange_supported:
        return False
    try:
        _call_renameat2(a, b, _RENAME_EXCHANGE)
    except OSError as e:
        if e.errno in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            _exchange_supported = False
            return False
        raise
    return True


def rename_noreplace(src: str, dst: str) -> None:
    """Rename src to dst, failing with FileExistsError if dst exists.

    Without renameat2 this is os.rename, which still refuses to replace a
    non-empty directory (ENOTEMPTY), and object directories are never empty."""
    if _exchange_supported:
        try:
            _call_renameat2(src, dst, _RENAME_NOREPLACE)
            return
        except OSError as e:
            if e.errno not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
                if e.errno in (errno.EEXIST, errno.ENOTEMPTY):
                    raise FileExistsError(e.errno, e.strerror, dst) from None
                raise
    try:
        os.rename(src, dst)
    except OSError as e:
        if e.errno in (errno.EEXIST, errno.ENOTEMPTY):
            raise FileExistsError(e.errno, e.strerror, dst) from None
        raise


def fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_all(fd: int, data: bytes | bytearray | memoryview) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def pwrite_all(fd: int, data: bytes | bytearray | memoryview, offset: int) -> None:
    """Write all of data at offset (the file position is not used or moved)."""
    view = memoryview(data)
    while view:
        n = os.pwrite(fd, view, offset)
        view = view[n:]
        offset += n


def write_file(path: str, data: bytes, *, fsync: bool = False, dir_fd: int | None = None) -> None:
    """Create a new file (must not exist) holding exactly data."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644, dir_fd=dir_fd)
    try:
        write_all(fd, data)
        if fsync:
            os.fsync(fd)
    except BaseException:
        os.close(fd)
        try:  # never leave a partial file (a full disk, for one)
            os.unlink(path, dir_fd=dir_fd)
        except FileNotFoundError:
            pass
        raise
    os.close(fd)


def read_file(path: str, *, dir_fd: int | None = None) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC, dir_fd=dir_fd)
    try:
        chunks = []
        while True:
            b = os.read(fd, 1 << 16)
            if not b:
                break
            chunks.append(b)
        return b"".join(chunks)
    finally:
        os.close(fd)


def new_id() -> str:
    """An unguessable id, safe as a directory name (upload ids: clients hold them)."""
    return secrets.token_hex(16)


# Names of staging and trash directories only need to be unique, not secret: 128 bits from
# a generator seeded from os.urandom (again in a forked child) cost no system call, where
# os.urandom costs one and, in a worker thread, a GIL release and re-acquire.
_names = random.Random()
os.register_at_fork(after_in_child=_names.seed)


def unique_name() -> str:
    """A unique name for a staging, trash or temporary file or directory (not secret)."""
    return f"{_names.getrandbits(128):032x}"


def makedirs_tracked(path: str) -> list[str]:
    """os.makedirs that returns the directories it created (outermost first),
    so the caller can fsync their parents."""
    created: list[str] = []
    missing: list[str] = []
    p = path
    while not os.path.isdir(p):
        missing.append(p)
        parent = os.path.dirname(p)
        if parent == p:
            break
        p = parent
    for d in reversed(missing):
        try:
            os.mkdir(d)
            created.append(d)
        except FileExistsError:
            pass
    return created
