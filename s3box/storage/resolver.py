"""Finds or allocates the object directory of a key inside its fanout leaf.

A leaf may hold several object directories whose names share the 6 hex
digits; the one whose meta.json names the key is the key's. Blocking file I/O
(call from worker threads); no SQLite, no HTTP.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass

from s3box.records import ObjectMeta
from s3box.storage import layout
from s3box.storage.fsutil import read_file
from s3box.storage.meta import meta_from_json

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC


@dataclass(slots=True)
class Found:
    """A live object directory: its path, metadata, inode (identifies this
    exact directory even after a rename) and, if asked for, an open dir fd."""

    path: str
    meta: ObjectMeta
    ino: int
    fd: int | None = None
    hold: object = None  # the engine's ReadGuard token while fd is read from

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def open_object_dir(path: str, key: str, *, keep_fd: bool) -> Found | None:
    """Open path as an object directory and return it if its meta.json names
    key. None if it is gone, unreadable, or belongs to another key."""
    try:
        fd = os.open(path, _DIR_FLAGS)
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        raw = read_file(layout.META_JSON, dir_fd=fd)
        meta = meta_from_json(raw)
        if meta.key != key:
            os.close(fd)
            return None
        ino = os.fstat(fd).st_ino
    except (OSError, ValueError, KeyError, TypeError):
        os.close(fd)
        return None
    if keep_fd:
        return Found(path, meta, ino, fd)
    os.close(fd)
    return Found(path, meta, ino, None)


def find(leaf: str, h: str, key: str, *, keep_fd: bool = False) -> Found | None:
    """The key's live directory in leaf, or None.

    Tries the preferred name first (one open in the common case), then lists
    the leaf for collision-suffixed candidates."""
    base = layout.base_name(h)
    found = open_object_dir(os.path.join(leaf, base), key, keep_fd=keep_fd)
    if found is not None:
        return found
    try:
        names = os.listdir(leaf)
    except (FileNotFoundError, NotADirectoryError):
        return None
    for name in sorted(names):
        if name == base or not name.startswith(base):
            continue
        found = open_object_dir(os.path.join(leaf, name), key, keep_fd=keep_fd)
        if found is not None:
            return found
    return None


def allocate(leaf: str, h: str) -> str:
    """A free directory name in leaf for a key that has none yet.

    The caller publishes with a no-replace rename and calls again if it lost a
    race to another key with the same 6 digits."""
    base = layout.base_name(h)
    try:
        names = set(os.listdir(leaf))
    except FileNotFoundError:
        return base
    if base not in names:
        return base
    for _ in range(64):
        name = layout.collision_name(h)
        if name not in names:
            return name
    raise OSError(errno.ENOSPC, "no free collision suffix in leaf", leaf)
