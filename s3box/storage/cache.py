"""In-memory LRU caches of the engine: object metadata, and repair suppression.

Event-loop only (no locking); no I/O. A cache fill carries the generation read
before its lookup began, so a lookup that raced with a publish or delete can
never overwrite the newer state the writer recorded.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

from s3box.records import ObjectMeta


@dataclass(slots=True)
class CachedObject:
    meta: ObjectMeta
    path: str  # the object directory when this entry was made
    ino: int  # its inode: a reader checks it to detect a swap since


class MetaCache:
    """(bucket, key) -> CachedObject, LRU-bounded.

    Writers call set()/invalidate(); readers call token() before a lookup and
    fill(..., token) after. Each writer change records the key's generation in
    a bounded table of recent changes; a fill older than the key's last change
    (or older than anything forgotten from that table) is dropped."""

    def __init__(self, capacity: int, recent_changes: int = 65536) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[Hashable, CachedObject] = OrderedDict()
        self._gen = 0
        self._changed: OrderedDict[Hashable, int] = OrderedDict()
        self._changed_cap = max(1, recent_changes)
        self._forgotten_gen = 0  # highest generation dropped from _changed

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> CachedObject | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def token(self) -> int:
        return self._gen

    def fill(self, key: Hashable, value: CachedObject, token: int) -> bool:
        """Insert what a lookup that started at `token` found, unless the key
        changed since. Returns whether it was stored."""
        if token < self._forgotten_gen:
            return False
        changed = self._changed.get(key)
        if changed is not None and changed > token:
            return False
        self._store(key, value)
        return True

    def set(self, key: Hashable, value: CachedObject) -> None:
        self._note_change(key)
        self._store(key, value)

    def invalidate(self, key: Hashable) -> None:
        self._note_change(key)
        self._entries.pop(key, None)

    def invalidate_bucket(self, bucket: str) -> None:
        for key in [k for k in self._entries if isinstance(k, tuple) and k[0] == bucket]:
            self.invalidate(key)
        # Fills for keys we never cached may still be in flight: age them all.
        self._gen += 1
        self._forgotten_gen = self._gen

    def _note_change(self, key: Hashable) -> None:
        self._gen += 1
        self._changed[key] = self._gen
        self._changed.move_to_end(key)
        while len(self._changed) > self._changed_cap:
            _, gen = self._changed.popitem(last=False)
            self._forgotten_gen = max(self._forgotten_gen, gen)

    def _store(self, key: Hashable, value: CachedObject) -> None:
        if self.capacity <= 0:
            return
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)


class RepairSuppression:
    """Keys whose index row was repaired recently; an LRU set so a row that
    keeps disagreeing is not repaired on every request."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._keys: OrderedDict[Hashable, None] = OrderedDict()

    def __contains__(self, key: Hashable) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: Hashable) -> None:
        if self.capacity <= 0:
            return
        self._keys[key] = None
        self._keys.move_to_end(key)
        while len(self._keys) > self.capacity:
            self._keys.popitem(last=False)

    def discard(self, key: Hashable) -> None:
        self._keys.pop(key, None)
