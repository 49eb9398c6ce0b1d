"""Wait, untimed, until creating a file costs what it normally does on the data file system.

Why: ext4 *without a journal* (this kind of VM's root file system) avoids reusing an inode
freed in the last few minutes. When it allocates one it walks the group's free inodes from
the start and checks each candidate's deletion time in the inode table, skipping the recent
ones. Right after a large deletion (the previous benchmark's cleanup, a test suite's temp
dirs) nearly every free slot is recent, so each create, mkdir included, costs 5-20x more for
about five minutes (measured: a directory plus a file in it, as a PUT's staging step makes,
25-40 us when quiet and 100-1,000 us in that window; `os.sync()` does not shorten it).
A small PUT makes three inodes, so that window halves the 4 KiB PUT figures of whichever
target is not in memory. Journaled ext4, XFS or tmpfs do not do this. See
docs/decisions/small-put-cost.md.

The probe creates files (never deletes any, so it adds no freed inodes itself) in a new
directory under the one given: callers pass a bucket's staging/put, where a PUT creates its
inodes (ext4 allocates near the parent directory, so a probe elsewhere on the same file
system can miss the slow groups). The files go when the data dir does.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PROBE_DIRS = 100
QUIET_US = 60.0  # median cost of one directory + one file below which the fs counts as quiet
MAX_WAIT_S = 420.0  # the window lasts about 300 s after the last deletion
PROBE_INTERVAL_S = 10.0


@dataclass(frozen=True)
class SettleResult:
    waited_s: float
    probe_us: float  # median cost of one directory + file in the last probe
    probes: int
    quiet: bool


def probe_staging_us(directory: Path, dirs: int = PROBE_DIRS) -> float:
    """Median wall time, in microseconds, of what a PUT's staging step creates: one new
    directory and one empty file in it, `dirs` times, under a new subdirectory of
    `directory` (left in place). Many directories, because ext4 spreads new directories
    over block groups and only some groups may be slow."""
    sub = directory / f"probe-{time.monotonic_ns()}"
    sub.mkdir()
    costs = []
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    for i in range(dirs):
        d = os.path.join(sub, f"d{i}")
        started = time.perf_counter()
        os.mkdir(d)
        os.close(os.open(os.path.join(d, "part.1"), flags, 0o644))
        costs.append(time.perf_counter() - started)
    return statistics.median(costs) * 1e6


def settle_filesystem(
    directory: Path,
    *,
    max_wait_s: float = MAX_WAIT_S,
    interval_s: float = PROBE_INTERVAL_S,
    quiet_us: float = QUIET_US,
    probe: Callable[[Path], float] = probe_staging_us,
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
                f"({cost:.0f} us per directory + file); small PUT figures will be low"
            )
            return SettleResult(waited, cost, probes, False)
        if probes == 1:
            report(
                f"file system busy: {cost:.0f} us per directory + file (quiet is under "
                f"{quiet_us:.0f}); "
                "ext4 without a journal skips recently freed inodes for ~5 minutes after a "
                f"large deletion. Waiting up to {max_wait_s:.0f} s ..."
            )
        sleep(interval_s)
