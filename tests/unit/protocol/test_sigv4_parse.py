"""Parsing of SigV4's signed inputs (protocol/sigv4_parse.py): the Authorization header, the
credential scope and its region, a presigned URL's parameters."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from s3box.protocol import sigv4_parse
from s3box.protocol.errors import S3Error
from tests.unit.protocol.signers import (
    REGION,
    error_of,
    replace_header,
    sign,
    verify,
    wire,
)

V4 = "AWS4-HMAC-SHA256 Credential=AKID/"

REST = ", SignedHeaders=host, Signature=00"


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        ("AWS AKIDEXAMPLE:c2lnbmF0dXJl", "InvalidRequest"),
        ("Bearer abc", "InvalidArgument"),
        (
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/s3/aws4_request",
            "AuthorizationHeaderMalformed",
        ),
        (
            V4 + "2024/us-east-1/s3/aws4_request" + REST,
            "AuthorizationHeaderMalformed",
        ),
        (
            V4 + "20240101/us-east-1/ec2/aws4_request" + REST,
            "AuthorizationHeaderMalformed",
        ),
        (
            V4 + "20240101/us-east-1/s3/aws5_request" + REST,
            "AuthorizationHeaderMalformed",
        ),
        (
            V4 + "20240101/us-east-1/s3" + REST,
            "AuthorizationHeaderMalformed",
        ),
    ],
)
def test_malformed_authorization_header_gets_the_s3_error(authorization: str, code: str) -> None:
    with pytest.raises(S3Error) as info:
        sigv4_parse.parse_authorization_header(authorization)
    assert info.value.code == code


def _outcome(fn, value: str) -> object:
    try:
        return fn(value)
    except S3Error as err:
        return ("error", err.code, err.message)


_header_piece = st.sampled_from(
    [
        "AWS4-HMAC-SHA256 ",
        "AWS ",
        "Credential=AKIDEXAMPLE/20240101/us-east-1/s3/aws4_request",
        "Credential=AK/2024/us-east-1/s3/aws4_request",
        "SignedHeaders=host;x-amz-date",
        "SignedHeaders=",
        "Signature=",
        "Signature=" + "ab" * 32,
        ", ",
        ",",
        " ",
        "=",
        "a,b",
        "Signature=x, Signature=y",
    ]
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_header_piece, max_size=8).map("".join))
def test_cached_header_parse_agrees_with_the_full_parse(value: str) -> None:
    # parse_authorization_header caches the part before the last "Signature=": whatever
    # the header, it must give exactly what the uncached parse gives (result or error).
    assert _outcome(sigv4_parse.parse_authorization_header, value) == _outcome(
        sigv4_parse._parse_authorization_header, value
    )


def test_check_region_accepts_the_server_region_and_names_it_when_refusing() -> None:
    credential = sigv4_parse.CredentialScope("AK", "20240101", REGION, "s3", "aws4_request")
    sigv4_parse.check_region(credential, REGION, sigv4_parse.header_malformed)
    with pytest.raises(S3Error) as info:
        sigv4_parse.check_region(credential, "ap-south-1", sigv4_parse.header_malformed)
    assert info.value.message == (
        f"The authorization header is malformed; the region '{REGION}' is wrong; "
        "expecting 'ap-south-1'"
    )
    assert info.value.extra == {"Region": "ap-south-1"}


def test_malformed_credential_is_reported_before_its_region() -> None:
    request, _ = sign("GET", "/bucket/k", region="us-west-2")
    seen = wire(request)
    authorization = request.headers["Authorization"].replace("/s3/", "/ec2/")
    err = error_of("GET", replace_header(seen, "authorization", authorization))
    assert err.code == "AuthorizationHeaderMalformed"
    assert err.message.endswith('incorrect service "ec2". This endpoint belongs to "s3".')
    assert "Region" not in err.extra


def test_an_empty_region_in_the_scope_gets_s3s_message() -> None:
    request, _ = sign("GET", "/bucket/k")
    seen = wire(request)
    authorization = request.headers["Authorization"].replace(f"/{REGION}/", "//")
    err = error_of("GET", replace_header(seen, "authorization", authorization))
    assert err.code == "AuthorizationHeaderMalformed"
    assert err.message == (
        "The authorization header is malformed; a non-empty region must be provided in the "
        "credential."
    )


def test_presigned_expiry_beyond_seven_days_is_a_query_parameters_error() -> None:
    request, _ = sign("GET", "/bucket/k", presign_expires=604801)
    err = error_of("GET", wire(request))
    assert err.code == "AuthorizationQueryParametersError"
    request, _ = sign("GET", "/bucket/k", presign_expires=604800)
    verify("GET", wire(request))


@pytest.mark.parametrize(
    "replacement", ["X-Amz-Expires=0", "X-Amz-Expires=-5", "X-Amz-Expires=soon", ""]
)
def test_bad_or_missing_expires_is_a_query_parameters_error(replacement: str) -> None:
    request, _ = sign("GET", "/bucket/k", presign_expires=60)
    seen = wire(request)
    seen["raw_query"] = seen["raw_query"].replace("X-Amz-Expires=60", replacement)
    assert error_of("GET", seen).code == "AuthorizationQueryParametersError"
