"""PutObject and the publish step: small and streamed bodies, staging,
overwrites, conditions, fsync."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from s3box.records import ChecksumRecord, ObjectFields, WriteCondition
from s3box.storage import publish, staging
from s3box.storage.engine import Engine
from s3box.storage.errors import NoSuchBucket, NoSuchKey, PreconditionFailed
from tests.storage_helpers import chunks, no_checksum

from .conftest import get, object_dir, put, stream_put


def test_put_then_get_returns_the_bytes_and_head_the_metadata(run_engine, tmp_path):
    async def t(e: Engine):
        fields = ObjectFields(content_type="text/plain", user_metadata={"a": "1"})
        meta = await put(e, "dir/k", b"hello", fields=fields)
        assert meta.etag == hashlib.md5(b"hello").hexdigest()
        assert await get(e, "dir/k") == b"hello"
        head = await e.head_object("b", "dir/k")
        assert head.size == 5 and head.fields.content_type == "text/plain"
        assert head.fields.user_metadata == {"a": "1"}

    run_engine(t)
    d = object_dir(tmp_path, "dir/k")
    assert (d / "part.1").read_bytes() == b"hello"
    stored = json.loads((d / "meta.json").read_text())
    assert stored["key"] == "dir/k" and stored["storage_version"] == "v1"


def test_streamed_put_round_trips_across_buffer_boundaries(run_engine):
    from s3box.storage.core import EngineOptions

    body = os.urandom(100_003)

    async def t(e: Engine):
        sha = hashlib.sha256()
        w = await publish.open_put(e.core, "b", "big", hashers=[sha])
        for i in range(0, len(body), 7_001):
            await w.write(body[i : i + 7_001])
        meta = await publish.publish_staged(e.core, w, ObjectFields(), None)
        assert meta.size == len(body) and meta.etag == hashlib.md5(body).hexdigest()
        assert sha.hexdigest() == hashlib.sha256(body).hexdigest()
        assert await get(e, "big", prefetch_limit=0) == body
        h = await e.get_object("b", "big", prefetch_limit=0)
        try:
            got = b"".join([c async for c in h.iter_range(10, 50_000)])
        finally:
            await h.close()
        assert got == body[10:50_001]

    run_engine(t, options=EngineOptions(buffer_size=16 * 1024))


def test_lone_large_put_writes_each_buffer_in_two_halves(run_engine, monkeypatch):
    """One large transfer alone splits each buffer's write in two (two threads copy
    into the page cache); two at once keep one write per buffer. Bytes and MD5 are
    the same either way, and the count of active transfers returns to zero."""
    from s3box.storage import staging
    from s3box.storage.core import EngineOptions

    calls: list[tuple[int, int]] = []
    real = staging.pwrite_all

    def spy(fd: int, data, offset: int) -> None:
        calls.append((offset, len(data)))
        real(fd, data, offset)

    monkeypatch.setattr(staging, "pwrite_all", spy)
    mib = 1 << 20
    bodies = [os.urandom(3 * mib + 12_345), os.urandom(2 * mib + 1)]

    async def upload(e: Engine, key: str, body: bytes) -> None:
        w = await publish.open_put(e.core, "b", key)
        for i in range(0, len(body), 65_536):
            await w.write(body[i : i + 65_536])
        meta = await publish.publish_staged(e.core, w, ObjectFields(), None)
        assert meta.etag == hashlib.md5(body).hexdigest()

    async def t(e: Engine):
        idle = staging.FileStagedWrite.active  # class-wide: other tests' writes are done
        assert idle == 0
        await upload(e, "alone", bodies[0])
        assert await get(e, "alone") == bodies[0]
        alone = sorted(calls)
        assert [n for _, n in alone] == [mib // 2] * 6 + [12_345]
        assert staging.FileStagedWrite.active == 0
        calls.clear()
        await asyncio.gather(upload(e, "x", bodies[0]), upload(e, "y", bodies[1]))
        assert await get(e, "x") == bodies[0] and await get(e, "y") == bodies[1]
        assert mib in {n for _, n in calls}  # whole buffers while both were in flight
        assert staging.FileStagedWrite.active == 0
        w = await publish.open_put(e.core, "b", "gone")
        await w.write(bodies[1])
        assert staging.FileStagedWrite.active == 1
        await w.abort()
        assert staging.FileStagedWrite.active == 0

    run_engine(t, options=EngineOptions(buffer_size=mib))


def test_aborted_streamed_put_leaves_nothing_in_staging(run_engine, tmp_path):
    async def t(e: Engine):
        w = await publish.open_put(e.core, "b", "k")
        await w.write(b"x" * 10)
        await w.abort()
        await w.abort()
        with pytest.raises(NoSuchKey):
            await e.head_object("b", "k")

    run_engine(t)
    assert os.listdir(tmp_path / "buckets" / "b" / "staging" / "put") == []


def test_overwrite_replaces_bytes_and_moves_old_object_to_trash(run_engine, tmp_path):
    async def t(e: Engine):
        m1 = await put(e, "k", b"one")
        m2 = await put(e, "k", b"two!")
        assert m2.seq == m1.seq + 1
        assert await get(e, "k") == b"two!"
        assert (await e.head_object("b", "k")).size == 4

    run_engine(t)
    trash = tmp_path / "buckets" / "b" / "trash"
    (old,) = os.listdir(trash)
    assert (trash / old / "part.1").read_bytes() == b"one"
    assert os.listdir(tmp_path / "buckets" / "b" / "staging" / "put") == []


def test_conditional_put_if_none_match_star_and_if_match(run_engine, tmp_path):
    async def t(e: Engine):
        await put(e, "k", b"1", condition=WriteCondition(if_none_match_star=True))
        with pytest.raises(PreconditionFailed):
            await put(e, "k", b"2", condition=WriteCondition(if_none_match_star=True))
        with pytest.raises(NoSuchKey):
            await put(e, "absent", b"2", condition=WriteCondition(if_match="x"))
        with pytest.raises(PreconditionFailed):
            await put(e, "k", b"2", condition=WriteCondition(if_match="x"))
        etag = hashlib.md5(b"1").hexdigest()
        await put(e, "k", b"3", condition=WriteCondition(if_match=etag))
        assert await get(e, "k") == b"3"
        with pytest.raises(PreconditionFailed):
            await stream_put(e, "k", [b"zz"], condition=WriteCondition(if_none_match_star=True))

    run_engine(t)
    assert os.listdir(tmp_path / "buckets" / "b" / "staging" / "put") == []


def test_concurrent_puts_of_one_key_never_leave_a_torn_object(run_engine, tmp_path):
    bodies = [bytes([i]) * (1000 + i) for i in range(20)]

    async def t(e: Engine):
        async def one(body: bytes) -> None:
            await put(e, "k", body)

        async def reader() -> None:
            for _ in range(40):
                try:
                    data = await get(e, "k")
                except NoSuchKey:
                    continue
                assert data in bodies

        await asyncio.gather(*(one(b) for b in bodies), reader())
        data = await get(e, "k")
        meta = await e.head_object("b", "k")
        assert data in bodies and meta.etag == hashlib.md5(data).hexdigest()
        page = await e.list_objects("b")
        assert [x.key for x in page.entries] == ["k"] and page.entries[0].etag == meta.etag

    run_engine(t)
    leaf = object_dir(tmp_path, "k").parent
    assert os.listdir(leaf) == [object_dir(tmp_path, "k").name]


def test_empty_object_round_trips(run_engine):
    async def t(e: Engine):
        await put(e, "empty", b"")
        assert await get(e, "empty") == b""
        assert await get(e, "empty", prefetch_limit=-1) == b""

    run_engine(t)


def test_overwrite_without_rename_exchange_falls_back_to_trash_then_publish(
    run_engine, tmp_path, monkeypatch
):
    from s3box.storage import fsutil

    monkeypatch.setattr(fsutil, "_exchange_supported", False)

    async def t(e: Engine):
        await put(e, "k", b"one")
        h = await e.get_object("b", "k", prefetch_limit=0)
        await put(e, "k", b"two")
        try:
            assert b"".join([c async for c in h.iter_range(0, 2)]) == b"one"
        finally:
            await h.close()
        e.core.cache.invalidate(("b", "k"))
        assert await get(e, "k") == b"two"

    run_engine(t)
    assert len(os.listdir(tmp_path / "buckets" / "b" / "trash")) == 1


def test_rename_exchange_swaps_two_directories(tmp_path):
    from s3box.storage import fsutil

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "f").write_text("a")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "f").write_text("b")
    swapped = fsutil.rename_exchange(str(tmp_path / "a"), str(tmp_path / "b"))
    # Where renameat2 is missing it must say so and touch nothing (the engine
    # then falls back); where it exists the two directories trade places.
    assert swapped == fsutil.exchange_supported()
    expected = ("b", "a") if swapped else ("a", "b")
    assert (tmp_path / "a" / "f").read_text() == expected[0]
    assert (tmp_path / "b" / "f").read_text() == expected[1]
    with pytest.raises(FileExistsError):
        fsutil.rename_noreplace(str(tmp_path / "a"), str(tmp_path / "b"))


def test_engine_with_fsync_round_trips(run_engine):
    from s3box.storage.core import EngineOptions

    async def t(e: Engine):
        await put(e, "k", b"durable")
        w = await publish.open_put(e.core, "b", "k")
        await w.write(b"streamed")
        await publish.publish_staged(e.core, w, ObjectFields(), None)
        await e.copy_object("b", "k", "b", "c", fields=None)
        await e.delete_object("b", "k")
        assert await get(e, "c") == b"streamed"

    run_engine(t, options=EngineOptions(fsync=True))


def test_streamed_put_feeds_extra_hashers_buffers_never_reused(run_engine):
    """Hashers get the filled buffer itself (no copy): every buffer handed over
    must keep its content afterwards, and all bytes arrive in order."""
    from s3box.storage.core import EngineOptions

    class Recording:
        def __init__(self) -> None:
            self.h = hashlib.sha1()
            self.seen: list[tuple[bytes | bytearray | memoryview, bytes]] = []

        def update(self, data: bytes | bytearray | memoryview, /) -> None:
            self.seen.append((data, bytes(data)))
            self.h.update(data)

        def digest(self) -> bytes:
            return self.h.digest()

    async def t(e: Engine):
        s = Recording()
        w = await publish.open_put(e.core, "b", "k", hashers=[s])
        for i in range(10):
            await w.write(bytes([65 + i]) * 3000)
        await publish.publish_staged(e.core, w, ObjectFields(), None)
        expected = b"".join(bytes([65 + i]) * 3000 for i in range(10))
        assert s.h.hexdigest() == hashlib.sha1(expected).hexdigest()
        assert all(bytes(buf) == copy for buf, copy in s.seen)

    run_engine(t, options=EngineOptions(buffer_size=4096))


def test_interleaved_streamed_puts_and_an_abort_keep_their_bytes_apart(run_engine):
    from s3box.storage.core import EngineOptions

    async def t(e: Engine):
        bodies = {k: os.urandom(5 * 4096 + 123) for k in ("one", "two", "three")}
        writers = {k: await publish.open_put(e.core, "b", k) for k in ("one", "two")}
        dropped = await publish.open_put(e.core, "b", "dropped")
        for pos in range(0, len(bodies["one"]), 1000):
            for k, w in writers.items():
                await w.write(bodies[k][pos : pos + 1000])
            await dropped.write(os.urandom(1000))
        await dropped.abort()
        w3 = await publish.open_put(e.core, "b", "three")
        for pos in range(0, len(bodies["three"]), 777):
            await w3.write(bodies["three"][pos : pos + 777])
        for k, w in [*writers.items(), ("three", w3)]:
            meta = await publish.publish_staged(e.core, w, ObjectFields(), None)
            assert meta.etag == hashlib.md5(bodies[k]).hexdigest()
        for k, body in bodies.items():
            assert await get(e, k, prefetch_limit=0) == body

    run_engine(t, options=EngineOptions(buffer_size=4096))


class _BadDigest(Exception):
    pass


def _reject(_md5: bytes) -> ChecksumRecord:
    raise _BadDigest("the body does not match its Content-MD5")


def _staging(tmp_path: Path) -> list[str]:
    return os.listdir(tmp_path / "buckets" / "b" / "staging" / "put")


def _count_streams(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count streamed PUTs started (publish.open_put) and staged writes aborted."""
    counts = {"opened": 0, "aborted": 0}
    real_open, real_abort = publish.open_put, staging.FileStagedWrite.abort

    async def counting_open(*args: Any, **kwargs: Any) -> staging.FileStagedWrite:
        counts["opened"] += 1
        return await real_open(*args, **kwargs)

    async def counting_abort(self: staging.FileStagedWrite) -> None:
        counts["aborted"] += 1
        await real_abort(self)

    monkeypatch.setattr(publish, "open_put", counting_open)
    monkeypatch.setattr(staging.FileStagedWrite, "abort", counting_abort)
    return counts


