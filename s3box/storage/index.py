"""The per-bucket SQLite listing index and its visibility-repair rows.

Derived data only (objects/ is the truth): listing fields keyed by the UTF-8
bytes of the key, so SQLite's memcmp order is S3's binary order. Blocking
(call from worker threads). Writes go through a group-commit writer; reads
use a bounded connection pool. Never stores directory names; no HTTP.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from s3box.records import ListEntry, ListPage
from s3box.storage.paging import common_prefix, successor

T = TypeVar("T")

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS objects ("
    " key BLOB PRIMARY KEY, size INTEGER NOT NULL, etag TEXT NOT NULL,"
    " last_modified REAL NOT NULL, storage_class TEXT NOT NULL DEFAULT 'STANDARD',"
    " stamp REAL NOT NULL DEFAULT 0, checksum_algorithm TEXT, checksum_type TEXT"
    ") WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS repair (key BLOB PRIMARY KEY, created REAL NOT NULL) WITHOUT ROWID",
)


# Columns added after the first release, with their definitions: an older index
# gains them when opened (rows written before have NULL checksum columns until
# the object is next read, written or the index rebuilt).
_ADDED_COLUMNS = (
    ("stamp", "REAL NOT NULL DEFAULT 0"),
    ("checksum_algorithm", "TEXT"),
    ("checksum_type", "TEXT"),
)
_COLUMNS = "size, etag, last_modified, storage_class, checksum_algorithm, checksum_type"


class _Op:
    __slots__ = ("done", "error", "fn", "result")

    def __init__(self, fn: Callable[[sqlite3.Connection], Any]) -> None:
        self.fn = fn
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None


class BucketIndex:
    """index.sqlite of one bucket."""

    def __init__(self, path: str, max_connections: int = 50, *, durable: bool = False) -> None:
        self.path = path
        self._durable = durable
        self._max_readers = max(1, max_connections - 1)
        self._readers: list[sqlite3.Connection] = []
        self._reader_count = 0
        self._reader_cond = threading.Condition()
        self._closed = False
        # Called with every SQLite error a read or write raises (the bucket uses
        # it to notice a damaged file and start a rebuild); it may raise instead.
        self.on_error: Callable[[sqlite3.DatabaseError], None] | None = None
        self._writer = self._connect()
        for stmt in _SCHEMA:
            self._writer.execute(stmt)
        columns = {r[1] for r in self._writer.execute("PRAGMA table_info(objects)")}
        for name, definition in _ADDED_COLUMNS:
            if name not in columns:  # an index made by an earlier version
                self._writer.execute(f"ALTER TABLE objects ADD COLUMN {name} {definition}")
        self._write_lock = threading.Lock()
        self._pending_lock = threading.Lock()
        self._pending: list[_Op] = []
        # Repair rows whose operation completed: cleared by the next write
        # transaction (first thing in it), so a PUT or DELETE costs one commit
        # instead of two. A crash before that leaves rows that only make
        # startup repair re-check keys that are already right.
        self._deferred_clears: list[str] = []

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=30.0
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=" + ("FULL" if self._durable else "NORMAL"))
        return conn

    # ---- connections ----
    @contextmanager
    def reader(self) -> Iterator[sqlite3.Connection]:
        """A pooled read connection, used by this thread only until released."""
        conn: sqlite3.Connection | None = None
        with self._reader_cond:
            while True:
                if self._closed:
                    raise sqlite3.ProgrammingError("index closed")
                if self._readers:
                    conn = self._readers.pop()
                    break
                if self._reader_count < self._max_readers:
                    self._reader_count += 1
                    conn = None
                    break
                self._reader_cond.wait()
        if conn is None:
            try:
                conn = self._connect()
            except BaseException:
                with self._reader_cond:
                    self._reader_count -= 1
                    self._reader_cond.notify()
                raise
        try:
            yield conn
        except sqlite3.DatabaseError as exc:
            if self.on_error is not None:
                self.on_error(exc)
            raise
        finally:
            with self._reader_cond:
                if self._closed:
                    conn.close()
                else:
                    self._readers.append(conn)
                self._reader_cond.notify()

    def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run fn inside a write transaction and commit before returning.

        Group commit: callers queue their op; whoever holds the writer runs
        every queued op in one transaction, so N concurrent writers cost one
        commit. fn must be idempotent-safe to retry alone (it is re-run on its
        own if the shared transaction fails)."""
        op = _Op(fn)
        with self._pending_lock:
            self._pending.append(op)
        with self._write_lock:
            if not op.done:
                with self._pending_lock:
                    batch, self._pending = self._pending, []
                self._run_batch(batch)
        if op.error is not None:
            if isinstance(op.error, sqlite3.DatabaseError) and self.on_error is not None:
                self.on_error(op.error)
            raise op.error
        return op.result

    def defer_clear_repair(self, keys: Sequence[str]) -> None:
        """Clear these keys' repair rows in the next write transaction. Call
        it under the key's lock once the operation the rows covered is done:
        a later operation on the key adds its row after this clear runs."""
        with self._pending_lock:
            self._deferred_clears.extend(keys)

    def flush_deferred(self) -> None:
        """Run the deferred repair-row clears now (maintenance, shutdown)."""
        with self._pending_lock:
            if not self._deferred_clears:
                return
        self.write(lambda c: None)

    def _run_batch(self, batch: list[_Op]) -> None:
        conn = self._writer
        with self._pending_lock:
            clears, self._deferred_clears = self._deferred_clears, []
        try:
            conn.execute("BEGIN IMMEDIATE")
            if clears:
                BucketIndex.clear_repair(conn, clears)
            results = [op.fn(conn) for op in batch]
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if clears:
                with self._pending_lock:
                    self._deferred_clears[:0] = clears
            if len(batch) == 1:
                batch[0].error = _current_error()
                batch[0].done = True
                return
            for op in batch:  # isolate the failing op
                self._run_batch([op])
            return
        for op, result in zip(batch, results, strict=True):
            op.result = result
            op.done = True

    def close(self) -> None:
        try:
            self.flush_deferred()
        except sqlite3.Error:
            pass  # the rows stay; startup repair re-checks those keys
        with self._write_lock, self._reader_cond:
            self._closed = True
            for conn in self._readers:
                conn.close()
            self._readers.clear()
            self._writer.close()
            self._reader_cond.notify_all()

    # ---- write statements (run inside write()) ----
    @staticmethod
    def upsert(conn: sqlite3.Connection, entry: ListEntry, stamp: float | None = None) -> None:
        """Insert or replace the row of entry.key. stamp (wall-clock time of this
        write) lets a rebuild tell rows it has not seen from rows written
        while it ran."""
        conn.execute(
            f"INSERT OR REPLACE INTO objects(key, {_COLUMNS}, stamp)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry.key.encode("utf-8"),
                entry.size,
                entry.etag,
                entry.last_modified,
                entry.storage_class,
                entry.checksum_algorithm,
                entry.checksum_type,
                time.time() if stamp is None else stamp,
            ),
        )

    @staticmethod
    def delete_unstamped(conn: sqlite3.Connection, before: float) -> int:
        """Drop rows not written since `before` (the end of a rebuild)."""
        return conn.execute("DELETE FROM objects WHERE stamp < ?", (before,)).rowcount

    @staticmethod
    def delete(conn: sqlite3.Connection, keys: Iterable[str]) -> None:
        conn.executemany("DELETE FROM objects WHERE key = ?", [(k.encode("utf-8"),) for k in keys])

    @staticmethod
    def add_repair(conn: sqlite3.Connection, keys: Iterable[str], created: float) -> None:
        conn.executemany(
            "INSERT OR REPLACE INTO repair(key, created) VALUES (?, ?)",
            [(k.encode("utf-8"), created) for k in keys],
        )

    @staticmethod
    def clear_repair(conn: sqlite3.Connection, keys: Iterable[str]) -> None:
        conn.executemany("DELETE FROM repair WHERE key = ?", [(k.encode("utf-8"),) for k in keys])

    # ---- reads ----
    def get(self, key: str) -> ListEntry | None:
        with self.reader() as conn:
            r = conn.execute(
                f"SELECT {_COLUMNS} FROM objects WHERE key = ?", (key.encode("utf-8"),)
            ).fetchone()
        return None if r is None else ListEntry(key, *r)

    def keys_from(self, start: str, limit: int) -> list[str]:
        with self.reader() as conn:
            rows = conn.execute(
                "SELECT key FROM objects WHERE key >= ? ORDER BY key LIMIT ?",
                (start.encode("utf-8"), limit),
            ).fetchall()
        return [r[0].decode("utf-8") for r in rows]

    def repair_rows(self, older_than: float | None = None, limit: int = 1000) -> list[str]:
        """Keys with a visibility-repair row (created before older_than)."""
        with self.reader() as conn:
            if older_than is None:
                rows = conn.execute("SELECT key FROM repair ORDER BY key LIMIT ?", (limit,))
            else:
                rows = conn.execute(
                    "SELECT key FROM repair WHERE created < ? ORDER BY key LIMIT ?",
                    (older_than, limit),
                )
            return [r[0].decode("utf-8") for r in rows.fetchall()]

    def list_page(self, prefix: str, delimiter: str, marker: str, max_keys: int) -> ListPage:
        """One listing page (see the module-level list_page), on a pooled reader."""
        with self.reader() as conn:
            return list_page(conn, prefix, delimiter, marker, max_keys)


