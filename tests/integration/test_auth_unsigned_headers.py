"""Every x-amz-* header must be signed, end to end (docs/security.md, "Every x-amz-* header
must be signed" and "SigV4 strictness").

A presigned URL or a header-signed request is replayed with one x-amz-* header added that
its signature does not cover, for each operation that acts on such a header: S3 answers
403 AccessDenied, HeadersNotSigned, and nothing is stored or changed. SigV2 signs every
x-amz-* header, so an added one fails its signature. Signing is botocore's; raw HTTP only
to add what a client would not send.
"""

from __future__ import annotations

import base64
import http.client
import zlib
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.integration.conftest import ACCESS_KEY, REGION, SECRET_KEY, S3BoxProcess, make_client
from tests.integration.test_auth import (
    Response,
    default_presigner,  # noqa: F401 - fixture
    error_of,
    send,
    sign_headers,
)

pytestmark = pytest.mark.parametrize("s3box_server", ["auth"], indirect=True)

SECRET_BODY = b"name,salary\nalice,1000000\n"
BODY = b"hello"
CRC32 = base64.b64encode(zlib.crc32(BODY).to_bytes(4, "big")).decode()
NOT_SIGNED = "There were headers present in the request which were not signed"


@pytest.fixture
def private(s3: Any, bucket: str) -> str:
    """An object the presigned URLs below must never give access to."""
    s3.put_object(Bucket=bucket, Key="private/payroll.csv", Body=SECRET_BODY)
    return f"{bucket}/private/payroll.csv"


@pytest.fixture(scope="session")
def presigner(s3box_server: S3BoxProcess) -> Any:
    return make_client(s3box_server.endpoint, signature_version="s3v4")


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + "?" + parts.query


def assert_headers_not_signed(response: Response, names: str) -> None:
    status, _, body = response
    error = error_of(body)
    assert (status, error["Code"], error["Message"]) == (403, "AccessDenied", NOT_SIGNED), body
    assert error["HeadersNotSigned"] == names


def keys_of(s3: Any, bucket: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


# Headers that change what a PUT stores, each with a value the handlers accept (or refuse
# with their own error): on today's code each is acted on.
PUT_HEADERS = {
    "x-amz-meta-owner": "mallory",
    "x-amz-tagging": "leak=1",
    "x-amz-storage-class": "STANDARD_IA",
    "x-amz-website-redirect-location": "https://evil.example/",
    "x-amz-acl": "private",
    "x-amz-grant-read": 'uri="http://acs.amazonaws.com/groups/global/AllUsers"',
    "x-amz-checksum-crc32": CRC32,
    "x-amz-sdk-checksum-algorithm": "CRC32",
    "x-amz-server-side-encryption": "AES256",
    "x-amz-server-side-encryption-customer-algorithm": "AES256",
    "x-amz-object-lock-mode": "GOVERNANCE",
}


# --- presigned URLs ---------------------------------------------------------------------


def test_presigned_put_plus_unsigned_copy_source_copies_nothing(
    s3box_server: S3BoxProcess, s3: Any, presigner: Any, bucket: str, private: str
) -> None:
    # The attack of issue 13: a presigned PUT for one key, replayed as a CopyObject.
    url = presigner.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "upload"}, ExpiresIn=300
    )
    response = send(s3box_server, "PUT", path_of(url), b"", {"x-amz-copy-source": private})
    assert_headers_not_signed(response, "x-amz-copy-source")
    assert "upload" not in keys_of(s3, bucket)
    # The URL itself still works for what it was made for.
    assert send(s3box_server, "PUT", path_of(url), BODY)[0] == 200
    assert s3.get_object(Bucket=bucket, Key="upload")["Body"].read() == BODY


@pytest.mark.parametrize("name", sorted(PUT_HEADERS))
def test_presigned_put_plus_an_unsigned_header_stores_nothing(
    s3box_server: S3BoxProcess, s3: Any, presigner: Any, bucket: str, name: str
) -> None:
    url = presigner.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=300
    )
    response = send(s3box_server, "PUT", path_of(url), BODY, {name: PUT_HEADERS[name]})
    assert_headers_not_signed(response, name)
    assert keys_of(s3, bucket) == []


def test_presigned_put_lists_every_unsigned_header(
    s3box_server: S3BoxProcess, s3: Any, presigner: Any, bucket: str
) -> None:
    url = presigner.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=300
    )
    extra = {"x-amz-meta-a": "1", "x-amz-tagging": "t=1"}
    assert_headers_not_signed(
        send(s3box_server, "PUT", path_of(url), BODY, extra), "x-amz-meta-a, x-amz-tagging"
    )
    assert keys_of(s3, bucket) == []


