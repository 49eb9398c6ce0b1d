"""Index rebuild at scale: objects/s and peak RSS of the offline and the online
rebuild of a bucket with N objects (default 200,000).

The objects are created through the engine (`put_object_bytes`, small bodies,
64 concurrent PUTs), so the tree on disk is exactly what a server writes. Each
rebuild then runs in a fresh child process (`python -m bench.rebuild_scale
--child offline|online ...`) after the index was deleted, and the child reports
its own elapsed time and VmHWM (peak RSS of that process image; ru_maxrss
would inherit the parent's peak across fork). The online child starts an
Engine, calls start_rebuild and waits for it, like POST ?rebuildIndex. Run:

    python -m bench.rebuild_scale --objects 200000 [--data-dir D] [--repeat 3]

--data-dir keeps the filled tree between runs (it is reused when it already
holds the bucket with that many objects), which saves the fill.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

BUCKET = "big"
CONCURRENCY = 64


async def _once(body: bytes) -> AsyncIterator[bytes]:
    yield body


def _key(i: int) -> str:
    return f"data/{i % 97:02d}/obj-{i:08d}.bin"


async def _fill(data_dir: Path, count: int) -> None:
    from s3box.records import ObjectFields
    from s3box.storage.engine import Engine

    engine = Engine(data_dir)
    await engine.start()
    try:
        if BUCKET not in [b.name for b in await engine.list_buckets()]:
            await engine.create_bucket(BUCKET)
        fields = ObjectFields()
        todo = iter(range(count))

        async def worker() -> None:
            for i in todo:
                body = f"object {i}\n".encode()
                await engine.put_object(
                    BUCKET,
                    _key(i),
                    _once(body),
                    size=len(body),
                    fields=fields,
                    condition=None,
                    hashers=(),
                    verify=lambda _md5: None,
                )

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    finally:
        await engine.close()


def _marker(data_dir: Path) -> Path:
    return data_dir / f".filled-{BUCKET}"


def ensure_filled(data_dir: Path, count: int) -> float | None:
    """Fill data_dir unless it already holds `count` objects; returns the fill
    time in seconds, or None when the tree was reused."""
    marker = _marker(data_dir)
    if marker.exists() and marker.read_text().strip() == str(count):
        return None
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    started = time.perf_counter()
    asyncio.run(_fill(data_dir, count))
    elapsed = time.perf_counter() - started
    marker.write_text(str(count))
    return elapsed


def drop_index(data_dir: Path) -> None:
    root = data_dir / "buckets" / BUCKET
    for name in os.listdir(root):
        if name.startswith("index.sqlite"):
            os.remove(root / name)


def _peak_rss_kib() -> int:
    try:
        with open("/proc/self/status") as f:
            found = re.search(r"VmHWM:\s+(\d+)", f.read())
        if found:
            return int(found.group(1))
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _child(mode: str, data_dir: Path) -> int:
    """Run one rebuild in this (fresh) process and print a JSON line."""
    if mode == "offline":
        from s3box.storage.rebuild import rebuild_index_offline

        started = time.perf_counter()
        count = rebuild_index_offline(data_dir, BUCKET)
        elapsed = time.perf_counter() - started
    else:
        from s3box.storage.engine import Engine

        async def online() -> tuple[int, float]:
            engine = Engine(data_dir)
            await engine.start()
            try:
                started = time.perf_counter()
                await engine.rebuild_index(BUCKET)
                await engine.wait_rebuild(BUCKET)
                elapsed = time.perf_counter() - started
                rows = await asyncio.to_thread(_row_count, data_dir)
                return rows, elapsed
            finally:
                await engine.close()

        count, elapsed = asyncio.run(online())
    print(json.dumps({"objects": count, "seconds": elapsed, "peak_rss_kib": _peak_rss_kib()}))
    return 0


def _row_count(data_dir: Path) -> int:
    import sqlite3

    conn = sqlite3.connect(data_dir / "buckets" / BUCKET / "index.sqlite")
    try:
        return int(conn.execute("SELECT count(*) FROM objects").fetchone()[0])
    finally:
        conn.close()


def run_child(mode: str, data_dir: Path) -> dict[str, float]:
    drop_index(data_dir)
    done = subprocess.run(
        [sys.executable, "-m", "bench.rebuild_scale", "--child", mode, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{mode} rebuild failed:\n{done.stderr}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=200_000)
    parser.add_argument("--data-dir", type=Path, default=None, help="keep the filled tree here")
    parser.add_argument("--repeat", type=int, default=1, help="rebuilds per mode (best is shown)")
    parser.add_argument("--modes", default="offline,online")
    parser.add_argument("--child", choices=("offline", "online"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child, args.data_dir)

    tmp: tempfile.TemporaryDirectory[str] | None = None
    if args.data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="s3box-rebuild-")
        data_dir = Path(tmp.name) / "data"
    else:
        data_dir = args.data_dir.resolve()
    try:
        filled = ensure_filled(data_dir, args.objects)
        if filled is None:
            print(f"reusing {args.objects:,} objects in {data_dir}")
        else:
            print(f"filled {args.objects:,} objects in {filled:.1f} s ({CONCURRENCY} PUTs at once)")
        print("| rebuild | objects | seconds | objects/s | peak RSS |")
        print("|---|---|---|---|---|")
        for mode in args.modes.split(","):
            runs = [run_child(mode, data_dir) for _ in range(args.repeat)]
            for r in runs:
                if r["objects"] != args.objects:
                    raise SystemExit(f"{mode}: indexed {r['objects']} of {args.objects} objects")
            best = min(runs, key=lambda r: r["seconds"])
            peak = max(r["peak_rss_kib"] for r in runs) / 1024
            all_rates = ", ".join(f"{r['objects'] / r['seconds']:,.0f}" for r in runs)
            print(
                f"| {mode} | {args.objects:,} | {best['seconds']:.2f} "
                f"| {best['objects'] / best['seconds']:,.0f} (runs: {all_rates}) "
                f"| {peak:.1f} MiB |"
            )
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