def test_put_object_takes_a_small_declared_body_whole_and_streams_the_rest(run_engine, monkeypatch):
    """Declared <= SMALL_PUT_LIMIT: one engine step, no staged write; declared
    larger or undeclared: streamed through staging. The hashers see every byte
    either way, and verify gets the body's MD5."""
    counts = _count_streams(monkeypatch)
    limit = publish.SMALL_PUT_LIMIT
    small, large = os.urandom(limit), os.urandom(limit + 1)

    async def t(e: Engine) -> None:
        seen: list[bytes] = []

        def verify(md5: bytes) -> ChecksumRecord:
            seen.append(md5)
            return ChecksumRecord("SHA256", "FULL_OBJECT", "v")

        for key, body, size, opened in [
            ("small", small, len(small), 0),
            ("large", large, len(large), 1),
            ("undeclared", small, None, 2),
        ]:
            sha = hashlib.sha256()
            meta = await e.put_object(
                "b",
                key,
                chunks([body[:1000], body[1000:]]),
                size=size,
                fields=ObjectFields(),
                condition=None,
                hashers=[sha],
                verify=verify,
            )
            assert counts["opened"] == opened
            assert sha.digest() == hashlib.sha256(body).digest()
            assert seen[-1] == hashlib.md5(body).digest()
            assert meta.fields.checksum == ChecksumRecord("SHA256", "FULL_OBJECT", "v")
            assert await get(e, key, prefetch_limit=0) == body
        assert counts["aborted"] == 0

    run_engine(t)


