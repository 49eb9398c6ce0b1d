"""SigV4 authentication end to end: boto3, the AWS CLI, curl and raw sockets
against a server with `auth.enabled: true`.

Requests are signed by botocore itself (the oracle); clocks are controlled by
patching botocore's notion of "now", never by sleeping.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import http.client
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import boto3
import botocore.session
import pytest
from botocore import UNSIGNED
from botocore.auth import HmacV1Auth, HmacV1QueryAuth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config as BotoConfig
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.integration.conftest import (
    ACCESS_KEY,
    REGION,
    SECRET_KEY,
    AwsCli,
    S3BoxProcess,
    make_client,
)

# Every test here runs against the authenticated instance of the shared server.
pytestmark = pytest.mark.parametrize("s3box_server", ["auth"], indirect=True)

Response = tuple[int, dict[str, str], bytes]


# --- helpers: a controlled clock, botocore-signed raw requests --------------------------


@contextlib.contextmanager
def botocore_clock(offset_seconds: float) -> Iterator[None]:
    """Make botocore sign as if now were `offset_seconds` away from the real time (both its
    Python signer and the awscrt one it uses for presigning when awscrt is installed)."""
    fixed = datetime.datetime.now(datetime.UTC)
    fixed += datetime.timedelta(seconds=offset_seconds)

    def now(remove_tzinfo: bool = True) -> datetime.datetime:
        return fixed.replace(tzinfo=None) if remove_tzinfo else fixed

    with (
        mock.patch("botocore.auth.get_current_datetime", now),
        mock.patch("botocore.crt.auth.get_current_datetime", now),
    ):
        yield


def sign_headers(
    method: str,
    url: str,
    body: bytes = b"",
    *,
    headers: dict[str, str] | None = None,
    payload_hash: str | None = None,
    offset_seconds: float = 0.0,
    access_key: str = ACCESS_KEY,
    secret_key: str = SECRET_KEY,
    region: str = REGION,
) -> dict[str, str]:
    """Headers of `method url` signed by botocore's SigV4Auth for `region`. `url`'s host is
    the one signed; the request may then be sent anywhere (see send)."""
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    request.headers["X-Amz-Content-SHA256"] = payload_hash or hashlib.sha256(body).hexdigest()
    with botocore_clock(offset_seconds):
        SigV4Auth(Credentials(access_key, secret_key), "s3", region).add_auth(request)
    return dict(request.headers.items())


def send(
    server: S3BoxProcess,
    method: str,
    path: str,
    body: bytes | Iterable[bytes] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """One request on a fresh connection; Host is 127.0.0.1:port unless given. An iterable
    body without Content-Length goes out with Transfer-Encoding: chunked."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


def send_signed(
    server: S3BoxProcess, method: str, path: str, body: bytes = b"", **kwargs: Any
) -> Response:
    headers = sign_headers(method, server.endpoint + path, body, **kwargs)
    return send(server, method, path, body, headers)


def error_of(body: bytes) -> dict[str, str]:
    """The fields of an S3 <Error> document."""
    root = ET.fromstring(body)
    assert root.tag == "Error", body
    return {child.tag: child.text or "" for child in root}


