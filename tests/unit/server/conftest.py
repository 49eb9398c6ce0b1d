"""Fixtures for the server unit tests: logging on a captured stream, and the
s3box ASGI app in process (no subprocess, no socket).

`asgi` is an `AsgiClient` over a started `S3App` on a temporary data dir (auth
off, as `make run`). Each call builds the ASGI scope a server would, feeds the
body in the chunks given and collects the response. The event loop lives in an
`asyncio.Runner` owned by the fixture, so the app's engine threads, caches and
lifecycle tasks persist across calls of one test and are shut down after it,
pass or fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from s3box.config import LoggingConfig, load_config
from s3box.server.app import S3App
from s3box.server.logging import LoggingHandle, configure_logging


@dataclass(slots=True)
class AsgiResponse:
    status: int
    headers: dict[str, str]  # lower-case names; repeated names joined with ","
    body: bytes


class AsgiClient:
    def __init__(self, runner: asyncio.Runner, app: S3App) -> None:
        self.runner = runner
        self.app = app

    def request(
        self,
        method: str,
        path: str,
        body: bytes | Sequence[bytes] = b"",
        headers: Mapping[str, str] | None = None,
    ) -> AsgiResponse:
        """One request. `path` may carry a query; `body` as bytes or as the chunks
        the client sends (Content-Length is their total unless headers set it)."""
        chunks = [body] if isinstance(body, bytes) else list(body)
        return self.runner.run(self._call(method, path, chunks, dict(headers or {})))

    async def _call(
        self, method: str, path: str, chunks: list[bytes], headers: dict[str, str]
    ) -> AsgiResponse:
        raw_path, _, query = path.partition("?")
        names = {name.lower() for name in headers}
        if "content-length" not in names and "transfer-encoding" not in names:
            headers["content-length"] = str(sum(len(c) for c in chunks))
        if "host" not in names:
            headers["host"] = "localhost"
        scope: dict[str, Any] = {
            "type": "http",
            "http_version": "1.1",
            "method": method,
            "path": raw_path,
            "raw_path": raw_path.encode(),
            "query_string": query.encode(),
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 9000),
            "scheme": "http",
        }
        pending = [
            {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
            for i, chunk in enumerate(chunks)
        ] or [{"type": "http.request", "body": b"", "more_body": False}]
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return pending.pop(0) if pending else {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await self.app(scope, receive, send)
        start = next(m for m in sent if m["type"] == "http.response.start")
        out: dict[str, str] = {}
        for name, value in start.get("headers", []):
            key = name.decode().lower()
            out[key] = f"{out[key]},{value.decode()}" if key in out else value.decode()
        body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return AsgiResponse(start["status"], out, body)


@contextlib.contextmanager
def serving(tmp_path: Path, **settings: Any) -> Iterator[AsgiClient]:
    """An `AsgiClient` over a started `S3App` on tmp_path/data with these settings
    (dotted names, as overrides), shut down on exit, pass or fail."""
    config = load_config(None, {}, {"base_dir": str(tmp_path / "data"), **settings})
    with asyncio.Runner() as runner:
        app = S3App(config)
        runner.run(app.startup())
        try:
            yield AsgiClient(runner, app)
        finally:
            runner.run(app.shutdown())


@pytest.fixture
def asgi(tmp_path: Path) -> Iterator[AsgiClient]:
    with serving(tmp_path) as client:
        yield client


@pytest.fixture
def started():
    """configure_logging with a captured stream; always stopped, even on failure."""
    handles: list[LoggingHandle] = []

    def start(cfg: LoggingConfig, **kwargs) -> tuple[LoggingHandle, io.StringIO]:
        stream = io.StringIO()
        handle = configure_logging(cfg, stream=stream, **kwargs)
        handles.append(handle)
        return handle, stream

    yield start
    for handle in handles:
        handle.stop()


def lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()
