"""Trash stays bounded and never loses a directory being read; a full disk
answers StorageFull, stores nothing, and frees the trash before giving up."""

from __future__ import annotations

import asyncio
import errno
import os
import sqlite3
from pathlib import Path

import pytest

from s3box.records import ObjectFields
from s3box.storage import diskfull, fsutil, staging, trash
from s3box.storage.engine import Engine
from s3box.storage.errors import StorageFull

from .conftest import get, put, stream_put, upload_part


async def _settle(e: Engine) -> None:
    while e.core.trash.tasks:
        await asyncio.gather(*list(e.core.trash.tasks))


def _trash(tmp_path: Path) -> list[str]:
    return os.listdir(tmp_path / "buckets" / "b" / "trash")


def test_trash_is_bounded_by_entries_under_sustained_overwrites(run_engine, tmp_path):
    async def t(e: Engine) -> None:
        e.set_trash_limits(trash.TrashLimits(expiry_secs=3600, max_entries=20, max_bytes=1 << 40))
        for i in range(200):
            await put(e, "hot", str(i).encode())
        await _settle(e)

    run_engine(t)
    assert 0 < len(_trash(tmp_path)) <= 21  # 20, plus less than a step (2) since the last purge


def test_trash_is_bounded_by_bytes(run_engine, tmp_path):
    async def t(e: Engine) -> None:
        e.set_trash_limits(
            trash.TrashLimits(expiry_secs=3600, max_entries=10**6, max_bytes=64 << 10)
        )
        for i in range(100):
            await put(e, "hot", bytes([i % 256]) * 8192)
        await _settle(e)

    run_engine(t)
    # 8 overwritten 8 KiB objects make 64 KiB; a step (6.4 KiB) purges after each.
    assert 0 < len(_trash(tmp_path)) <= 8


async def _two_part_object(e: Engine, key: str, parts: list[bytes]) -> None:
    upload = await e.create_multipart_upload("b", key, ObjectFields())
    listed = []
    for n, body in enumerate(parts, 1):
        rec = await upload_part(e, upload, n, body, key)
        listed.append((n, rec.etag))
    await e.complete_multipart_upload("b", key, upload, listed, min_part_size=1)


def test_purge_never_removes_a_directory_a_get_still_reads(run_engine, tmp_path):
    parts = [b"a" * 300_000, b"b" * 300_000]

    async def t(e: Engine) -> bytes:
        await _two_part_object(e, "big", parts)
        handle = await e.get_object("b", "big", prefetch_limit=0)
        try:
            await put(e, "big", b"new")  # the old directory moves to trash
            # A full-disk purge: everything that may go.
            trash.purge(str(tmp_path / "buckets" / "b" / "trash"), 0, None, e.core.guard)
            assert len(_trash(tmp_path)) == 1  # the old object: held by the open GET
            body = b"".join([c async for c in handle.iter_range(0, handle.meta.size - 1)])
        finally:
            await handle.close()
        # Released: the next purge removes it.
        trash.purge(str(tmp_path / "buckets" / "b" / "trash"), 0, None, e.core.guard)
        return body

    assert run_engine(t) == b"".join(parts)
    assert _trash(tmp_path) == []