def test_presigned_put_with_the_headers_signed_works(
    s3box_server: S3BoxProcess, s3: Any, presigner: Any, bucket: str
) -> None:
    # What botocore does when asked for them: the headers are in X-Amz-SignedHeaders and
    # must then be sent, as signed.
    url = presigner.generate_presigned_url(
        "put_object",
        Params={"Bucket": bucket, "Key": "k", "Metadata": {"owner": "me"}, "Tagging": "a=b"},
        ExpiresIn=300,
    )
    headers = {"x-amz-meta-owner": "me", "x-amz-tagging": "a=b"}
    assert send(s3box_server, "PUT", path_of(url), BODY, headers)[0] == 200
    head = s3.head_object(Bucket=bucket, Key="k")
    assert head["Metadata"] == {"owner": "me"}
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == [{"Key": "a", "Value": "b"}]


def test_presigned_get_plus_unsigned_checksum_mode_is_refused(
    s3box_server: S3BoxProcess, presigner: Any, bucket: str, private: str
) -> None:
    url = presigner.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "private/payroll.csv"}, ExpiresIn=300
    )
    assert send(s3box_server, "GET", path_of(url))[2] == SECRET_BODY
    response = send(s3box_server, "GET", path_of(url), None, {"x-amz-checksum-mode": "ENABLED"})
    assert_headers_not_signed(response, "x-amz-checksum-mode")


def test_presigned_create_multipart_upload_plus_unsigned_checksum_algorithm(
    s3box_server: S3BoxProcess, s3: Any, presigner: Any, bucket: str
) -> None:
    url = presigner.generate_presigned_url(
        "create_multipart_upload", Params={"Bucket": bucket, "Key": "mp"}, ExpiresIn=300
    )
    response = send(s3box_server, "POST", path_of(url), b"", {"x-amz-checksum-algorithm": "SHA256"})
    assert_headers_not_signed(response, "x-amz-checksum-algorithm")
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_presigned_put_plus_unsigned_payload_hash_header(
    s3box_server: S3BoxProcess, s3: Any, presigner: Any, bucket: str
) -> None:
    # x-amz-content-sha256 is the one header that may stay unsigned (the CRT signers send it
    # with a presigned URL): UNSIGNED-PAYLOAD is what the URL signed, any other value fails
    # the signature, as on S3 - never an aws-chunked decode of the body.
    url = presigner.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=300
    )
    streaming = {"x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER"}
    status, _, body = send(s3box_server, "PUT", path_of(url), BODY, streaming)
    assert (status, error_of(body)["Code"]) == (403, "SignatureDoesNotMatch")
    assert keys_of(s3, bucket) == []
    unsigned = {"x-amz-content-sha256": "UNSIGNED-PAYLOAD"}
    assert send(s3box_server, "PUT", path_of(url), BODY, unsigned)[0] == 200


def test_sigv2_presigned_put_plus_an_amz_header_fails_its_signature(
    s3box_server: S3BoxProcess,
    s3: Any,
    default_presigner: Any,  # noqa: F811 - fixture
    bucket: str,
    private: str,
) -> None:
    # SigV2's string to sign holds every x-amz-* header: one the URL did not carry changes it.
    url = default_presigner.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "upload"}, ExpiresIn=300
    )
    assert "AWSAccessKeyId=" in url
    for name, value in [("x-amz-copy-source", private), *PUT_HEADERS.items()]:
        status, _, body = send(s3box_server, "PUT", path_of(url), BODY, {name: value})
        assert (status, error_of(body)["Code"]) == (403, "SignatureDoesNotMatch"), name
    assert "upload" not in keys_of(s3, bucket)


# --- header-signed requests -------------------------------------------------------------


def signed_send(
    server: S3BoxProcess,
    method: str,
    path: str,
    body: bytes = b"",
    signed: dict[str, str] | None = None,
    unsigned: dict[str, str] | None = None,
) -> Response:
    headers = sign_headers(method, server.endpoint + path, body, headers=signed)
    return send(server, method, path, body, {**headers, **(unsigned or {})})


@pytest.mark.parametrize("name", sorted(PUT_HEADERS))
def test_header_signed_put_plus_an_unsigned_header_stores_nothing(
    s3box_server: S3BoxProcess, s3: Any, bucket: str, name: str
) -> None:
    path = f"/{bucket}/k"
    response = signed_send(s3box_server, "PUT", path, BODY, unsigned={name: PUT_HEADERS[name]})
    assert_headers_not_signed(response, name)
    assert keys_of(s3, bucket) == []