def fetch(
    url: str, method: str = "GET", data: bytes | None = None, headers: dict[str, str] | None = None
) -> Response:
    """urllib, as a browser or script fetching a presigned URL would."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


def curl(*args: str) -> tuple[int, bytes]:
    """Run curl; returns (HTTP status, body)."""
    result = subprocess.run(
        ["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", *args],
        capture_output=True,
        timeout=60,
        check=True,
    )
    body, _, status = result.stdout.rpartition(b"\n")
    return int(status), body


def staging_files(server: S3BoxProcess, bucket: str) -> list[Path]:
    root = server.data_dir / "buckets" / bucket / "staging"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def assert_not_stored(server: S3BoxProcess, s3: Any, bucket: str, key: str) -> None:
    listing = s3.list_objects_v2(Bucket=bucket)
    assert key not in [o["Key"] for o in listing.get("Contents", [])]
    assert staging_files(server, bucket) == []


def tamper_query(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    pairs = [(k, value if k == name else v) for k, v in parse_qsl(parts.query)]
    return urlunsplit(parts._replace(query=urlencode(pairs)))


def flip_hex(sig: str) -> str:
    return ("0" if sig[0] != "0" else "1") + sig[1:]


def client_error(call: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return dict(info.value.response["Error"])


@pytest.fixture(scope="session")
def presigner(s3box_server: S3BoxProcess) -> Any:
    """boto3 presigns with SigV2 unless told s3v4 (for us-east-1 and custom endpoints)."""
    return make_client(s3box_server.endpoint, signature_version="s3v4")


# --- header-signed requests -------------------------------------------------------------


def test_signed_requests_succeed_and_unsigned_are_access_denied(
    s3box_server: S3BoxProcess, s3: Any, bucket: str
) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    status, _, body = send(s3box_server, "GET", f"/{bucket}/k")
    assert status == 403
    assert error_of(body)["Code"] == "AccessDenied"
    anonymous: Any = make_client(s3box_server.endpoint, signature_version=UNSIGNED)
    assert client_error(anonymous.get_object, Bucket=bucket, Key="k")["Code"] == "AccessDenied"
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/"), ("GET", "/{bucket}?torrent"), ("PATCH", "/{bucket}/k")]
)
def test_unsigned_requests_are_refused_before_routing(
    s3box_server: S3BoxProcess, bucket: str, method: str, path: str
) -> None:
    # S3 authenticates first: no 405/501 that tells an anonymous caller what exists.
    status, _, body = send(s3box_server, method, path.format(bucket=bucket))
    assert status == 403
    assert error_of(body)["Code"] == "AccessDenied"


def test_wrong_secret_is_signature_does_not_match_with_debug_strings(
    s3box_server: S3BoxProcess, bucket: str
) -> None:
    wrong = boto3.client(
        "s3",
        endpoint_url=s3box_server.endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key="not-the-secret",
        region_name=REGION,
    )
    error = client_error(wrong.list_objects_v2, Bucket=bucket, Prefix="a b")
    assert error["Code"] == "SignatureDoesNotMatch"
    canonical = error["CanonicalRequest"]
    assert canonical.startswith(f"GET\n/{bucket}\n")
    assert "prefix=a%20b" in canonical
    # The string to sign is the one built from that canonical request, so a user can diff
    # both against what their client computed.
    string_to_sign = error["StringToSign"].split("\n")
    assert string_to_sign[0] == "AWS4-HMAC-SHA256"
    assert string_to_sign[2].endswith(f"/{REGION}/s3/aws4_request")
    assert string_to_sign[3] == hashlib.sha256(canonical.encode()).hexdigest()
    assert error["AWSAccessKeyId"] == ACCESS_KEY


def test_signature_error_body_never_contains_the_secret(
    s3box_server: S3BoxProcess, bucket: str
) -> None:
    status, _, body = send_signed(s3box_server, "GET", f"/{bucket}", secret_key="wrong")
    assert status == 403
    assert error_of(body)["Code"] == "SignatureDoesNotMatch"
    assert SECRET_KEY.encode() not in body
    assert b"wrong" not in body


def test_unknown_access_key_is_invalid_access_key_id(s3box_server: S3BoxProcess) -> None:
    stranger = boto3.client(
        "s3",
        endpoint_url=s3box_server.endpoint,
        aws_access_key_id="AKIDUNKNOWN",
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )
    error = client_error(stranger.list_buckets)
    assert error["Code"] == "InvalidAccessKeyId"


@pytest.mark.parametrize("offset_minutes", [-20, 20])
def test_skewed_clock_is_request_time_too_skewed(
    s3box_server: S3BoxProcess, bucket: str, offset_minutes: int
) -> None:
    status, _, body = send_signed(
        s3box_server, "GET", f"/{bucket}", offset_seconds=offset_minutes * 60
    )
    assert status == 403
    error = error_of(body)
    assert error["Code"] == "RequestTimeTooSkewed"
    assert error["MaxAllowedSkewMilliseconds"] == "900000"


def test_clock_off_by_less_than_fifteen_minutes_is_accepted(
    s3box_server: S3BoxProcess, bucket: str
) -> None:
    status, _, _ = send_signed(s3box_server, "GET", f"/{bucket}", offset_seconds=-14 * 60)
    assert status == 200


@pytest.mark.parametrize("size", [10, 3 * 1024 * 1024])
def test_payload_hash_mismatch_on_put_stores_nothing(
    s3box_server: S3BoxProcess, s3: Any, bucket: str, size: int
) -> None:
    body = os.urandom(size)
    claimed = hashlib.sha256(body + b"!").hexdigest()
    status, _, resp = send_signed(s3box_server, "PUT", f"/{bucket}/k", body, payload_hash=claimed)
    assert status == 400
    error = error_of(resp)
    assert error["Code"] == "XAmzContentSHA256Mismatch"
    assert error["ClientComputedContentSHA256"] == claimed
    assert error["S3ComputedContentSHA256"] == hashlib.sha256(body).hexdigest()
    assert_not_stored(s3box_server, s3, bucket, "k")


def test_payload_hash_mismatch_on_an_xml_body_is_refused_before_acting(
    s3box_server: S3BoxProcess, s3: Any, bucket: str
) -> None:
    s3.put_object(Bucket=bucket, Key="keep", Body=b"x")
    signed_body = b"<Delete><Object><Key>other</Key></Object></Delete>"
    sent_body = b"<Delete><Object><Key>keep</Key></Object></Delete>"
    headers = sign_headers("POST", f"{s3box_server.endpoint}/{bucket}?delete", signed_body)
    headers["Content-MD5"] = base64.b64encode(hashlib.md5(sent_body).digest()).decode()
    status, _, resp = send(s3box_server, "POST", f"/{bucket}?delete", sent_body, headers)
    assert status == 400
    assert error_of(resp)["Code"] == "XAmzContentSHA256Mismatch"
    assert s3.get_object(Bucket=bucket, Key="keep")["Body"].read() == b"x"


@pytest.mark.parametrize(
    "authorization,code",
    [
        ("AWS4-HMAC-SHA256", "AuthorizationHeaderMalformed"),
        ("AWS4-HMAC-SHA256 Credential=x, SignedHeaders=host, Signature=0", None),
        ("AWS AKID-without-signature", "InvalidArgument"),
        # SigV2 dates are RFC 1123; the ISO x-amz-date sent here is not one.
        ("AWS AKID:c2lnbmF0dXJl", "AccessDenied"),
        ("Bearer abc", "InvalidArgument"),
        (
            "AWS4-HMAC-SHA256 Credential=\xe9/1/x/s3/aws4_request, SignedHeaders=, Signature=",
            None,
        ),
    ],
)
def test_malformed_authorization_is_an_s3_error_never_a_500(
    s3box_server: S3BoxProcess, bucket: str, authorization: str, code: str | None
) -> None:
    headers = {
        "Authorization": authorization,
        "x-amz-date": datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ"),
        "x-amz-content-sha256": hashlib.sha256(b"").hexdigest(),
    }
    status, _, body = send(s3box_server, "GET", f"/{bucket}", headers=headers)
    assert 400 <= status < 500
    error = error_of(body)
    if code is not None:
        assert error["Code"] == code
    assert error["Code"] != "InternalError"


def test_security_token_is_tolerated(s3box_server: S3BoxProcess, bucket: str) -> None:
    with_token = boto3.client(
        "s3",
        endpoint_url=s3box_server.endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        aws_session_token="FQoGZXIvYXdzEXAMPLETOKEN",
        region_name=REGION,
        config=BotoConfig(signature_version="s3v4"),
    )
    with_token.put_object(Bucket=bucket, Key="t", Body=b"token")
    url = with_token.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "t"}, ExpiresIn=60
    )
    assert "X-Amz-Security-Token" in url
    assert fetch(url)[2] == b"token"


def test_health_and_cors_preflight_need_no_signature(s3box_server: S3BoxProcess) -> None:
    assert send(s3box_server, "GET", "/_s3box/health/ready")[0] == 200
    status, _, body = send(
        s3box_server,
        "OPTIONS",
        "/some-bucket/key",
        headers={"Origin": "http://example.test", "Access-Control-Request-Method": "PUT"},
    )
    # Unsigned, and still S3's CORS answer (a missing bucket: AccessForbidden
    # "CORSResponse: Bucket not found"), never a signature error.
    assert status == 403
    assert error_of(body)["Code"] == "AccessForbidden"
    assert error_of(body)["Message"] == "CORSResponse: Bucket not found"


# --- Expect: 100-continue ---------------------------------------------------------------


def put_expecting_continue(server: S3BoxProcess, path: str, headers: dict[str, str]) -> bytes:
    """Send only the head of a 1 MiB PUT with Expect: 100-continue and read everything the
    server answers until it closes the connection (it must, the body was never read)."""
    head = [f"PUT {path} HTTP/1.1", f"Host: 127.0.0.1:{server.port}"]
    head += [f"{n}: {v}" for n, v in headers.items() if n.lower() != "content-length"]
    head += ["Content-Length: 1048576", "Expect: 100-continue", "", ""]
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall("\r\n".join(head).encode("latin-1"))
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


@pytest.mark.parametrize("signing", ["unsigned", "wrong-secret"])
def test_rejected_put_with_expect_continue_gets_no_100_and_stores_nothing(
    s3box_server: S3BoxProcess, s3: Any, bucket: str, signing: str
) -> None:
    path = f"/{bucket}/expect"
    headers: dict[str, str] = {}
    if signing == "wrong-secret":
        headers = sign_headers(
            "PUT",
            s3box_server.endpoint + path,
            payload_hash="UNSIGNED-PAYLOAD",
            headers={"Content-Length": "1048576"},
            secret_key="wrong",
        )
    answer = put_expecting_continue(s3box_server, path, headers)
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 403 Forbidden", answer[:200]
    assert b"100 Continue" not in answer
    assert b"connection: close" in rest.lower()
    assert_not_stored(s3box_server, s3, bucket, "expect")


def test_accepted_put_with_expect_continue_gets_100(
    s3box_server: S3BoxProcess, s3: Any, bucket: str
) -> None:
    path = f"/{bucket}/expect-ok"
    body = b"z" * 1000
    headers = sign_headers(
        "PUT", s3box_server.endpoint + path, body, headers={"Content-Length": "1000"}
    )
    head = [f"PUT {path} HTTP/1.1", f"Host: 127.0.0.1:{s3box_server.port}"]
    head += [f"{n}: {v}" for n, v in headers.items()] + ["Expect: 100-continue", "", ""]
    with socket.create_connection(("127.0.0.1", s3box_server.port), timeout=10) as sock:
        sock.sendall("\r\n".join(head).encode("latin-1"))
        interim = sock.recv(65536)
        assert interim.startswith(b"HTTP/1.1 100 Continue\r\n")
        sock.sendall(body)
        final = sock.recv(65536)
    assert final.startswith(b"HTTP/1.1 200")
    assert s3.get_object(Bucket=bucket, Key="expect-ok")["Body"].read() == body


# --- presigned URLs ---------------------------------------------------------------------


def test_boto3_presigned_get_head_delete(s3: Any, presigner: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="dir/a b+c.txt", Body=b"hello")
    params = {"Bucket": bucket, "Key": "dir/a b+c.txt"}
    url = presigner.generate_presigned_url("get_object", Params=params, ExpiresIn=300)
    status, headers, body = fetch(url)
    assert (status, body) == (200, b"hello")
    assert headers["etag"] == f'"{hashlib.md5(b"hello").hexdigest()}"'
    head = presigner.generate_presigned_url("head_object", Params=params, ExpiresIn=300)
    assert fetch(head, "HEAD")[0] == 200
    delete = presigner.generate_presigned_url("delete_object", Params=params, ExpiresIn=300)
    assert fetch(delete, "DELETE")[0] == 204
    assert fetch(url)[0] == 404


def test_boto3_presigned_url_expired(s3: Any, presigner: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    with botocore_clock(-120):
        url = presigner.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=1
        )
    status, _, body = fetch(url)
    assert status == 403
    error = error_of(body)
    assert (error["Code"], error["Message"]) == ("AccessDenied", "Request has expired")
    assert error["X-Amz-Expires"] == "1"


@pytest.mark.parametrize("tamper", ["signature", "path", "expires"])
def test_boto3_presigned_url_tampered(s3: Any, presigner: Any, bucket: str, tamper: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    s3.put_object(Bucket=bucket, Key="other", Body=b"secret")
    url = presigner.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=300
    )
    if tamper == "signature":
        signature = dict(parse_qsl(urlsplit(url).query))["X-Amz-Signature"]
        url = tamper_query(url, "X-Amz-Signature", flip_hex(signature))
    elif tamper == "path":
        url = url.replace(f"/{bucket}/k?", f"/{bucket}/other?")
    else:
        url = tamper_query(url, "X-Amz-Expires", "600")
    status, _, body = fetch(url)
    assert status == 403
    assert error_of(body)["Code"] == "SignatureDoesNotMatch"


@pytest.fixture(scope="session")
def default_presigner(s3box_server: S3BoxProcess) -> Any:
    """A boto3 client as users get it: no signature_version, no ~/.aws/config. For us-east-1
    and a custom endpoint botocore presigns with SigV2 (AWSAccessKeyId, Signature, Expires)."""
    botocore_session = botocore.session.Session()
    botocore_session.set_config_variable("config_file", os.devnull)  # ignore ~/.aws/config
    return boto3.session.Session(botocore_session=botocore_session).client(
        "s3",
        endpoint_url=s3box_server.endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )


@contextlib.contextmanager
def sigv2_clock(offset_seconds: int) -> Iterator[None]:
    """Make botocore's SigV2 presigner compute Expires as if now were offset_seconds away."""

    def expires_at(self: HmacV1QueryAuth) -> str:
        return str(int(time.time()) + offset_seconds + int(self._expires))

    with mock.patch.object(HmacV1QueryAuth, "_get_date", expires_at):
        yield


