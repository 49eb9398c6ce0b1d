"""Multipart uploads: parts, re-uploads, completion by hard links, abort."""

from __future__ import annotations

import hashlib
import os

import pytest

from s3box.records import ObjectFields, WriteCondition
from s3box.storage.engine import Engine
from s3box.storage.errors import (
    EntityTooSmall,
    InvalidPart,
    InvalidPartOrder,
    NoSuchUpload,
    PreconditionFailed,
)

from .conftest import get, put, upload_part


async def upload(e: Engine, upload_id: str, number: int, data: bytes, key: str = "k") -> str:
    return (await upload_part(e, upload_id, number, data, key)).etag


def test_complete_joins_parts_in_order_with_multipart_etag(run_engine, tmp_path):
    p1, p2, p3 = os.urandom(3000), os.urandom(2000), os.urandom(10)

    async def t(e: Engine):
        uid = await e.create_multipart_upload("b", "k", ObjectFields(content_type="v/x"))
        e3 = await upload(e, uid, 3, p3)
        e1 = await upload(e, uid, 1, p1)
        e2 = await upload(e, uid, 2, p2)
        info, parts = await e.list_parts("b", "k", uid)
        assert info.key == "k" and [p.number for p in parts] == [1, 2, 3]
        meta = await e.complete_multipart_upload(
            "b", "k", uid, [(1, e1), (2, f'"{e2}"'), (3, e3)], min_part_size=1000
        )
        digest = hashlib.md5(b"".join(bytes.fromhex(x) for x in (e1, e2, e3))).hexdigest()
        assert meta.etag == f"{digest}-3" and meta.size == len(p1 + p2 + p3)
        assert meta.fields.content_type == "v/x"
        assert await get(e, "k", prefetch_limit=0) == p1 + p2 + p3
        h = await e.get_object("b", "k", prefetch_limit=0)
        try:
            across = b"".join([c async for c in h.iter_range(2990, 3010)])
        finally:
            await h.close()
        assert across == (p1 + p2)[2990:3011]
        assert (await e.list_multipart_uploads("b")).uploads == []
        with pytest.raises(NoSuchUpload):
            await e.list_parts("b", "k", uid)

    run_engine(t)
    assert os.listdir(tmp_path / "buckets" / "b" / "staging" / "multipart") == []


def test_reuploading_a_part_replaces_it(run_engine):
    async def t(e: Engine):
        uid = await e.create_multipart_upload("b", "k", ObjectFields())
        await upload(e, uid, 1, b"first")
        etag = await upload(e, uid, 1, b"second")
        _, parts = await e.list_parts("b", "k", uid)
        assert [(p.number, p.etag, p.size) for p in parts] == [(1, etag, 6)]
        await e.complete_multipart_upload("b", "k", uid, [(1, etag)])
        assert await get(e, "k") == b"second"

    run_engine(t)


def test_complete_validates_order_etags_and_sizes_and_keeps_upload(run_engine):
    async def t(e: Engine):
        uid = await e.create_multipart_upload("b", "k", ObjectFields())
        e1 = await upload(e, uid, 1, b"a" * 10)
        e2 = await upload(e, uid, 2, b"b" * 10)
        with pytest.raises(InvalidPartOrder):
            await e.complete_multipart_upload("b", "k", uid, [(2, e2), (1, e1)])
        with pytest.raises(InvalidPart):
            await e.complete_multipart_upload("b", "k", uid, [(1, e2)])
        with pytest.raises(InvalidPart):
            await e.complete_multipart_upload("b", "k", uid, [(1, e1), (5, e1)])
        with pytest.raises(EntityTooSmall):
            await e.complete_multipart_upload("b", "k", uid, [(1, e1), (2, e2)])
        await put(e, "k", b"existing")
        with pytest.raises(PreconditionFailed):
            await e.complete_multipart_upload(
                "b", "k", uid, [(1, e1)], WriteCondition(if_none_match_star=True)
            )
        _, parts = await e.list_parts("b", "k", uid)
        assert len(parts) == 2  # every failure left the upload usable
        await e.complete_multipart_upload("b", "k", uid, [(1, e1), (2, e2)], min_part_size=1)
        assert await get(e, "k") == b"a" * 10 + b"b" * 10

    run_engine(t)


def test_abort_removes_the_upload_and_unknown_ids_are_no_such_upload(run_engine):
    async def t(e: Engine):
        uid = await e.create_multipart_upload("b", "k", ObjectFields())
        await upload(e, uid, 1, b"x")
        await e.abort_multipart_upload("b", "k", uid)
        for bad in (uid, "../../etc", "0" * 32):
            with pytest.raises(NoSuchUpload):
                await upload_part(e, bad, 1, b"x")
            with pytest.raises(NoSuchUpload):
                await e.abort_multipart_upload("b", "k", bad)
        other = await e.create_multipart_upload("b", "k", ObjectFields())
        with pytest.raises(NoSuchUpload):
            await e.list_parts("b", "another-key", other)

    run_engine(t)


def test_list_multipart_uploads_orders_by_key_and_filters_prefix(run_engine):
    async def t(e: Engine):
        for key in ("z", "a/2", "a/1"):
            await e.create_multipart_upload("b", key, ObjectFields())
        page = await e.list_multipart_uploads("b")
        assert [u.key for u in page.uploads] == ["a/1", "a/2", "z"]
        page = await e.list_multipart_uploads("b", prefix="a/")
        assert [u.key for u in page.uploads] == [
            "a/1",
            "a/2",
        ]

    run_engine(t)
