"""Signed streaming uploads (aws-chunked bodies) against an authenticated server.

botocore cannot produce STREAMING-AWS4-HMAC-SHA256-PAYLOAD ("We only support
unsigned trailer checksums currently", botocore/httpchecksum.py), so the
headers are signed by botocore's SigV4Auth and the chunk and trailer
signatures are computed here, straight from the AWS documentation
("Signature Calculations for the Authorization Header: Transferring Payload in
Multiple Chunks"), independently of the server's decoder. The JS SDK v3 test
(test_auth_js.py) covers a real SDK producing these bodies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import zlib
from dataclasses import dataclass
from typing import Any

import pytest

from s3box.protocol.signing import signing_key
from tests.integration.conftest import REGION, SECRET_KEY, S3BoxProcess
from tests.integration.test_auth import (
    Response,
    assert_not_stored,
    error_of,
    send,
    sign_headers,
)

pytestmark = pytest.mark.parametrize("s3box_server", ["auth"], indirect=True)

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
KIB = 1024


def crc32_b64(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


@dataclass
class StreamingUpload:
    """A PUT whose headers botocore signed; frames and signs the body to match."""

    headers: dict[str, str]
    mode: str
    key: bytes
    amz_date: str
    scope: str
    seed: str

    def _sign(self, *lines: str) -> str:
        return hmac.new(self.key, "\n".join(lines).encode(), hashlib.sha256).hexdigest()

    def body(
        self,
        chunks: list[bytes],
        trailers: dict[str, str] | None = None,
        *,
        corrupt_chunk: int | None = None,
        corrupt_signature: int | None = None,
        drop_chunk: int | None = None,
        signed_trailers: dict[str, str] | None = None,
    ) -> bytes:
        """The aws-chunked body. `corrupt_*` and `drop_chunk` tamper after signing;
        `signed_trailers` signs other trailer values than the ones sent."""
        signed = self.mode != UNSIGNED_TRAILER
        previous, out = self.seed, bytearray()
        for index, data in enumerate([*chunks, b""]):
            signature = self._sign(
                "AWS4-HMAC-SHA256-PAYLOAD",
                self.amz_date,
                self.scope,
                previous,
                EMPTY_SHA256,
                hashlib.sha256(data).hexdigest(),
            )
            previous = signature
            if index == drop_chunk:
                continue
            if index == corrupt_chunk:
                data = bytes([data[0] ^ 1]) + data[1:]
            if index == corrupt_signature:
                signature = ("0" if signature[0] != "0" else "1") + signature[1:]
            out += f"{len(data):x}".encode()
            out += f";chunk-signature={signature}".encode() if signed else b""
            out += b"\r\n" + data + (b"\r\n" if data else b"")
        if trailers is not None:
            for name, value in trailers.items():
                out += f"{name}:{value}\r\n".encode()
            if signed:
                covered = signed_trailers or trailers
                block = "".join(f"{k}:{v}\n" for k, v in covered.items()).encode()
                trailer_signature = self._sign(
                    "AWS4-HMAC-SHA256-TRAILER",
                    self.amz_date,
                    self.scope,
                    previous,
                    hashlib.sha256(block).hexdigest(),
                )
                out += f"x-amz-trailer-signature:{trailer_signature}\r\n".encode()
        return bytes(out + b"\r\n")


def streaming_upload(
    server: S3BoxProcess,
    path: str,
    mode: str,
    decoded_length: int,
    encoded_length: int | None,
    region: str = REGION,
) -> StreamingUpload:
    """Sign the headers (and later the chunks) for `region`; encoded_length None means HTTP
    chunked transfer (no Content-Length), as the JS SDK sends a stream."""
    headers = {
        "Content-Encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(decoded_length),
    }
    if encoded_length is not None:
        headers["Content-Length"] = str(encoded_length)
    if mode != SIGNED:
        headers["x-amz-trailer"] = "x-amz-checksum-crc32"
    signed = sign_headers(
        "PUT", server.endpoint + path, headers=headers, payload_hash=mode, region=region
    )
    seed = re.search(r"Signature=([0-9a-f]{64})", signed["Authorization"])
    assert seed is not None
    amz_date = signed["X-Amz-Date"]
    key = signing_key(SECRET_KEY, amz_date[:8], region, "s3")
    scope = f"{amz_date[:8]}/{region}/s3/aws4_request"
    return StreamingUpload(signed, mode, key, amz_date, scope, seed.group(1))


def put_streaming(
    server: S3BoxProcess,
    path: str,
    mode: str,
    chunks: list[bytes],
    trailers: dict[str, str] | None = None,
    *,
    http_chunked: bool = False,
    region: str = REGION,
    **tamper: Any,
) -> Response:
    """Sign and send one streaming PUT. With a Content-Length (signed) the body is framed
    once to measure it; tampering keeps the length unless it drops a chunk, which only an
    HTTP-chunked request (no Content-Length) allows."""
    decoded = sum(len(c) for c in chunks)
    if http_chunked:
        upload = streaming_upload(server, path, mode, decoded, None, region)
        body = upload.body(chunks, trailers, **tamper)
        pieces = chunks_of(body, 256 * KIB)
        return send(server, "PUT", path, iter(pieces), upload.headers)
    length = len(streaming_upload(server, path, mode, decoded, 0, region).body(chunks, trailers))
    upload = streaming_upload(server, path, mode, decoded, length, region)
    return send(server, "PUT", path, upload.body(chunks, trailers, **tamper), upload.headers)


def chunks_of(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


# --- accepted -----------------------------------------------------------------------------


def test_signed_chunks_are_verified_and_stored(
    s3box_server: S3BoxProcess, s3: Any, bucket: str
) -> None:
    data = os.urandom(200 * KIB + 17)
    status, headers, body = put_streaming(
        s3box_server, f"/{bucket}/signed", SIGNED, chunks_of(data, 64 * KIB)
    )
    assert status == 200, body
    assert headers["etag"] == f'"{hashlib.md5(data).hexdigest()}"'
    got = s3.get_object(Bucket=bucket, Key="signed")
    assert got["Body"].read() == data
    assert "ContentEncoding" not in got


@pytest.mark.parametrize("mode", [SIGNED_TRAILER, UNSIGNED_TRAILER])
def test_trailer_checksum_is_verified_and_echoed(
    s3box_server: S3BoxProcess, s3: Any, bucket: str, mode: str
) -> None:
    data = os.urandom(100 * KIB)
    status, headers, body = put_streaming(
        s3box_server,
        f"/{bucket}/trailer",
        mode,
        chunks_of(data, 64 * KIB),
        {"x-amz-checksum-crc32": crc32_b64(data)},
    )
    assert status == 200, body
    assert headers["x-amz-checksum-crc32"] == crc32_b64(data)
    assert s3.get_object(Bucket=bucket, Key="trailer")["Body"].read() == data


def test_signed_chunks_for_a_multipart_part(
    s3box_server: S3BoxProcess, s3: Any, bucket: str
) -> None:
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    data = os.urandom(5 * KIB * KIB)
    path = f"/{bucket}/mp?partNumber=1&uploadId={upload_id}"
    status, headers, body = put_streaming(s3box_server, path, SIGNED, chunks_of(data, 1 << 20))
    assert status == 200, body
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": headers["etag"]}]},
    )
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == data


# --- rejected, and nothing left behind ----------------------------------------------------

# 3 MiB in 1 MiB chunks: the first chunks reach the staging file before the bad one.
BIG = os.urandom(3 * KIB * KIB)


@pytest.mark.parametrize(
    "tamper",
    [
        {"corrupt_chunk": 2},
        {"corrupt_chunk": 0},
        {"corrupt_signature": 1},
        {"corrupt_signature": 3},  # the final, empty chunk
    ],
    ids=["last-data", "first-data", "middle-signature", "final-signature"],
)
def test_tampered_chunk_is_refused_and_nothing_is_stored(
    s3box_server: S3BoxProcess, s3: Any, bucket: str, tamper: dict[str, Any]
) -> None:
    status, _, body = put_streaming(
        s3box_server, f"/{bucket}/bad", SIGNED, chunks_of(BIG, 1 << 20), **tamper
    )
    assert status == 403, body
    assert error_of(body)["Code"] == "SignatureDoesNotMatch"
    assert_not_stored(s3box_server, s3, bucket, "bad")


def test_dropped_chunk_breaks_the_signature_chain(
    s3box_server: S3BoxProcess, s3: Any, bucket: str
) -> None:
    # Each chunk signature covers the previous one: a chunk cut out of an HTTP-chunked
    # stream (where no Content-Length betrays it) fails at the next chunk.
    status, _, body = put_streaming(
        s3box_server,
        f"/{bucket}/cut",
        SIGNED,
        chunks_of(BIG, 1 << 20),
        http_chunked=True,
        drop_chunk=1,
    )
    assert status == 403, body
    assert error_of(body)["Code"] == "SignatureDoesNotMatch"
    assert_not_stored(s3box_server, s3, bucket, "cut")


def test_signed_chunks_over_http_chunked_transfer(
    s3box_server: S3BoxProcess, s3: Any, bucket: str
) -> None:
    status, _, body = put_streaming(
        s3box_server,
        f"/{bucket}/te",
        SIGNED_TRAILER,
        chunks_of(BIG, 1 << 20),
        {"x-amz-checksum-crc32": crc32_b64(BIG)},
        http_chunked=True,
    )
    assert status == 200, body
    assert s3.get_object(Bucket=bucket, Key="te")["Body"].read() == BIG


def test_altered_trailer_value_is_refused_and_nothing_is_stored(
    s3box_server: S3BoxProcess, s3: Any, bucket: str
) -> None:
    honest = {"x-amz-checksum-crc32": crc32_b64(BIG)}
    forged = {"x-amz-checksum-crc32": crc32_b64(BIG + b"x")}
    status, _, body = put_streaming(
        s3box_server,
        f"/{bucket}/bad-trailer",
        SIGNED_TRAILER,
        chunks_of(BIG, 1 << 20),
        forged,
        signed_trailers=honest,
    )
    assert status == 403, body
    assert error_of(body)["Code"] == "SignatureDoesNotMatch"
    assert_not_stored(s3box_server, s3, bucket, "bad-trailer")


@pytest.mark.parametrize("mode", [SIGNED_TRAILER, UNSIGNED_TRAILER])
def test_signed_but_wrong_trailer_checksum_is_bad_digest(
    s3box_server: S3BoxProcess, s3: Any, bucket: str, mode: str
) -> None:
    status, _, body = put_streaming(
        s3box_server,
        f"/{bucket}/bad-crc",
        mode,
        chunks_of(BIG, 1 << 20),
        {"x-amz-checksum-crc32": crc32_b64(b"something else")},
    )
    assert status == 400, body
    assert error_of(body)["Code"] == "BadDigest"
    assert_not_stored(s3box_server, s3, bucket, "bad-crc")
