"""CopyObject, the object tagging operations (an in-place copy: ETag,
Last-Modified and bytes kept, a concurrent overwrite never clobbered) and
UploadPartCopy."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest

from s3box.records import ChecksumRecord, ObjectFields, ObjectMeta
from s3box.storage import copying
from s3box.storage.engine import Engine
from s3box.storage.errors import (
    ConditionalRequestConflict,
    NoSuchKey,
    PreconditionFailed,
)

from .conftest import get, object_dir, put


def test_copy_object_links_parts_and_keeps_or_replaces_fields(run_engine, tmp_path):
    async def t(e: Engine):
        src = await put(e, "src", b"payload", fields=ObjectFields(content_type="a/b"))
        seen: list[ObjectMeta] = []
        c1 = await e.copy_object("b", "src", "b", "dst", fields=None, check_source=seen.append)
        assert seen[0].etag == src.etag
        assert c1.etag == src.etag and c1.fields.content_type == "a/b"
        c2 = await e.copy_object("b", "src", "b", "src", fields=ObjectFields(content_type="x/y"))
        assert c2.fields.content_type == "x/y" and c2.seq == src.seq + 1
        assert await get(e, "dst") == b"payload"
        assert await get(e, "src") == b"payload"

        def refuse(meta):
            raise PreconditionFailed("no")

        with pytest.raises(PreconditionFailed):
            await e.copy_object("b", "src", "b", "never", fields=None, check_source=refuse)
        with pytest.raises(NoSuchKey):
            await e.copy_object("b", "nope", "b", "x", fields=None)

    run_engine(t)
    assert os.stat(object_dir(tmp_path, "dst") / "part.1").st_nlink >= 2


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
