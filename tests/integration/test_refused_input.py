"""Input S3 refuses, refused the same way here (issue #13, items 4 and 6):
response-* overrides carrying control characters, unknown checksum algorithms,
transfer codings s3box does not undo, unknown x-amz-content-sha256 modes in open
mode, and uploads declared larger than 5 GiB behind `Expect: 100-continue`.

Each answer is the S3 error, nothing is stored, and the server logs no traceback.
Real clients where they can express the request (boto3, signed in both modes, with an
event hook adding the header before signing); raw sockets where they cannot.
"""

from __future__ import annotations

import socket
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import S3BoxProcess, make_client, start_s3box
from tests.integration.test_raw_http import _staging_entries

OVERRIDES = {
    "ResponseContentType": "response-content-type",
    "ResponseContentLanguage": "response-content-language",
    "ResponseCacheControl": "response-cache-control",
    "ResponseContentDisposition": "response-content-disposition",
    "ResponseContentEncoding": "response-content-encoding",
}
BAD_VALUES = ["text/html\r\nX-Injected: yes", "text/html\nX-Injected: yes", "text/html\x00"]
SIX_GIB = 6 * 1024**3


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str]:
    response: Any = exc.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]


def _assert_absent(s3: Any, bucket: str, key: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key=key)
    assert _error(exc)[0] == 404


# --- response-* overrides ------------------------------------------------------------


@pytest.mark.parametrize("value", BAD_VALUES, ids=["crlf", "lf", "nul"])
@pytest.mark.parametrize("param", sorted(OVERRIDES))
def test_override_with_control_characters_is_invalid_argument(
    s3box_server: S3BoxProcess, s3: Any, bucket: str, param: str, value: str
) -> None:
    s3.put_object(Bucket=bucket, Key="page", Body=b"<p>hi</p>", ContentType="text/plain")
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="page", **{param: value})
    assert _error(exc) == (400, "InvalidArgument")
    assert OVERRIDES[param] in exc.value.response["Error"]["Message"]
    assert exc.value.response["Error"].get("ArgumentName") == OVERRIDES[param]
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="page", **{param: value})
    assert _error(exc)[0] == 400
    # The object is unchanged and still served; the server logged no traceback.
    got = s3.get_object(Bucket=bucket, Key="page")
    assert got["ContentType"] == "text/plain"
    assert got["Body"].read() == b"<p>hi</p>"
    assert "Traceback" not in s3box_server.log_text()


@pytest.mark.parametrize("value", ["%0d%0aX-Injected:%20yes", "%0a", "%00", "%7f"])
def test_response_expires_with_control_characters_is_invalid_argument(
    raw_bucket: tuple[S3BoxProcess, Any, str], value: str
) -> None:
    """boto3 only sends a datetime for ResponseExpires: the raw request is the one that
    a hand-built URL would send."""
    server, s3, bucket = raw_bucket
    s3.put_object(Bucket=bucket, Key="exp", Body=b"x")
    for method in ("GET", "HEAD"):
        answer = _exchange(
            server,
            [f"{method} /{bucket}/exp?response-expires={value} HTTP/1.1", "Connection: close"],
        )
        assert answer.startswith(b"HTTP/1.1 400"), answer[:300]
        assert b"X-Injected" not in answer.partition(b"\r\n\r\n")[0]
        if method == "GET":
            assert _status_and_code(answer)[1] == "InvalidArgument"


def test_override_with_tab_and_non_ascii_is_served(s3: Any, bucket: str) -> None:
    """HTAB is allowed in a field value; only control characters are refused."""
    s3.put_object(Bucket=bucket, Key="doc", Body=b"x")
    got = s3.get_object(
        Bucket=bucket, Key="doc", ResponseContentDisposition='attachment;\tfilename="a.txt"'
    )
    assert got["ContentDisposition"] == 'attachment;\tfilename="a.txt"'


# --- checksum algorithm names --------------------------------------------------------


