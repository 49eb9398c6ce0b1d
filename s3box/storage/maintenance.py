"""Background maintenance of every bucket: purge expired staging and trash
directories, drain visibility-repair rows older than the grace period.

Works only through targeted helpers (purge_expired here lists staging/ and
trash/; Engine.repair_pending reads the repair table in batches), so a pass
never crawls objects/ or the objects table. The clock and the sleep are
injected, so tests drive time instead of waiting for it. No HTTP here, and
no decisions about when the process stops: the caller cancels `run_forever`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from s3box.storage.bucket import Bucket
from s3box.storage.core import Core
from s3box.storage.errors import IndexUnavailable, NoSuchBucket

if TYPE_CHECKING:  # the engine's facade imports this module
    from s3box.storage.engine import Engine

log = logging.getLogger("s3box.storage.maintenance")


@dataclass(frozen=True, slots=True)
class MaintenancePolicy:
    """The `maintenance:` section of the configuration, in engine terms."""

    interval_secs: float = 300.0
    batch_size: int = 100
    grace_period_secs: float = 86400.0
    staging_expiry_secs: float = 86400.0
    trash_expiry_secs: float = 600.0


@dataclass(frozen=True, slots=True)
class PassResult:
    """What one pass over one bucket did."""

    bucket: str
    purged_dirs: int
    repaired_rows: int
    seconds: float


class Maintenance:
    """Runs a pass over every bucket every `policy.interval_secs`."""

    def __init__(
        self,
        engine: Engine,
        policy: MaintenancePolicy,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        on_pass: Callable[[PassResult], None] | None = None,
    ) -> None:
        self.engine = engine
        self.policy = policy
        self._clock = clock
        self._sleep = sleep
        self._on_pass = on_pass

    async def run_forever(self) -> None:
        """Sleep one interval, run a pass over every bucket, repeat until cancelled.

        The first pass waits one interval: startup already processed every repair
        row (Engine.start), and a fresh process has nothing else urgent to do."""
        while True:
            await self._sleep(self.policy.interval_secs)
            await self.run_once()

    async def run_once(self) -> list[PassResult]:
        """One pass over every bucket that exists now. A bucket deleted meanwhile
        is skipped; any other failure is logged and the next bucket still runs."""
        results: list[PassResult] = []
        for info in await self.engine.list_buckets():
            try:
                result = await self.maintain_bucket(info.name)
            except NoSuchBucket:
                continue
            except IndexUnavailable as exc:  # being set aside and rebuilt: next pass
                log.warning("maintenance of bucket %s skipped: %s", info.name, exc)
                continue
            except Exception:
                log.exception("maintenance of bucket %s failed", info.name)
                continue
            results.append(result)
        return results

    async def maintain_bucket(self, bucket: str) -> PassResult:
        """Purge expired staging/trash dirs, then drain repair rows older than the
        grace period (in batches of batch_size, each under its keys' locks)."""
        policy = self.policy
        started = time.perf_counter()
        purged = await self.engine.purge_expired(
            bucket,
            staging_expiry_secs=policy.staging_expiry_secs,
            trash_expiry_secs=policy.trash_expiry_secs,
        )
        older_than = self._clock() - policy.grace_period_secs
        repaired = await self.engine.repair_pending(
            bucket, older_than=older_than, batch=policy.batch_size
        )
        result = PassResult(bucket, purged, repaired, time.perf_counter() - started)
        if purged or repaired:
            log.info(
                "maintenance %s: removed %d expired staging/trash dirs, repaired %d index rows",
                bucket,
                purged,
                repaired,
                extra={
                    "fields": {
                        "bucket": bucket,
                        "purged_dirs": purged,
                        "repaired_rows": repaired,
                        "seconds": round(result.seconds, 3),
                    }
                },
            )
        else:
            log.debug("maintenance %s: nothing to do", bucket)
        if self._on_pass is not None:
            self._on_pass(result)
        return result


async def purge_expired(
    core: Core, bucket: str, *, staging_expiry_secs: float, trash_expiry_secs: float
) -> int:
    """Remove staging and trash dirs idle longer than their expiry (by mtime
    against the engine clock). Returns how many were removed."""
    async with core.entered(bucket) as b:
        return await core.run(_purge_sync, core, b, staging_expiry_secs, trash_expiry_secs)


def _purge_sync(core: Core, b: Bucket, staging_expiry: float, trash_expiry: float) -> int:
    return core.trash.purge_bucket(b, core.clock(), staging_expiry, trash_expiry)
