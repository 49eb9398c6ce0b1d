"""Authentication as deployed: behind a proxy that rewrites Host
(auth.public_hostname), with several credential pairs, and what the request
log records (the access key, never a secret or a signature)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import boto3
import pytest
from botocore.config import Config as BotoConfig

from tests.integration.conftest import (
    ACCESS_KEY,
    REGION,
    SECRET_KEY,
    S3BoxProcess,
    make_client,
    start_s3box,
)
from tests.integration.test_auth import (
    Response,
    error_of,
    fetch,
    put_expecting_continue,
    send,
    send_signed,
    sign_headers,
)

# --- public_hostname: a proxy that rewrites Host ----------------------------------------

PUBLIC_HOST = "s3.example.test:9000"


@pytest.fixture(scope="module")
def proxied_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3BoxProcess]:
    """An authenticated server told that clients reach it as PUBLIC_HOST."""
    server = start_s3box(
        tmp_path_factory.mktemp("s3box-proxied"),
        auth=True,
        env={"S3BOX_AUTH__PUBLIC_HOSTNAME": PUBLIC_HOST},
    )
    yield server
    server.stop()


def _through_proxy(server: S3BoxProcess, method: str, path: str, body: bytes = b"") -> Response:
    """Signed for http://PUBLIC_HOST, delivered with Host rewritten to the backend's."""
    headers = sign_headers(method, f"http://{PUBLIC_HOST}{path}", body)
    return send(server, method, path, body, headers)


@pytest.mark.parametrize("s3box_server", ["auth"], indirect=True)
def test_host_rewritten_by_a_proxy_works_only_with_public_hostname(
    s3box_server: S3BoxProcess, proxied_server: S3BoxProcess
) -> None:
    bucket = f"proxy-{uuid.uuid4().hex[:10]}"
    assert _through_proxy(proxied_server, "PUT", f"/{bucket}")[0] == 200
    assert _through_proxy(proxied_server, "PUT", f"/{bucket}/k", b"via proxy")[0] == 200
    status, _, body = _through_proxy(proxied_server, "GET", f"/{bucket}/k")
    assert (status, body) == (200, b"via proxy")

    status, _, body = _through_proxy(s3box_server, "GET", "/")
    assert status == 403
    error = error_of(body)
    assert error["Code"] == "SignatureDoesNotMatch"
    assert f"host:127.0.0.1:{s3box_server.port}\n" in error["CanonicalRequest"]


def test_public_hostname_is_used_for_presigned_urls_too(proxied_server: S3BoxProcess) -> None:
    public: Any = make_client(f"http://{PUBLIC_HOST}", signature_version="s3v4")
    bucket = f"proxy-{uuid.uuid4().hex[:10]}"
    assert _through_proxy(proxied_server, "PUT", f"/{bucket}")[0] == 200
    assert _through_proxy(proxied_server, "PUT", f"/{bucket}/p", b"presigned")[0] == 200
    url = public.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "p"}, ExpiresIn=60
    )
    backend_url = url.replace(f"http://{PUBLIC_HOST}", proxied_server.endpoint)
    assert fetch(backend_url)[:3:2] == (200, b"presigned")


def test_with_public_hostname_a_direct_client_signing_its_own_host_is_refused(
    proxied_server: S3BoxProcess,
) -> None:
    status, _, body = send_signed(proxied_server, "GET", "/")
    assert status == 403
    assert error_of(body)["Code"] == "SignatureDoesNotMatch"


# --- credentials list and the request log -----------------------------------------------

SECOND_KEY, SECOND_SECRET = "secondkey", "second/secret+value"


def test_any_configured_pair_works_and_the_log_names_the_key_not_the_secret(
    tmp_path: Path,
) -> None:
    server = start_s3box(
        tmp_path,
        env={
            "S3BOX_AUTH_ENABLED": "true",
            "S3BOX_AUTH__CREDENTIALS": f"{ACCESS_KEY}:{SECRET_KEY},{SECOND_KEY}:{SECOND_SECRET}",
            "S3BOX_LOG_LEVEL": "debug",
        },
    )
    try:
        first: Any = make_client(server.endpoint)
        second = boto3.client(
            "s3",
            endpoint_url=server.endpoint,
            aws_access_key_id=SECOND_KEY,
            aws_secret_access_key=SECOND_SECRET,
            region_name=REGION,
            config=BotoConfig(signature_version="s3v4"),
        )
        first.create_bucket(Bucket="logged")
        second.put_object(Bucket="logged", Key="k", Body=b"v")
        url = second.generate_presigned_url(
            "get_object", Params={"Bucket": "logged", "Key": "k"}, ExpiresIn=60
        )
        assert fetch(url)[2] == b"v"
        presigned_signature = dict(parse_qsl(urlsplit(url).query))["X-Amz-Signature"]
        assert send_signed(server, "GET", "/logged", secret_key="wrong")[0] == 403
        assert send_signed(server, "GET", "/logged", secret_key=SECOND_SECRET)[0] == 403
    finally:
        server.stop()
    log = server.log_text()
    assert f"key={ACCESS_KEY}" in log
    assert f"key={SECOND_KEY}" in log
    for secret in (SECRET_KEY, SECOND_SECRET, presigned_signature):
        assert secret not in log


# --- the other HTTP server ---------------------------------------------------------------


def test_rejected_put_with_expect_continue_under_granian(tmp_path: Path) -> None:
    """Granian, like uvicorn, must not send 100 Continue for a request refused before
    its body is read (the auth suite runs on uvicorn)."""
    server = start_s3box(tmp_path, auth=True, args=["--http-server", "granian"])
    try:
        client: Any = make_client(server.endpoint)
        client.create_bucket(Bucket="granian")
        answer = put_expecting_continue(server, "/granian/k", {})
        assert answer.startswith(b"HTTP/1.1 403 Forbidden\r\n"), answer[:200]
        assert b"100 Continue" not in answer
        assert client.list_objects_v2(Bucket="granian").get("KeyCount") == 0
    finally:
        server.stop()