def _with_header(s3: Any, operation: str, name: str, value: str) -> None:
    """Add a header to every `operation` call before it is signed (so it is signed)."""

    def add(request: Any, **_: Any) -> None:
        # botocore's headers append on assignment: replace the SDK's own value.
        del request.headers[name]
        request.headers[name] = value

    s3.meta.events.register(f"before-sign.s3.{operation}", add)


@pytest.fixture
def fresh_client(s3box_server: S3BoxProcess) -> Any:
    return make_client(s3box_server.endpoint)


@pytest.mark.parametrize("header", ["x-amz-checksum-algorithm", "x-amz-sdk-checksum-algorithm"])
def test_put_object_with_unknown_checksum_algorithm_is_invalid_request(
    fresh_client: Any, s3: Any, bucket: str, header: str
) -> None:
    _with_header(fresh_client, "PutObject", header, "MD4")
    with pytest.raises(ClientError) as exc:
        fresh_client.put_object(Bucket=bucket, Key="md4", Body=b"data")
    assert _error(exc) == (400, "InvalidRequest")
    assert "Checksum algorithm provided is unsupported" in exc.value.response["Error"]["Message"]
    _assert_absent(s3, bucket, "md4")


def test_upload_part_and_copy_with_unknown_checksum_algorithm_are_invalid_request(
    fresh_client: Any, s3: Any, bucket: str
) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"source")
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    _with_header(fresh_client, "UploadPart", "x-amz-checksum-algorithm", "MD4")
    _with_header(fresh_client, "CopyObject", "x-amz-checksum-algorithm", "MD4")
    _with_header(fresh_client, "CreateMultipartUpload", "x-amz-checksum-algorithm", "MD4")
    with pytest.raises(ClientError) as exc:
        fresh_client.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"p")
    assert _error(exc) == (400, "InvalidRequest")
    assert s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload).get("Parts", []) == []
    with pytest.raises(ClientError) as exc:
        fresh_client.copy_object(Bucket=bucket, Key="dst", CopySource=f"{bucket}/src")
    assert _error(exc) == (400, "InvalidRequest")
    _assert_absent(s3, bucket, "dst")
    with pytest.raises(ClientError) as exc:
        fresh_client.create_multipart_upload(Bucket=bucket, Key="mp2")
    assert _error(exc) == (400, "InvalidRequest")
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket, Prefix="mp2")


# --- raw requests: framing and sizes -------------------------------------------------


def _exchange(server: S3BoxProcess, head: list[str], body: bytes = b"") -> bytes:
    """Send a request head (and body) and read the answer until the server closes."""
    raw = "\r\n".join([*head, f"Host: 127.0.0.1:{server.port}", "", ""]).encode("latin-1")
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(raw + body)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def _status_and_code(answer: bytes) -> tuple[bytes, str | None]:
    status_line, _, rest = answer.partition(b"\r\n")
    _, _, body = rest.partition(b"\r\n\r\n")
    code = ET.fromstring(body).findtext("Code") if body.strip() else None
    return status_line, code


@pytest.fixture(scope="module", params=["uvicorn", "granian"])
def raw_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[S3BoxProcess]:
    server = start_s3box(
        tmp_path_factory.mktemp(f"refused-{request.param}"),
        args=["--http-server", request.param],
    )
    yield server
    assert server.stop() == 0
    assert "Traceback" not in server.log_text()


@pytest.fixture
def raw_bucket(raw_server: S3BoxProcess) -> tuple[S3BoxProcess, Any, str]:
    s3 = make_client(raw_server.endpoint)
    name = f"refused-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return raw_server, s3, name


@pytest.mark.parametrize("coding", ["gzip, chunked", "deflate, chunked", "identity, chunked"])
def test_transfer_coding_other_than_chunked_is_not_implemented(
    raw_bucket: tuple[S3BoxProcess, Any, str], coding: str
) -> None:
    server, s3, bucket = raw_bucket
    body = b"5\r\nhello\r\n0\r\n\r\n"
    answer = _exchange(
        server,
        [f"PUT /{bucket}/coded HTTP/1.1", f"Transfer-Encoding: {coding}", "Connection: close"],
        body,
    )
    status_line, code = _status_and_code(answer)
    assert status_line.startswith(b"HTTP/1.1 501"), answer[:300]
    assert code == "NotImplemented"
    assert b"<Header>Transfer-Encoding</Header>" in answer
    _assert_absent(s3, bucket, "coded")


