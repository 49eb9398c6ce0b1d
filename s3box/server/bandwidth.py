"""Bandwidth accounting: bytes read and written per interval and in total, and the task
that logs them every few seconds.

Counts only; what a byte was for is the caller's business.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any


def human_bytes(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(count) < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GiB"  # pragma: no cover (loop always returns)


@dataclass(frozen=True)
class BandwidthReport:
    """Bytes moved in one interval, and the totals since the meter started."""

    read: int
    written: int
    seconds: float
    total_read: int
    total_written: int

    @property
    def read_rate(self) -> float:
        return self.read / self.seconds if self.seconds > 0 else 0.0

    @property
    def write_rate(self) -> float:
        return self.written / self.seconds if self.seconds > 0 else 0.0

    def text(self) -> str:
        return (
            f"bandwidth: read {human_bytes(self.read)} ({human_bytes(self.read_rate)}/s) "
            f"written {human_bytes(self.written)} ({human_bytes(self.write_rate)}/s) "
            f"in {self.seconds:.1f}s; total read {human_bytes(self.total_read)} "
            f"written {human_bytes(self.total_written)}"
        )

    def fields(self) -> dict[str, Any]:
        return {
            "read_bytes": self.read,
            "written_bytes": self.written,
            "interval_secs": round(self.seconds, 3),
            "read_bytes_per_sec": round(self.read_rate, 1),
            "write_bytes_per_sec": round(self.write_rate, 1),
            "total_read_bytes": self.total_read,
            "total_written_bytes": self.total_written,
        }


class BandwidthMeter:
    """Counts bytes read (GET bodies sent) and written (PUT bodies received).

    Safe to call from the event loop and from worker threads. `take()` / `report()`
    close the current interval; they return None when no byte moved in it, so an idle
    server does not fill its log with zero lines.
    """

    def __init__(self, start: float | None = None) -> None:
        self._lock = threading.Lock()
        self._since = time.monotonic() if start is None else start
        self._read = self._written = 0
        self._total_read = self._total_written = 0

    def add_read(self, n: int) -> None:
        with self._lock:
            self._read += n

    def add_written(self, n: int) -> None:
        with self._lock:
            self._written += n

    def take(self, now: float) -> BandwidthReport | None:
        with self._lock:
            read, written, seconds = self._read, self._written, now - self._since
            self._read = self._written = 0
            self._since = now
            self._total_read += read
            self._total_written += written
            totals = (self._total_read, self._total_written)
        if read == 0 and written == 0:
            return None
        return BandwidthReport(read, written, max(seconds, 0.0), *totals)

    def report(self, now: float) -> str | None:
        taken = self.take(now)
        return taken.text() if taken is not None else None


async def run_bandwidth_reporter(
    meter: BandwidthMeter,
    logger: logging.Logger,
    interval: float = 10.0,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> None:
    """Log the meter every `interval` seconds until cancelled."""
    while True:
        await sleep(interval)
        taken = meter.take(clock())
        if taken is not None:
            logger.info(taken.text(), extra={"fields": taken.fields()})