def test_header_signed_put_plus_unsigned_copy_source_copies_nothing(
    s3box_server: S3BoxProcess, s3: Any, bucket: str, private: str
) -> None:
    path = f"/{bucket}/upload"
    response = signed_send(s3box_server, "PUT", path, unsigned={"x-amz-copy-source": private})
    assert_headers_not_signed(response, "x-amz-copy-source")
    assert "upload" not in keys_of(s3, bucket)


COPY_HEADERS = {
    "x-amz-copy-source-if-match": '"00000000000000000000000000000000"',
    "x-amz-copy-source-if-none-match": '"00000000000000000000000000000000"',
    "x-amz-copy-source-if-modified-since": "Wed, 01 Jan 2020 00:00:00 GMT",
    "x-amz-copy-source-if-unmodified-since": "Wed, 01 Jan 2020 00:00:00 GMT",
    "x-amz-metadata-directive": "REPLACE",
    "x-amz-tagging-directive": "REPLACE",
    "x-amz-meta-owner": "mallory",
    "x-amz-storage-class": "STANDARD_IA",
}


@pytest.mark.parametrize("name", sorted(COPY_HEADERS))
def test_signed_copy_plus_an_unsigned_copy_header_copies_nothing(
    s3box_server: S3BoxProcess, s3: Any, bucket: str, private: str, name: str
) -> None:
    path = f"/{bucket}/copy"
    copy = {"x-amz-copy-source": private}
    response = signed_send(
        s3box_server, "PUT", path, signed=copy, unsigned={name: COPY_HEADERS[name]}
    )
    assert_headers_not_signed(response, name)
    assert "copy" not in keys_of(s3, bucket)
    assert signed_send(s3box_server, "PUT", path, signed=copy)[0] == 200  # signed, it copies


def test_signed_upload_part_copy_plus_unsigned_range_uploads_no_part(
    s3box_server: S3BoxProcess, s3: Any, bucket: str, private: str
) -> None:
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    path = f"/{bucket}/mp?partNumber=1&uploadId={upload_id}"
    response = signed_send(
        s3box_server,
        "PUT",
        path,
        signed={"x-amz-copy-source": private},
        unsigned={"x-amz-copy-source-range": "bytes=0-3"},
    )
    assert_headers_not_signed(response, "x-amz-copy-source-range")
    assert s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload_id).get("Parts", []) == []


def test_signed_put_object_acl_plus_unsigned_acl_changes_nothing(
    s3box_server: S3BoxProcess, s3: Any, bucket: str
) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=BODY)
    before = s3.get_object_acl(Bucket=bucket, Key="k")["Grants"]
    response = signed_send(
        s3box_server, "PUT", f"/{bucket}/k?acl", unsigned={"x-amz-acl": "private"}
    )
    assert_headers_not_signed(response, "x-amz-acl")
    assert s3.get_object_acl(Bucket=bucket, Key="k")["Grants"] == before


def test_signed_put_tagging_headers_are_refused_unsigned_and_accepted_signed(
    s3box_server: S3BoxProcess, s3: Any, bucket: str
) -> None:
    tagging = {"x-amz-tagging": "a=b", "x-amz-meta-x": "1"}
    path = f"/{bucket}/k"
    response = signed_send(s3box_server, "PUT", path, BODY, unsigned=tagging)
    assert_headers_not_signed(response, "x-amz-tagging, x-amz-meta-x")
    assert signed_send(s3box_server, "PUT", path, BODY, signed=tagging)[0] == 200
    assert s3.head_object(Bucket=bucket, Key="k")["Metadata"] == {"x": "1"}


def test_conditional_write_headers_outside_x_amz_need_no_signature(
    s3box_server: S3BoxProcess, s3: Any, presigner: Any, bucket: str
) -> None:
    # If-None-Match is not an x-amz-* header: S3 takes it unsigned on a presigned PUT, and so
    # does s3box (the rule is about x-amz-*, not every header).
    s3.put_object(Bucket=bucket, Key="k", Body=b"first")
    url = presigner.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=300
    )
    assert send(s3box_server, "PUT", path_of(url), BODY, {"If-None-Match": "*"})[0] == 412
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"first"


