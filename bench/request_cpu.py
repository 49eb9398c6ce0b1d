"""CPU per request of the s3box ASGI app itself, in process: no socket, no HTTP
server, no load generator, so the figure is the app's own cost and barely moves
with what else the machine is doing (process CPU time, not wall time).

Builds an `S3App` on a temporary data dir (auth off), creates one bucket, then
times PUT, GET and HEAD of one 4 KiB object, `--requests` each after a warm-up.
Compare two checkouts by running it from each, alternating:
`python -m bench.request_cpu [--requests 5000]`.
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


async def _call(app: S3App, method: str, path: str, body: bytes = b"") -> int:
    headers = [(b"host", b"localhost"), (b"content-length", str(len(body)).encode())]
    scope: dict[str, Any] = {
        "type": "http",
        "http_version": "1.1",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 9000),
        "scheme": "http",
    }
    delivered = False
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if delivered:
            return {"type": "http.disconnect"}
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    return status[0]


async def _run(requests: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as data:
        app = S3App(load_config(None, {}, {"base_dir": data}))
        await app.startup()
        try:
            if await _call(app, "PUT", "/bench") != 200:
                raise SystemExit("CreateBucket failed")
            body = b"x" * 4096
            out: dict[str, float] = {}
            plan = (("PUT", "PUT", body), ("GET", "GET", b""), ("HEAD", "HEAD", b""))
            for name, method, payload in plan:
                for _ in range(200):
                    await _call(app, method, "/bench/k", payload)
                started = time.process_time()
                for _ in range(requests):
                    if await _call(app, method, "/bench/k", payload) != 200:
                        raise SystemExit(f"{name} failed")
                out[name] = (time.process_time() - started) / requests * 1e6
            return out
        finally:
            await app.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    for name, micros in asyncio.run(_run(args.requests)).items():
        print(f"{name} 4 KiB: {micros:.0f} us CPU per request")


if __name__ == "__main__":
    main()
