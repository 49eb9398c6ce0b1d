"""1 GiB PUTs in a row, with the machine's free memory before each one.

Shows how the cost of a large write depends on where the kernel finds page-cache
pages (docs/decisions/large-writes.md): while free memory is plentiful each PUT
takes new pages, which on a VM whose host backs memory lazily cost a host fault
each; once the page cache fills the memory, the kernel reclaims pages the guest
already uses and the same PUT runs faster. Every object is overwritten in place
(the old copies stay in the trash until the run ends), so each PUT adds 1 GiB of
page cache. Prints, per PUT, MemFree before it, how much page cache the kernel
reclaimed during it (/proc/vmstat pgsteal_*), MB/s and the server's CPU; then the
median of the PUTs that ran mostly on reclaimed pages and of the others.

Run: `python -m bench.big_put_memory [--puts 28]`. Writes puts x 1 GiB to the
temp dir's file system; the data is removed when the server stops.
"""

from __future__ import annotations

import argparse
import statistics
import sys

from bench.memstat import mem_free_mib, reclaimed_mib
from bench.scenarios import FULL, big_put
from bench.servers import running


def _cpu_s(pid: int) -> tuple[float, float]:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / 100, int(fields[12]) / 100  # utime, stime (clock ticks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--puts", type=int, default=28)
    args = parser.parse_args(argv)
    fresh: list[float] = []  # PUTs that took mostly free pages
    reclaimed: list[float] = []  # PUTs that took mostly pages the kernel reclaimed
    with running("s3box") as server:
        pid = server.proc.pid
        for n in range(args.puts):
            free = mem_free_mib()
            stolen0 = reclaimed_mib()
            user0, sys0 = _cpu_s(pid)
            rate = big_put(server, FULL)["big_put.mb_per_s"]
            user1, sys1 = _cpu_s(pid)
            stolen = reclaimed_mib() - stolen0
            if not isinstance(rate, float):
                print(f"PUT {n}: {rate}", file=sys.stderr)
                return 1
            (reclaimed if stolen * 2 >= FULL.big_bytes >> 20 else fresh).append(rate)
            print(
                f"PUT {n:2d}  MemFree {free:6d} MiB  reclaimed {stolen:5d} MiB  {rate:5.0f} MB/s  "
                f"server user {user1 - user0:.2f} s  sys {sys1 - sys0:.2f} s",
                flush=True,
            )
    for label, rates in (("on free pages", fresh), ("on reclaimed pages", reclaimed)):
        if rates:
            print(f"{label}: {len(rates)} PUTs, median {statistics.median(rates):.0f} MB/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
