"""Rebuilding the index from objects/."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from s3box.storage.engine import Engine
from s3box.storage.errors import NoSuchBucket
from s3box.storage.index import BucketIndex
from s3box.storage.rebuild import Cancelled, rebuild, rebuild_index_offline

from .conftest import put


def test_offline_rebuild_restores_missing_rows_and_drops_stale_ones(run_engine, tmp_path):
    async def t(e: Engine):
        for k in ("a", "b/c", "日本"):
            await put(e, k, b"x" * len(k))

    run_engine(t)
    db = tmp_path / "buckets" / "b" / "index.sqlite"
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DELETE FROM objects WHERE key = ?", (b"a",))
        conn.execute(
            "INSERT INTO objects(key, size, etag, last_modified) VALUES (?, 1, 'e', 0)", (b"ghost",)
        )
    conn.close()
    assert rebuild_index_offline(tmp_path, "b") == 3

    async def listing(e: Engine):
        return [(x.key, x.size) for x in (await e.list_objects("b")).entries]

    assert run_engine(listing) == [("a", 1), ("b/c", 3), ("日本", 2)]


def test_offline_rebuild_of_unknown_bucket_raises(tmp_path):
    with pytest.raises(NoSuchBucket):
        rebuild_index_offline(tmp_path, "nope")


def test_rebuild_stops_when_cancelled(run_engine, tmp_path):
    run_engine(lambda e: put(e, "k", b"x"))
    idx = BucketIndex(str(tmp_path / "buckets" / "b" / "index.sqlite"))
    cancel = threading.Event()
    cancel.set()
    try:
        with pytest.raises(Cancelled):
            rebuild(idx, str(tmp_path / "buckets" / "b" / "objects"), "b", cancel)
    finally:
        idx.close()


def test_online_rebuild_runs_in_background_and_refuses_a_second_one(run_engine, tmp_path):
    from s3box.storage.errors import RebuildInProgress

    run_engine(lambda e: put(e, "k", b"x"))
    conn = sqlite3.connect(tmp_path / "buckets" / "b" / "index.sqlite")
    with conn:
        conn.execute("DELETE FROM objects")
        conn.execute(
            "INSERT INTO objects(key, size, etag, last_modified) VALUES (?, 1, 'e', 0)", (b"ghost",)
        )
    conn.close()

    async def t(e: Engine):
        await e.start_rebuild("b")
        with pytest.raises(RebuildInProgress):
            await e.start_rebuild("b")
        await e.wait_rebuild("b")
        assert not e.rebuild_running("b")
        return [x.key for x in (await e.list_objects("b")).entries]

    assert run_engine(t) == ["k"]