def assert_sigv2_url(url: str) -> None:
    params = dict(parse_qsl(urlsplit(url).query))
    assert {"AWSAccessKeyId", "Signature", "Expires"} <= set(params), url
    assert not any(name.startswith("X-Amz-") for name in params), url


def flip_base64(signature: str) -> str:
    return ("A" if signature[0] != "A" else "B") + signature[1:]


def test_boto3_default_presigned_get_and_put_work(
    s3: Any, default_presigner: Any, bucket: str, tmp_path: Path
) -> None:
    s3.put_object(Bucket=bucket, Key="dir/a b+c.txt", Body=b"hello")
    params = {"Bucket": bucket, "Key": "dir/a b+c.txt"}
    url = default_presigner.generate_presigned_url("get_object", Params=params, ExpiresIn=300)
    assert_sigv2_url(url)
    status, _, body = fetch(url)
    assert (status, body) == (200, b"hello")
    # response-* overrides are sub-resources: signed, and honoured.
    params["ResponseContentDisposition"] = 'attachment; filename="a b.txt"'
    url = default_presigner.generate_presigned_url("get_object", Params=params, ExpiresIn=300)
    status, headers, _ = fetch(url)
    assert (status, headers["content-disposition"]) == (200, 'attachment; filename="a b.txt"')

    data = os.urandom(200_000)
    src = tmp_path / "upload.bin"
    src.write_bytes(data)
    put = default_presigner.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "by-curl"}, ExpiresIn=300
    )
    assert_sigv2_url(put)
    assert curl("-T", str(src), put)[0] == 200  # curl -T sends no Content-Type: none signed
    assert s3.get_object(Bucket=bucket, Key="by-curl")["Body"].read() == data
    # SigV2 signs Content-Type. urllib always sends one with a body, so presign that one.
    put = default_presigner.generate_presigned_url(
        "put_object",
        Params={"Bucket": bucket, "Key": "by-urllib", "ContentType": "text/plain"},
        ExpiresIn=300,
    )
    assert fetch(put, "PUT", b"small", {"Content-Type": "text/plain"})[0] == 200
    stored = s3.get_object(Bucket=bucket, Key="by-urllib")
    assert (stored["Body"].read(), stored["ContentType"]) == (b"small", "text/plain")


