"""DeleteObject and DeleteObjects."""

from __future__ import annotations

import pytest

from s3box.storage.engine import Engine
from s3box.storage.errors import NoSuchKey, PreconditionFailed

from .conftest import put


def test_delete_of_absent_key_is_not_an_error(run_engine):
    async def t(e: Engine):
        await e.delete_object("b", "nothing")

    run_engine(t)


def test_delete_with_if_match(run_engine):
    async def t(e: Engine):
        m = await put(e, "k", b"v")
        with pytest.raises(PreconditionFailed):
            await e.delete_object("b", "k", if_match="0" * 32)
        with pytest.raises(NoSuchKey):
            await e.delete_object("b", "other", if_match=m.etag)
        await e.delete_object("b", "k", if_match=m.etag)
        with pytest.raises(NoSuchKey):
            await e.head_object("b", "k")

    run_engine(t)


def test_delete_objects_reports_each_key_in_request_order(run_engine):
    async def t(e: Engine):
        for i in range(10):
            await put(e, f"k{i}", b"x")
        res = await e.delete_objects("b", ["k3", "missing", "k1", "k3"])
        assert [r.key for r in res] == ["k3", "missing", "k1", "k3"]
        assert all(r.error_code is None for r in res)
        keys = [x.key for x in (await e.list_objects("b")).entries]
        assert keys == [f"k{i}" for i in range(10) if i not in (1, 3)]

    run_engine(t)
