"""Peak RSS of s3box during a browser-form upload (presigned POST) of 64 MiB.

Signs the form with boto3's generate_presigned_post (SigV4), sends the multipart body
streamed from a reused 1 MiB buffer, and samples the server's resident memory before and
during the upload: flat memory means the file part is streamed into the staged write,
never held whole. Run: `python -m bench.post_object_rss [--mib 64]`.
"""

from __future__ import annotations

import argparse
import http.client
import sys
import time

import boto3
from botocore.config import Config as BotoConfig

from bench.servers import HOST, running

MiB = 1 << 20
BOUNDARY = "s3boxbenchboundary"


def _form_head(fields: dict[str, str]) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    return "".join(parts).encode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=64)
    args = parser.parse_args(argv)
    size = args.mib * MiB
    piece = bytes(range(256)) * (MiB // 256)
    with running("s3box") as server:
        client = boto3.client(
            "s3",
            endpoint_url=f"http://{HOST}:{server.port}",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
            region_name="us-east-1",
            config=BotoConfig(signature_version="s3v4"),
        )
        client.create_bucket(Bucket="post-rss")
        post = client.generate_presigned_post("post-rss", "${filename}")
        head = _form_head(post["fields"])
        tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        with server.sampler.window() as idle:
            time.sleep(0.5)
        with server.sampler.window() as up:
            started = time.perf_counter()
            conn = http.client.HTTPConnection(HOST, server.port, timeout=600)
            conn.putrequest("POST", "/post-rss", skip_accept_encoding=True)
            conn.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
            conn.putheader("Content-Length", str(len(head) + size + len(tail)))
            conn.endheaders()
            conn.send(head)
            for _ in range(size // MiB):
                conn.send(piece)
            conn.send(tail)
            resp = conn.getresponse()
            resp.read()
            conn.close()
            seconds = time.perf_counter() - started
        stored = client.head_object(Bucket="post-rss", Key="big.bin")["ContentLength"]
    ok = resp.status == 204 and stored == size
    print(
        f"| {args.mib} MiB presigned POST (SigV4 form) | {size / seconds / 1e6:,.0f} MB/s "
        f"| idle RSS {idle.peak_mib:.0f} MiB | peak RSS {up.peak_mib:.0f} MiB |"
    )
    print(f"status {resp.status}, stored {stored} bytes: {'ok' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
