"""Fixtures for storage engine tests: an engine on tmp_path driven by asyncio.run."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest

from s3box.records import Hasher, ObjectFields, ObjectMeta, PartRecord
from s3box.storage import layout
from s3box.storage.core import EngineOptions
from s3box.storage.engine import Engine
from tests.storage_helpers import chunks, no_checksum, put_bytes


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        self.now += 0.001
        return self.now


EngineTest = Callable[[Engine], Awaitable[Any]]


@pytest.fixture
def run_engine(tmp_path: Path) -> Callable[..., Any]:
    """run_engine(fn, **engine_kwargs): start an engine on tmp_path with a
    bucket "b", run `await fn(engine)`, close it, return fn's result."""

    def runner(fn: EngineTest, *, bucket: str | None = "b", **kwargs: Any) -> Any:
        kwargs.setdefault("clock", FakeClock())
        options = kwargs.pop("options", EngineOptions())

        async def main() -> Any:
            engine = Engine(tmp_path, options, **kwargs)
            await engine.start()
            try:
                if bucket is not None and bucket not in [
                    b.name for b in await engine.list_buckets()
                ]:
                    await engine.create_bucket(bucket)
                return await fn(engine)
            finally:
                await engine.close()

        return asyncio.run(main())

    return runner


async def put(engine: Engine, key: str, data: bytes, bucket: str = "b", **kw: Any) -> ObjectMeta:
    """A PutObject of a body whose size is declared (small ones take the one-step path)."""
    return await put_bytes(
        engine, bucket, key, data, kw.pop("fields", None), kw.pop("condition", None)
    )


async def stream_put(
    engine: Engine,
    key: str,
    pieces: Iterable[bytes],
    bucket: str = "b",
    hashers: Sequence[Hasher] = (),
    **kw: Any,
) -> ObjectMeta:
    """A PutObject whose size is not declared: it always streams through staging."""
    fields = kw.pop("fields", ObjectFields())
    return await engine.put_object(
        bucket,
        key,
        chunks(pieces),
        size=None,
        fields=fields,
        condition=kw.pop("condition", None),
        hashers=hashers,
        verify=kw.pop("verify", lambda _md5: fields.checksum),
    )


async def upload_part(
    engine: Engine, upload_id: str, number: int, data: bytes, key: str = "k", bucket: str = "b"
) -> PartRecord:
    return await engine.upload_part(
        bucket,
        key,
        upload_id,
        number,
        chunks([data]),
        size=len(data),
        hashers=(),
        verify=no_checksum,
    )


async def get(
    engine: Engine, key: str, bucket: str = "b", prefetch_limit: int = 256 * 1024
) -> bytes:
    handle = await engine.get_object(bucket, key, prefetch_limit=prefetch_limit)
    try:
        if handle.data is not None:
            return handle.data
        return b"".join([c async for c in handle.iter_range(0, handle.meta.size - 1)])
    finally:
        await handle.close()


def object_dir(tmp_path: Path, key: str, bucket: str = "b") -> Path:
    h = layout.key_hash(bucket, key)
    return Path(layout.leaf_dir(str(tmp_path / "buckets" / bucket / "objects"), h)) / (
        layout.base_name(h)
    )
