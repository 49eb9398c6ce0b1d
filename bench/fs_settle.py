"""Wait, untimed, until creating a file costs what it normally does on the data file system.

Why: ext4 *without a journal* (this kind of VM's root file system) avoids reusing an inode
freed in the last few minutes. When it allocates one it walks the group's free inodes from
the start and checks each candidate's deletion time in the inode table, skipping the recent
ones. Right after a large deletion (the previous benchmark's cleanup, a test suite's temp
dirs) nearly every free slot is recent, so each create, mkdir included, costs 5-10x more for
about five minutes (measured: 17-27 us per create when quiet, 55-220 us in that window;
`os.sync()` does not shorten it). A small PUT makes three inodes, so that window halves the
4 KiB PUT figures of whichever target is not in memory. Journaled ext4, XFS or tmpfs do not
do this. See docs/decisions/small-put-cost.md.

The probe creates files (never deletes any, so it adds no freed inodes itself) in a
directory on the same file system as the data dirs; the files go when that directory does.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PROBE_FILES = 64
QUIET_CREATE_US = 40.0  # median create cost below which the file system counts as quiet
MAX_WAIT_S = 420.0  # the window lasts about 300 s after the last deletion
PROBE_INTERVAL_S = 10.0


@dataclass(frozen=True)
class SettleResult:
    waited_s: float
    create_us: float  # median cost of one create in the last probe
    probes: int
    quiet: bool


def probe_create_us(directory: Path, files: int = PROBE_FILES) -> float:
    """Median wall time, in microseconds, of creating one empty file in a new subdirectory
    of `directory` (the files are left in place)."""
    sub = directory / f"probe-{time.monotonic_ns()}"
    sub.mkdir()
    costs = []
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    for i in range(files):
        path = os.path.join(sub, f"f{i}")
        started = time.perf_counter()
        os.close(os.open(path, flags, 0o644))
        costs.append(time.perf_counter() - started)
    return statistics.median(costs) * 1e6


def settle_filesystem(
    directory: Path,
    *,
    max_wait_s: float = MAX_WAIT_S,
    interval_s: float = PROBE_INTERVAL_S,
    quiet_us: float = QUIET_CREATE_US,
    probe: Callable[[Path], float] = probe_create_us,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    report: Callable[[str], None] = lambda message: None,
) -> SettleResult:
    """Probe until a create costs under `quiet_us` or `max_wait_s` has passed (then go on
    and say so: the figures of small PUTs are then lower than the code deserves)."""
    directory.mkdir(parents=True, exist_ok=True)
    started = clock()
    probes = 0
    while True:
        cost = probe(directory)
        probes += 1
        waited = clock() - started
        if cost < quiet_us:
            return SettleResult(waited, cost, probes, True)
        if waited + interval_s > max_wait_s:
            report(
                f"file system still slow to create files after {waited:.0f} s "
                f"({cost:.0f} us per create); small PUT figures will be low"
            )
            return SettleResult(waited, cost, probes, False)
        if probes == 1:
            report(
                f"file system busy: {cost:.0f} us per create (quiet is under {quiet_us:.0f}); "
                "ext4 without a journal skips recently freed inodes for ~5 minutes after a "
                f"large deletion. Waiting up to {max_wait_s:.0f} s ..."
            )
        sleep(interval_s)
