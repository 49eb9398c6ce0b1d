"""A damaged index.sqlite is set aside and rebuilt from objects/, for its bucket only."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from pathlib import Path

import pytest

from s3box.storage import index_repair, rebuild
from s3box.storage.engine import Engine
from s3box.storage.errors import IndexUnavailable
from s3box.storage.rebuild import rebuild_index_offline

from .conftest import get, put


async def _fill(e: Engine) -> None:
    for bucket in ("good", "bad"):
        await e.create_bucket(bucket)
        for i in range(30):
            await put(e, f"k{i:02d}", b"x" * i, bucket=bucket)


async def _keys(e: Engine, bucket: str) -> list[str]:
    page = await e.list_objects(bucket, max_keys=1000)
    return [entry.key for entry in page.entries]


def _garbage(path: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    path.write_bytes(b"this is not an sqlite database, just garbage " * 100)


def _truncate(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    data = path.read_bytes()
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    path.write_bytes(data[: len(data) // 2])


def _drop_table(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("DROP TABLE objects")
    con.commit()
    con.close()


def _empty(path: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    path.write_bytes(b"")


@pytest.mark.parametrize("damage", [_garbage, _truncate, _drop_table, _empty])
def test_damaged_index_at_startup_is_set_aside_and_rebuilt_for_that_bucket_only(
    run_engine, tmp_path, caplog, damage
):
    run_engine(_fill, bucket=None)
    index = tmp_path / "buckets" / "bad" / "index.sqlite"
    damage(index)

    async def after(e: Engine) -> tuple[list[str], list[str], bytes]:
        good = await _keys(e, "good")  # served at once, whatever "bad" is doing
        body = await get(e, "k05", bucket="bad")  # objects/ answers reads at once
        await e.wait_rebuild("bad")
        return good, await _keys(e, "bad"), body

    with caplog.at_level(logging.WARNING, logger="s3box.storage"):
        good, bad, body = run_engine(after, bucket=None)
    expected = [f"k{i:02d}" for i in range(30)]
    assert good == expected and bad == expected and body == b"x" * 5
    assert not (tmp_path / "buckets" / "bad" / index_repair.MARKER).exists()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(str(index) in m for m in warnings)
    if damage is not _empty:
        aside = [n for n in os.listdir(index.parent) if n.startswith("index.sqlite.corrupt-")]
        assert aside and any(str(index.parent / aside[0]) in m for m in warnings)


def test_index_damaged_while_serving_answers_503_then_rebuilds(run_engine, tmp_path):
    run_engine(_fill, bucket=None)
    index = tmp_path / "buckets" / "bad" / "index.sqlite"

    async def t(e: Engine) -> tuple[str, list[str], list[str]]:
        assert len(await _keys(e, "bad")) == 30
        # Overwrite the open file in place, as a stray tool or a bad disk would.
        with open(index, "r+b") as f:
            f.write(b"\xff" * os.path.getsize(index))
        e.core.buckets["bad"].close_index()  # connections reopen and see the damage
        with pytest.raises(IndexUnavailable) as info:
            await _keys(e, "bad")
        good = await _keys(e, "good")
        while e.core.recoveries or "bad" in e.core.rebuilds:
            for task in list(e.core.recoveries):
                await task
            await e.wait_rebuild("bad")
        return info.value.code, good, await _keys(e, "bad")

    code, good, bad = run_engine(t, bucket=None)
    expected = [f"k{i:02d}" for i in range(30)]
    assert code == "ServiceUnavailable" and good == expected and bad == expected
    assert any(n.startswith("index.sqlite.corrupt-") for n in os.listdir(index.parent))


def test_listing_waits_while_the_recovery_rebuild_is_incomplete(run_engine, tmp_path, monkeypatch):
    run_engine(_fill, bucket=None)
    root = tmp_path / "buckets" / "bad"
    _garbage(root / "index.sqlite")
    # Hold the recovery rebuild until the listing has been answered: without this the
    # rebuild thread could finish first (it did under -n 2) and the listing be complete.
    release = threading.Event()
    original = rebuild.rebuild_sync

    def held_rebuild(*args: object, **kwargs: object) -> object:
        assert release.wait(30), "the test never released the rebuild"
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(rebuild, "rebuild_sync", held_rebuild)

    async def t(e: Engine) -> str:
        # Startup set the index aside and the rebuild is held, so a listing must not
        # show a partial index.
        b = e.core.buckets["bad"]
        assert b.incomplete and (root / index_repair.MARKER).exists()
        try:
            await e.list_objects("bad")
        except IndexUnavailable as err:
            return err.code
        finally:
            release.set()
            await e.wait_rebuild("bad")
        return "listed"

    assert run_engine(t, bucket=None) == "ServiceUnavailable"


def test_offline_rebuild_repairs_a_garbage_index(run_engine, tmp_path):
    run_engine(_fill, bucket=None)
    index = tmp_path / "buckets" / "bad" / "index.sqlite"
    _garbage(index)
    assert rebuild_index_offline(tmp_path, "bad") == 30
    con = sqlite3.connect(index)
    assert con.execute("SELECT count(*) FROM objects").fetchone()[0] == 30
    con.close()
    assert not (index.parent / index_repair.MARKER).exists()


def test_busy_and_full_errors_are_not_damage():
    assert not index_repair.is_damage(sqlite3.OperationalError("database is locked"))
    assert not index_repair.is_damage(sqlite3.OperationalError("database or disk is full"))
    assert index_repair.is_damage(sqlite3.DatabaseError("file is not a database"))
    assert index_repair.is_damage(sqlite3.DatabaseError("database disk image is malformed"))
