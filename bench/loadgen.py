"""HTTP/1.1 keep-alive load generator and a small blocking client, both over raw sockets.

Strategy: one sans-I/O `ResponseParser` (bytes in, `Response` out) shared by an asyncio+uvloop
`Protocol` that issues pre-rendered requests back to back on N connections (no awaits on the
hot path), and by `SyncConnection` for sequential or streamed requests. Requests are unsigned:
the benchmarked servers run with auth off. Loopback targets only; every run is bounded in
request count and time.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
import socket
import threading
import time
from array import array
from collections import Counter
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

MAX_HEAD_BYTES = 64 * 1024
RECV_BUFFER_BYTES = 1 << 20
LOOPBACK_HOSTS = ("127.0.0.1",)

_HEAD, _BODY, _CHUNK_SIZE, _CHUNK_DATA, _CHUNK_CRLF, _TRAILERS, _UNTIL_EOF, _DONE = range(8)


class ProtocolError(Exception):
    """The server's bytes are not a well-formed HTTP/1.1 response."""


class BenchTimeout(Exception):
    """A bounded operation ran past its deadline."""


def check_loopback(host: str) -> None:
    """Refuse any target that is not this machine: the benchmarks only ever load loopback."""
    if host not in LOOPBACK_HOSTS:
        raise ValueError(f"benchmark targets must be loopback (127.0.0.1), got {host!r}")


@dataclass(slots=True)
class Response:
    """One parsed response; `body` is only filled when the caller asked to keep it."""

    status: int
    head: bytes
    body: bytes
    body_length: int
    close: bool

    def header(self, name: str) -> str | None:
        """Value of the first header called `name` (case-insensitive), or None."""
        wanted = name.lower().encode("latin-1")
        for line in self.head.split(b"\r\n")[1:]:
            key, _, value = line.partition(b":")
            if key.strip().lower() == wanted:
                return value.strip().decode("latin-1")
        return None