def test_boto3_default_presigned_put_with_another_content_type_is_refused(
    s3box_server: S3BoxProcess, s3: Any, default_presigner: Any, bucket: str
) -> None:
    put = default_presigner.generate_presigned_url(
        "put_object",
        Params={"Bucket": bucket, "Key": "typed", "ContentType": "text/plain"},
        ExpiresIn=300,
    )
    status, _, body = fetch(put, "PUT", b"<html>", {"Content-Type": "text/html"})
    assert (status, error_of(body)["Code"]) == (403, "SignatureDoesNotMatch")
    assert_not_stored(s3box_server, s3, bucket, "typed")


def test_boto3_default_presigned_upload_part(
    s3: Any, default_presigner: Any, bucket: str, tmp_path: Path
) -> None:
    # uploadId and partNumber are sub-resources: part of what SigV2 signs.
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    src = tmp_path / "part.bin"
    src.write_bytes(b"part one")
    params = {"Bucket": bucket, "Key": "mp", "UploadId": upload_id, "PartNumber": 1}
    part = default_presigner.generate_presigned_url("upload_part", Params=params, ExpiresIn=300)
    assert_sigv2_url(part)
    wrong_part = part.replace("partNumber=1", "partNumber=2")
    status, body = curl("-T", str(src), wrong_part)
    assert (status, error_of(body)["Code"]) == (403, "SignatureDoesNotMatch")
    assert curl("-T", str(src), part)[0] == 200
    etag = s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload_id)["Parts"][0]["ETag"]
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]},
    )
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"part one"


