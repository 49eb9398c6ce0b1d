"""Listing at scale: a top-level delimiter listing of a bucket with 1,000,000
keys in 1,000 prefixes against one with 1,000 keys.

The listing is served from the bucket's SQLite index alone (objects/ is never
read to list), so the rows are written straight into a real index file with
the engine's own BucketIndex, which takes seconds instead of the hours that
a million PUTs would; the listing call is the engine's, unchanged. Run:
`python -m bench.listing_scale [--keys 1000000] [--prefixes 1000]`.
"""

from __future__ import annotations

import argparse
import functools
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from s3box.records import ListEntry
from s3box.storage.index import BucketIndex

ROW = ListEntry(
    key="",
    size=0,
    etag="d41d8cd98f00b204e9800998ecf8427e",
    last_modified=0.0,
    storage_class="STANDARD",
)


def build(path: Path, keys: int, prefixes: int) -> BucketIndex:
    """An index of `keys` keys spread over `prefixes` top-level prefixes
    ("p00042/obj-..."); prefixes=0 makes plain top-level keys ("obj-...")."""
    index = BucketIndex(str(path))
    per_prefix = max(1, keys // prefixes) if prefixes else 0
    batch = 50_000

    for start in range(0, keys, batch):
        rows = [
            (_key(i, per_prefix).encode(), 0, ROW.etag, 0.0, "STANDARD", 0.0)
            for i in range(start, min(keys, start + batch))
        ]
        index.write(functools.partial(_insert, rows=rows))
    return index


def _insert(conn: sqlite3.Connection, rows: Sequence[tuple[object, ...]]) -> None:
    conn.executemany(
        "INSERT INTO objects(key, size, etag, last_modified, storage_class, stamp) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )


def _key(i: int, per_prefix: int) -> str:
    return f"p{i // per_prefix:05d}/obj-{i:08d}" if per_prefix else f"obj-{i:08d}"


def time_listing(index: BucketIndex, repeats: int = 20) -> tuple[float, int]:
    """Median ms of the top-level delimiter listing, and the entries it returned."""
    timings = []
    count = 0
    for _ in range(repeats):
        started = time.perf_counter()
        page = index.list_page("", "/", "", 1000)
        timings.append((time.perf_counter() - started) * 1000.0)
        count = len(page.entries) + len(page.common_prefixes)
    return statistics.median(timings), count


def time_flat(index: BucketIndex, repeats: int = 20) -> float:
    """Median ms of a plain 1000-key page (no delimiter)."""
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        index.list_page("", "", "", 1000)
        timings.append((time.perf_counter() - started) * 1000.0)
    return statistics.median(timings)


def time_full_scan(index: BucketIndex) -> float:
    """ms to read every key once: what a listing that scans under each
    common prefix would cost at least."""
    started = time.perf_counter()
    with index.reader() as conn:
        for _ in conn.execute("SELECT key FROM objects ORDER BY key"):
            pass
    return (time.perf_counter() - started) * 1000.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--prefixes", type=int, default=1_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="s3box-listing-") as tmp:
        started = time.perf_counter()
        big = build(Path(tmp) / "big.sqlite", args.keys, args.prefixes)
        built = time.perf_counter() - started
        small = build(Path(tmp) / "small.sqlite", args.prefixes, 0)
        big_ms, big_n = time_listing(big)
        small_ms, small_n = time_listing(small)
        flat_ms = time_flat(big)
        scan_ms = time_full_scan(big)
        big.close()
        small.close()
    print(f"index of {args.keys:,} keys built in {built:.1f} s (setup, not timed below)")
    print("| listing | entries returned | median |")
    print("|---|---|---|")
    print(
        f"| top level of {args.keys:,} keys in {args.prefixes:,} prefixes, delimiter / "
        f"| {big_n:,} common prefixes | {big_ms:.2f} ms |"
    )
    print(
        f"| top level of {args.prefixes:,} keys, delimiter / | {small_n:,} keys "
        f"| {small_ms:.2f} ms |"
    )
    print(f"| first 1,000 keys of {args.keys:,}, no delimiter | 1,000 keys | {flat_ms:.2f} ms |")
    print(
        f"| reading all {args.keys:,} keys once (what a scan would cost) | - | {scan_ms:.0f} ms |"
    )
    print(f"ratio big/small delimiter listing: {big_ms / small_ms:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