class ResponseParser:
    """Incremental HTTP/1.1 response parser: `start()` per request, then `feed()` bytes.

    Knows Content-Length, chunked and read-until-close bodies, and that HEAD, 1xx, 204 and 304
    responses carry no body. Bodies are counted, and kept only when asked (listing XML).
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._state = _DONE
        self._head_only = False
        self._keep_body = False
        self._status = 0
        self._head = b""
        self._close = False
        self._remaining = 0
        self._length = 0
        self._parts: list[bytes] = []

    def start(self, *, head_only: bool = False, keep_body: bool = False) -> None:
        self._state = _HEAD
        self._head_only = head_only
        self._keep_body = keep_body
        self._status = 0
        self._head = b""
        self._close = False
        self._remaining = 0
        self._length = 0
        self._parts = []

    def feed(self, data: bytes | bytearray | memoryview) -> Response | None:
        """Consume `data`; return the response once complete. Extra bytes stay buffered."""
        if self._state == _HEAD:
            if self._buf:
                self._buf += data
                data = bytes(self._buf)
                self._buf.clear()
            elif not isinstance(data, bytes):
                data = bytes(data)
            end = data.find(b"\r\n\r\n")
            if end < 0:
                if len(data) > MAX_HEAD_BYTES:
                    raise ProtocolError("response head larger than 64 KiB")
                self._buf += data
                return None
            self._parse_head(data[:end])
            data = memoryview(data)[end + 4 :]
            if self._state == _DONE:
                self._buf += data
                return self._finish()
        if self._state == _BODY:
            take = min(len(data), self._remaining)
            self._take(data[:take])
            self._remaining -= take
            if self._remaining:
                return None
            self._buf += data[take:]
            return self._finish()
        if self._state == _UNTIL_EOF:
            self._take(data)
            return None
        if self._state == _DONE:
            raise ProtocolError("bytes received with no request outstanding")
        self._buf += data
        return self._parse_chunks()

    def feed_eof(self) -> Response | None:
        """The peer closed: completes a read-until-close body, else the response was cut."""
        if self._state == _UNTIL_EOF:
            self._close = True
            return self._finish()
        if self._state == _DONE:
            return None
        raise ProtocolError("connection closed before the response was complete")

    @property
    def idle(self) -> bool:
        return self._state == _DONE

    def _take(self, data: bytes | bytearray | memoryview) -> None:
        self._length += len(data)
        if self._keep_body:
            self._parts.append(bytes(data))

    def _parse_head(self, head: bytes) -> None:
        if not head.startswith(b"HTTP/1.") or len(head) < 12:
            raise ProtocolError(f"bad status line: {head[:40]!r}")
        self._status = int(head[9:12])
        self._head = head
        lower = head.lower()
        self._close = b"\r\nconnection: close" in lower or (
            head.startswith(b"HTTP/1.0") and b"\r\nconnection: keep-alive" not in lower
        )
        if self._head_only or self._status in (204, 304) or self._status < 200:
            self._state = _DONE
            return
        if b"chunked" in _header_value(lower, b"transfer-encoding"):
            self._state = _CHUNK_SIZE
            return
        length = _header_value(lower, b"content-length")
        if not length:
            self._state = _UNTIL_EOF
            return
        self._remaining = int(length)
        self._state = _BODY if self._remaining else _DONE

    def _parse_chunks(self) -> Response | None:
        buf = self._buf
        pos = 0
        while True:
            if self._state == _CHUNK_SIZE:
                eol = buf.find(b"\r\n", pos)
                if eol < 0:
                    break
                size = int(bytes(buf[pos:eol]).split(b";", 1)[0], 16)
                pos = eol + 2
                self._remaining = size
                self._state = _CHUNK_DATA if size else _TRAILERS
            elif self._state == _CHUNK_DATA:
                take = min(len(buf) - pos, self._remaining)
                if take == 0:
                    break
                self._take(memoryview(buf)[pos : pos + take])
                pos += take
                self._remaining -= take
                if not self._remaining:
                    self._state = _CHUNK_CRLF
            elif self._state == _CHUNK_CRLF:
                if len(buf) - pos < 2:
                    break
                if buf[pos : pos + 2] != b"\r\n":
                    raise ProtocolError("chunk data not followed by CRLF")
                pos += 2
                self._state = _CHUNK_SIZE
            else:  # _TRAILERS: lines until an empty one
                eol = buf.find(b"\r\n", pos)
                if eol < 0:
                    break
                done = eol == pos
                pos = eol + 2
                if done:
                    del buf[:pos]
                    return self._finish()
        del buf[:pos]
        return None

    def _finish(self) -> Response:
        self._state = _DONE
        body = b"".join(self._parts) if self._keep_body else b""
        self._parts = []
        return Response(self._status, self._head, body, self._length, self._close)


def _header_value(lower_head: bytes, name: bytes) -> bytes:
    """Value of header `name` in a lower-cased head block, b"" when absent."""
    start = lower_head.find(b"\r\n" + name + b":")
    if start < 0:
        return b""
    start += len(name) + 3
    end = lower_head.find(b"\r\n", start)
    return lower_head[start : end if end >= 0 else len(lower_head)].strip()


def render_request(
    method: str,
    host: str,
    port: int,
    path: str,
    body: bytes = b"",
    headers: Iterable[tuple[str, str]] = (),
) -> bytes:
    """Serialize one HTTP/1.1 request (bodies get a Content-Length, never chunked)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}"]
    if body or method in ("PUT", "POST"):
        lines.append(f"Content-Length: {len(body)}")
    lines.extend(f"{name}: {value}" for name, value in headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


# --------------------------------------------------------------------------- blocking client


class SyncConnection:
    """A blocking keep-alive connection for sequential and streamed requests.

    Used for setup, listings, DeleteObjects, multipart and the 1 GiB transfers, where one
    request at a time (per thread) is the point and a socket beats an event loop for simplicity.
    """

    def __init__(self, host: str, port: int, timeout: float = 60.0) -> None:
        check_loopback(host)
        self.host = host
        self.port = port
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self._parser = ResponseParser()
        self._rbuf = bytearray(RECV_BUFFER_BYTES)

    def __enter__(self) -> SyncConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _socket(self) -> socket.socket:
        if self._sock is None:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sock = sock
            self._parser = ResponseParser()
        return self._sock

    def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: Iterable[tuple[str, str]] = (),
        *,
        keep_body: bool = True,
    ) -> Response:
        data = render_request(method, self.host, self.port, path, body, headers)
        sock = self._socket()
        sock.sendall(data)
        return self._read_response(head_only=method == "HEAD", keep_body=keep_body)

    def put_stream(
        self,
        path: str,
        size: int,
        piece: bytes,
        deadline: float,
        headers: Iterable[tuple[str, str]] = (),
        method: str = "PUT",
    ) -> Response:
        """Send `size` body bytes by repeating the reused `piece` (never the whole body)."""
        head = render_request(method, self.host, self.port, path, b"", headers)
        head = head.replace(b"Content-Length: 0\r\n", f"Content-Length: {size}\r\n".encode())
        sock = self._socket()
        sock.sendall(head)
        view = memoryview(piece)
        sent = 0
        while sent < size:
            if time.monotonic() > deadline:
                self.close()
                raise BenchTimeout(f"upload stopped at {sent} of {size} bytes")
            n = min(len(view), size - sent)
            sock.sendall(view[:n])
            sent += n
        return self._read_response(head_only=False, keep_body=True, deadline=deadline)

    def get_stream(
        self, path: str, deadline: float, headers: Iterable[tuple[str, str]] = ()
    ) -> Response:
        """GET and discard the body, counting its bytes."""
        sock = self._socket()
        sock.sendall(render_request("GET", self.host, self.port, path, b"", headers))
        return self._read_response(head_only=False, keep_body=False, deadline=deadline)

    def _read_response(
        self, *, head_only: bool, keep_body: bool, deadline: float | None = None
    ) -> Response:
        sock = self._socket()
        parser = self._parser
        parser.start(head_only=head_only, keep_body=keep_body)
        view = memoryview(self._rbuf)
        while True:
            if deadline is not None and time.monotonic() > deadline:
                self.close()
                raise BenchTimeout("response not complete before the deadline")
            n = sock.recv_into(self._rbuf)
            response = parser.feed(view[:n]) if n else parser.feed_eof()
            if response is not None:
                if response.close or not n:
                    self.close()
                return response


