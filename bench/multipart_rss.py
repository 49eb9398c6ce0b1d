"""Peak RSS of s3box during a large multipart upload and its download.

Uploads N GiB in 16 MiB parts (4 in flight) over raw HTTP from a reused
buffer, completes it, downloads it streamed and discarded, and samples the
server's resident memory throughout. Run: `python -m bench.multipart_rss
[--gib 4]`.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from bench.servers import HOST, running

MiB = 1 << 20
PART = 16 * MiB


def _request(
    port: int, method: str, path: str, body: bytes | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=600)
    try:
        conn.request(method, path, body=body)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def _upload_part(port: int, path: str, number: int, piece: bytes) -> str:
    conn = http.client.HTTPConnection(HOST, port, timeout=600)
    try:
        conn.putrequest("PUT", f"{path}&partNumber={number}", skip_accept_encoding=True)
        conn.putheader("Content-Length", str(PART))
        conn.endheaders()
        for _ in range(PART // len(piece)):
            conn.send(piece)
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            raise RuntimeError(f"part {number}: {resp.status}")
        return resp.getheader("ETag") or ""
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=int, default=4)
    args = parser.parse_args(argv)
    size = args.gib << 30
    parts = size // PART
    piece = bytes(range(256)) * (MiB // 256)
    with running("s3box") as server:
        port = server.port
        assert _request(port, "PUT", "/mp-rss")[0] == 200
        status, _, body = _request(port, "POST", "/mp-rss/big?uploads")
        upload_id = re.search(rb"<UploadId>([^<]+)</UploadId>", body).group(1).decode()  # type: ignore[union-attr]
        path = f"/mp-rss/big?uploadId={upload_id}"
        with server.sampler.window() as up:
            started = time.perf_counter()
            with ThreadPoolExecutor(4) as pool:
                etags = list(
                    pool.map(lambda n: _upload_part(port, path, n, piece), range(1, parts + 1))
                )
            xml = "".join(
                f"<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>"
                for n, e in enumerate(etags, start=1)
            )
            doc = f"<CompleteMultipartUpload>{xml}</CompleteMultipartUpload>".encode()
            status, _, body = _request(port, "POST", path, doc)
            if status != 200:
                raise RuntimeError(f"complete: {status} {body[:200]!r}")
            up_s = time.perf_counter() - started
        with server.sampler.window() as down:
            started = time.perf_counter()
            conn = http.client.HTTPConnection(HOST, port, timeout=600)
            conn.request("GET", "/mp-rss/big")
            resp = conn.getresponse()
            got = 0
            md5 = hashlib.md5()
            while chunk := resp.read(4 * MiB):
                got += len(chunk)
                md5.update(chunk)
            conn.close()
            down_s = time.perf_counter() - started
        expected = hashlib.md5()
        for _ in range(size // MiB):
            expected.update(piece)
        ok = got == size and md5.digest() == expected.digest()
    print(
        f"| {args.gib} GiB multipart, 16 MiB parts, 4 in flight | {size / up_s / 1e6:,.0f} MB/s "
        f"| peak RSS {up.peak_mib:.0f} MiB |"
    )
    print(
        f"| {args.gib} GiB download of it | {size / down_s / 1e6:,.0f} MB/s "
        f"| peak RSS {down.peak_mib:.0f} MiB |"
    )
    print(f"downloaded bytes match: {ok}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
