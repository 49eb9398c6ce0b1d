"""What clients cannot express: malformed and hostile requests on raw sockets,
Expect: 100-continue spellings, HTTP chunked bodies, error formats."""

from __future__ import annotations

import hashlib
import http.client
import socket
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.integration.conftest import S3BoxProcess

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


@pytest.fixture
def s3box_server(open_server: S3BoxProcess) -> S3BoxProcess:
    """These requests are unsigned: run them against the open server only."""
    return open_server


def _conn(server: S3BoxProcess) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)


def _request(
    server: S3BoxProcess,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    conn = _conn(server)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


def _new_bucket(server: S3BoxProcess) -> str:
    name = f"raw-{uuid.uuid4().hex[:12]}"
    status, _, _ = _request(server, "PUT", f"/{name}")
    assert status == 200
    return name


def _staging_entries(server: S3BoxProcess, bucket: str) -> list[Path]:
    root = server.data_dir / "buckets" / bucket / "staging"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _error_code(body: bytes) -> str:
    root = ET.fromstring(body)
    assert root.tag == "Error"
    assert root.findtext("RequestId")
    code = root.findtext("Code")
    assert code
    return code


def test_errors_are_s3_xml_with_request_ids(s3box_server: S3BoxProcess) -> None:
    status, headers, body = _request(s3box_server, "GET", "/no-such-bucket-xyz/key")
    assert status == 404
    assert _error_code(body) == "NoSuchBucket"
    assert headers["content-type"] == "application/xml"
    assert headers["x-amz-request-id"]
    assert headers["x-amz-id-2"]
    root = ET.fromstring(body)
    assert root.findtext("RequestId") == headers["x-amz-request-id"]


def test_head_errors_have_no_body(s3box_server: S3BoxProcess) -> None:
    bucket = _new_bucket(s3box_server)
    status, headers, body = _request(s3box_server, "HEAD", f"/{bucket}/missing")
    assert status == 404
    assert body == b""
    assert headers["x-amz-request-id"]


def test_body_cut_short_stores_nothing(s3box_server: S3BoxProcess) -> None:
    bucket = _new_bucket(s3box_server)
    for size in (1000, 3 * 1024 * 1024):
        with socket.create_connection(("127.0.0.1", s3box_server.port), timeout=10) as sock:
            head = (
                f"PUT /{bucket}/cut HTTP/1.1\r\nHost: localhost\r\nContent-Length: {size}\r\n\r\n"
            ).encode()
            sock.sendall(head + b"x" * (size // 2))
            sock.shutdown(socket.SHUT_WR)
            try:
                sock.recv(65536)
            except OSError:
                pass
    # The server noticed the disconnect and dropped the upload.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _staging_entries(s3box_server, bucket):
        time.sleep(0.05)
    status, _, _ = _request(s3box_server, "HEAD", f"/{bucket}/cut")
    assert status == 404
    assert _staging_entries(s3box_server, bucket) == []


def test_body_longer_than_aws_decoded_length_is_rejected(s3box_server: S3BoxProcess) -> None:
    bucket = _new_bucket(s3box_server)
    data = b"hello world"
    body = f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n\r\n"
    status, _, resp = _request(
        s3box_server,
        "PUT",
        f"/{bucket}/k",
        body=body,
        headers={
            "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
            "content-encoding": "aws-chunked",
            "x-amz-decoded-content-length": "5",
        },
    )
    assert status == 400
    assert _error_code(resp) == "IncompleteBody"
    assert _request(s3box_server, "HEAD", f"/{bucket}/k")[0] == 404


@pytest.mark.parametrize("spelling", ["100-continue", "100-Continue", "100-CONTINUE"])
def test_expect_100_continue_is_answered_at_once(s3box_server: S3BoxProcess, spelling: str) -> None:
    bucket = _new_bucket(s3box_server)
    with socket.create_connection(("127.0.0.1", s3box_server.port), timeout=5) as sock:
        sock.sendall(
            (
                f"PUT /{bucket}/e HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
                f"Expect: {spelling}\r\n\r\n"
            ).encode()
        )
        first = sock.recv(4096)
        assert first.startswith(b"HTTP/1.1 100")
        sock.sendall(b"hello")
        rest = b""
        while b"\r\n\r\n" not in rest:
            rest += sock.recv(4096)
        assert rest.split(b"\r\n", 1)[0].endswith(b"200 OK")
    status, _, body = _request(s3box_server, "GET", f"/{bucket}/e")
    assert (status, body) == (200, b"hello")


def test_http_chunked_transfer_encoding_body(s3box_server: S3BoxProcess) -> None:
    bucket = _new_bucket(s3box_server)
    parts = [b"abc" * 1000, b"def" * 50000, b"g"]
    conn = _conn(s3box_server)
    try:
        conn.request(
            "PUT",
            f"/{bucket}/chunked",
            body=iter(parts),
            encode_chunked=True,
            headers={"Transfer-Encoding": "chunked"},
        )
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 200
    finally:
        conn.close()
    _status, _, body = _request(s3box_server, "GET", f"/{bucket}/chunked")
    assert body == b"".join(parts)


def test_aws_chunked_inside_http_chunked_as_the_js_sdk_sends(s3box_server: S3BoxProcess) -> None:
    bucket = _new_bucket(s3box_server)
    data = b"x" * 70000 + b"tail"
    framed = (
        f"{65536:x}\r\n".encode()
        + data[:65536]
        + b"\r\n"
        + f"{len(data) - 65536:x}\r\n".encode()
        + data[65536:]
        + b"\r\n"
        + b"0\r\nx-amz-checksum-crc32:"
        + _crc32_b64(data)
        + b"\r\n\r\n"
    )
    conn = _conn(s3box_server)
    try:
        conn.request(
            "PUT",
            f"/{bucket}/js",
            body=iter([framed[:1000], framed[1000:]]),
            encode_chunked=True,
            headers={
                "Transfer-Encoding": "chunked",
                "Content-Encoding": "aws-chunked",
                "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                "x-amz-decoded-content-length": str(len(data)),
                "x-amz-trailer": "x-amz-checksum-crc32",
            },
        )
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 200
    finally:
        conn.close()
    _status, headers, body = _request(s3box_server, "GET", f"/{bucket}/js")
    assert body == data
    assert headers["etag"] == f'"{hashlib.md5(data).hexdigest()}"'
    assert "content-encoding" not in headers


def _crc32_b64(data: bytes) -> bytes:
    import base64
    import zlib

    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big"))


@pytest.mark.parametrize(
    "body",
    [b"<Delete><Object><Key>a</Key></Object>", b"not xml", b"<Other/>", b"", b"<Delete></Delete>"],
)
def test_malformed_delete_xml_returns_malformed_xml(
    s3box_server: S3BoxProcess, body: bytes
) -> None:
    import base64

    bucket = _new_bucket(s3box_server)
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    status, _, resp = _request(
        s3box_server, "POST", f"/{bucket}?delete", body=body, headers={"Content-MD5": md5}
    )
    assert status == 400
    assert _error_code(resp) == "MalformedXML"


def test_entity_expansion_is_refused(s3box_server: S3BoxProcess) -> None:
    bucket = _new_bucket(s3box_server)
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b"<Delete><Object><Key>&b;</Key></Object></Delete>"
    )
    status, _, resp = _request(s3box_server, "POST", f"/{bucket}?delete", body=bomb)
    assert status == 400
    assert _error_code(resp) == "MalformedXML"


def test_method_not_allowed(s3box_server: S3BoxProcess) -> None:
    status, _, body = _request(s3box_server, "POST", "/")
    assert status == 405
    assert _error_code(body) == "MethodNotAllowed"


@pytest.mark.parametrize(
    ("location", "status", "code"),
    [
        ("us-east-1", 400, "InvalidLocationConstraint"),  # S3: us-east-1 is never named
        ("eu-west-1", 400, "IllegalLocationConstraintException"),
        ("", 200, None),  # an empty constraint is us-east-1's
    ],
)
def test_create_bucket_location_constraint_on_a_us_east_1_server(
    s3box_server: S3BoxProcess, location: str, status: int, code: str | None
) -> None:
    name = f"raw-{uuid.uuid4().hex[:12]}"
    body = (
        "<CreateBucketConfiguration><LocationConstraint>"
        f"{location}</LocationConstraint></CreateBucketConfiguration>"
    ).encode()
    got, _, answer = _request(s3box_server, "PUT", f"/{name}", body=body)
    assert got == status, answer
    if code is not None:
        assert _error_code(answer) == code
        assert _request(s3box_server, "HEAD", f"/{name}")[0] == 404


@pytest.mark.parametrize(
    "query", ["max-buckets=0", "max-buckets=abc", "max-buckets=", "continuation-token="]
)
def test_list_buckets_refuses_bad_paging_arguments(s3box_server: S3BoxProcess, query: str) -> None:
    status, _, body = _request(s3box_server, "GET", f"/?{query}")
    assert (status, _error_code(body)) == (400, "InvalidArgument")


def test_acl_subresource_answers_owner_full_control(s3box_server: S3BoxProcess) -> None:
    bucket = _new_bucket(s3box_server)
    status, _, body = _request(s3box_server, "GET", f"/{bucket}?acl")
    assert status == 200
    assert b"FULL_CONTROL" in body


@pytest.mark.parametrize(
    "sub",
    ["website", "logging", "notification", "replication", "accelerate", "requestPayment"],
)
def test_unimplemented_bucket_configuration_writes_answer_501(
    s3box_server: S3BoxProcess, sub: str
) -> None:
    bucket = _new_bucket(s3box_server)
    status, _, body = _request(s3box_server, "PUT", f"/{bucket}?{sub}", body=b"<x/>")
    assert (status, _error_code(body)) == (501, "NotImplemented")


@pytest.mark.parametrize(
    ("sub", "root", "children"),
    [
        ("logging", "BucketLoggingStatus", []),
        ("notification", "NotificationConfiguration", []),
        ("accelerate", "AccelerateConfiguration", []),
        ("requestPayment", "RequestPaymentConfiguration", [("Payer", "BucketOwner")]),
    ],
)
def test_never_set_configurations_read_as_s3s_empty_documents(
    s3box_server: S3BoxProcess, sub: str, root: str, children: list[tuple[str, str]]
) -> None:
    bucket = _new_bucket(s3box_server)
    status, _, body = _request(s3box_server, "GET", f"/{bucket}?{sub}")
    assert status == 200
    doc = ET.fromstring(body)
    assert doc.tag == f"{NS}{root}"
    assert [(c.tag.removeprefix(NS), c.text) for c in doc] == children
    status, _, body = _request(s3box_server, "GET", f"/{bucket}-absent?{sub}")
    assert (status, _error_code(body)) == (404, "NoSuchBucket")


@pytest.mark.parametrize(
    "sub", ["policy", "cors", "lifecycle", "website", "replication", "encryption"]
)
def test_deleting_a_configuration_s3box_never_has_answers_204(
    s3box_server: S3BoxProcess, sub: str
) -> None:
    bucket = _new_bucket(s3box_server)
    _request(s3box_server, "PUT", f"/{bucket}/k", body=b"x")
    status, _, body = _request(s3box_server, "DELETE", f"/{bucket}?{sub}")
    assert (status, body) == (204, b"")
    # Only the configuration: the bucket and its object are still there.
    assert _request(s3box_server, "HEAD", f"/{bucket}")[0] == 200
    assert _request(s3box_server, "HEAD", f"/{bucket}/k")[0] == 200
    status, _, body = _request(s3box_server, "DELETE", f"/{bucket}-absent?{sub}")
    assert (status, _error_code(body)) == (404, "NoSuchBucket")


@pytest.mark.parametrize(
    ("sub", "code"),
    [
        ("policy", "NoSuchBucketPolicy"),
        ("lifecycle", "NoSuchLifecycleConfiguration"),
        ("encryption", "ServerSideEncryptionConfigurationNotFoundError"),
        ("object-lock", "ObjectLockConfigurationNotFoundError"),
        ("tagging", "NoSuchTagSet"),
        ("cors", "NoSuchCORSConfiguration"),
        ("website", "NoSuchWebsiteConfiguration"),
        ("replication", "ReplicationConfigurationNotFoundError"),
    ],
)
def test_out_of_scope_bucket_configuration_reads_answer_not_configured(
    s3box_server: S3BoxProcess, sub: str, code: str
) -> None:
    bucket = _new_bucket(s3box_server)
    status, _, body = _request(s3box_server, "GET", f"/{bucket}?{sub}")
    assert (status, _error_code(body)) == (404, code)


@pytest.mark.parametrize("sub", ["policy", "lifecycle", "encryption", "object-lock", "versioning"])
def test_out_of_scope_bucket_configuration_writes_answer_501(
    s3box_server: S3BoxProcess, sub: str
) -> None:
    bucket = _new_bucket(s3box_server)
    status, _, body = _request(s3box_server, "PUT", f"/{bucket}?{sub}", body=b"<x/>")
    assert (status, _error_code(body)) == (501, "NotImplemented")


@pytest.mark.parametrize("sub", ["retention", "legal-hold"])
def test_object_lock_reads_say_the_bucket_has_none_and_writes_answer_501(
    s3box_server: S3BoxProcess, sub: str
) -> None:
    bucket = _new_bucket(s3box_server)
    _request(s3box_server, "PUT", f"/{bucket}/k", body=b"x")
    status, _, body = _request(s3box_server, "GET", f"/{bucket}/k?{sub}")
    assert (status, _error_code(body)) == (400, "InvalidRequest")
    assert b"Bucket is missing Object Lock Configuration" in body
    status, _, body = _request(s3box_server, "PUT", f"/{bucket}/k?{sub}", body=b"<x/>")
    assert (status, _error_code(body)) == (501, "NotImplemented")


def test_browser_form_upload_answers_501_and_stores_nothing(s3box_server: S3BoxProcess) -> None:
    bucket = _new_bucket(s3box_server)
    boundary = "s3boxboundary"
    form = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\nposted\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n'
        f"Content-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n"
    ).encode()
    status, _, body = _request(
        s3box_server,
        "POST",
        f"/{bucket}",
        body=form,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert (status, _error_code(body)) == (501, "NotImplemented")
    assert b"POST Object" in body
    assert _request(s3box_server, "HEAD", f"/{bucket}/posted")[0] == 404


def test_restore_of_a_readable_object_is_refused_and_select_answers_501(
    s3box_server: S3BoxProcess,
) -> None:
    bucket = _new_bucket(s3box_server)
    _request(s3box_server, "PUT", f"/{bucket}/k", body=b"x")
    restore = b"<RestoreRequest><Days>1</Days></RestoreRequest>"
    status, _, body = _request(s3box_server, "POST", f"/{bucket}/k?restore", body=restore)
    assert (status, _error_code(body)) == (403, "InvalidObjectState")
    assert b"Restore is not allowed for the object's current storage class" in body
    _request(
        s3box_server,
        "PUT",
        f"/{bucket}/cold",
        body=b"x",
        headers={"x-amz-storage-class": "DEEP_ARCHIVE"},
    )
    status, _, body = _request(s3box_server, "POST", f"/{bucket}/cold?restore", body=restore)
    assert (status, _error_code(body)) == (501, "NotImplemented")
    status, _, body = _request(s3box_server, "POST", f"/{bucket}/absent?restore", body=restore)
    assert (status, _error_code(body)) == (404, "NoSuchKey")
    status, _, body = _request(
        s3box_server, "POST", f"/{bucket}/k?select&select-type=2", body=b"<x/>"
    )
    assert (status, _error_code(body)) == (501, "NotImplemented")


def test_no_staging_leftovers_after_rejected_puts(s3box_server: S3BoxProcess) -> None:
    import base64

    bucket = _new_bucket(s3box_server)
    bad_md5 = base64.b64encode(hashlib.md5(b"zzz").digest()).decode()
    for size in (10, 2 * 1024 * 1024):
        status, _, body = _request(
            s3box_server, "PUT", f"/{bucket}/k", body=b"a" * size, headers={"Content-MD5": bad_md5}
        )
        assert status == 400
        assert _error_code(body) == "BadDigest"
    assert _staging_entries(s3box_server, bucket) == []
    assert _request(s3box_server, "HEAD", f"/{bucket}/k")[0] == 404
