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
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PROBE_DIRS = 100
QUIET_US = 60.0  # median cost of one directory + one file below which the fs counts as quiet
MAX_WAIT_S = 420.0  # the window lasts about 300 s after the last deletion
PROBE_INTERVAL_S = 10.0
# After the benchmarks' own cleanup the probe alone is not enough: ext4 fills one flex group
# of block groups with new directories before it moves to the next, so a probe can land in
# a quiet group while the run later reaches the slow ones. Their own deletions are timed.
DELETION_WINDOW_S = 330.0
CLEANUP_MARKER = Path(tempfile.gettempdir()) / "s3box-bench-last-cleanup"


def note_cleanup(marker: Path = CLEANUP_MARKER) -> None:
    """Record that a benchmark just deleted its data dirs (many inodes)."""
    try:
        marker.write_text(f"{time.time():.0f}\n")
    except OSError:
        pass


def _since_cleanup(marker: Path) -> float | None:
    try:
        return time.time() - float(marker.read_text().strip())
    except (OSError, ValueError):
        return None


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
    marker: Path | None = CLEANUP_MARKER,
) -> SettleResult:
    """Wait out the rest of the window after the last benchmark cleanup (if `marker` says
    one was recent), then probe until a create costs under `quiet_us`; give up after
    `max_wait_s` in all (and say so: small PUT figures are then lower than the code
    deserves)."""
    directory.mkdir(parents=True, exist_ok=True)
    started = clock()
    since = _since_cleanup(marker) if marker is not None else None
    if since is not None and 0 <= since < DELETION_WINDOW_S:
        rest = min(DELETION_WINDOW_S - since, max_wait_s)
        report(
            f"an earlier benchmark deleted its data {since:.0f} s ago; ext4 without a "
            f"journal makes file creation slow for a while after that: waiting {rest:.0f} s"
        )
        sleep(rest)
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
