"""The server's background tasks: per-bucket maintenance, the bandwidth report,
and watchers that count index rebuilds for the metrics.

Started from the app's lifespan startup and cancelled cooperatively from its
shutdown (before the engine closes, so no pass runs against a closing engine).
Never serves requests and never touches files itself: the work is the engine's.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from s3box.config import LoggingConfig, MaintenanceConfig
from s3box.server.bandwidth import BandwidthMeter, run_bandwidth_reporter
from s3box.server.metrics import Metrics
from s3box.storage.engine import Engine
from s3box.storage.maintenance import Maintenance, MaintenancePolicy, PassResult
from s3box.storage.trash import TrashLimits

log = logging.getLogger("s3box.server.lifecycle")
bandwidth_log = logging.getLogger("s3box.bandwidth")

BANDWIDTH_INTERVAL_SECS = 10.0

_COUNTERS = {
    "s3box_maintenance_passes_total": "Maintenance passes over one bucket",
    "s3box_maintenance_purged_dirs_total": "Expired staging and trash directories removed",
    "s3box_maintenance_repaired_rows_total": "Visibility-repair rows reconciled by maintenance",
    "s3box_index_rebuilds_started_total": "Index rebuilds started",
    "s3box_index_rebuilds_finished_total": "Index rebuilds ended (done, failed or cancelled)",
}


def policy_of(cfg: MaintenanceConfig) -> MaintenancePolicy:
    return MaintenancePolicy(
        interval_secs=cfg.interval_secs,
        batch_size=cfg.visibility_repair_batch_size,
        grace_period_secs=cfg.visibility_repair_grace_period_secs,
        staging_expiry_secs=cfg.staging_expiry_secs,
        trash_expiry_secs=cfg.trash_expiry_secs,
    )


class Lifecycle:
    """Owns every background task of one app; stop() cancels and awaits them all."""

    def __init__(
        self,
        engine: Engine,
        maintenance: MaintenanceConfig,
        logging_cfg: LoggingConfig,
        metrics: Metrics,
        meter: BandwidthMeter,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        bandwidth_interval: float = BANDWIDTH_INTERVAL_SECS,
    ) -> None:
        self.engine = engine
        self.metrics = metrics
        self.meter = meter
        self._report_bandwidth = logging_cfg.enable_bandwidth_report
        self._bandwidth_interval = bandwidth_interval
        self._sleep = sleep
        self.maintenance = Maintenance(
            engine, policy_of(maintenance), clock=clock, sleep=sleep, on_pass=self._count_pass
        )
        self._tasks: set[asyncio.Task[None]] = set()
        self._rebuilding: set[str] = set()
        engine.on_recovery_rebuild = self.watch_rebuild  # a damaged index being rebuilt
        engine.set_trash_limits(
            TrashLimits(
                maintenance.trash_expiry_secs,
                maintenance.trash_max_entries,
                maintenance.trash_max_bytes,
            )
        )
        for name, help_text in _COUNTERS.items():
            metrics.inc(name, help_text, 0)  # present (at 0) from the first scrape
        metrics.gauge(
            "s3box_index_rebuilds_running",
            "Index rebuilds running now",
            lambda: len(self._rebuilding),
        )

    def start(self) -> None:
        self._spawn(self.maintenance.run_forever(), "maintenance")
        if self._report_bandwidth:
            self._spawn(
                run_bandwidth_reporter(
                    self.meter, bandwidth_log, self._bandwidth_interval, sleep=self._sleep
                ),
                "bandwidth report",
            )

    async def stop(self) -> None:
        """Cancel every task and wait for each to unwind (a maintenance pass stops at
        its next await; work already handed to a worker thread finishes first)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._report_bandwidth:
            # What moved since the last report, so a short run still reports something.
            taken = self.meter.take(time.monotonic())
            if taken is not None:
                bandwidth_log.info(taken.text(), extra={"fields": taken.fields()})

    def watch_rebuild(self, bucket: str) -> None:
        """Count a rebuild the engine just started until it ends (for the metrics)."""
        self._rebuilding.add(bucket)
        self._inc("s3box_index_rebuilds_started_total")

        async def watch() -> None:
            try:
                await self.engine.wait_rebuild(bucket)
                self._inc("s3box_index_rebuilds_finished_total")
            finally:
                self._rebuilding.discard(bucket)

        self._spawn(watch(), f"rebuild watcher {bucket}")

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(coro, name=f"s3box {name}")
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("background task %s died", task.get_name(), exc_info=exc)

    def _inc(self, name: str, amount: int = 1) -> None:
        self.metrics.inc(name, _COUNTERS[name], amount)

    def _count_pass(self, result: PassResult) -> None:
        self._inc("s3box_maintenance_passes_total")
        self._inc("s3box_maintenance_purged_dirs_total", result.purged_dirs)
        self._inc("s3box_maintenance_repaired_rows_total", result.repaired_rows)

    @property
    def running(self) -> int:
        return len(self._tasks)
