"""HeadObject and GetObject, the self-heal of the derived index, repair
suppression and startup repair."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from s3box.storage import lookup
from s3box.storage.engine import Engine
from s3box.storage.errors import NoSuchBucket, NoSuchKey

from .conftest import get, object_dir, put, stream_put


def index_keys(tmp_path: Path, table: str = "objects") -> list[str]:
    conn = sqlite3.connect(tmp_path / "buckets" / "b" / "index.sqlite")
    try:
        return [r[0].decode() for r in conn.execute(f"SELECT key FROM {table} ORDER BY key")]
    finally:
        conn.close()


def sql(tmp_path: Path, stmt: str, *args: object) -> None:
    conn = sqlite3.connect(tmp_path / "buckets" / "b" / "index.sqlite")
    with conn:
        conn.execute(stmt, args)
    conn.close()


def test_head_deletes_row_whose_directory_is_gone(run_engine, tmp_path):
    run_engine(lambda e: put(e, "k", b"x"))
    shutil.rmtree(object_dir(tmp_path, "k"))

    async def t(e: Engine):
        with pytest.raises(NoSuchKey):
            await e.head_object("b", "k")
        return (await e.list_objects("b")).entries

    assert run_engine(t) == []


def test_get_inserts_row_for_directory_missing_from_index(run_engine, tmp_path):
    run_engine(lambda e: put(e, "k", b"x"))
    sql(tmp_path, "DELETE FROM objects")

    async def t(e: Engine):
        handle = await e.get_object("b", "k")
        await handle.close()
        return [x.key for x in (await e.list_objects("b")).entries]

    assert run_engine(t) == ["k"]


def test_delete_removes_a_stale_row_without_directory(run_engine, tmp_path):
    run_engine(lambda e: put(e, "k", b"x"))
    shutil.rmtree(object_dir(tmp_path, "k"))

    async def t(e: Engine):
        await e.delete_object("b", "k")
        return (await e.list_objects("b")).entries

    assert run_engine(t) == []


def test_repair_suppression_stops_repeated_repair_of_one_key(run_engine, tmp_path, monkeypatch):
    run_engine(lambda e: put(e, "k", b"x"))
    calls: list[list[str]] = []

    async def t(e: Engine):
        original = lookup.reconcile_sync

        def counting(core, b, keys):
            calls.append(list(keys))
            original(core, b, keys)

        monkeypatch.setattr(lookup, "reconcile_sync", counting)
        for _ in range(3):
            sql(tmp_path, "DELETE FROM objects")
            e.core.cache.invalidate(("b", "k"))
            await e.head_object("b", "k")
        # A write through the engine lifts the suppression.
        await put(e, "k", b"y")
        sql(tmp_path, "DELETE FROM objects")
        e.core.cache.invalidate(("b", "k"))
        await e.head_object("b", "k")

    run_engine(t)
    assert calls == [["k"], ["k"]]


def test_start_processes_every_leftover_repair_row(run_engine, tmp_path):
    run_engine(lambda e: put(e, "live", b"x"))
    # A crash after the rename but before the index update: dir, no row.
    sql(tmp_path, "DELETE FROM objects")
    sql(tmp_path, "INSERT INTO repair VALUES (?, 0)", b"live")
    # A crash after a delete's rename: row, no dir.
    sql(
        tmp_path,
        "INSERT INTO objects(key, size, etag, last_modified) VALUES (?, 1, 'e', 0)",
        b"ghost",
    )
    sql(tmp_path, "INSERT INTO repair VALUES (?, 1e12)", b"ghost")

    async def t(e: Engine):
        return [x.key for x in (await e.list_objects("b")).entries]

    assert run_engine(t) == ["live"]
    assert index_keys(tmp_path, "repair") == []


def test_no_repair_rows_remain_after_normal_operations(run_engine, tmp_path):
    async def t(e: Engine):
        await put(e, "a", b"1")
        await put(e, "a", b"2")
        await e.copy_object("b", "a", "b", "c", fields=None)
        await e.delete_object("b", "a")
        await e.delete_objects("b", ["c", "zz"])

    run_engine(t)
    assert index_keys(tmp_path, "repair") == []
    assert index_keys(tmp_path) == []


def test_open_get_keeps_reading_old_bytes_after_overwrite(run_engine):
    async def t(e: Engine):
        old = os.urandom(50_000)
        await put(e, "k", old)
        h = await e.get_object("b", "k", prefetch_limit=0)
        try:
            await put(e, "k", b"new")
            got = b"".join([c async for c in h.iter_range(0, len(old) - 1)])
        finally:
            await h.close()
        assert got == old
        assert await get(e, "k") == b"new"

    run_engine(t)


def test_open_get_keeps_reading_old_bytes_after_delete(run_engine):
    async def t(e: Engine):
        old = os.urandom(50_000)
        await put(e, "k", old)
        await e.head_object("b", "k")  # warm the cache: the warm path must hold too
        h = await e.get_object("b", "k", prefetch_limit=0)
        try:
            await e.delete_object("b", "k")
            got = b"".join([c async for c in h.iter_range(0, len(old) - 1)])
        finally:
            await h.close()
        assert got == old
        with pytest.raises(NoSuchKey):
            await e.get_object("b", "k")

    run_engine(t)


def test_operations_on_a_missing_bucket_raise_no_such_bucket(run_engine):
    async def t(e: Engine):
        with pytest.raises(NoSuchBucket):
            await put(e, "k", b"x", bucket="nope")
        with pytest.raises(NoSuchBucket):
            await e.head_object("nope", "k")
        with pytest.raises(NoSuchBucket):
            await e.list_objects("nope")
        with pytest.raises(NoSuchBucket):
            await stream_put(e, "k", [b"x"], bucket="nope")

    run_engine(t)