# --------------------------------------------------------------------------- load generator


@dataclass(frozen=True)
class RequestPlan:
    """Which requests a load run sends: request i targets key i mod `key_count`.

    `path_template` is formatted with the key index (e.g. "/bench/obj-{:06d}"), or with
    `keys[i]` when explicit keys are given. Picklable, so each generator process renders it.
    """

    method: str
    host: str
    port: int
    path_template: str
    key_count: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    ok_statuses: tuple[int, ...] = ()
    keys: tuple[str, ...] = ()

    def render_all(self) -> list[bytes]:
        names: Iterable[object] = self.keys if self.keys else range(self.key_count)
        return [
            render_request(
                self.method,
                self.host,
                self.port,
                self.path_template.format(name),
                self.body,
                self.headers,
            )
            for name in names
        ]

    def is_ok(self, status: int) -> bool:
        if self.ok_statuses:
            return status in self.ok_statuses
        return 200 <= status < 300


@dataclass
class LoadResult:
    """What one load run measured; latencies are per request, in seconds."""

    requests: int
    errors: int
    elapsed_s: float
    latencies: array = field(repr=False)
    statuses: dict[int, int]
    connections: int
    processes: int = 1
    reconnects: int = 0

    @property
    def ops_per_s(self) -> float:
        return self.requests / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def percentile_ms(self, q: float) -> float:
        """Nearest-rank percentile of the latencies, in milliseconds (q in 0..100)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered)) - 1))
        return ordered[rank] * 1000

    def summary(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "elapsed_s": round(self.elapsed_s, 4),
            "ops_per_s": round(self.ops_per_s, 1),
            "p50_ms": round(self.percentile_ms(50), 3),
            "p99_ms": round(self.percentile_ms(99), 3),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "connections": self.connections,
            "processes": self.processes,
            "reconnects": self.reconnects,
        }


class _LoadRun:
    """Shared state of one process's run: hands out requests and records outcomes."""

    def __init__(self, plan: RequestPlan, max_requests: int, time_limit: float) -> None:
        self.plan = plan
        self.requests = plan.render_all()
        self.head_only = plan.method == "HEAD"
        self.max_requests = max_requests
        self.time_limit = time_limit
        self.deadline = float("inf")
        self.issued = 0
        self.errors = 0
        self.latencies = array("d")
        self.statuses: Counter[int] = Counter()
        self.active = 0
        self.finished: asyncio.Future[None] | None = None
        self.connections: set[_LoadConnection] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.reconnects = 0

    def next_request(self) -> bytes | None:
        if self.issued >= self.max_requests or time.perf_counter() >= self.deadline:
            return None
        index = self.issued
        self.issued += 1
        return self.requests[index % len(self.requests)]

    def record(self, latency: float, status: int) -> None:
        self.latencies.append(latency)
        self.statuses[status] += 1
        if not self.plan.is_ok(status):
            self.errors += 1

    def open_and_send(self, request: bytes, sent_at: float) -> None:
        task = asyncio.get_running_loop().create_task(self._open_and_send(request, sent_at))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _open_and_send(self, request: bytes, sent_at: float) -> None:
        loop = asyncio.get_running_loop()
        try:
            _, conn = await loop.create_connection(
                lambda: _LoadConnection(self), self.plan.host, self.plan.port
            )
        except OSError:
            self.errors += 1
            self.statuses[0] += 1
            self.connection_done(None)
            return
        self.connections.add(conn)
        conn.send(request, sent_at)

    def connection_done(self, conn: _LoadConnection | None) -> None:
        if conn is not None:
            self.connections.discard(conn)
        self.active -= 1
        if self.active == 0 and self.finished is not None and not self.finished.done():
            self.finished.set_result(None)


