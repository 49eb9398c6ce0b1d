"""What a flexible checksum costs on a large PUT: 1 GiB with
`x-amz-checksum-crc32` (boto3's default) against the same PUT without one
(s3box then stores a CRC64NVME), and a GET with `x-amz-checksum-mode: ENABLED`
against a plain GET. Alternating rounds on one server.

Run: `python -m bench.checksum_overhead [--rounds 3] [--mib 1024]`.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import statistics
import sys
import time
import zlib

from bench.servers import HOST, running

MiB = 1 << 20


def put(port: int, path: str, piece: bytes, count: int, crc32: str | None) -> float:
    conn = http.client.HTTPConnection(HOST, port, timeout=600)
    started = time.perf_counter()
    conn.putrequest("PUT", path, skip_accept_encoding=True)
    conn.putheader("Content-Length", str(len(piece) * count))
    if crc32 is not None:
        conn.putheader("x-amz-checksum-crc32", crc32)
    conn.endheaders()
    for _ in range(count):
        conn.send(piece)
    resp = conn.getresponse()
    resp.read()
    conn.close()
    if resp.status != 200:
        raise RuntimeError(f"PUT {path}: {resp.status}")
    return len(piece) * count / (time.perf_counter() - started) / 1e6


def get(port: int, path: str, checksum_mode: bool) -> tuple[float, str | None]:
    conn = http.client.HTTPConnection(HOST, port, timeout=600)
    headers = {"x-amz-checksum-mode": "ENABLED"} if checksum_mode else {}
    started = time.perf_counter()
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    total = 0
    while chunk := resp.read(4 * MiB):
        total += len(chunk)
    conn.close()
    return total / (time.perf_counter() - started) / 1e6, resp.getheader("x-amz-checksum-crc32")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--mib", type=int, default=1024)
    args = parser.parse_args(argv)
    piece = bytes(range(256)) * (MiB // 256)
    crc = 0
    for _ in range(args.mib):
        crc = zlib.crc32(piece, crc)
    crc32 = base64.b64encode(crc.to_bytes(4, "big")).decode()
    results: dict[str, list[float]] = {}
    with running("s3box") as server:
        port = server.port
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        conn.request("PUT", "/ckbench")
        conn.getresponse().read()
        conn.close()
        for rnd in range(args.rounds):
            order = [("with CRC32", "crc32", crc32), ("without", "none", None)]
            for name, tag, value in order if rnd % 2 == 0 else order[::-1]:
                mbs = put(port, f"/ckbench/{rnd}-{tag}", piece, args.mib, value)
                results.setdefault(f"PUT {args.mib} MiB {name} checksum", []).append(mbs)
            for name, mode in (("checksum-mode ENABLED", True), ("plain", False)):
                mbs, returned = get(port, f"/ckbench/{rnd}-crc32", mode)
                if mode and returned != crc32:
                    raise RuntimeError(f"stored CRC32 {returned!r} != {crc32!r}")
                results.setdefault(f"GET {args.mib} MiB {name}", []).append(mbs)
    print("| transfer (median MB/s) | MB/s |")
    print("|---|---|")
    for name, values in results.items():
        print(f"| {name} | {statistics.median(values):,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
