"""Purging expired staging and trash directories, and draining repair rows."""

from __future__ import annotations

import os
import sqlite3

from s3box.storage.engine import Engine

from .conftest import FakeClock, put


def test_purge_removes_only_dirs_idle_longer_than_their_expiry(run_engine, tmp_path):
    clock = FakeClock(now=0.0)

    async def t(e: Engine):
        await put(e, "k", b"1")
        await put(e, "k", b"2")  # one trash dir
        w = await e.open_put("b", "other")  # one abandoned staging dir
        await w.write(b"x")
        await w.finish()
        clock.now = os.stat(tmp_path / "buckets" / "b" / "trash").st_mtime + 100
        kept = await e.purge_expired("b", staging_expiry_secs=1000, trash_expiry_secs=1000)
        removed = await e.purge_expired("b", staging_expiry_secs=1000, trash_expiry_secs=10)
        clock.now += 10_000
        removed_staging = await e.purge_expired("b", staging_expiry_secs=1000, trash_expiry_secs=10)
        return kept, removed, removed_staging

    assert run_engine(t, clock=clock) == (0, 1, 1)
    root = tmp_path / "buckets" / "b"
    assert os.listdir(root / "trash") == [] and os.listdir(root / "staging" / "put") == []


def test_repair_pending_respects_age_and_drains_in_batches(run_engine, tmp_path):
    run_engine(lambda e: put(e, "k", b"1"))
    conn = sqlite3.connect(tmp_path / "buckets" / "b" / "index.sqlite")
    with conn:
        conn.executemany(
            "INSERT INTO repair VALUES (?, ?)", [(f"r{i}".encode(), float(i)) for i in range(7)]
        )
        conn.execute("INSERT INTO repair VALUES (?, 1e12)", (b"young",))
    conn.close()

    async def t(e: Engine):
        # start() already drained everything: insert again after start.
        conn = sqlite3.connect(tmp_path / "buckets" / "b" / "index.sqlite")
        with conn:
            conn.executemany(
                "INSERT INTO repair VALUES (?, ?)",
                [(f"r{i}".encode(), float(i)) for i in range(7)] + [(b"young", 1e12)],
            )
        conn.close()
        done = await e.repair_pending("b", older_than=1e9, batch=3)
        return done

    assert run_engine(t) == 7
    conn = sqlite3.connect(tmp_path / "buckets" / "b" / "index.sqlite")
    assert [r[0] for r in conn.execute("SELECT key FROM repair")] == [b"young"]
    conn.close()