def test_sigv2_header_signed_put_plus_an_amz_header_fails_its_signature(
    s3box_server: S3BoxProcess, s3: Any, bucket: str, private: str
) -> None:
    from botocore.auth import HmacV1Auth

    request = AWSRequest(method="PUT", url=f"{s3box_server.endpoint}/{bucket}/upload")
    HmacV1Auth(Credentials(ACCESS_KEY, SECRET_KEY)).add_auth(request)
    headers = dict(request.headers.items())
    for name, value in [("x-amz-copy-source", private), ("X-Amz-Meta-Case", "1")]:
        status, _, body = send(
            s3box_server, "PUT", f"/{bucket}/upload", b"", {**headers, name: value}
        )
        assert (status, error_of(body)["Code"]) == (403, "SignatureDoesNotMatch"), name
    assert "upload" not in keys_of(s3, bucket)


# --- SigV4 strictness: host signed, signing inputs once ---------------------------------


class _WithoutHost(S3SigV4Auth):
    def headers_to_sign(self, request: AWSRequest) -> Any:
        headers = super().headers_to_sign(request)
        del headers["host"]
        return headers


def test_a_signature_that_does_not_cover_host_is_refused(
    s3box_server: S3BoxProcess, s3: Any, bucket: str
) -> None:
    request = AWSRequest(method="PUT", url=f"{s3box_server.endpoint}/{bucket}/k", data=BODY)
    _WithoutHost(Credentials(ACCESS_KEY, SECRET_KEY), "s3", REGION).add_auth(request)
    assert "host" not in request.headers["Authorization"].split("SignedHeaders=")[1].split(",")[0]
    response = send(s3box_server, "PUT", f"/{bucket}/k", BODY, dict(request.headers.items()))
    assert_headers_not_signed(response, "host")
    assert keys_of(s3, bucket) == []


def test_a_request_signed_for_another_host_does_not_replay_here(
    s3box_server: S3BoxProcess, s3: Any, bucket: str
) -> None:
    headers = sign_headers("PUT", f"http://s3.other.example/{bucket}/k", BODY)
    status, _, body = send(s3box_server, "PUT", f"/{bucket}/k", BODY, headers)
    assert (status, error_of(body)["Code"]) == (403, "SignatureDoesNotMatch")
    assert keys_of(s3, bucket) == []


def send_pairs(
    server: S3BoxProcess, method: str, path: str, pairs: list[tuple[str, str]], body: bytes = b""
) -> Response:
    """A request with these header fields exactly (repeats kept), on a fresh connection."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in pairs:
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


@pytest.mark.parametrize("order", ["valid-first", "valid-second"])
def test_two_authorization_headers_are_invalid_argument(
    s3box_server: S3BoxProcess, s3: Any, bucket: str, order: str
) -> None:
    path = f"/{bucket}/k"
    headers = sign_headers("PUT", s3box_server.endpoint + path, BODY)
    valid = headers.pop("Authorization")
    other = sign_headers("PUT", s3box_server.endpoint + f"/{bucket}/other", BODY)["Authorization"]
    pair = [valid, other] if order == "valid-first" else [other, valid]
    fields = [*headers.items(), *(("Authorization", value) for value in pair)]
    status, _, body = send_pairs(s3box_server, "PUT", path, fields, BODY)
    error = error_of(body)
    assert (status, error["Code"]) == (400, "InvalidArgument")
    assert error["Message"].startswith("Only one auth mechanism allowed")
    assert keys_of(s3, bucket) == []


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [("X-Amz-Date", 403, "AccessDenied"), ("X-Amz-Content-SHA256", 400, "InvalidArgument")],
)
def test_a_repeated_date_or_payload_hash_is_refused(
    s3box_server: S3BoxProcess, s3: Any, bucket: str, name: str, status: int, code: str
) -> None:
    path = f"/{bucket}/k"
    headers = sign_headers("PUT", s3box_server.endpoint + path, BODY)
    fields = [*headers.items(), (name, headers[name])]  # the same value, twice
    got, _, body = send_pairs(s3box_server, "PUT", path, fields, BODY)
    assert (got, error_of(body)["Code"]) == (status, code)
    assert keys_of(s3, bucket) == []


@pytest.mark.parametrize("name", ["X-Amz-Signature", "X-Amz-Credential", "X-Amz-Date"])
def test_a_repeated_presigned_parameter_is_refused(
    s3box_server: S3BoxProcess, presigner: Any, bucket: str, private: str, name: str
) -> None:
    url = presigner.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "private/payroll.csv"}, ExpiresIn=300
    )
    value = next(
        p.split("=", 1)[1] for p in urlsplit(url).query.split("&") if p.startswith(name + "=")
    )
    status, _, body = send(s3box_server, "GET", f"{path_of(url)}&{name}={value}")
    assert (status, error_of(body)["Code"]) == (400, "AuthorizationQueryParametersError")
