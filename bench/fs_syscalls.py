"""Kernel cost of the directory operations a small PUT performs on the v1
layout (see docs/decisions/small-put-cost.md). Run: `python -m bench.fs_syscalls`.
It works in a temporary directory on the same filesystem as /tmp unless
`--dir` names another one (use the filesystem your data lives on)."""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="kernel cost of a small PUT's syscalls")
    parser.add_argument("--dir", default=None, help="parent directory for the scratch tree")
    parser.add_argument("-n", type=int, default=2000)
    args = parser.parse_args(argv)
    root = tempfile.mkdtemp(prefix="s3box-fs-", dir=args.dir)
    try:
        run(root, args.n)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


def run(d: str, n: int) -> None:
    os.makedirs(d + "/staging/put")
    os.makedirs(d + "/objects")
    ids = [secrets.token_hex(16) for _ in range(n)]
    hs = [hashlib.sha1(str(i).encode()).hexdigest() for i in range(n)]

    def timed(label: str, fn: Callable[[int], None]) -> None:
        cpu, wall = time.process_time(), time.perf_counter()
        for i in range(n):
            fn(i)
        cpu_us = 1e6 * (time.process_time() - cpu) / n
        wall_us = 1e6 * (time.perf_counter() - wall) / n
        print(f"{label:<28} cpu {cpu_us:6.0f} us   wall {wall_us:6.0f} us")

    def create(i: int, name: str) -> None:
        fd = os.open(
            f"{d}/staging/put/{ids[i]}/{name}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644
        )
        os.write(fd, b"x" * 4096)
        os.close(fd)

    def leaf(i: int) -> str:
        h = hs[i]
        return f"{d}/objects/{h[0:2]}/{h[2:4]}/{h[4:6]}/{h[6:8]}"

    timed("mkdir staging/put/<id>", lambda i: os.mkdir(f"{d}/staging/put/{ids[i]}"))
    timed("create+write part.1", lambda i: create(i, "part.1"))
    timed("create+write meta.json", lambda i: create(i, "meta.json"))
    timed("makedirs fan-out leaf", lambda i: os.makedirs(leaf(i), exist_ok=True))
    timed(
        "rename into the leaf",
        lambda i: os.rename(f"{d}/staging/put/{ids[i]}", f"{leaf(i)}/V1{hs[i][8:14].upper()}"),
    )


if __name__ == "__main__":
    raise SystemExit(main())
