"""The AWS SDK for JavaScript v3 (`@aws-sdk/client-s3`) against s3box, open and
authenticated: PutObject of a Buffer (hex SHA-256 payload hash, CRC32 header) and of a
stream (an aws-chunked body with a CRC32 trailer), then GetObject.

node and npm are required (CI has them): without them this fails, it does not
skip. The SDK is installed into tests/integration/js/node_modules on first use
with `npm install` (package.json and package-lock.json pin it).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import ACCESS_KEY, SECRET_KEY, S3BoxProcess

JS_DIR = Path(__file__).resolve().parent / "js"
SIZE = 200_000


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is required for the JS SDK tests and is not on PATH")
    return path


@pytest.fixture(scope="session")
def js_sdk() -> Path:
    """tests/integration/js with its node_modules installed (once, under a file lock so
    parallel xdist workers do not run npm at the same time)."""
    _tool("node")
    npm = _tool("npm")
    with open(JS_DIR / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (JS_DIR / "node_modules" / "@aws-sdk" / "client-s3" / "package.json").exists():
            result = subprocess.run(
                [npm, "install", "--no-audit", "--no-fund"],
                cwd=JS_DIR,
                capture_output=True,
                text=True,
                timeout=600,
            )
            if result.returncode != 0:
                pytest.fail(f"npm install failed:\n{result.stdout}\n{result.stderr}")
    return JS_DIR


def run_js(js_dir: Path, server: S3BoxProcess, bucket: str) -> dict[str, Any]:
    env = dict(os.environ)
    env.update(
        {
            "S3BOX_ENDPOINT": server.endpoint,
            "S3BOX_ACCESS_KEY": ACCESS_KEY,
            "S3BOX_SECRET_KEY": SECRET_KEY,
            "S3BOX_BUCKET": bucket,
            "S3BOX_SIZE": str(SIZE),
        }
    )
    result = subprocess.run(
        [_tool("node"), "put_get.mjs"],
        cwd=js_dir,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, f"node failed:\n{result.stdout}\n{result.stderr}"
    output: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return output


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