class _LoadConnection(asyncio.Protocol):
    """One keep-alive connection: sends the next request as soon as a response completes."""

    def __init__(self, run: _LoadRun) -> None:
        self.run = run
        self.parser = ResponseParser()
        self.transport: asyncio.Transport | None = None
        self.sent_at = 0.0
        self.in_flight = False
        self.done = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def send_next(self) -> None:
        request = self.run.next_request()
        if request is None or self.transport is None:
            self._finish()
            return
        self.send(request, time.perf_counter())

    def send(self, request: bytes, sent_at: float) -> None:
        assert self.transport is not None
        self.parser.start(head_only=self.run.head_only)
        self.in_flight = True
        self.sent_at = sent_at
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        try:
            response = self.parser.feed(data)
        except (ProtocolError, ValueError):
            self._fail()
            return
        if response is None:
            return
        self.in_flight = False
        self.run.record(time.perf_counter() - self.sent_at, response.status)
        if response.close:
            self._reopen()
            return
        self.send_next()

    def eof_received(self) -> bool | None:
        try:
            response = self.parser.feed_eof()
        except ProtocolError:
            self._fail()
            return None
        if response is not None and self.in_flight:
            self.in_flight = False
            self.run.record(time.perf_counter() - self.sent_at, response.status)
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        if self.done:
            return
        if self.in_flight:
            self.in_flight = False
            self.run.errors += 1
            self.run.statuses[0] += 1
        # Closed between requests without notice (idle timeout, restart): carry on if allowed.
        self._reopen()

    def _reopen(self) -> None:
        """The server closed after answering (moto always does): continue on a new connection.

        The connect time counts in the next request's latency, as it would for any client.
        """
        request = self.run.next_request()
        if request is None:
            self._finish()
            return
        self.done = True  # this slot lives on in the replacement connection
        self.run.connections.discard(self)
        if self.transport is not None:
            self.transport.close()
        self.run.reconnects += 1
        self.run.open_and_send(request, time.perf_counter())

    def _fail(self) -> None:
        if self.in_flight:
            self.in_flight = False
            self.run.errors += 1
            self.run.statuses[0] += 1
        self._finish()

    def _finish(self) -> None:
        if self.done:
            return
        self.done = True
        if self.transport is not None:
            self.transport.close()
        self.run.connection_done(self)


async def _run_async(
    plan: RequestPlan,
    connections: int,
    max_requests: int,
    time_limit: float,
    ready: Any = None,
) -> tuple[_LoadRun, float, float]:
    """Open all connections (untimed), then drive them until the count or time runs out."""
    loop = asyncio.get_running_loop()
    run = _LoadRun(plan, max_requests, time_limit)
    conns: list[_LoadConnection] = []
    try:
        for _ in range(connections):
            _, proto = await loop.create_connection(
                lambda: _LoadConnection(run), plan.host, plan.port
            )
            conns.append(proto)
        if ready is not None:
            ready.wait()  # cross-process barrier: all generators start together
        run.finished = loop.create_future()
        run.active = len(conns)
        run.connections = set(conns)
        started = time.monotonic()
        run.deadline = time.perf_counter() + time_limit
        for conn in conns:
            conn.send_next()
        try:
            # In-flight requests may finish after the deadline; give them a bounded grace.
            await asyncio.wait_for(asyncio.shield(run.finished), time_limit + 30.0)
        except TimeoutError:
            for conn in list(run.connections):
                conn._fail()
        ended = time.monotonic()
        return run, started, ended
    finally:
        for conn in conns:
            if conn.transport is not None:
                conn.transport.close()


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def _run_in_this_process(
    plan: RequestPlan, connections: int, max_requests: int, time_limit: float, ready: Any = None
) -> tuple[_LoadRun, float, float]:
    with asyncio.Runner(loop_factory=_new_loop) as runner:
        return runner.run(
            _interruptible(_run_async(plan, connections, max_requests, time_limit, ready))
        )