def _current_error() -> BaseException:
    import sys

    err = sys.exc_info()[1]
    assert err is not None
    return err


_QUERY_BOUNDED = (
    f"SELECT key, {_COLUMNS} FROM objects WHERE key >= ? AND key < ? ORDER BY key LIMIT ?"
)
_QUERY_OPEN = f"SELECT key, {_COLUMNS} FROM objects WHERE key >= ? ORDER BY key LIMIT ?"


def list_page(
    conn: sqlite3.Connection, prefix: str, delimiter: str, marker: str, max_keys: int
) -> ListPage:
    """One page of keys > marker under prefix, rolling keys up at delimiter.

    Runs one range query per emitted common prefix: after a common prefix the
    next query starts at its successor, so keys under it are never scanned."""
    if max_keys <= 0:
        return ListPage([], [], False, None)
    p = prefix.encode("utf-8")
    d = delimiter.encode("utf-8")
    m = marker.encode("utf-8")
    upper = successor(p) if p else None

    # Lower bound, inclusive. Keys must be > marker and >= prefix.
    lo = p
    if m and m >= p:
        lo = m + b"\x00"  # the smallest string greater than m
        marker_prefix = common_prefix(m, p, d) if m.startswith(p) else None
        if marker_prefix is not None:
            # The marker lies in (or is) a common prefix: skip all of it.
            nxt = successor(marker_prefix)
            if nxt is None:
                return ListPage([], [], False, None)
            lo = nxt
    if upper is not None and lo >= upper:
        return ListPage([], [], False, None)

    entries: list[ListEntry] = []
    prefixes: list[str] = []
    count = 0
    last = ""
    while True:
        limit = max_keys - count + 1
        if upper is None:
            cur = conn.execute(_QUERY_OPEN, (lo, limit))
        else:
            cur = conn.execute(_QUERY_BOUNDED, (lo, upper, limit))
        restart = False
        seen = 0
        for kb, size, etag, lm, sc, ca, ct in cur:
            seen += 1
            if count == max_keys:
                cur.close()
                return ListPage(entries, prefixes, True, last)
            cp = common_prefix(kb, p, d) if d else None
            if cp is not None:
                last = cp.decode("utf-8")
                prefixes.append(last)
                count += 1
                nxt = successor(cp)
                cur.close()
                if nxt is None or (upper is not None and nxt >= upper):
                    return ListPage(entries, prefixes, False, None)
                lo = nxt
                restart = True
                break
            last = kb.decode("utf-8")
            entries.append(ListEntry(last, size, etag, lm, sc, ca, ct))
            count += 1
        if not restart:
            if seen < limit:
                return ListPage(entries, prefixes, False, None)
            # The +1 row was consumed as an entry only if count < max_keys;
            # continue after the last key.
            lo = last.encode("utf-8") + b"\x00"
