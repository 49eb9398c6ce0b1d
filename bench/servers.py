"""Start and stop benchmark targets (s3box, s3box-granian, moto, trivial) on loopback.

Each start gets a free port and a fresh temp data dir, is timed from Popen to the first
answered `GET /`, and has its process tree's RSS sampled every 50 ms so a scenario can ask for
the peak during its own window. Every process started here is stopped here, by its own pid.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.loadgen import ProtocolError, SyncConnection

HOST = "127.0.0.1"
TARGETS = ("s3box", "s3box-granian", "moto", "trivial")
S3_TARGETS = ("s3box", "s3box-granian", "moto")
STARTUP_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
SAMPLE_INTERVAL_S = 0.05
IDLE_SAMPLE_INTERVAL_S = 1.0


class TargetError(RuntimeError):
    """A target could not be started (or died); carries the tail of its log."""


def venv_bin() -> Path:
    """Directory of the interpreter running the benchmark (the project's .venv/bin)."""
    return Path(sys.executable).parent


def target_command(name: str, port: int, data_dir: Path) -> list[str]:
    """The argv that starts target `name` on 127.0.0.1:`port` with `data_dir`."""
    bin_dir = venv_bin()
    if name in ("s3box", "s3box-granian"):
        server = "granian" if name == "s3box-granian" else "uvicorn"
        return [
            str(bin_dir / "s3box"),
            "--address",
            HOST,
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            "--http-server",
            server,
        ]
    if name == "moto":
        # moto keeps everything in memory; data_dir stays empty.
        return [str(bin_dir / "moto_server"), "-H", HOST, "-p", str(port)]
    if name == "trivial":
        return [sys.executable, "-m", "bench.trivial_server", "--port", str(port)]
    raise ValueError(f"unknown target {name!r}; known: {', '.join(TARGETS)}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------------- RSS sampling


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    with contextlib.suppress(OSError):
        for tid in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{tid}/children") as f:
                kids.extend(int(p) for p in f.read().split())
    return kids


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def tree_rss_bytes(pid: int) -> int:
    """Sum of VmRSS over `pid` and all its descendants (granian runs worker processes)."""
    total = 0
    pending = [pid]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        total += _rss_bytes(current)
        pending.extend(_children(current))
    return total


@dataclass
class RssWindow:
    """Peak RSS observed between `RssSampler.window()` entry and exit."""

    peak_bytes: int = 0

    @property
    def peak_mib(self) -> float:
        return self.peak_bytes / (1 << 20)


class RssSampler:
    """Background thread sampling a process tree's RSS every 50 ms into open windows.

    With no window open it samples only once a second (for the whole-run peak): sampler
    threads share the GIL with the load generator, and four of them waking every 50 ms
    measurably slowed it (trivial-server rates fell by half, p99 rose to the 5 ms switch
    interval).
    """

    def __init__(
        self,
        pid: int,
        interval: float = SAMPLE_INTERVAL_S,
        idle_interval: float = IDLE_SAMPLE_INTERVAL_S,
    ) -> None:
        self.pid = pid
        self.interval = interval
        self.idle_interval = idle_interval
        self.peak_bytes = 0
        self._windows: list[RssWindow] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()  # set when a window opens, so 50 ms sampling starts now
        self._thread = threading.Thread(target=self._loop, name=f"rss-{pid}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)

    def sample(self) -> int:
        rss = tree_rss_bytes(self.pid)
        with self._lock:
            self.peak_bytes = max(self.peak_bytes, rss)
            for window in self._windows:
                window.peak_bytes = max(window.peak_bytes, rss)
        return rss

    @contextlib.contextmanager
    def window(self) -> Iterator[RssWindow]:
        """Track the peak RSS while the block runs (sampled at entry and exit too)."""
        window = RssWindow()
        with self._lock:
            self._windows.append(window)
        self._wake.set()
        self.sample()
        try:
            yield window
        finally:
            self.sample()
            with self._lock:
                self._windows.remove(window)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval if self._windows else self.idle_interval)
            self._wake.clear()
            if not self._stop.is_set():
                self.sample()


# --------------------------------------------------------------------------- running targets


@dataclass
class RunningServer:
    """A started target: where it listens, how long it took to answer, and its RSS sampler."""

    name: str
    port: int
    workdir: Path
    data_dir: Path
    log_path: Path
    proc: subprocess.Popen[bytes]
    startup_s: float
    sampler: RssSampler
    keep_workdir: bool = False
    state: dict[str, object] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return HOST

    def connect(self, timeout: float = 60.0) -> SyncConnection:
        return SyncConnection(HOST, self.port, timeout=timeout)

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise TargetError(f"{self.name} exited with {self.proc.returncode}\n{self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        return _tail(self.log_path, lines)

    def stop(self, *, remove: bool = True) -> None:
        """SIGTERM the process group we created, SIGKILL after a bounded wait, clean up.

        `remove=False` leaves the data dir for `remove_workdir()`: deleting 100,000 objects'
        directories takes minutes, so the report is printed first.
        """
        self.sampler.stop()
        _terminate(self.proc)
        if remove:
            self.remove_workdir()

    def remove_workdir(self) -> None:
        if not self.keep_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=STOP_TIMEOUT_S)
    # Workers of a stopped group (granian) may linger briefly; the group id is ours.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _answers(port: int) -> bool:
    try:
        with SyncConnection(HOST, port, timeout=1.0) as conn:
            return conn.request("GET", "/").status == 200
    except (OSError, ProtocolError):
        return False


_deferring = False
_deferred = False


def interrupt(signum: int, frame: Any) -> None:
    """The bench's SIGTERM handler: stop the run as Ctrl-C does, except while a
    server is being spawned (then the stop waits until the server is tracked)."""
    global _deferred
    if _deferring:
        _deferred = True
        return
    raise KeyboardInterrupt


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    global _deferring
    _deferring = True
    try:
        yield
    finally:
        _deferring = False


def _raise_deferred_interrupt() -> None:
    global _deferred
    if _deferred:
        _deferred = False
        raise KeyboardInterrupt


def start_target(
    name: str, *, timeout: float = STARTUP_TIMEOUT_S, keep_workdir: bool = False
) -> RunningServer:
    """Start `name` and return once it answered `GET /` with 200 (or raise TargetError)."""
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix=f"s3box-bench-{name}-"))
    data_dir = workdir / "data"
    data_dir.mkdir()
    log_path = workdir / "server.log"
    env = dict(os.environ, S3BOX_LOG_LEVEL="warn", PYTHONUNBUFFERED="1")
    cwd = Path(__file__).resolve().parent.parent  # so `-m bench.trivial_server` resolves
    with open(log_path, "wb") as log:
        started = time.perf_counter()
        # A SIGTERM landing between the fork and the assignment of `proc` would
        # leave a server that nothing stops: it is held until `proc` is known.
        with _interrupts_deferred():
            proc = subprocess.Popen(
                target_command(name, port, data_dir),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=cwd,
                start_new_session=True,
            )
    try:
        _raise_deferred_interrupt()
        deadline = started + timeout
        while True:
            if proc.poll() is not None:
                raise TargetError(
                    f"{name} exited with {proc.returncode} during startup\n" + _tail(log_path)
                )
            if _answers(port):
                startup_s = time.perf_counter() - started
                break
            if time.perf_counter() > deadline:
                raise TargetError(f"{name} did not answer GET / within {timeout:.0f} s")
            time.sleep(0.005)
        sampler = RssSampler(proc.pid)
        sampler.start()
    except BaseException:
        _terminate(proc)
        if not keep_workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        raise
    return RunningServer(
        name, port, workdir, data_dir, log_path, proc, startup_s, sampler, keep_workdir
    )


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@contextlib.contextmanager
def running(
    name: str, *, timeout: float = STARTUP_TIMEOUT_S, keep_workdir: bool = False
) -> Iterator[RunningServer]:
    """`with running("moto") as server:` — started, and always stopped."""
    server = start_target(name, timeout=timeout, keep_workdir=keep_workdir)
    try:
        yield server
    finally:
        server.stop()


def start_s3box_process(
    data_dir: Path, env: dict[str, str] | None = None, timeout: float = 20.0
) -> tuple[int, subprocess.Popen[bytes]]:
    """Start s3box (uvicorn) on a free port with extra environment (auth, log level,
    ...) and return (port, process) once /_s3box/health/ready answers. The caller
    stops the process."""
    port = free_port()
    cmd = [str(venv_bin() / "s3box"), "--address", HOST, "--port", str(port)]
    cmd += ["--data-dir", str(data_dir)]
    proc = subprocess.Popen(
        cmd,
        env=dict(os.environ, **(env or {})),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(f"http://{HOST}:{port}/_s3box/health/ready", timeout=1)
            return port, proc
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                _terminate(proc)
                raise TargetError(f"s3box did not start ({data_dir})") from None
            time.sleep(0.02)
