"""Resolving keys to object directories, including forced hash collisions."""

from __future__ import annotations

import os
from pathlib import Path

from s3box.storage import layout
from s3box.storage.engine import Engine

from .conftest import get, put

COLLIDING = "ab" * 20  # every key hashes here: one leaf, one 6-digit name


def same_hash(bucket: str, key: str) -> str:
    return COLLIDING


def leaf(tmp_path: Path) -> Path:
    return Path(layout.leaf_dir(str(tmp_path / "buckets" / "b" / "objects"), COLLIDING))


def test_colliding_keys_get_suffixed_dirs_and_resolve_by_meta_key(run_engine, tmp_path):
    async def t(e: Engine):
        await put(e, "x", b"x-bytes")
        await put(e, "y", b"y-bytes")
        await put(e, "z", b"z-bytes")
        e.core.cache.invalidate(("b", "x"))
        e.core.cache.invalidate(("b", "y"))
        e.core.cache.invalidate(("b", "z"))
        assert await get(e, "x") == b"x-bytes"
        assert await get(e, "y") == b"y-bytes"
        assert await get(e, "z") == b"z-bytes"

    run_engine(t, hash_fn=same_hash)
    names = sorted(os.listdir(leaf(tmp_path)))
    base = layout.base_name(COLLIDING)
    assert names[0] == base
    assert len(names) == 3
    for name in names[1:]:
        assert name.startswith(base + "_") and layout.is_valid_object_dir_name(name)


def test_collision_dir_is_found_after_the_base_name_owner_is_deleted(run_engine, tmp_path):
    async def t(e: Engine):
        await put(e, "x", b"x-bytes")
        await put(e, "y", b"y-bytes")
        await e.delete_object("b", "x")
        e.core.cache.invalidate(("b", "y"))
        assert await get(e, "y") == b"y-bytes"
        await put(e, "y", b"y2")  # overwrite in place keeps the suffixed name
        await put(e, "x", b"x2")  # the freed base name is reused
        e.core.cache.invalidate(("b", "x"))
        e.core.cache.invalidate(("b", "y"))
        assert await get(e, "x") == b"x2"
        assert await get(e, "y") == b"y2"

    run_engine(t, hash_fn=same_hash)
    assert len(os.listdir(leaf(tmp_path))) == 2


def test_delete_of_one_colliding_key_leaves_the_other(run_engine):
    async def t(e: Engine):
        await put(e, "x", b"x")
        await put(e, "y", b"y")
        await e.delete_object("b", "y")
        e.core.cache.invalidate(("b", "x"))
        assert await get(e, "x") == b"x"
        assert [k.key for k in (await e.list_objects("b")).entries] == ["x"]

    run_engine(t, hash_fn=same_hash)


def test_concurrent_puts_of_colliding_keys_each_get_their_own_dir(run_engine, tmp_path):
    import asyncio

    keys = [f"key-{i}" for i in range(12)]

    async def t(e: Engine):
        await asyncio.gather(*(put(e, k, k.encode()) for k in keys))
        for k in keys:
            e.core.cache.invalidate(("b", k))
        return [await get(e, k) for k in keys]

    assert run_engine(t, hash_fn=same_hash) == [k.encode() for k in keys]
    assert len(os.listdir(leaf(tmp_path))) == len(keys)