def test_boto3_default_presigned_url_expired(s3: Any, default_presigner: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    with sigv2_clock(-120):
        url = default_presigner.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=60
        )
    assert_sigv2_url(url)
    status, _, body = fetch(url)
    assert status == 403
    error = error_of(body)
    assert (error["Code"], error["Message"]) == ("AccessDenied", "Request has expired")


@pytest.mark.parametrize("tamper", ["signature", "path", "expires", "access key"])
def test_boto3_default_presigned_url_tampered(
    s3: Any, default_presigner: Any, bucket: str, tamper: str
) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    s3.put_object(Bucket=bucket, Key="other", Body=b"secret")
    url = default_presigner.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=300
    )
    params = dict(parse_qsl(urlsplit(url).query))
    if tamper == "signature":
        url = tamper_query(url, "Signature", flip_base64(params["Signature"]))
    elif tamper == "path":
        url = url.replace(f"/{bucket}/k?", f"/{bucket}/other?")
    elif tamper == "expires":
        url = tamper_query(url, "Expires", str(int(params["Expires"]) + 3600))
    else:
        url = tamper_query(url, "AWSAccessKeyId", "AKIANOTAKEY")
    status, _, body = fetch(url)
    error = error_of(body)
    assert status == 403
    expected = "InvalidAccessKeyId" if tamper == "access key" else "SignatureDoesNotMatch"
    assert error["Code"] == expected
    assert b"secret" not in body
    if expected == "SignatureDoesNotMatch":
        assert error["StringToSign"].endswith(f"/{bucket}/{'other' if tamper == 'path' else 'k'}")


