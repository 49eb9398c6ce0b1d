"""The AWS SDK for JavaScript v3 (`@aws-sdk/client-s3`) against s3box, open and
authenticated: PutObject of a Buffer (hex SHA-256 payload hash, CRC32 header) and of a
stream (an aws-chunked body with a CRC32 trailer), then GetObject.

The SDK is installed into tests/integration/js/node_modules by `make test` (`npm ci`
from the committed package-lock.json). In CI (S3BOX_REQUIRE_BROWSER=1) a missing node
or SDK fails the test; locally it is a skip naming the install command (jsrun.py).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import S3BoxProcess
from tests.integration.jsrun import installed_js_dir, run_node

SIZE = 200_000


@pytest.fixture(scope="session")
def js_sdk() -> Path:
    return installed_js_dir()


def run_js(js_dir: Path, server: S3BoxProcess, bucket: str) -> dict[str, Any]:
    return run_node(js_dir, "put_get.mjs", server, bucket, {"S3BOX_SIZE": str(SIZE)}, 120)


def expected_data() -> bytes:
    """The bytes put_get.mjs uploads: data[i] = (i * 7 + (i >> 8)) & 0xff."""
    return bytes((i * 7 + (i >> 8)) & 0xFF for i in range(SIZE))


def test_js_sdk_put_and_get(js_sdk: Path, s3box_server: S3BoxProcess, s3: Any, bucket: str) -> None:
    result = run_js(js_sdk, s3box_server, bucket)
    data = expected_data()
    md5 = hashlib.md5(data).hexdigest()
    for key in ("js-buffer", "js-stream"):
        read_back = result["objects"][key]
        assert read_back["size"] == SIZE
        assert read_back["md5"] == read_back["expectedMd5"] == md5
        assert read_back["etag"] == f'"{md5}"'
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == data
        assert result["sent"][key]["authorization"] == "AWS4-HMAC-SHA256"

    # The stream went out as an aws-chunked body with its CRC32 in a trailer, which the
    # server decoded and verified (it echoes the checksum). The SDK signs the headers
    # but not the chunks (STREAMING-UNSIGNED-PAYLOAD-TRAILER, as of 3.1175): signed
    # chunks are covered by test_auth_streaming.py.
    stream = result["sent"]["js-stream"]
    assert stream["content-encoding"] == "aws-chunked"
    assert stream["x-amz-content-sha256"] in (
        "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
    )
    assert stream["x-amz-trailer"] == "x-amz-checksum-crc32"
    assert result["objects"]["js-stream"]["checksumCRC32"] is not None
