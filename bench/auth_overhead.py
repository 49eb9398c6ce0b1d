"""What authentication costs: the same botocore-signed requests against s3box
with auth off and with auth on, in alternating rounds.

Every request is SigV4-signed by botocore with the hex SHA-256 of its body,
as boto3 sends over plain HTTP; the open server ignores the signatures, the
authenticated one verifies each (and the body hash). Reports small PUT/GET
ops/s, the server's CPU time per request, and a streamed PUT with a payload
hash. Run: `python -m bench.auth_overhead [--rounds 5] [--requests 15000] [--big-mib 1024]`.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from bench.fs_settle import note_cleanup, settle_filesystem
from bench.loadgen import RequestPlan, render_request, run_load
from bench.servers import HOST, start_s3box_process

ACCESS_KEY = "benchkey"
SECRET_KEY = "benchsecret"
REGION = "us-east-1"
KEYS = 1000
BUCKET = "bench"
BODY = os.urandom(4096)
MiB = 1 << 20


def signed_headers(
    method: str, port: int, path: str, body: bytes = b"", payload_hash: str | None = None
) -> tuple[tuple[str, str], ...]:
    req = AWSRequest(method=method, url=f"http://{HOST}:{port}{path}", data=body)
    req.headers["X-Amz-Content-SHA256"] = payload_hash or hashlib.sha256(body).hexdigest()
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", REGION).add_auth(req)
    return tuple((k, str(v)) for k, v in req.headers.items())


class SignedPlan(RequestPlan):
    """A RequestPlan whose requests each carry their own SigV4 signature."""

    def render_all(self) -> list[bytes]:
        out = []
        for i in range(self.key_count):
            path = self.path_template.format(i)
            headers = signed_headers(self.method, self.port, path, self.body)
            out.append(render_request(self.method, self.host, self.port, path, self.body, headers))
        return out


@dataclass
class Server:
    mode: str
    port: int
    proc: subprocess.Popen[bytes]

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start(mode: str, workdir: Path) -> Server:
    env = {"S3BOX_LOG_LEVEL": "warn"}
    if mode == "auth":
        env.update(
            S3BOX_AUTH_ENABLED="true", S3BOX_ACCESS_KEY=ACCESS_KEY, S3BOX_SECRET_KEY=SECRET_KEY
        )
    port, proc = start_s3box_process(workdir / mode, env)
    server = Server(mode, port, proc)
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    conn.request("PUT", f"/{BUCKET}", headers=dict(signed_headers("PUT", port, f"/{BUCKET}")))
    assert conn.getresponse().status == 200
    conn.close()
    return server


def small(server: Server, method: str, requests: int) -> tuple[float, float]:
    """ops/s and server CPU microseconds per request."""
    body = BODY if method == "PUT" else b""
    plan = SignedPlan(method, HOST, server.port, f"/{BUCKET}/obj-{{:06d}}", KEYS, body=body)
    cpu0 = server.cpu_seconds()
    result = run_load(plan, 16, requests, 60.0)
    cpu = server.cpu_seconds() - cpu0
    if result.errors:
        raise RuntimeError(f"{server.mode} {method}: errors {result.statuses}")
    return result.ops_per_s, cpu / requests * 1e6


def big_put(server: Server, size: int, sha: str, piece: bytes) -> float:
    path = f"/{BUCKET}/big"
    conn = http.client.HTTPConnection(HOST, server.port, timeout=600)
    started = time.perf_counter()
    conn.putrequest("PUT", path, skip_accept_encoding=True)
    for k, v in signed_headers("PUT", server.port, path, payload_hash=sha):
        conn.putheader(k, v)
    conn.putheader("Content-Length", str(size))
    conn.endheaders()
    for _ in range(size // len(piece)):
        conn.send(piece)
    resp = conn.getresponse()
    resp.read()
    conn.close()
    if resp.status != 200:
        raise RuntimeError(f"{server.mode} big PUT: {resp.status}")
    return size / (time.perf_counter() - started) / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=15000)
    parser.add_argument("--big-mib", type=int, default=1024)
    args = parser.parse_args(argv)
    piece = os.urandom(MiB)
    size = args.big_mib * MiB
    digest = hashlib.sha256()
    for _ in range(args.big_mib):
        digest.update(piece)
    sha = digest.hexdigest()
    results: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="s3box-auth-bench-") as tmp:
        servers = [start(mode, Path(tmp)) for mode in ("open", "auth")]
        # Small PUTs create inodes: wait out an earlier mass deletion first, probing where
        # a PUT creates them (fs_settle.py).
        probe_in = Path(tmp) / "open" / "buckets" / BUCKET / "staging" / "put"
        settle = settle_filesystem(probe_in, report=print)
        print(f"file system: {settle.probe_us:.0f} us per directory + file")
        try:
            for rnd in range(args.rounds):
                order = servers if rnd % 2 == 0 else servers[::-1]
                for name in ("PUT", "GET"):
                    for server in order:
                        ops, cpu = small(server, name, args.requests)
                        print(f"  r{rnd + 1} {name} {server.mode:<4} {ops:8,.0f} ops/s", flush=True)
                        r = results.setdefault(server.mode, {})
                        r.setdefault(f"{name} ops/s", []).append(ops)
                        r.setdefault(f"{name} cpu us/op", []).append(cpu)
                if args.big_mib:
                    for server in order:
                        mbs = big_put(server, size, sha, piece)
                        results[server.mode].setdefault("big PUT MB/s", []).append(mbs)
        finally:
            for server in servers:
                server.proc.terminate()
                server.proc.wait(timeout=30)
    note_cleanup()  # the temporary directory (every object written) is gone now
    # Rounds run back to back in alternating order, so the ratio within a round compares
    # the two servers under the same machine conditions; its median is the figure to quote.
    print("| metric (median) | auth off | auth on | on/off | median of per-round on/off |")
    print("|---|---|---|---|---|")
    for metric in results["open"]:
        offs, ons = results["open"][metric], results["auth"][metric]
        off, on = statistics.median(offs), statistics.median(ons)
        paired = statistics.median(b / a for a, b in zip(offs, ons, strict=True))
        print(f"| {metric} | {off:,.0f} | {on:,.0f} | {on / off:.0%} | {paired:.0%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
