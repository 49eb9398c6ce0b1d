"""Opening a bucket's index safely: tell a damaged index from a busy one, set a
damaged one aside, and remember that a fresh index still needs a rebuild.

The index is derived from objects/, so a damaged one is never repaired in
place: it is renamed to `index.sqlite.corrupt-<UTC timestamp>` (with its -wal
and -shm, kept for inspection) and a fresh one is rebuilt from objects/. A
marker file (`index.rebuilding`) says "this index is incomplete" across a
restart until a rebuild finishes. Blocking; no HTTP.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable

from s3box.storage import layout
from s3box.storage.index import BucketIndex

log = logging.getLogger("s3box.storage.index")

MARKER = "index.rebuilding"
_SIDE_FILES = ("", "-wal", "-shm")
# SQLite result codes (https://www.sqlite.org/rescode.html) that mean the file
# itself is damaged, as opposed to busy, locked, full or read-only.
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26
_SCHEMA_ERRORS = ("no such table", "no such column")
_HEADER = 100


class Damaged(Exception):
    """The index file is unusable (see is_damage)."""


def is_damage(exc: BaseException) -> bool:
    """True for an error that says the index file is unusable: not a database,
    malformed/corrupt, or missing our tables or columns. Busy, locked, full and
    I/O errors are not damage (the file is fine; the moment is not)."""
    if isinstance(exc, Damaged):
        return True
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return True
    text = str(exc).lower()
    return text.startswith(_SCHEMA_ERRORS) or "malformed" in text or "not a database" in text


def check_file(path: str) -> None:
    """Cheap checks of an existing index before SQLite opens it: the header's
    page count must fit the file (a truncated copy fails here, not at the
    first query that reaches a missing page), and both tables must exist.
    Raises Damaged or sqlite3.DatabaseError; a zero-length file passes."""
    with open(path, "rb") as f:
        header = f.read(_HEADER)
        size = os.fstat(f.fileno()).st_size
    if not header:
        return
    if len(header) < _HEADER or not header.startswith(b"SQLite format 3\x00"):
        raise Damaged("file is not a database")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    # The in-header size is valid when "version-valid-for" equals the change
    # counter. With a non-empty -wal, a checkpoint may have been interrupted
    # after page 1 was written but before the file grew: SQLite finishes it
    # from the log, so only a file without a log is judged by its size.
    try:
        wal = os.path.getsize(path + "-wal")
    except FileNotFoundError:
        wal = 0
    if not wal and header[92:96] == header[24:28] and pages * page_size > size:
        raise Damaged(f"truncated: header says {pages * page_size} bytes, file has {size}")
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()
    missing = {"objects", "repair"} - names
    if missing:
        raise Damaged("no such table: " + ", ".join(sorted(missing)))


def set_aside(path: str, reason: BaseException | str) -> str:
    """Rename the damaged index (and its -wal/-shm) out of the way; returns the
    new name of the main file. Logged at WARNING with both paths."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    target = f"{path}.corrupt-{stamp}"
    n = 1
    while os.path.lexists(target):
        n += 1
        target = f"{path}.corrupt-{stamp}-{n}"
    for suffix in _SIDE_FILES:
        try:
            os.rename(path + suffix, target + suffix)
        except FileNotFoundError:
            pass
    log.warning(
        "index %s is unreadable (%s): set aside as %s; rebuilding it from objects/",
        path,
        reason,
        target,
    )
    return target


def has_objects(objects_dir: str) -> bool:
    """Whether objects/ holds anything at all (a fresh index then needs a rebuild)."""
    try:
        with os.scandir(objects_dir) as it:
            return any(True for _ in it)
    except (FileNotFoundError, NotADirectoryError):
        return False


def mark_incomplete(root: str) -> None:
    with open(os.path.join(root, MARKER), "wb") as f:
        f.write(b"index is being rebuilt from objects/\n")
        os.fsync(f.fileno())


def mark_complete(root: str) -> None:
    try:
        os.unlink(os.path.join(root, MARKER))
    except FileNotFoundError:
        pass


def open_index(
    root: str,
    open_fn: Callable[[str], BucketIndex],
) -> tuple[BucketIndex, bool]:
    """Open the bucket's index; returns it and whether it is incomplete (must be
    rebuilt before listings can trust it). A damaged index is set aside first.
    An absent or empty index over a non-empty objects/ is incomplete too (the
    rows were lost); so is one a rebuild was interrupted in (the marker)."""
    path = os.path.join(root, layout.INDEX_FILE)
    try:
        fresh = os.path.getsize(path) == 0
    except FileNotFoundError:
        fresh = True
    incomplete = os.path.exists(os.path.join(root, MARKER))
    index: BucketIndex | None = None
    set_aside_now = False
    try:
        if not fresh:
            check_file(path)
        index = open_fn(path)
    except Exception as exc:
        if not is_damage(exc):
            raise
        set_aside(path, exc)
        fresh = set_aside_now = True
    if index is None:
        index = open_fn(path)
    if fresh and not incomplete and has_objects(os.path.join(root, layout.OBJECTS)):
        if not set_aside_now:
            log.warning("index %s is missing or empty but objects/ is not: rebuilding it", path)
        incomplete = True
    if incomplete:
        mark_incomplete(root)
    return index, incomplete