def test_plain_chunked_transfer_coding_still_stores_the_decoded_body(
    raw_bucket: tuple[S3BoxProcess, Any, str],
) -> None:
    server, s3, bucket = raw_bucket
    body = b"5\r\nhello\r\n0\r\n\r\n"
    answer = _exchange(
        server,
        [f"PUT /{bucket}/plain HTTP/1.1", "Transfer-Encoding: chunked", "Connection: close"],
        body,
    )
    assert answer.startswith(b"HTTP/1.1 200"), answer[:300]
    assert s3.get_object(Bucket=bucket, Key="plain")["Body"].read() == b"hello"


@pytest.mark.parametrize(
    "mode", ["STREAMING-FOO", "STREAMING-AWS4-HMAC-SHA512-PAYLOAD", "not-a-hash"]
)
def test_unknown_content_sha256_is_refused_in_open_mode(
    raw_bucket: tuple[S3BoxProcess, Any, str], mode: str
) -> None:
    server, s3, bucket = raw_bucket
    answer = _exchange(
        server,
        [
            f"PUT /{bucket}/mode HTTP/1.1",
            f"x-amz-content-sha256: {mode}",
            "Content-Length: 5",
            "Connection: close",
        ],
        b"hello",
    )
    status_line, code = _status_and_code(answer)
    assert status_line.startswith(b"HTTP/1.1 400"), answer[:300]
    assert code == "InvalidArgument"
    assert b"<ArgumentName>x-amz-content-sha256</ArgumentName>" in answer
    _assert_absent(s3, bucket, "mode")


@pytest.mark.parametrize("kind", ["put", "part", "aws-chunked"])
def test_upload_declaring_more_than_5_gib_is_entity_too_large_before_100_continue(
    raw_bucket: tuple[S3BoxProcess, Any, str], kind: str
) -> None:
    server, s3, bucket = raw_bucket
    path = f"/{bucket}/huge"
    size_headers = [f"Content-Length: {SIX_GIB}"]
    if kind == "part":
        upload = s3.create_multipart_upload(Bucket=bucket, Key="huge")["UploadId"]
        path += f"?partNumber=1&uploadId={upload}"
    elif kind == "aws-chunked":
        size_headers = [
            "Content-Length: 1048576",
            "Content-Encoding: aws-chunked",
            "x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER",
            f"x-amz-decoded-content-length: {SIX_GIB}",
        ]
    answer = _exchange(server, [f"PUT {path} HTTP/1.1", *size_headers, "Expect: 100-continue"])
    status_line, code = _status_and_code(answer)
    assert status_line.startswith(b"HTTP/1.1 400"), answer[:300]
    assert b"100 Continue" not in answer
    assert code == "EntityTooLarge"
    assert f"<ProposedSize>{SIX_GIB}</ProposedSize>".encode() in answer
    assert b"<MaxSizeAllowed>5368709120</MaxSizeAllowed>" in answer
    _assert_absent(s3, bucket, "huge")
    if kind == "part":
        assert s3.list_parts(Bucket=bucket, Key="huge", UploadId=upload).get("Parts", []) == []
        s3.abort_multipart_upload(Bucket=bucket, Key="huge", UploadId=upload)
    assert _staging_entries(server, bucket) == []


def test_upload_of_exactly_5_gib_declared_gets_100_continue(
    raw_bucket: tuple[S3BoxProcess, Any, str],
) -> None:
    """The bound is S3's: 5 GiB itself is allowed (the server asks for the body)."""
    server, _, bucket = raw_bucket
    raw = (
        f"PUT /{bucket}/edge HTTP/1.1\r\nHost: x\r\nContent-Length: {5 * 1024**3}\r\n"
        "Expect: 100-continue\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(raw)
        first = sock.recv(64)
    assert first.startswith(b"HTTP/1.1 100"), first
