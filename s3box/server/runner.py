"""The process: start the ASGI app under uvicorn or granian, print the
startup banner, shut down gracefully on SIGINT/SIGTERM.

Knows ASGI servers and process concerns, nothing about S3.
"""

from __future__ import annotations

import gc
import ipaddress
import json
import logging
import os
import signal
import socket
from dataclasses import asdict
from typing import Any

import uvicorn
from granian import Granian
from granian.constants import HTTPModes, Interfaces, Loops
from granian.http import HTTP1Settings

from s3box import __version__
from s3box.config import Config, load_config
from s3box.server.app import S3App
from s3box.server.logging import configure_logging
from s3box.server.uvicorn_protocol import protocol_class

log = logging.getLogger("s3box")

# Bounded wait for in-flight requests on shutdown (seconds).
GRACEFUL_SHUTDOWN_SECS = 30
_CONFIG_ENV = "S3BOX__RESOLVED_CONFIG_JSON"


def _is_loopback(address: str) -> bool:
    if address in ("localhost", ""):
        return address == "localhost"
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def banner(config: Config, port: int) -> str:
    """The startup line. `port` is the one actually bound (bind_port 0 picks any free
    one), so a caller that started s3box with --port 0 reads its port here."""
    host = config.bind_address
    shown = f"[{host}]" if ":" in host else host
    auth = "sigv4" if config.auth.enabled else "open (no authentication)"
    return (
        f"s3box {__version__} listening on http://{shown}:{port} "
        f"data={os.path.abspath(config.base_dir)} auth={auth} server={config.http_server}"
    )


def _warn_open_access(config: Config) -> None:
    if not config.auth.enabled and not _is_loopback(config.bind_address):
        log.warning(
            "auth is disabled and s3box listens on %s: anyone who can reach this "
            "address can read and write every bucket (set auth.enabled or bind 127.0.0.1)",
            config.bind_address,
        )


def serve(config: Config) -> int:
    """Run s3box until SIGINT/SIGTERM; returns the process exit code."""
    handle = configure_logging(config.logging)
    _tune_gc()
    try:
        _warn_open_access(config)
        if config.http_server == "granian":
            return _serve_granian(config)
        return _serve_uvicorn(config)
    finally:
        handle.stop()


def _tune_gc() -> None:
    """Request handling allocates many short-lived objects and the metadata
    cache holds many long-lived ones: with the default thresholds the cyclic
    collector runs every 700 allocations and regularly walks the whole cache.
    Collect young objects less often; objects alive after startup are frozen
    out of the collector's walks."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def _serve_uvicorn(config: Config) -> int:
    app = S3App(config)
    uv_config = uvicorn.Config(
        app,
        host=config.bind_address,
        port=config.bind_port,
        loop="uvloop",
        # httptools, with the request head bounded and timed (uvicorn_protocol.py).
        http=protocol_class(config.limits.header_timeout_secs),
        lifespan="on",
        access_log=False,
        log_config=None,
        log_level="warning",
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECS,
        timeout_keep_alive=30,
    )
    server = uvicorn.Server(uv_config)
    started = _announce_when_started(server, config)
    # uvicorn re-raises SIGINT/SIGTERM to the previous handlers once it has
    # shut down gracefully; with the default handlers that kills the process
    # (exit 143). A graceful stop must exit 0, so the previous handlers are
    # no-ops while uvicorn serves.
    previous = {sig: signal.signal(sig, _after_graceful_stop) for sig in _STOP_SIGNALS}
    try:
        server.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if started else 1


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _after_graceful_stop(signum: int, frame: Any) -> None:
    """The signal was already handled by a graceful shutdown; nothing to do."""


def _announce_when_started(server: Any, config: Config) -> list[bool]:
    """Print the banner once uvicorn is listening (not before: a client that
    waits for the line may connect right away). The returned list becomes
    truthy once the server started."""
    original = server.startup
    started: list[bool] = []

    async def startup(sockets: Any = None) -> None:
        await original(sockets=sockets)
        if server.started:
            started.append(True)
            print(banner(config, _bound_port(server)), flush=True)

    server.startup = startup
    return started


def _bound_port(server: Any) -> int:
    """The port uvicorn's listening socket got (the configured one, or the kernel's
    pick for port 0)."""
    for listener in server.servers:
        for sock in listener.sockets:
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                return int(sock.getsockname()[1])
    return int(server.config.port)


def _serve_granian(config: Config) -> int:
    reserved = _reserve_port(config.bind_address) if config.bind_port == 0 else None
    port = reserved.getsockname()[1] if reserved is not None else config.bind_port
    os.environ[_CONFIG_ENV] = json.dumps(_plain(asdict(config)))
    print(banner(config, port), flush=True)
    server = Granian(
        "s3box.server.runner:granian_app",
        address=config.bind_address,
        port=port,
        interface=Interfaces.ASGI,
        workers=1,
        loop=Loops.uvloop,
        log_enabled=False,
        factory=True,
        backpressure=1024,
        # HTTP/1.1 only (what S3 clients speak): in "auto" mode a connection that sends nothing
        # is never timed out (the protocol is picked before hyper's head timer starts).
        http=HTTPModes.http1,
        # hyper bounds the head itself (100 fields, 431 past them or past its
        # buffer); the head timeout is ours.
        http1_settings=HTTP1Settings(
            header_read_timeout=max(1, round(config.limits.header_timeout_secs * 1000))
        ),
    )
    try:
        server.serve()
    finally:
        if reserved is not None:
            reserved.close()
    return 0


def _reserve_port(address: str) -> socket.socket:
    """Pick a free port for granian and hold it. On Linux granian binds in its worker
    process (SO_REUSEPORT), where port 0 would pick a port nobody is told about: the
    kernel picks one here instead. The socket stays bound but never listens, so it
    takes no connections, and it keeps any other program off the port; it shares the
    port with granian's listener through SO_REUSEPORT (same user)."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((address, 0))
    return sock


def granian_app() -> S3App:
    """Factory granian calls in its worker: rebuild the Config the parent
    resolved (passed through the environment) and the app."""
    data = json.loads(os.environ[_CONFIG_ENV])
    config = load_config(None, {}, data)
    configure_logging(config.logging)
    return S3App(config)


def _plain(value: Any) -> Any:
    """asdict() output made JSON-friendly (paths as strings, no warnings)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "warnings"}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value
