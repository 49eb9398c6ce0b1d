"""What request logging costs: small PUTs against s3box at `logging.level:
warn` and at `info` with a rotating log file, in alternating rounds.

Run: `python -m bench.logging_overhead [--rounds 5]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from bench.loadgen import RequestPlan, run_load
from bench.servers import HOST, start_s3box_process

BODY = os.urandom(4096)


def start(level: str, workdir: Path, log_file: bool) -> tuple[int, subprocess.Popen[bytes]]:
    env = {"S3BOX_LOG_LEVEL": level}
    if log_file:
        env["S3BOX_LOGGING__FILE"] = str(workdir / f"{level}.log")
    port, proc = start_s3box_process(workdir / level, env)
    req = urllib.request.Request(f"http://{HOST}:{port}/bench", method="PUT")
    urllib.request.urlopen(req, timeout=10).read()
    return port, proc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=4000)
    args = parser.parse_args(argv)
    results: dict[str, list[float]] = {"warn": [], "info + file": []}
    with tempfile.TemporaryDirectory(prefix="s3box-log-bench-") as tmp:
        servers = {
            "warn": start("warn", Path(tmp), log_file=False),
            "info + file": start("info", Path(tmp), log_file=True),
        }
        try:
            names = list(servers)
            for rnd in range(args.rounds):
                for name in names if rnd % 2 == 0 else names[::-1]:
                    port = servers[name][0]
                    plan = RequestPlan("PUT", HOST, port, "/bench/o-{:06d}", 2000, body=BODY)
                    result = run_load(plan, 16, args.requests, 60.0)
                    if result.errors:
                        raise RuntimeError(f"{name}: {result.statuses}")
                    results[name].append(result.ops_per_s)
            lines = (Path(tmp) / "info.log").read_text().count("\n")
        finally:
            for _, proc in servers.values():
                proc.terminate()
                proc.wait(timeout=30)
    warn = statistics.median(results["warn"])
    info = statistics.median(results["info + file"])
    print("| PUT 4 KiB c=16 (median) | ops/s |")
    print("|---|---|")
    print(f"| logging at warn | {warn:,.0f} |")
    print(f"| logging at info, stdout and a rotating file | {info:,.0f} ({info / warn:.0%}) |")
    print(f"log file lines written: {lines:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
