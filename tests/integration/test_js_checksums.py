"""Flexible checksums with the AWS SDK for JavaScript v3, open and
authenticated: PutObject of a stream (aws-chunked body with a CRC32 trailer)
and GetObject with ChecksumMode ENABLED (the SDK validates the value), then a
multipart `Upload` from @aws-sdk/lib-storage (each part with its CRC32), read
back byte for byte.

node and the SDK are found as in test_auth_js.py (jsrun.py): required in CI, a skip
with the install command locally.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from pathlib import Path
from typing import Any

import pytest
from awscrt import checksums as crt

from tests.integration.conftest import S3BoxProcess
from tests.integration.jsrun import installed_js_dir, run_node

SMALL = 300_000
BIG = 12 * 1024 * 1024 + 12345
PART = 5 * 1024 * 1024


@pytest.fixture(scope="session")
def js_storage_sdk() -> Path:
    return installed_js_dir()


def _pattern(size: int, seed: int) -> bytes:
    """What checksums_upload.mjs uploads: data[i] = (i * seed + (i >> 10)) & 0xff."""
    return bytes((i * seed + (i >> 10)) & 0xFF for i in range(size))


def _run(js_dir: Path, server: S3BoxProcess, bucket: str) -> dict[str, Any]:
    return run_node(js_dir, "checksums_upload.mjs", server, bucket)


def test_js_sdk_checksums_and_lib_storage_upload(
    js_storage_sdk: Path, s3box_server: S3BoxProcess, s3: Any, bucket: str
) -> None:
    result = _run(js_storage_sdk, s3box_server, bucket)
    small, big = _pattern(SMALL, 7), _pattern(BIG, 13)

    put = result["objects"]["js-put"]
    assert put["md5"] == put["expectedMd5"] == hashlib.md5(small).hexdigest()
    crc32 = base64.b64encode(zlib.crc32(small).to_bytes(4, "big")).decode()
    assert put["putChecksumCRC32"] == crc32
    assert put["checksumCRC32"] == crc32  # returned with ChecksumMode and validated by the SDK
    assert put["checksumType"] == "FULL_OBJECT"

    up = result["objects"]["js-upload"]
    assert up["md5"] == up["expectedMd5"] == hashlib.md5(big).hexdigest()
    assert up["size"] == BIG
    assert up["etag"].strip('"').endswith("-3")
    assert s3.get_object(Bucket=bucket, Key="js-upload")["Body"].read() == big
    # Whatever algorithm lib-storage chose for the upload, the object has a
    # checksum that agrees with its bytes (S3 stores one for every object).
    head = s3.head_object(Bucket=bucket, Key="js-upload", ChecksumMode="ENABLED")
    if "ChecksumCRC32" in head:
        if head["ChecksumType"] == "FULL_OBJECT":
            assert (
                head["ChecksumCRC32"]
                == base64.b64encode(zlib.crc32(big).to_bytes(4, "big")).decode()
            )
        else:
            digests = b"".join(
                zlib.crc32(big[i : i + PART]).to_bytes(4, "big") for i in range(0, BIG, PART)
            )
            expected = base64.b64encode(zlib.crc32(digests).to_bytes(4, "big")).decode()
            assert head["ChecksumCRC32"] == f"{expected}-3"
    else:
        assert (
            head["ChecksumCRC64NVME"]
            == base64.b64encode(crt.crc64nvme(big).to_bytes(8, "big")).decode()
        )

    # The streamed PutObject went out as aws-chunked with a checksum trailer
    # (the trailer path end to end); lib-storage buffers each part and sends
    # its checksum in a header, which UploadPart verified.
    sent = result["sent"]
    put_sent = [s for s in sent if s["command"] == "PutObjectCommand"]
    assert len(put_sent) == 1
    assert put_sent[0]["content-encoding"] == "aws-chunked"
    assert put_sent[0]["x-amz-trailer"] == "x-amz-checksum-crc32"
    parts_sent = [s for s in sent if s["command"] == "UploadPartCommand"]
    assert len(parts_sent) == 3
    for s in parts_sent:
        assert s["x-amz-trailer"] or s["checksumHeaders"], s
