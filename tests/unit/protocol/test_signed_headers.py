"""S3's HeadersNotSigned rule and single signing inputs, through auth.verify_request (both its
fast path and its general path, see signers.verify) and the SigV2 verifier.

Every `x-amz-*` header present must be signed (x-amz-content-sha256 excepted: its value is the
canonical payload hash), `host` must be signed, and a signing input given twice is refused."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

import pytest
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from s3box.protocol import payload, signed_headers
from s3box.protocol.errors import S3Error
from tests.unit.protocol import test_sigv2 as v2
from tests.unit.protocol.signers import (
    HOST,
    REGION,
    SECRET,
    RecordingAuth,
    error_of,
    sign,
    verify,
    wire,
)

# Every x-amz-* request header some s3box handler reads (handlers/, protocol/payload.py).
ACTED_ON = {
    "x-amz-copy-source": "other-bucket/payroll.csv",
    "x-amz-copy-source-if-match": '"etag"',
    "x-amz-copy-source-if-none-match": '"etag"',
    "x-amz-copy-source-if-modified-since": "Wed, 01 Jan 2020 00:00:00 GMT",
    "x-amz-copy-source-if-unmodified-since": "Wed, 01 Jan 2020 00:00:00 GMT",
    "x-amz-copy-source-range": "bytes=0-1",
    "x-amz-metadata-directive": "REPLACE",
    "x-amz-tagging-directive": "REPLACE",
    "x-amz-meta-owner": "mallory",
    "x-amz-tagging": "a=b",
    "x-amz-storage-class": "GLACIER",
    "x-amz-website-redirect-location": "https://evil.example/",
    "x-amz-acl": "public-read",
    "x-amz-grant-read": 'uri="http://acs.amazonaws.com/groups/global/AllUsers"',
    "x-amz-checksum-crc32": "AAAAAA==",
    "x-amz-checksum-algorithm": "CRC32",
    "x-amz-sdk-checksum-algorithm": "CRC32",
    "x-amz-checksum-type": "FULL_OBJECT",
    "x-amz-checksum-mode": "ENABLED",
    "x-amz-server-side-encryption": "AES256",
    "x-amz-server-side-encryption-customer-algorithm": "AES256",
    "x-amz-object-lock-mode": "GOVERNANCE",
    "x-amz-object-ownership": "BucketOwnerEnforced",
    "x-amz-object-attributes": "ETag",
    "x-amz-max-parts": "1",
    "x-amz-trailer": "x-amz-checksum-crc32",
    "x-amz-decoded-content-length": "5",
    "x-amz-date": "20200101T000000Z",
    "x-amz-security-token": "token",
}


def added(seen: dict, *extra: tuple[str, str]) -> dict:
    return {**seen, "headers": [*seen["headers"], *extra]}


def assert_not_signed(err: S3Error, names: str) -> None:
    assert (err.code, err.status, err.message) == (
        "AccessDenied",
        403,
        "There were headers present in the request which were not signed",
    )
    assert err.extra == {"HeadersNotSigned": names}


# x-amz-date is signed by every header-signed request: sent twice, it is refused as repeated.
@pytest.mark.parametrize("name", sorted(set(ACTED_ON) - {"x-amz-date"}))
def test_unsigned_amz_header_on_a_header_signed_request_is_access_denied(name: str) -> None:
    request, _ = sign("PUT", "/bucket/key")
    seen = wire(request)
    verify("PUT", seen)
    assert_not_signed(error_of("PUT", added(seen, (name, ACTED_ON[name]))), name)


@pytest.mark.parametrize("name", sorted(ACTED_ON))
def test_unsigned_amz_header_on_a_presigned_url_is_access_denied(name: str) -> None:
    request, _ = sign("PUT", "/bucket/key", presign_expires=300)
    seen = wire(request)
    verify("PUT", seen)
    assert_not_signed(error_of("PUT", added(seen, (name, ACTED_ON[name]))), name)


def test_the_same_headers_signed_verify() -> None:
    # What SDKs do: every x-amz-* header present is signed, and then accepted.
    headers = {k: v for k, v in ACTED_ON.items() if k != "x-amz-date"}
    request, _ = sign("PUT", "/bucket/key", headers=headers)
    assert verify("PUT", wire(request)).access_key == v2.ACCESS_KEY
    request, _ = sign("PUT", "/bucket/key", headers=headers, presign_expires=300)
    assert verify("PUT", wire(request)).presigned


def test_every_unsigned_header_is_named_once_in_arrival_order() -> None:
    request, _ = sign("PUT", "/bucket/key", headers={"x-amz-meta-signed": "1"})
    seen = added(
        wire(request),
        ("x-amz-meta-zz", "1"),
        ("x-amz-acl", "public-read"),
        ("x-amz-meta-zz", "2"),
    )
    assert_not_signed(error_of("PUT", seen), "x-amz-meta-zz, x-amz-acl")


def test_header_names_are_compared_whatever_their_case() -> None:
    request, _ = sign("PUT", "/bucket/key")
    err = error_of("PUT", added(wire(request), ("X-Amz-Copy-Source", "other/key")))
    assert_not_signed(err, "x-amz-copy-source")


def test_headers_outside_x_amz_may_stay_unsigned() -> None:
    # x-amzn-trace-id (load balancers set it, SDKs never sign it), user-agent, expect.
    request, _ = sign("PUT", "/bucket/key")
    seen = added(
        wire(request), ("x-amzn-trace-id", "Root=1-5"), ("user-agent", "x"), ("expect", "100")
    )
    assert verify("PUT", seen).access_key == v2.ACCESS_KEY


class WithoutContentSha(RecordingAuth):
    """botocore's signer leaving x-amz-content-sha256 out of SignedHeaders."""

    def headers_to_sign(self, request: AWSRequest):
        headers = super().headers_to_sign(request)
        del headers["x-amz-content-sha256"]
        return headers