def _full(*_a: object, **_k: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def _leftovers(tmp_path: Path) -> list[str]:
    root = tmp_path / "buckets" / "b"
    return os.listdir(root / "staging" / "put") + os.listdir(root / "staging" / "multipart")


def _rows(tmp_path: Path) -> list[str]:
    path = tmp_path / "buckets" / "b" / "index.sqlite"
    if not path.exists():  # never opened: no row either
        return []
    con = sqlite3.connect(path)
    try:
        return [r[0].decode() for r in con.execute("SELECT key FROM objects")]
    finally:
        con.close()


def test_full_disk_put_is_storage_full_and_stores_nothing(run_engine, tmp_path, monkeypatch):
    async def t(e: Engine) -> str:
        await put(e, "keep", b"1")
        await put(e, "keep", b"2")  # one trash directory
        monkeypatch.setattr(fsutil, "write_all", _full)
        with pytest.raises(StorageFull) as small:
            await put(e, "small", b"x" * 100)
        monkeypatch.setattr(staging, "pwrite_all", _full)
        with pytest.raises(StorageFull):
            await stream_put(e, "streamed", [b"y" * (2 << 20)])
        return small.value.code

    assert run_engine(t) == "XMinioStorageFull"
    assert _leftovers(tmp_path) == [] and _rows(tmp_path) == ["keep"]
    assert _trash(tmp_path) == []  # purged early to make room before giving up


def test_full_disk_purges_trash_then_the_write_succeeds(run_engine, tmp_path, monkeypatch):
    real = fsutil.write_all
    calls = {"n": 0}

    def full_once(fd: int, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            _full()
        real(fd, data)

    async def t(e: Engine) -> bytes:
        await put(e, "old", b"1")
        await e.delete_object("b", "old")  # its space sits in trash
        monkeypatch.setattr(fsutil, "write_all", full_once)
        await put(e, "new", b"fits once the trash is gone")
        return await get(e, "new")

    assert run_engine(t) == b"fits once the trash is gone"
    assert _trash(tmp_path) == []


def test_full_disk_multipart_part_and_complete_store_nothing(run_engine, tmp_path, monkeypatch):
    async def t(e: Engine) -> tuple[str, str]:
        upload = await e.create_multipart_upload("b", "mp", ObjectFields())
        rec = await upload_part(e, upload, 1, b"p" * 1000, "mp")
        monkeypatch.setattr(staging, "pwrite_all", _full)
        with pytest.raises(StorageFull) as part:
            await upload_part(e, upload, 2, b"q" * (2 << 20), "mp")
        monkeypatch.setattr(fsutil, "write_all", _full)  # meta.json cannot be written
        with pytest.raises(StorageFull) as complete:
            await e.complete_multipart_upload("b", "mp", upload, [(1, rec.etag)], min_part_size=1)
        _, listed = await e.list_parts("b", "mp", upload)  # the upload is intact
        assert [p.number for p in listed] == [1]
        return part.value.code, complete.value.code

    assert run_engine(t) == ("XMinioStorageFull", "XMinioStorageFull")
    assert os.listdir(tmp_path / "buckets" / "b" / "staging" / "put") == []
    assert _rows(tmp_path) == []


def test_full_disk_copy_and_tagging_store_nothing(run_engine, tmp_path, monkeypatch):
    async def t(e: Engine) -> list[str]:
        await put(e, "src", b"data")
        monkeypatch.setattr(fsutil, "write_all", _full)
        codes = []
        with pytest.raises(StorageFull) as copy:
            await e.copy_object("b", "src", "b", "dst", fields=None)
        codes.append(copy.value.code)
        with pytest.raises(StorageFull) as tagging:
            await e.put_object_tagging("b", "src", {"a": "b"})
        codes.append(tagging.value.code)
        with pytest.raises(StorageFull) as bucket_tags:
            await e.put_bucket_tagging("b", {"a": "b"})
        codes.append(bucket_tags.value.code)
        assert (await e.head_object("b", "src")).fields.tags == {}
        return codes

    assert run_engine(t) == ["XMinioStorageFull"] * 3
    root = tmp_path / "buckets" / "b"
    assert os.listdir(root / "staging" / "put") == [] and _rows(tmp_path) == ["src"]
    assert not [n for n in os.listdir(root) if "tagging" in n]


def test_no_space_errors_are_recognised():
    assert diskfull.is_full(OSError(errno.ENOSPC, "x"))
    assert diskfull.is_full(OSError(errno.EDQUOT, "x"))
    assert diskfull.is_full(sqlite3.OperationalError("database or disk is full"))
    assert not diskfull.is_full(OSError(errno.EIO, "x"))
    assert not diskfull.is_full(sqlite3.OperationalError("database is locked"))


def test_part_file_lost_mid_stream_raises_instead_of_short_data(run_engine, tmp_path):
    from s3box.storage.errors import DamagedObject

    parts = [b"a" * 300_000, b"b" * 300_000]

    async def t(e: Engine) -> int:
        await _two_part_object(e, "big", parts)
        handle = await e.get_object("b", "big", prefetch_limit=0)  # parts checked: present
        got = 0
        try:
            for part in (tmp_path / "buckets" / "b" / "objects").rglob("part.2"):
                part.unlink()  # by hand, after the headers would have gone out
            with pytest.raises(DamagedObject):
                async for chunk in handle.iter_range(0, handle.meta.size - 1):
                    got += len(chunk)
        finally:
            await handle.close()
        return got

    assert run_engine(t) < sum(map(len, parts))
