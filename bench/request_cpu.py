"""CPU per request of the s3box ASGI app itself, in process: no socket, no HTTP
server, no load generator, so the figure is the app's own cost and barely moves
with what else the machine is doing (process CPU time, not wall time).

Builds an `S3App` on a temporary data dir (auth off), creates one bucket, then
times PUT, GET and HEAD of one 4 KiB object, `--requests` each after a warm-up,
a streamed PUT and a GET of `--big-mib` MiB, and ListObjectsV2 through
`--list-keys` keys. Compare two checkouts by running it from each, alternating:
`python -m bench.request_cpu [--requests 5000] [--big-mib 256] [--list-keys 20000]`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from typing import Any

from s3box.config import load_config
from s3box.server.app import S3App


async def _call(
    app: S3App, method: str, path: str, body: bytes = b"", query: str = "", chunks: int = 1
) -> int:
    """One request; the body is sent `chunks` times (a streamed upload of
    chunks * len(body) bytes); the response body is read and dropped."""
    size = len(body) * chunks
    headers = [(b"host", b"localhost"), (b"content-length", str(size).encode())]
    scope: dict[str, Any] = {
        "type": "http",
        "http_version": "1.1",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 9000),
        "scheme": "http",
    }
    remaining = chunks
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        nonlocal remaining
        if remaining <= 0:
            return {"type": "http.disconnect"}
        remaining -= 1
        return {"type": "http.request", "body": body, "more_body": remaining > 0}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    return status[0]


async def _run(requests: int, list_keys: int, big_mib: int) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as data:
        app = S3App(load_config(None, {}, {"base_dir": data}))
        await app.startup()
        try:
            if await _call(app, "PUT", "/bench") != 200:
                raise SystemExit("CreateBucket failed")
            body = b"x" * 4096
            out: dict[str, str] = {}
            plan = (("PUT", "PUT", body), ("GET", "GET", b""), ("HEAD", "HEAD", b""))
            for name, method, payload in plan:
                for _ in range(200):
                    await _call(app, method, "/bench/k", payload)
                started = time.process_time()
                for _ in range(requests):
                    if await _call(app, method, "/bench/k", payload) != 200:
                        raise SystemExit(f"{name} failed")
                micros = (time.process_time() - started) / requests * 1e6
                out[f"{name} 4 KiB"] = f"{micros:.0f} us CPU per request"
            out.update(await _big(app, big_mib))
            out.update(await _listing(app, list_keys))
            return out
        finally:
            await app.shutdown()


async def _big(app: S3App, mib: int) -> dict[str, str]:
    """A streamed PUT of `mib` MiB in 1 MiB chunks, then its GET."""
    chunk = b"y" * (1 << 20)
    started = time.process_time()
    if await _call(app, "PUT", "/bench/big", chunk, chunks=mib) != 200:
        raise SystemExit("big PUT failed")
    put = (time.process_time() - started) / mib * 1e3
    started = time.process_time()
    if await _call(app, "GET", "/bench/big") != 200:
        raise SystemExit("big GET failed")
    get = (time.process_time() - started) / mib * 1e3
    return {
        f"PUT {mib} MiB": f"{put:.2f} ms CPU per MiB",
        f"GET {mib} MiB": f"{get:.2f} ms CPU per MiB",
    }


async def _listing(app: S3App, keys: int) -> dict[str, str]:
    """ListObjectsV2 through a bucket of `keys` keys, 1,000 per page (setup untimed)."""
    if await _call(app, "PUT", "/listing") != 200:
        raise SystemExit("CreateBucket failed")
    for i in range(keys):
        await _call(app, "PUT", f"/listing/k{i:07d}", b"z")
    started = time.process_time()
    token = ""
    pages = 0
    while True:
        query = "list-type=2" + (f"&start-after={token}" if token else "")
        if await _call(app, "GET", "/listing", query=query) != 200:
            raise SystemExit("ListObjectsV2 failed")
        pages += 1
        if pages * 1000 >= keys:
            break
        token = f"k{pages * 1000 - 1:07d}"
    millis = (time.process_time() - started) * 1e3
    return {f"ListObjectsV2 {keys:,} keys": f"{millis:.0f} ms CPU for {pages} pages"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--list-keys", type=int, default=20000)
    parser.add_argument("--big-mib", type=int, default=256)
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    for name, figure in asyncio.run(_run(args.requests, args.list_keys, args.big_mib)).items():
        print(f"{name}: {figure}")


if __name__ == "__main__":
    main()
