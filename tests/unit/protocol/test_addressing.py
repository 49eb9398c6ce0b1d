"""Virtual-hosted-style addressing: which bucket a Host header names, the key the path is
then, and the SigV2 resource such a request is signed over (botocore's HmacV1Auth and
HmacV1QueryAuth in virtual mode are the oracle: they sign `auth_path`, `/bucket/key`)."""

from __future__ import annotations

import time
from email.utils import formatdate
from urllib.parse import urlsplit

import pytest
from botocore.auth import HmacV1Auth, HmacV1QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from s3box.protocol import auth
from s3box.protocol.addressing import (
    address,
    host_bucket,
    normalize_host,
    path_style,
    virtual_host_domains,
)
from s3box.protocol.errors import S3Error
from s3box.protocol.signed_request import signed_request

DOMAINS = virtual_host_domains(["localhost", "s3.test", "test"])
SECRETS = {"AK": "secret/+="}


@pytest.mark.parametrize(
    ("host", "bucket"),
    [
        ("photos.localhost", "photos"),
        ("photos.localhost:8002", "photos"),
        ("Photos.LocalHost:8002", "photos"),  # host names are case-insensitive
        ("photos.localhost.", "photos"),  # a trailing dot is the same name
        ("photos.localhost.:8002", "photos"),
        ("my.bucket.localhost", "my.bucket"),  # dots belong to the bucket
        ("a.b.s3.test", "a.b"),  # the longest domain wins over `test`
        ("b.test", "b"),
        ("s3.test", None),  # a domain itself is path style
        ("localhost", None),
        ("localhost:8002", None),
        ("127.0.0.1:8002", None),
        ("[::1]:8002", None),
        ("[::1]", None),
        ("b.example.com", None),  # no configured domain: path style
        ("blocalhost", None),  # a suffix that is not a whole label
        ("", None),
        (None, None),
        (".localhost", None),
        ("a.localhost,b.localhost", None),  # a repeated Host header
    ],
)
def test_host_bucket(host: str | None, bucket: str | None) -> None:
    assert host_bucket(host, DOMAINS) == bucket


def test_no_domains_means_path_style_only() -> None:
    assert host_bucket("photos.localhost", ()) is None


def test_domains_are_normalized_longest_first_with_implied_names() -> None:
    domains = virtual_host_domains(["LocalHost."], "mys3.company.com:8002", "0.0.0.0")
    assert domains == ("mys3.company.com", "localhost")
    assert virtual_host_domains([], None, "::") == ()
    assert virtual_host_domains([], "[::1]:80", "myhost") == ("myhost",)


def test_normalize_host() -> None:
    assert normalize_host(" B.LOCALHOST:80 ") == "b.localhost"
    assert normalize_host("10.0.0.1") is None
    assert normalize_host("host-1") == "host-1"


@pytest.mark.parametrize(
    ("raw_path", "expected"),
    [
        ("/", ("b", None)),
        ("", ("b", None)),
        ("/k", ("b", "k")),
        ("/a/b", ("b", "a/b")),
        ("/a%20b/c%2Bd", ("b", "a b/c+d")),
        ("//x", ("b", "/x")),
        ("/dir/", ("b", "dir/")),
    ],
)
def test_on_a_bucket_host_the_whole_path_is_the_key(
    raw_path: str, expected: tuple[str, str | None]
) -> None:
    assert address(raw_path, "b") == expected


def test_without_a_host_bucket_the_path_names_bucket_and_key() -> None:
    assert address("/b/a/b", None) == ("b", "a/b")
    assert address("/", None) == (None, None)


def test_a_key_that_is_not_utf8_is_invalid_uri() -> None:
    with pytest.raises(S3Error) as caught:
        address("/%ff", "b")
    assert caught.value.code == "InvalidURI"


def test_path_style() -> None:
    assert path_style("/k/x", "b") == "/b/k/x"
    assert path_style("/", "b") == "/b/"
    assert path_style("/b/k", None) == "/b/k"


# ---- SigV2 in virtual-hosted style ---------------------------------------------------


def _v2_header_request(host: str, path: str, auth_path: str) -> AWSRequest:
    request = AWSRequest(method="GET", url=f"http://{host}{path}", headers={})
    request.headers["Date"] = formatdate(usegmt=True)
    request.auth_path = auth_path  # what botocore sets when it moves the bucket to the host
    HmacV1Auth(Credentials("AK", SECRETS["AK"])).add_auth(request)
    return request


def _verify(request: AWSRequest, host: str, bucket: str | None) -> auth.AuthResult:
    parts = urlsplit(request.url)
    headers = [(k.lower(), v) for k, v in request.headers.items()] + [("host", host)]
    return auth.verify_request(
        request.method,
        parts.path or "/",
        parts.query,
        headers,
        SECRETS.get,
        time.time(),
        region="us-east-1",
        host_bucket=bucket,
    )


@pytest.mark.parametrize(
    ("path", "auth_path"), [("/key/x", "/my.bucket/key/x"), ("/", "/my.bucket/")]
)
def test_sigv2_header_signs_bucket_and_path_on_a_bucket_host(path: str, auth_path: str) -> None:
    host = "my.bucket.localhost:8002"
    request = _v2_header_request(host, path, auth_path)
    assert _verify(request, host, "my.bucket").access_key == "AK"
    with pytest.raises(S3Error) as caught:
        _verify(request, host, None)  # read as path style, the resource differs
    assert caught.value.code == "SignatureDoesNotMatch"


def test_sigv2_presigned_url_on_a_bucket_host() -> None:
    host = "b.localhost:8002"
    request = AWSRequest(method="GET", url=f"http://{host}/k?versionId=null", headers={})
    request.auth_path = "/b/k"
    HmacV1QueryAuth(Credentials("AK", SECRETS["AK"]), expires=60).add_auth(request)
    assert _verify(request, host, "b").presigned


def test_signed_request_resource_path() -> None:
    request = signed_request(
        "GET", "/k", "", [("host", "b.localhost")], None, 0.0, SECRETS.get, None, "r", "b"
    )
    assert request.resource_path == "/b/k"
