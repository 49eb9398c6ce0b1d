"""Per-key asyncio mutual exclusion for publish/delete of one (bucket, key).

Locks are refcounted and dropped when nobody holds or waits, so the table
stays as small as the set of keys in flight. Event-loop only; no I/O.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Iterable
from types import TracebackType


class _Entry:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class KeyLocks:
    def __init__(self) -> None:
        self._entries: dict[Hashable, _Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def hold(self, key: Hashable) -> _Held:
        return _Held(self, (key,))

    def hold_many(self, keys: Iterable[Hashable]) -> _Held:
        """Hold several keys; they are acquired in a canonical order so two
        multi-key holders never deadlock."""
        return _Held(self, tuple(sorted(set(keys), key=repr)))

    def _enter(self, key: Hashable) -> _Entry:
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry()
        entry.users += 1
        return entry

    def _leave(self, key: Hashable, entry: _Entry) -> None:
        entry.users -= 1
        if entry.users == 0:
            del self._entries[key]


class _Held:
    __slots__ = ("_acquired", "_keys", "_locks")

    def __init__(self, locks: KeyLocks, keys: tuple[Hashable, ...]) -> None:
        self._locks = locks
        self._keys = keys
        self._acquired: list[tuple[Hashable, _Entry]] = []

    async def __aenter__(self) -> None:
        try:
            for key in self._keys:
                entry = self._locks._enter(key)
                try:
                    await entry.lock.acquire()
                except BaseException:
                    self._locks._leave(key, entry)
                    raise
                self._acquired.append((key, entry))
        except BaseException:
            self._release()
            raise

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._release()

    def _release(self) -> None:
        for key, entry in reversed(self._acquired):
            entry.lock.release()
            self._locks._leave(key, entry)
        self._acquired.clear()
