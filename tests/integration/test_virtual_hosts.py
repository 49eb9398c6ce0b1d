"""Virtual-hosted-style addressing end to end: boto3 with `addressing_style: virtual`
against `http://localhost:PORT` connects to `{bucket}.localhost:PORT`, signing SigV4 and
SigV2 (header and presigned) as it does for S3; path style keeps working on the same
server. glibc does not resolve `*.localhost`, so this test process maps those names to
127.0.0.1 itself (socket.getaddrinfo patched, nothing system-wide)."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.integration.conftest import (
    ACCESS_KEY,
    REGION,
    SECRET_KEY,
    S3BoxProcess,
    make_client,
    start_s3box,
)

_real_getaddrinfo = socket.getaddrinfo


def _getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if isinstance(host, str) and host.lower().rstrip(".").endswith(".localhost"):
        host = "127.0.0.1"
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True)
def _resolve_localhost_subdomains(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _getaddrinfo)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3BoxProcess]:
    proc = start_s3box(tmp_path_factory.mktemp("s3box-vhost"), auth=True)
    yield proc
    proc.stop()


def _endpoint(server: S3BoxProcess) -> str:
    return f"http://localhost:{server.port}"


def _client(server: S3BoxProcess, signature_version: str = "s3v4") -> Any:
    return make_client(
        _endpoint(server),
        s3={"addressing_style": "virtual"},
        signature_version=signature_version,
    )


def _name(prefix: str = "vh") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.mark.parametrize("signature_version", ["s3v4", "s3"])
def test_put_get_list_delete_in_virtual_style(server: S3BoxProcess, signature_version: str) -> None:
    s3 = _client(server, signature_version)
    bucket = _name()
    s3.create_bucket(Bucket=bucket)
    put = s3.put_object(Bucket=bucket, Key="dir/a b+c.txt", Body=b"hello")
    # The request really went to the bucket's host (botocore recorded the URL it used).
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 200
    got = s3.get_object(Bucket=bucket, Key="dir/a b+c.txt")
    assert got["Body"].read() == b"hello"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["dir/a b+c.txt"]
    assert s3.list_objects(Bucket=bucket, Prefix="dir/")["Contents"][0]["Key"] == "dir/a b+c.txt"
    s3.put_object_tagging(
        Bucket=bucket, Key="dir/a b+c.txt", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]}
    )
    assert s3.get_object_tagging(Bucket=bucket, Key="dir/a b+c.txt")["TagSet"] == [
        {"Key": "k", "Value": "v"}
    ]
    s3.delete_object(Bucket=bucket, Key="dir/a b+c.txt")
    s3.delete_bucket(Bucket=bucket)
    with pytest.raises(ClientError) as caught:
        s3.head_bucket(Bucket=bucket)
    assert caught.value.response["Error"]["Code"] in ("404", "NoSuchBucket")


def test_requests_go_to_the_bucket_host(server: S3BoxProcess) -> None:
    s3 = _client(server)
    bucket = _name()
    s3.create_bucket(Bucket=bucket)
    urls: list[str] = []
    s3.meta.events.register("before-send", lambda request, **_: urls.append(request.url))
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert urls == [f"http://{bucket}.localhost:{server.port}/k"]


def test_multipart_upload_in_virtual_style(server: S3BoxProcess) -> None:
    s3 = _client(server)
    bucket = _name()
    s3.create_bucket(Bucket=bucket)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="big")
    part = b"p" * (5 * 1024 * 1024)
    etags = [
        s3.upload_part(
            Bucket=bucket, Key="big", UploadId=upload["UploadId"], PartNumber=n, Body=part
        )["ETag"]
        for n in (1, 2)
    ]
    done = s3.complete_multipart_upload(
        Bucket=bucket,
        Key="big",
        UploadId=upload["UploadId"],
        MultipartUpload={
            "Parts": [{"PartNumber": n, "ETag": e} for n, e in zip((1, 2), etags, strict=True)]
        },
    )
    assert done["Bucket"] == bucket
    assert done["Key"] == "big"
    assert done["Location"] == "/big"
    assert s3.head_object(Bucket=bucket, Key="big")["ContentLength"] == 2 * len(part)


def test_dotted_bucket_name(server: S3BoxProcess) -> None:
    s3 = _client(server)
    bucket = f"my.{_name()}"
    s3.create_bucket(Bucket=bucket)
    urls: list[str] = []
    s3.meta.events.register("before-send", lambda request, **_: urls.append(request.url))
    s3.put_object(Bucket=bucket, Key="k", Body=b"dotted")
    assert urls == [f"http://{bucket}.localhost:{server.port}/k"]
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"dotted"
    path_style = make_client(server.endpoint)
    assert path_style.get_object(Bucket=bucket, Key="k")["Body"].read() == b"dotted"


@pytest.mark.parametrize("signature_version", ["s3v4", "s3"])
def test_presigned_urls_in_virtual_style(server: S3BoxProcess, signature_version: str) -> None:
    s3 = _client(server, signature_version)
    bucket = _name()
    s3.create_bucket(Bucket=bucket)
    put_url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "up/load.bin"}, ExpiresIn=300
    )
    assert put_url.startswith(f"http://{bucket}.localhost:{server.port}/up/load.bin?")
    assert requests.put(put_url, data=b"presigned", timeout=10).status_code == 200
    get_url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "up/load.bin"}, ExpiresIn=300
    )
    got = requests.get(get_url, timeout=10)
    assert (got.status_code, got.content) == (200, b"presigned")
    tampered = requests.get(get_url.replace("up/load.bin", "up/other.bin"), timeout=10)
    assert tampered.status_code == 403


def test_a_missing_bucket_on_its_host_is_no_such_bucket(server: S3BoxProcess) -> None:
    s3 = _client(server)
    with pytest.raises(ClientError) as caught:
        s3.get_object(Bucket=_name("missing"), Key="k")
    assert caught.value.response["Error"]["Code"] == "NoSuchBucket"


def test_path_style_keeps_working_on_the_same_server(server: S3BoxProcess) -> None:
    virtual, path = _client(server), make_client(server.endpoint)
    bucket = _name()
    path.create_bucket(Bucket=bucket)
    virtual.put_object(Bucket=bucket, Key="k", Body=b"both")
    assert path.get_object(Bucket=bucket, Key="k")["Body"].read() == b"both"
    names = [b["Name"] for b in virtual.list_buckets()["Buckets"]]
    assert bucket in names


def test_unsigned_admin_path_on_a_bucket_host_is_refused(server: S3BoxProcess) -> None:
    bucket = _name()
    make_client(server.endpoint).create_bucket(Bucket=bucket)
    got = requests.get(f"http://{bucket}.localhost:{server.port}/_s3box/health/ready", timeout=10)
    assert got.status_code == 403
    ready = requests.get(f"http://localhost:{server.port}/_s3box/health/ready", timeout=10)
    assert ready.status_code == 200


def test_a_configured_domain(tmp_path: Path) -> None:
    proc = start_s3box(tmp_path, auth=True, args=["--domain", "s3.localhost"])
    try:
        s3 = make_client(f"http://s3.localhost:{proc.port}", s3={"addressing_style": "virtual"})
        bucket = _name()
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="k", Body=b"custom")
        assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"custom"
        # `localhost` was replaced by the flag: `{bucket}.localhost` is path style there,
        # so `/k` names bucket "k", which does not exist.
        on_localhost = _client(proc)
        with pytest.raises(ClientError) as caught:
            on_localhost.get_object(Bucket=bucket, Key="k")
        assert caught.value.response["Error"]["Code"] == "NoSuchBucket"
        assert make_client(proc.endpoint).get_object(Bucket=bucket, Key="k")["Body"].read()
    finally:
        proc.stop()


def test_virtual_style_behind_a_public_hostname(tmp_path: Path) -> None:
    """A proxy that keeps `Host: {bucket}.{public host}`: the public host is a domain and
    the signature is checked against the bucket's public host."""
    public = "s3.example.test:9000"
    proc = start_s3box(tmp_path, auth=True, env={"S3BOX_AUTH__PUBLIC_HOSTNAME": public})
    try:
        path_style = make_client(proc.endpoint)
        bucket = _name()
        creds = Credentials(ACCESS_KEY, SECRET_KEY)
        request = AWSRequest(method="PUT", url=f"http://{bucket}.{public}/k", data=b"proxied")
        request.headers["x-amz-content-sha256"] = hashlib.sha256(b"proxied").hexdigest()
        with pytest.raises(ClientError):
            path_style.create_bucket(Bucket=bucket)  # signed for 127.0.0.1: refused
        create = AWSRequest(method="PUT", url=f"http://{bucket}.{public}/")
        create.headers["x-amz-content-sha256"] = hashlib.sha256(b"").hexdigest()
        for req, body in ((create, b""), (request, b"proxied")):
            SigV4Auth(creds, "s3", REGION).add_auth(req)
            got = requests.request(
                req.method,
                f"http://127.0.0.1:{proc.port}{urlsplit(req.url).path}",
                data=body,
                headers={**dict(req.headers.items()), "Host": f"{bucket}.{public}"},
                timeout=10,
            )
            assert got.status_code == 200, got.text
        get = AWSRequest(method="GET", url=f"http://{bucket}.{public}/k")
        get.headers["x-amz-content-sha256"] = hashlib.sha256(b"").hexdigest()
        SigV4Auth(creds, "s3", REGION).add_auth(get)
        headers = {**dict(get.headers.items()), "Host": f"{bucket}.{public}"}
        got = requests.get(f"http://127.0.0.1:{proc.port}/k", headers=headers, timeout=10)
        assert (got.status_code, got.content) == (200, b"proxied")
    finally:
        proc.stop()