def test_x_amz_content_sha256_may_be_unsigned_on_a_header_signed_request() -> None:
    # Its value is the canonical request's payload hash: the signature binds it anyway.
    request = AWSRequest(method="PUT", url=f"http://{HOST}/bucket/key", data=b"body")
    signer = WithoutContentSha(Credentials(v2.ACCESS_KEY, SECRET), "s3", REGION)
    signer.add_auth(request)
    assert "x-amz-content-sha256" not in request.headers["Authorization"]
    seen = wire(request)
    result = verify("PUT", seen)
    assert result.expected_sha256 == hashlib.sha256(b"body").hexdigest()
    changed = [
        (k, payload.UNSIGNED_PAYLOAD if k == "x-amz-content-sha256" else v)
        for k, v in seen["headers"]
    ]
    assert error_of("PUT", {**seen, "headers": changed}).code == "SignatureDoesNotMatch"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (payload.UNSIGNED_PAYLOAD, None),  # what the CRT signers send with a presigned URL
        (hashlib.sha256(b"x").hexdigest(), "SignatureDoesNotMatch"),
        ("STREAMING-UNSIGNED-PAYLOAD-TRAILER", "SignatureDoesNotMatch"),
        (payload.STREAMING_PAYLOAD, "SignatureDoesNotMatch"),
    ],
)
def test_unsigned_payload_hash_header_on_a_presigned_url_must_be_the_signed_one(
    value: str, code: str | None
) -> None:
    # S3 signs a presigned request with the header's payload hash when the URL has none:
    # UNSIGNED-PAYLOAD passes, any other value fails the signature (never changes how the
    # body is read).
    request, _ = sign("PUT", "/bucket/key", presign_expires=300)
    seen = added(wire(request), ("x-amz-content-sha256", value))
    if code is None:
        assert verify("PUT", seen).payload_hash == payload.UNSIGNED_PAYLOAD
    else:
        assert error_of("PUT", seen).code == code