def test_sigv2_authorization_header_is_accepted(
    s3box_server: S3BoxProcess, s3: Any, bucket: str
) -> None:
    # What s3cmd and other old tools send: Authorization: AWS AK:signature, with a Date.
    # SigV2 signs no body, only its Content-MD5, which the PUT then checks against the body.
    md5 = base64.b64encode(hashlib.md5(b"v2").digest()).decode()
    request = AWSRequest(
        method="PUT", url=f"{s3box_server.endpoint}/{bucket}/v2", headers={"Content-MD5": md5}
    )
    HmacV1Auth(Credentials(ACCESS_KEY, SECRET_KEY)).add_auth(request)
    headers = dict(request.headers.items())
    assert headers["Authorization"].startswith(f"AWS {ACCESS_KEY}:")
    status, _, body = send(s3box_server, "PUT", f"/{bucket}/v2", b"xx", headers)
    assert (status, error_of(body)["Code"]) == (400, "BadDigest")
    assert send(s3box_server, "PUT", f"/{bucket}/v2", b"v2", headers)[0] == 200
    assert s3.get_object(Bucket=bucket, Key="v2")["Body"].read() == b"v2"
    headers["Content-MD5"] = base64.b64encode(hashlib.md5(b"xx").digest()).decode()
    status, _, body = send(s3box_server, "PUT", f"/{bucket}/v2", b"xx", headers)
    assert (status, error_of(body)["Code"]) == (403, "SignatureDoesNotMatch")