_SITECUSTOMIZE = """
import socket

_real = socket.getaddrinfo


def _getaddrinfo(host, *args, **kwargs):
    if isinstance(host, str) and host.lower().rstrip(".").endswith(".localhost"):
        host = "127.0.0.1"
    return _real(host, *args, **kwargs)


socket.getaddrinfo = _getaddrinfo
"""


def test_aws_cli_in_virtual_style(server: S3BoxProcess, tmp_path: Path) -> None:
    """The AWS CLI with `s3.addressing_style virtual`; its process resolves *.localhost
    through a sitecustomize on PYTHONPATH (the same mapping as this test's)."""
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(_SITECUSTOMIZE)
    (tmp_path / "config").write_text("[default]\ns3 =\n    addressing_style = virtual\n")
    (tmp_path / "file.txt").write_bytes(b"from the cli")
    bucket = _name("cli")
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "PYTHONPATH": str(tmp_path / "site"),
    }

    def aws(*args: str) -> str:
        cmd = [str(Path(sys.executable).with_name("aws")), "--endpoint-url", _endpoint(server)]
        done = subprocess.run(
            [*cmd, "--debug", *args], capture_output=True, text=True, env=env, timeout=120
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout + done.stderr

    assert f"{bucket}.localhost" in aws("s3", "mb", f"s3://{bucket}")
    aws("s3", "cp", str(tmp_path / "file.txt"), f"s3://{bucket}/dir/file.txt")
    assert "dir/file.txt" in aws("s3", "ls", f"s3://{bucket}/dir/")
    path_style = make_client(server.endpoint)
    assert path_style.get_object(Bucket=bucket, Key="dir/file.txt")["Body"].read() == (
        b"from the cli"
    )
