"""Where the kernel finds memory: free pages vs page cache it reclaims (Linux /proc).

A large write's cost on a VM whose host backs memory lazily depends on it
(docs/decisions/large-writes.md); benchmarks record it next to their figures.
Both readers return 0 where /proc is missing.
"""

from __future__ import annotations

PAGE = 4096
MiB = 1 << 20


def mem_free_mib() -> int:
    """MemFree of /proc/meminfo, in MiB."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemFree:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def reclaimed_mib() -> int:
    """Page cache the kernel has reclaimed since boot (pgsteal_kswapd + pgsteal_direct),
    in MiB: the difference around a write is how much of it went to reused pages."""
    pages = 0
    try:
        with open("/proc/vmstat") as f:
            for line in f:
                if line.startswith(("pgsteal_kswapd ", "pgsteal_direct ")):
                    pages += int(line.split()[1])
    except OSError:
        pass
    return pages * PAGE // MiB
