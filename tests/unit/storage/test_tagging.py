"""Engine tagging: put_object_tagging republishes meta.json over the same part
files (ETag, Last-Modified and bytes kept), refuses to clobber a concurrent
overwrite, and bucket tags live in tagging.json."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

from s3box.records import ChecksumRecord, ObjectFields, ObjectMeta
from s3box.storage import copying, layout
from s3box.storage.engine import Engine
from s3box.storage.errors import ConditionalRequestConflict, NoSuchBucket, NoSuchKey

from .conftest import get, put
from .test_objects import object_dir


def test_put_object_tagging_keeps_etag_last_modified_and_data(run_engine, tmp_path):
    async def t(e: Engine) -> tuple[ObjectMeta, ObjectMeta]:
        fields = ObjectFields(user_metadata={"m": "1"}, tags={"old": "x"})
        fields.checksum = ChecksumRecord("CRC32", "FULL_OBJECT", "AAAAAA==")
        before = await put(e, "k", b"tagged bytes", fields=fields)
        after = await e.put_object_tagging("b", "k", {"new": "y"})
        assert await get(e, "k") == b"tagged bytes"
        head = await e.head_object("b", "k")
        assert head.fields.tags == {"new": "y"}
        return before, after

    before, after = run_engine(t)
    assert after.etag == before.etag
    assert after.last_modified == before.last_modified
    assert after.seq == before.seq + 1
    assert after.fields.user_metadata == {"m": "1"}
    assert after.fields.checksum == before.fields.checksum
    assert after.parts[0].checksum == "AAAAAA=="
    # The new directory links the very same data file (no copy).
    part = object_dir(tmp_path, "k") / "part.1"
    assert os.stat(part).st_nlink == 2  # the old directory, now in trash, holds the other
    assert part.read_bytes() == b"tagged bytes"


def test_put_object_tagging_of_absent_key_is_no_such_key(run_engine):
    async def t(e: Engine) -> None:
        with pytest.raises(NoSuchKey):
            await e.put_object_tagging("b", "absent", {"a": "b"})

    run_engine(t)


def test_in_place_copy_refuses_an_object_overwritten_since_it_was_read(run_engine):
    async def t(e: Engine) -> None:
        await put(e, "k", b"first")
        pending: list[asyncio.Task[ObjectMeta]] = []

        def overwrite_meanwhile(meta: ObjectMeta) -> ObjectFields:
            # Runs after the source was read, before the publish: a PUT starts.
            pending.append(asyncio.ensure_future(put(e, "k", b"second")))
            return meta.fields

        original = copying.publish

        async def publish_after_the_put(*args: Any, **kwargs: Any) -> ObjectMeta:
            waiting = list(pending)
            pending.clear()  # the PUT's own publish must not wait for itself
            await asyncio.gather(*waiting)
            return await original(*args, **kwargs)

        copying.publish = publish_after_the_put
        try:
            with pytest.raises(ConditionalRequestConflict):
                await copying.copy_object(
                    e.core, "b", "k", "b", "k", fields=overwrite_meanwhile, in_place=True
                )
        finally:
            copying.publish = original
        assert await get(e, "k") == b"second"

    run_engine(t)


def test_bucket_tagging_round_trip_in_tagging_json(run_engine, tmp_path: Path):
    async def t(e: Engine) -> None:
        assert await e.get_bucket_tagging("b") is None
        await e.put_bucket_tagging("b", {"a": "1", "é": "ü"})
        assert await e.get_bucket_tagging("b") == {"a": "1", "é": "ü"}
        await e.delete_bucket_tagging("b")
        assert await e.get_bucket_tagging("b") is None
        await e.delete_bucket_tagging("b")  # deleting nothing is fine
        with pytest.raises(NoSuchBucket):
            await e.get_bucket_tagging("nope")

    run_engine(t)
    root = tmp_path / "buckets" / "b"
    assert not (root / layout.BUCKET_TAGGING).exists()
    assert [p.name for p in root.iterdir() if p.name.startswith(".")] == []