@pytest.mark.parametrize("expires", [0, 604801])
def test_presigned_expires_out_of_range(s3: Any, presigner: Any, bucket: str, expires: int) -> None:
    url = presigner.generate_presigned_url(
        "get_object",
        Params={"Bucket": bucket, "Key": "k"},
        ExpiresIn=max(expires, 1),  # botocore refuses to sign 0 itself
    )
    url = tamper_query(url, "X-Amz-Expires", str(expires))
    status, _, body = fetch(url)
    assert status == 400
    assert error_of(body)["Code"] == "AuthorizationQueryParametersError"


def test_presigned_url_for_a_week_is_accepted(s3: Any, presigner: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"week")
    url = presigner.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=604800
    )
    assert fetch(url)[2] == b"week"


def test_presigned_put_with_curl_and_urllib(
    s3box_server: S3BoxProcess, s3: Any, presigner: Any, bucket: str, tmp_path: Path
) -> None:
    data = os.urandom(300_000)
    src = tmp_path / "upload.bin"
    src.write_bytes(data)
    url = presigner.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "by-curl"}, ExpiresIn=300
    )
    status, _ = curl("-T", str(src), url)
    assert status == 200
    assert s3.get_object(Bucket=bucket, Key="by-curl")["Body"].read() == data
    url = presigner.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "by-urllib"}, ExpiresIn=300
    )
    assert fetch(url, "PUT", b"small")[0] == 200
    assert s3.get_object(Bucket=bucket, Key="by-urllib")["Body"].read() == b"small"


def test_presigned_put_to_another_key_is_refused_and_stores_nothing(
    s3box_server: S3BoxProcess, s3: Any, presigner: Any, bucket: str, tmp_path: Path
) -> None:
    src = tmp_path / "upload.bin"
    src.write_bytes(os.urandom(100_000))
    url = presigner.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "allowed"}, ExpiresIn=300
    )
    status, body = curl("-T", str(src), url.replace("/allowed?", "/sneaky?"))
    assert status == 403
    assert error_of(body)["Code"] == "SignatureDoesNotMatch"
    assert_not_stored(s3box_server, s3, bucket, "sneaky")


def test_presigned_multipart_calls(s3: Any, presigner: Any, bucket: str) -> None:
    create = presigner.generate_presigned_url(
        "create_multipart_upload", Params={"Bucket": bucket, "Key": "mp"}, ExpiresIn=300
    )
    status, _, body = fetch(create, "POST", b"")
    assert status == 200, body
    upload_id = ET.fromstring(body).findtext("{*}UploadId")
    assert upload_id
    part = presigner.generate_presigned_url(
        "upload_part",
        Params={"Bucket": bucket, "Key": "mp", "UploadId": upload_id, "PartNumber": 1},
        ExpiresIn=300,
    )
    status, headers, _ = fetch(part, "PUT", b"part one")
    assert status == 200
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": headers["etag"]}]},
    )
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"part one"