def test_small_put_checks_the_bucket_before_reading_the_body(run_engine):
    read: list[bytes] = []

    async def body() -> AsyncIterator[bytes]:
        read.append(b"x")
        yield b"x"

    async def t(e: Engine) -> None:
        with pytest.raises(NoSuchBucket):
            await e.put_object(
                "nope",
                "k",
                body(),
                size=1,
                fields=ObjectFields(),
                condition=None,
                hashers=(),
                verify=no_checksum,
            )

    run_engine(t)
    assert read == []


@pytest.mark.parametrize("size", [5, None], ids=["small", "streamed"])
def test_a_failing_verify_stores_nothing_and_leaves_no_staging(run_engine, tmp_path, size):
    async def t(e: Engine) -> None:
        with pytest.raises(_BadDigest):
            await e.put_object(
                "b",
                "k",
                chunks([b"hello"]),
                size=size,
                fields=ObjectFields(),
                condition=None,
                hashers=(),
                verify=_reject,
            )
        with pytest.raises(NoSuchKey):
            await e.head_object("b", "k")

    run_engine(t)
    assert _staging(tmp_path) == []


def test_a_failed_streamed_put_aborts_its_staging_exactly_once(run_engine, tmp_path, monkeypatch):
    """Bad digest, a client gone mid-body, a failed condition: each aborts the
    staged write once, in the engine, and leaves staging/put/ empty."""
    counts = _count_streams(monkeypatch)

    async def gone() -> AsyncIterator[bytes]:
        yield b"part of the body"
        raise ConnectionResetError("client went away")

    async def t(e: Engine) -> None:
        await put(e, "exists", b"1")
        attempts: list[tuple[str, AsyncIterator[bytes], Any, WriteCondition | None]] = [
            ("k", chunks([b"body"]), _reject, None),
            ("k", gone(), no_checksum, None),
            ("exists", chunks([b"2"]), no_checksum, WriteCondition(if_none_match_star=True)),
        ]
        for key, body, verify, condition in attempts:
            with pytest.raises((_BadDigest, ConnectionResetError, PreconditionFailed)):
                await e.put_object(
                    "b",
                    key,
                    body,
                    size=None,
                    fields=ObjectFields(),
                    condition=condition,
                    hashers=(),
                    verify=verify,
                )
        assert counts == {"opened": 3, "aborted": 3}
        assert await get(e, "exists") == b"1"

    run_engine(t)
    assert _staging(tmp_path) == []