async def _interruptible(
    run: Coroutine[Any, Any, tuple[_LoadRun, float, float]],
) -> tuple[_LoadRun, float, float]:
    """Run the load so that SIGTERM interrupts it as Ctrl-C does.

    The bench's own SIGTERM handler raises KeyboardInterrupt wherever the main thread
    is; inside the loop that is often a transport callback, where uvloop catches the
    exception and only logs it, so the run went on. Here the loop itself takes the
    signal and cancels the run, and KeyboardInterrupt is raised outside any callback.
    The previous handler is put back afterwards (the loop would leave SIG_DFL)."""
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(run)
    if threading.current_thread() is not threading.main_thread():
        return await task
    previous = signal.getsignal(signal.SIGTERM)
    interrupted = False

    def on_sigterm() -> None:
        nonlocal interrupted
        interrupted = True
        task.cancel()

    loop.add_signal_handler(signal.SIGTERM, on_sigterm)
    try:
        return await task
    except asyncio.CancelledError:
        if interrupted:
            raise KeyboardInterrupt from None
        raise
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
        signal.signal(signal.SIGTERM, previous)


def _worker(
    plan: RequestPlan,
    connections: int,
    max_requests: int,
    time_limit: float,
    ready: Any,
    results: Any,
) -> None:
    try:
        run, started, ended = _run_in_this_process(
            plan, connections, max_requests, time_limit, ready
        )
        results.put(
            (
                len(run.latencies),
                run.errors,
                run.latencies.tobytes(),
                dict(run.statuses),
                started,
                ended,
                run.reconnects,
            )
        )
    except BaseException as exc:
        results.put(repr(exc))
        raise


def run_load(
    plan: RequestPlan,
    connections: int,
    max_requests: int,
    time_limit: float,
    processes: int = 1,
) -> LoadResult:
    """Issue up to `max_requests` over `connections` keep-alive connections, for at most
    `time_limit` seconds of issuing, spread over `processes` generator processes."""
    check_loopback(plan.host)
    if connections < 1 or max_requests < 1 or time_limit <= 0:
        raise ValueError("connections, max_requests and time_limit must be positive")
    processes = max(1, min(processes, connections))
    if processes == 1:
        run, started, ended = _run_in_this_process(plan, connections, max_requests, time_limit)
        return LoadResult(
            requests=len(run.latencies),
            errors=run.errors,
            elapsed_s=ended - started,
            latencies=run.latencies,
            statuses=dict(run.statuses),
            connections=connections,
            reconnects=run.reconnects,
        )
    return _run_multi(plan, connections, max_requests, time_limit, processes)


def _run_multi(
    plan: RequestPlan, connections: int, max_requests: int, time_limit: float, processes: int
) -> LoadResult:
    ctx = multiprocessing.get_context("fork")
    ready = ctx.Barrier(processes)
    results = ctx.Queue()
    workers = []
    for index in range(processes):
        share_conns = connections // processes + (index < connections % processes)
        share_reqs = max_requests // processes + (index < max_requests % processes)
        proc = ctx.Process(
            target=_worker,
            args=(plan, share_conns, share_reqs, time_limit, ready, results),
            daemon=True,
        )
        proc.start()
        workers.append(proc)
    try:
        outcomes = [results.get(timeout=time_limit + 60.0) for _ in workers]
    finally:
        for proc in workers:
            proc.join(timeout=5.0)
            if proc.is_alive():
                proc.kill()
                proc.join()
    failures = [o for o in outcomes if isinstance(o, str)]
    if failures:
        raise RuntimeError(f"load generator process failed: {failures[0]}")
    latencies = array("d")
    statuses: Counter[int] = Counter()
    requests = errors = reconnects = 0
    for count, errs, lat_bytes, stats, _, _, reopened in outcomes:
        reconnects += reopened
        requests += count
        errors += errs
        latencies.frombytes(lat_bytes)
        statuses.update(stats)
    started = min(o[4] for o in outcomes)
    ended = max(o[5] for o in outcomes)
    return LoadResult(
        requests=requests,
        errors=errors,
        elapsed_s=ended - started,
        latencies=latencies,
        statuses=dict(statuses),
        connections=connections,
        processes=processes,
        reconnects=reconnects,
    )
