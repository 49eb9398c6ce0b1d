"""How long one hostile request stalls everyone else, and the server's peak RSS.

For each scenario a well-behaved client sends small GETs back to back on its own
connection while one hostile request is sent on another; the figure is the longest
GET of that window (the event-loop stall every other client sees), the hostile
request's answer and time, and the server's peak RSS (docs/security.md, "Request-level
limits and timeouts").

Run: `python -m bench.request_dos [--target s3box|s3box-granian] [scenario ...]`.
Scenarios: repeated-headers (400,000 x a 10-byte header, 4 MB), huge-line (one 4 MB
header), deep-xml (DeleteObjects body 1,000,000 elements deep, 7 MB), wide-xml
(DeleteObjects body of 8 MiB of <Object>s), attr-xml (one tag with 700,000
attributes, 7 MB).
"""

from __future__ import annotations

import argparse
import http.client
import socket
import threading
import time

from bench.servers import HOST, running

MiB = 1 << 20


def _repeated_headers() -> bytes:
    return b"GET /dos/k HTTP/1.1\r\nHost: x\r\n" + b"x-r: aaaaa\r\n" * 400_000 + b"\r\n"


def _huge_line() -> bytes:
    return b"GET /dos/k HTTP/1.1\r\nHost: x\r\nx-big: " + b"a" * (4 * MiB) + b"\r\n\r\n"


def _post_delete(body: bytes) -> bytes:
    head = f"POST /dos?delete HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


def _deep_xml() -> bytes:
    depth = 1_000_000
    return _post_delete(b"<Delete>" + b"<a>" * depth + b"</a>" * depth + b"</Delete>")


def _wide_xml() -> bytes:
    one = b"<Object><Key>k</Key></Object>"
    return _post_delete(b"<Delete>" + one * (8 * MiB // len(one) - 1) + b"</Delete>")


def _attr_xml() -> bytes:
    attrs = b"".join(b' a%d=""' % i for i in range(700_000))
    return _post_delete(b"<Delete" + attrs + b"></Delete>")


SCENARIOS = {
    "repeated-headers": _repeated_headers,
    "huge-line": _huge_line,
    "deep-xml": _deep_xml,
    "wide-xml": _wide_xml,
    "attr-xml": _attr_xml,
}


def _hostile(port: int, payload: bytes, out: dict[str, object]) -> None:
    started = time.perf_counter()
    with socket.create_connection((HOST, port), timeout=600) as sock:
        try:
            sock.sendall(payload)
        except OSError as exc:  # the server may answer and close before reading it all
            out["send_error"] = type(exc).__name__
        answer = b""
        try:
            while b"\r\n" not in answer:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except OSError as exc:
            out["recv_error"] = type(exc).__name__
    out["status"] = answer.split(b"\r\n", 1)[0].decode("latin-1") or "(closed)"
    out["seconds"] = time.perf_counter() - started


def run(target: str, names: list[str]) -> None:
    with running(target) as server:
        probe = http.client.HTTPConnection(HOST, server.port, timeout=600)
        probe.request("PUT", "/dos")
        probe.getresponse().read()
        for name in names:
            payload = SCENARIOS[name]()
            result: dict[str, object] = {}
            worst = 0.0
            gets = 0
            with server.sampler.window() as window:
                sender = threading.Thread(target=_hostile, args=(server.port, payload, result))
                sender.start()
                while sender.is_alive():
                    started = time.perf_counter()
                    probe.request("GET", "/_s3box/health/ready")
                    probe.getresponse().read()
                    worst = max(worst, time.perf_counter() - started)
                    gets += 1
                sender.join()
            print(
                f"{target:14s} {name:17s} answer {result.get('status')!s:40s} "
                f"in {result.get('seconds', 0.0):6.2f} s  longest concurrent GET "
                f"{worst * 1000:7.1f} ms ({gets} GETs)  peak RSS {window.peak_mib:6.0f} MiB",
                flush=True,
            )
        probe.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="s3box", choices=("s3box", "s3box-granian"))
    parser.add_argument("scenarios", nargs="*", help=", ".join(SCENARIOS))
    args = parser.parse_args(argv)
    unknown = sorted(set(args.scenarios) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}")
    run(args.target, args.scenarios or list(SCENARIOS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
