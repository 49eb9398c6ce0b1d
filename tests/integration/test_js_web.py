"""The AWS SDK for JavaScript v3 the way web apps use it: createPresignedPost
(@aws-sdk/s3-presigned-post) posted from node with fetch + FormData, getSignedUrl
(@aws-sdk/s3-request-presigner) PUT and GET URLs, and the SDK's default addressing (no
forcePathStyle) against the virtual-hosted domain `localhost`, each script's JSON
output asserted here and the objects read back with boto3."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import S3BoxProcess, make_client, start_s3box
from tests.integration.jsrun import installed_js_dir, run_node


@pytest.fixture(scope="module")
def js_sdk() -> Path:
    return installed_js_dir()


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3BoxProcess]:
    """Presigned URLs and forms mean something only where signatures are required."""
    server = start_s3box(tmp_path_factory.mktemp("s3box-js-web"), auth=True)
    yield server
    server.stop()


@pytest.fixture
def web_bucket(auth_server: S3BoxProcess, request: pytest.FixtureRequest) -> str:
    name = "js-" + hashlib.md5(request.node.name.encode()).hexdigest()[:12]
    make_client(auth_server.endpoint).create_bucket(Bucket=name)
    return name


def test_js_presigned_post_and_signed_urls(
    js_sdk: Path, auth_server: S3BoxProcess, web_bucket: str
) -> None:
    result = run_node(js_sdk, "presigned.mjs", auth_server, web_bucket, timeout=60)
    s3 = make_client(auth_server.endpoint)

    form, post = result["form"], result["post"]
    assert form["url"] == f"{auth_server.endpoint}/{web_bucket}"
    assert {"Policy", "X-Amz-Signature", "X-Amz-Credential", "key"} <= set(form["fields"])
    assert post.get("status") == 204, post
    stored = s3.get_object(Bucket=web_bucket, Key="uploads/post.txt")
    body = stored["Body"].read()
    assert hashlib.md5(body).hexdigest() == form["md5"]
    assert stored["ContentType"] == "text/plain"
    assert post["etag"] == stored["ETag"] == f'"{form["md5"]}"'

    put = result["put"]
    assert put.get("status") == 200, put
    assert put["etag"] == f'"{put["md5"]}"'
    assert result["get"] == {"status": 200, "md5": put["md5"], "etag": put["etag"]}
    assert result["tampered"]["status"] == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in result["tampered"]["body"]


def test_js_sdk_default_addressing_is_virtual_hosted(
    js_sdk: Path, auth_server: S3BoxProcess, web_bucket: str
) -> None:
    result = run_node(
        js_sdk,
        "vhost.mjs",
        auth_server,
        web_bucket,
        {"S3BOX_ENDPOINT": f"http://localhost:{auth_server.port}"},
        timeout=60,
    )
    # Every request went to BUCKET.localhost: the SDK addressed the bucket by host.
    assert result["hosts"] == [f"{web_bucket}.localhost"]
    assert result["get"]["body"] == "virtual-hosted"
    assert result["get"]["etag"] == result["put"]["etag"]
    assert result["list"] == ["vhost/a.txt"]
    s3: Any = make_client(auth_server.endpoint)
    assert s3.get_object(Bucket=web_bucket, Key="vhost/a.txt")["Body"].read() == b"virtual-hosted"
