"""A minimal HTTP/1.1 server that answers every request with 200 and a 4 KiB body.

Only a yardstick for the load generator (uvloop + httptools, no S3, no disk): if the generator
drives this many times faster than s3box, it is not what limits the s3box figures.
Run: python -m bench.trivial_server --port P (binds 127.0.0.1 only).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from typing import cast

import httptools

BODY = b"x" * 4096
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
    b"Content-Length: %d\r\n\r\n" % len(BODY)
) + BODY
HEAD_RESPONSE = RESPONSE[: -len(BODY)]
CLOSE_RESPONSE = RESPONSE.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1)


class TrivialProtocol(asyncio.Protocol):
    """Parses requests (bodies are read and dropped) and answers each on completion."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if self.transport is not None:
                self.transport.close()

    def on_message_complete(self) -> None:
        if self.transport is None:
            return
        if not self.parser.should_keep_alive():
            # Like werkzeug (moto) on every response: answer, say so, close.
            self.transport.write(CLOSE_RESPONSE)
            self.transport.close()
            return
        method = self.parser.get_method()
        self.transport.write(HEAD_RESPONSE if method == b"HEAD" else RESPONSE)


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(TrivialProtocol, "127.0.0.1", port, backlog=1024)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    import uvloop

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(serve(args.port))


if __name__ == "__main__":
    main()