def test_payload_hash_header_differing_from_the_url_one_is_not_signed() -> None:
    # The JS SDK hoists X-Amz-Content-Sha256 into the URL; a header saying otherwise would
    # decide how the body is read (aws-chunked or not) without being signed.
    request, _ = sign(
        "PUT", "/bucket/key", "X-Amz-Content-Sha256=UNSIGNED-PAYLOAD", presign_expires=300
    )
    seen = wire(request)
    assert verify("PUT", seen).payload_hash == payload.UNSIGNED_PAYLOAD
    assert verify("PUT", added(seen, ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"))).presigned
    streaming = added(seen, ("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"))
    assert_not_signed(error_of("PUT", streaming), "x-amz-content-sha256")


class WithoutHost(RecordingAuth):
    def headers_to_sign(self, request: AWSRequest):
        headers = super().headers_to_sign(request)
        del headers["host"]
        return headers


class PresignWithoutHost(S3SigV4QueryAuth):
    def headers_to_sign(self, request: AWSRequest):
        headers = super().headers_to_sign(request)
        del headers["host"]
        return headers


@pytest.mark.parametrize("signer_class", [WithoutHost, PresignWithoutHost])
def test_host_must_be_signed(signer_class: type) -> None:
    # A signature that does not cover Host would replay against any endpoint sharing the
    # credentials: S3 answers AccessDenied, HeadersNotSigned: host.
    request = AWSRequest(method="GET", url=f"http://{HOST}/bucket/key")
    signer_class(Credentials(v2.ACCESS_KEY, SECRET), "s3", REGION).add_auth(request)
    err = error_of("GET", wire(request))
    assert_not_signed(err, "host")
    err = error_of("GET", added(wire(request), ("x-amz-acl", "private")))
    assert_not_signed(err, "host, x-amz-acl")


# --- signing inputs given twice ------------------------------------------------------


@pytest.mark.parametrize("first_is_valid", [True, False])
def test_two_authorization_headers_are_invalid_argument(first_is_valid: bool) -> None:
    request, _ = sign("GET", "/bucket/key")
    seen = wire(request)
    good = dict(seen["headers"])["authorization"]
    other = good[:-1] + ("0" if good[-1] != "0" else "1")
    pair = [good, other] if first_is_valid else [other, good]
    headers = [(k, v) for k, v in seen["headers"] if k != "authorization"]
    headers += [("authorization", value) for value in pair]
    err = error_of("GET", {**seen, "headers": headers})
    assert (err.code, err.status) == ("InvalidArgument", 400)
    assert err.message.startswith("Only one auth mechanism allowed")
    # The same signature twice is no better.
    headers = [(k, v) for k, v in seen["headers"] if k != "authorization"]
    twice = {**seen, "headers": [*headers, ("authorization", good), ("authorization", good)]}
    assert error_of("GET", twice).code == "InvalidArgument"


def test_two_sigv2_authorization_headers_are_invalid_argument() -> None:
    seen = v2.header_sign("GET")
    auth = dict(seen["headers"])["authorization"]
    assert v2.verify("GET", seen).access_key == v2.ACCESS_KEY
    assert v2.error_of("GET", added(seen, ("authorization", auth))).code == "InvalidArgument"


@pytest.mark.parametrize(
    ("name", "code"),
    [("x-amz-date", "AccessDenied"), ("x-amz-content-sha256", "InvalidArgument")],
)
def test_a_repeated_date_or_payload_hash_is_refused_not_joined(name: str, code: str) -> None:
    request, _ = sign("GET", "/bucket/key")
    seen = wire(request)
    value = dict(seen["headers"])[name]
    err = error_of("GET", added(seen, (name, value)))  # even the same value twice
    assert err.code == code


def test_a_repeated_date_header_is_refused() -> None:
    request, _ = sign("GET", "/bucket/key")
    seen = wire(request)
    headers = [(k, v) for k, v in seen["headers"] if k != "x-amz-date"]
    amz_date = dict(seen["headers"])["x-amz-date"]
    http_date = "Thu, 01 Jan 2026 00:00:00 GMT"
    assert amz_date  # botocore signs x-amz-date; with Date twice instead it must fail too
    err = error_of("GET", {**seen, "headers": [*headers, ("date", http_date), ("date", http_date)]})
    assert err.code == "AccessDenied"
    assert "valid Date or x-amz-date" in err.message


@pytest.mark.parametrize(
    "name",
    [
        "X-Amz-Signature",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Algorithm",
    ],
)
def test_a_repeated_presigned_parameter_is_refused(name: str) -> None:
    request, _ = sign("GET", "/bucket/key", presign_expires=300)
    seen = wire(request)
    verify("GET", seen)
    value = next(
        item.partition("=")[2]
        for item in seen["raw_query"].split("&")
        if item.partition("=")[0] == name
    )
    for query in (
        f"{seen['raw_query']}&{name}={value}",
        f"{name}={quote('x')}&{seen['raw_query']}",
    ):
        err = error_of("GET", {**seen, "raw_query": query})
        assert (err.code, err.status) == ("AuthorizationQueryParametersError", 400), query


# --- SigV2: its string to sign covers every x-amz-* header ---------------------------


@pytest.mark.parametrize("name", sorted(set(ACTED_ON) - {"x-amz-date"}))
def test_sigv2_header_signed_request_with_an_added_amz_header_fails_its_signature(
    name: str,
) -> None:
    seen = v2.header_sign("PUT")
    v2.verify("PUT", seen)
    assert v2.error_of("PUT", added(seen, (name, ACTED_ON[name]))).code == "SignatureDoesNotMatch"
    upper = added(seen, (name.upper(), ACTED_ON[name]))
    assert v2.error_of("PUT", upper).code == "SignatureDoesNotMatch"


@pytest.mark.parametrize("name", sorted(ACTED_ON))
def test_sigv2_presigned_url_with_an_added_amz_header_fails_its_signature(name: str) -> None:
    seen, _ = v2.presign("PUT")
    v2.verify("PUT", seen)
    assert v2.error_of("PUT", added(seen, (name, ACTED_ON[name]))).code == "SignatureDoesNotMatch"


def test_sigv2_signs_every_value_of_a_repeated_amz_header() -> None:
    seen = v2.header_sign("PUT", headers={"x-amz-meta-a": "1"})
    v2.verify("PUT", seen)
    err = v2.error_of("PUT", added(seen, ("x-amz-meta-a", "2")))
    assert err.code == "SignatureDoesNotMatch"
    assert "x-amz-meta-a:1,2\n" in err.extra["StringToSign"]


def test_unsigned_headers_lists_nothing_for_a_fully_signed_request() -> None:
    names = ["host", "x-amz-date", "x-amz-content-sha256", "content-type", "x-amzn-trace-id"]
    assert signed_headers.unsigned_headers(("host", "x-amz-date"), names) == []
    assert signed_headers.unsigned_headers(("x-amz-date",), names) == ["host"]
