"""The metadata cache (LRU, race-safe fills) and per-key locks."""

from __future__ import annotations

import asyncio

import pytest

from s3box.records import ObjectFields, ObjectMeta
from s3box.storage import lookup
from s3box.storage.cache import CachedObject, MetaCache, RepairSuppression
from s3box.storage.engine import Engine
from s3box.storage.errors import NoSuchKey
from s3box.storage.locks import KeyLocks

from .conftest import put


def entry(etag: str) -> CachedObject:
    return CachedObject(ObjectMeta("k", 1, etag, 0.0, ObjectFields(), []), "/p", 1)


def test_fill_from_a_lookup_older_than_a_write_is_dropped():
    cache = MetaCache(10)
    token = cache.token()  # a lookup starts...
    cache.set("k", entry("new"))  # ...a publish lands...
    assert not cache.fill("k", entry("old"), token)  # ...the old result loses
    got = cache.get("k")
    assert got is not None and got.meta.etag == "new"


def test_fill_after_delete_does_not_resurrect_the_key():
    cache = MetaCache(10)
    cache.set("k", entry("v1"))
    token = cache.token()
    cache.invalidate("k")
    assert not cache.fill("k", entry("v1"), token)
    assert cache.get("k") is None


def test_fill_is_dropped_when_its_change_record_was_forgotten():
    cache = MetaCache(10, recent_changes=2)
    token = cache.token()
    for k in ("k", "a", "b", "c"):
        cache.invalidate(k)
    assert not cache.fill("k", entry("old"), token)
    assert cache.fill("k", entry("fresh"), cache.token())


def test_cache_evicts_least_recently_used():
    cache = MetaCache(2)
    cache.set("a", entry("a"))
    cache.set("b", entry("b"))
    cache.get("a")
    cache.set("c", entry("c"))
    assert cache.get("b") is None and cache.get("a") is not None and len(cache) == 2


def test_repair_suppression_is_bounded():
    s = RepairSuppression(2)
    for k in ("a", "b", "c"):
        s.add(k)
    assert "a" not in s and "c" in s and len(s) == 2


def test_engine_cache_follows_put_overwrite_delete(run_engine):
    async def t(e: Engine):
        await put(e, "k", b"1")
        assert (await e.head_object("b", "k")).size == 1
        await put(e, "k", b"22")
        assert (await e.head_object("b", "k")).size == 2
        await e.copy_object("b", "k", "b", "k", fields=ObjectFields(content_type="t/x"))
        assert (await e.head_object("b", "k")).fields.content_type == "t/x"
        await e.delete_object("b", "k")
        with pytest.raises(NoSuchKey):
            await e.head_object("b", "k")
        await put(e, "j", b"1")
        await e.delete_objects("b", ["j"])
        with pytest.raises(NoSuchKey):
            await e.head_object("b", "j")

    run_engine(t)


def test_warm_head_reads_neither_sqlite_nor_meta_json(run_engine, monkeypatch):
    async def t(e: Engine):
        await put(e, "k", b"1")

        def boom(*args):
            raise AssertionError("lookup on a warm hit")

        monkeypatch.setattr(lookup, "lookup_sync", boom)
        assert (await e.head_object("b", "k")).size == 1
        handle = await e.get_object("b", "k")
        assert handle.data == b"1"
        await handle.close()

    run_engine(t)


def test_cache_is_dropped_with_the_bucket(run_engine):
    async def t(e: Engine):
        await put(e, "k", b"1")
        await e.delete_object("b", "k")
        await e.delete_bucket("b")
        await e.create_bucket("b")
        with pytest.raises(NoSuchKey):
            await e.head_object("b", "k")

    run_engine(t)


def test_key_locks_serialise_one_key_and_leave_no_entries():
    async def main() -> None:
        locks = KeyLocks()
        order: list[str] = []

        async def hold(key: str, tag: str) -> None:
            async with locks.hold(key):
                order.append(tag + "-in")
                await asyncio.sleep(0)
                order.append(tag + "-out")

        await asyncio.gather(hold("k", "a"), hold("k", "b"), hold("other", "c"))
        assert order.index("a-out") < order.index("b-in")
        assert order.index("c-in") < order.index("a-out")  # other keys never wait
        async with locks.hold_many(["x", "y", "x"]):
            assert len(locks) == 2
        assert len(locks) == 0

    asyncio.run(main())


def test_warm_get_falls_back_to_lookup_when_the_cached_dir_was_replaced(run_engine):
    async def t(e: Engine):
        await put(e, "k", b"old")
        stale = e.core.cache.get(("b", "k"))
        assert stale is not None
        await put(e, "k", b"new!")
        e.core.cache.set(("b", "k"), stale)  # a cache entry naming a swapped-out dir
        handle = await e.get_object("b", "k")
        try:
            assert handle.data == b"new!" and handle.meta.size == 4
        finally:
            await handle.close()

    run_engine(t)


def test_delete_bucket_waits_for_in_flight_puts(run_engine):
    from s3box.storage.errors import BucketNotEmpty, NoSuchBucket

    async def t(e: Engine):
        async def late_put():
            try:
                await put(e, "k", b"x")
                return "put"
            except NoSuchBucket:
                return "nobucket"

        results = await asyncio.gather(late_put(), e.delete_bucket("b"), return_exceptions=True)
        # Either the put landed first (bucket not empty) or the bucket went first.
        assert results in (["put", None], ["nobucket", None]) or isinstance(
            results[1], BucketNotEmpty
        )
        if isinstance(results[1], BucketNotEmpty):
            assert (await e.head_object("b", "k")).size == 1

    run_engine(t)
