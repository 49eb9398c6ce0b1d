"""Fixtures for storage engine tests: an engine on tmp_path driven by asyncio.run."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from s3box.records import ObjectFields, ObjectMeta
from s3box.storage.engine import Engine, EngineOptions


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
    return await engine.put_object_bytes(
        bucket, key, data, hashlib.md5(data).hexdigest(), kw.pop("fields", ObjectFields()), **kw
    )


async def get(
    engine: Engine, key: str, bucket: str = "b", prefetch_limit: int = 256 * 1024
) -> bytes:
    handle = await engine.open_object(bucket, key, prefetch_limit=prefetch_limit)
    try:
        if handle.data is not None:
            return handle.data
        return b"".join([c async for c in handle.iter_range(0, handle.meta.size - 1)])
    finally:
        await handle.close()