def _cli_presign(
    aws: AwsCli,
    s3_uri: str,
    expires: int,
    offset_seconds: float = 0.0,
    signature_version: str | None = "s3v4",
) -> str:
    """`aws s3 presign` run with botocore's clock moved by offset_seconds: SigV4 as set in the
    profile, or with signature_version=None the CLI's default (SigV2 for us-east-1 and a
    custom endpoint)."""
    code = (
        "import datetime, sys\n"
        "import botocore.auth, botocore.crt.auth\n"
        "aware = datetime.datetime.now(datetime.timezone.utc)\n"
        f"aware += datetime.timedelta(seconds={offset_seconds!r})\n"
        "def now(remove_tzinfo=True):\n"
        "    return aware.replace(tzinfo=None) if remove_tzinfo else aware\n"
        "botocore.auth.get_current_datetime = now\n"
        "botocore.crt.auth.get_current_datetime = now\n"
        "def expires_at(self):\n"
        f"    return str(int(aware.timestamp()) + int(self._expires))\n"
        "botocore.auth.HmacV1QueryAuth._get_date = expires_at\n"
        "from awscli.clidriver import main\n"
        "sys.exit(main())\n"
    )
    config = aws.home / f"config-{signature_version or 'default'}"
    if signature_version is None:
        config.write_text("[default]\n")
    else:
        config.write_text(f"[default]\ns3 =\n    signature_version = {signature_version}\n")
    env = dict(os.environ)
    env.update(
        {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": str(config),
            "AWS_SHARED_CREDENTIALS_FILE": str(aws.home / "credentials"),
            "HOME": str(aws.home),
        }
    )
    cmd = [sys.executable, "-c", code, "--endpoint-url", aws.endpoint]
    cmd += ["s3", "presign", s3_uri, "--expires-in", str(expires)]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    url = result.stdout.strip()
    if signature_version is None:
        assert_sigv2_url(url)
    else:
        assert "X-Amz-Signature=" in url, url
    return url


def test_aws_cli_presign_fetched_with_curl(aws: AwsCli, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="cli/obj.txt", Body=b"from the cli")
    url = _cli_presign(aws, f"s3://{bucket}/cli/obj.txt", 300)
    assert curl(url) == (200, b"from the cli")

    expired = _cli_presign(aws, f"s3://{bucket}/cli/obj.txt", 5, offset_seconds=-60)
    status, body = curl(expired)
    assert status == 403
    assert error_of(body)["Message"] == "Request has expired"

    signature = dict(parse_qsl(urlsplit(url).query))["X-Amz-Signature"]
    status, body = curl(tamper_query(url, "X-Amz-Signature", flip_hex(signature)))
    assert (status, error_of(body)["Code"]) == (403, "SignatureDoesNotMatch")
    status, body = curl(url.replace("/cli/obj.txt?", "/cli/obj.txx?"))
    assert (status, error_of(body)["Code"]) == (403, "SignatureDoesNotMatch")


def test_aws_cli_default_presign_is_sigv2_and_works_with_curl(
    aws: AwsCli, s3: Any, bucket: str
) -> None:
    s3.put_object(Bucket=bucket, Key="cli/v2.txt", Body=b"sigv2 from the cli")
    url = _cli_presign(aws, f"s3://{bucket}/cli/v2.txt", 300, signature_version=None)
    assert curl(url) == (200, b"sigv2 from the cli")

    expired = _cli_presign(
        aws, f"s3://{bucket}/cli/v2.txt", 5, offset_seconds=-60, signature_version=None
    )
    status, body = curl(expired)
    assert (status, error_of(body)["Message"]) == (403, "Request has expired")

    signature = dict(parse_qsl(urlsplit(url).query))["Signature"]
    status, body = curl(tamper_query(url, "Signature", flip_base64(signature)))
    assert (status, error_of(body)["Code"]) == (403, "SignatureDoesNotMatch")
    status, body = curl(url.replace("/cli/v2.txt?", "/cli/v2.txx?"))
    assert (status, error_of(body)["Code"]) == (403, "SignatureDoesNotMatch")
