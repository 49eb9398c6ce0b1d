"""Purging expired staging and trash directories, and draining repair rows."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time

from s3box.storage import publish
from s3box.storage.engine import Engine
from s3box.storage.maintenance import Maintenance, MaintenancePolicy, PassResult

from .conftest import FakeClock, put


def test_purge_removes_only_dirs_idle_longer_than_their_expiry(run_engine, tmp_path):
    clock = FakeClock(now=0.0)

    async def t(e: Engine):
        await put(e, "k", b"1")
        await put(e, "k", b"2")  # one trash dir
        w = await publish.open_put(e.core, "b", "other")  # one abandoned staging dir
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


# ---- the maintenance loop (s3box.storage.maintenance), driven by a fake clock ----


class SteppingSleep:
    """asyncio.sleep stand-in: each sleep advances the fake clock by the delay and
    returns at once; the sleep after `limit` of them cancels the loop."""

    def __init__(self, clock: FakeClock, limit: int) -> None:
        self.clock = clock
        self.limit = limit
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        if len(self.delays) >= self.limit:
            raise asyncio.CancelledError
        self.delays.append(delay)
        self.clock.now += delay


def _insert_repair_rows(tmp_path, rows):
    conn = sqlite3.connect(tmp_path / "buckets" / "b" / "index.sqlite")
    with conn:
        conn.executemany("INSERT INTO repair VALUES (?, ?)", rows)
    conn.close()


def _repair_keys(tmp_path):
    conn = sqlite3.connect(tmp_path / "buckets" / "b" / "index.sqlite")
    keys = sorted(r[0].decode() for r in conn.execute("SELECT key FROM repair"))
    conn.close()
    return keys


def test_maintenance_loop_purges_by_age_and_drains_old_repair_rows(run_engine, tmp_path):
    clock = FakeClock(now=time.time())
    policy = MaintenancePolicy(
        interval_secs=300,
        batch_size=2,
        grace_period_secs=1000,
        staging_expiry_secs=1000,
        trash_expiry_secs=10,
    )
    root = tmp_path / "buckets" / "b"
    seen: list[tuple[int, list[str], list[str], list[str]]] = []
    results: list[PassResult] = []

    async def t(e: Engine):
        await put(e, "k", b"1")
        await put(e, "k", b"2")  # the old object goes to trash
        w = await publish.open_put(e.core, "b", "abandoned")
        await w.write(b"x")
        await w.finish()  # staged, never published
        start = clock.now
        # Five repair rows already older than the grace period, one fresh.
        _insert_repair_rows(
            tmp_path,
            [(f"old{i}".encode(), start - 5000) for i in range(5)] + [(b"fresh", start)],
        )

        sleeper = SteppingSleep(clock, limit=0)
        m = Maintenance(e, policy, clock=clock, sleep=sleeper, on_pass=results.append)
        # Let the loop run one more interval each time (the next sleep cancels it),
        # and look at the bucket after each pass.
        for n in range(1, 5):
            sleeper.limit = n
            try:
                await m.run_forever()
            except asyncio.CancelledError:
                pass
            trash = os.listdir(root / "trash")
            staging = os.listdir(root / "staging" / "put")
            seen.append((n, trash, staging, _repair_keys(tmp_path)))
        return sleeper.delays

    delays = run_engine(t, clock=clock)
    assert delays == [300, 300, 300, 300]
    by_pass = {n: (trash, staging, repair) for n, trash, staging, repair in seen}
    # After one interval (300 s): trash (expiry 10 s) is gone, the staging dir (1000 s)
    # stays, the five old rows are drained in batches of 2, the fresh one stays.
    assert by_pass[1] == ([], by_pass[1][1], ["fresh"]) and len(by_pass[1][1]) == 1
    assert results[0].purged_dirs == 1 and results[0].repaired_rows == 5
    # After 1200 s the staging dir has expired and the fresh row is past its grace.
    assert by_pass[4] == ([], [], [])
    assert sum(r.repaired_rows for r in results) == 6


def test_maintenance_pass_skips_a_bucket_deleted_meanwhile(run_engine, tmp_path):
    async def t(e: Engine):
        await e.create_bucket("gone")
        m = Maintenance(e, MaintenancePolicy())
        original = e.purge_expired

        async def purge(bucket: str, **kw):
            if bucket == "gone":
                await e.delete_bucket("gone")
            return await original(bucket, **kw)

        e.purge_expired = purge  # type: ignore[method-assign]
        return [r.bucket for r in await m.run_once()]

    assert run_engine(t) == ["b"]
