"""SigV4 verification (protocol/sigv4.py) against botocore's signer and the AWS worked examples."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from s3box.protocol import auth, sigv4
from s3box.protocol.chunked import EMPTY_SHA256
from s3box.protocol.errors import S3Error
from s3box.protocol.payload import (
    STREAMING_PAYLOAD,
    STREAMING_PAYLOAD_TRAILER,
    STREAMING_UNSIGNED_PAYLOAD_TRAILER,
    UNSIGNED_PAYLOAD,
    is_aws_chunked,
)
from tests.unit.protocol.signers import (
    ACCESS_KEY,
    DOC_TIME,
    REGION,
    RecordingAuth,
    error_of,
    lookup,
    replace_header,
    sign,
    verify,
    wire,
)

DOC_AUTH = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"


def test_doc_get_object_example_verifies() -> None:
    # S3 API reference, "Signature Calculations for the Authorization Header: Transferring
    # Payload in a Single Chunk", example GET Object.
    headers = [
        ("host", "examplebucket.s3.amazonaws.com"),
        ("range", "bytes=0-9"),
        ("x-amz-content-sha256", EMPTY_SHA256),
        ("x-amz-date", "20130524T000000Z"),
        (
            "authorization",
            DOC_AUTH + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
        ),
    ]
    result = auth.verify_request(
        "GET", "/test.txt", "", headers, lookup, DOC_TIME, region="us-east-1"
    )
    assert result.access_key == "AKIAIOSFODNN7EXAMPLE"
    assert isinstance(result.signed, sigv4.SignedV4)
    assert result.signed.scope == "20130524/us-east-1/s3/aws4_request"
    assert result.expected_sha256 == EMPTY_SHA256
    assert result.chunk_verifier is None


def test_doc_presigned_url_example_verifies() -> None:
    # S3 API reference, "Authenticating Requests: Using Query Parameters", example.
    query = (
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2F"
        "us-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&"
        "X-Amz-SignedHeaders=host&X-Amz-Signature="
        "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
    )
    headers = [("host", "examplebucket.s3.amazonaws.com")]
    result = auth.verify_request(
        "GET", "/test.txt", query, headers, lookup, DOC_TIME + 600, region="us-east-1"
    )
    assert result.presigned
    assert result.payload_hash == UNSIGNED_PAYLOAD
    with pytest.raises(S3Error) as info:
        auth.verify_request(
            "GET", "/test.txt", query, headers, lookup, DOC_TIME + 86401, region="us-east-1"
        )
    assert (info.value.code, info.value.message) == ("AccessDenied", "Request has expired")


def test_doc_chunked_upload_seed_signature_verifies_and_starts_the_chain() -> None:
    # S3 API reference, "... Transferring Payload in Multiple Chunks", example PUT Object.
    headers = [
        ("host", "s3.amazonaws.com"),
        ("x-amz-date", "20130524T000000Z"),
        ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        ("x-amz-content-sha256", STREAMING_PAYLOAD),
        ("content-encoding", "aws-chunked"),
        ("x-amz-decoded-content-length", "66560"),
        ("content-length", "66824"),
        (
            "authorization",
            DOC_AUTH + "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;"
            "x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature="
            "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
        ),
    ]
    result = auth.verify_request(
        "PUT", "/examplebucket/chunkObject.txt", "", headers, lookup, DOC_TIME, region="us-east-1"
    )
    assert is_aws_chunked({"x-amz-content-sha256": result.payload_hash})
    assert result.expected_sha256 is None
    assert result.chunk_verifier is not None
    verifier = result.chunk_verifier()
    verifier.update(b"a" * 65536)
    verifier.verify_chunk("ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648")


keys = st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["a//b", "../x", "./.", "a b+c%20d", "~tilde", "x=y&z", "ü/é", "a%2Fb", "!*'()"]
)

query_text = st.text(st.characters(codec="utf-8"), max_size=12)

header_values = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.sampled_from([" ", "\t"]),
    max_size=20,
).filter(lambda v: v.strip() != "" or v == "")


def encode_query(pairs: list[tuple[str, str | None]]) -> str:
    return "&".join(
        quote(k, safe="-_.~") + ("" if v is None else "=" + quote(v, safe="-_.~")) for k, v in pairs
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "PUT", "POST", "DELETE", "HEAD"]),
    key=keys,
    query=st.lists(st.tuples(query_text, st.none() | query_text), max_size=5),
    metadata=st.dictionaries(
        st.from_regex(r"[a-z0-9-]{1,10}", fullmatch=True), header_values, max_size=4
    ),
    body=st.binary(max_size=64),
)
def test_botocore_signed_request_verifies(method, key, query, metadata, body) -> None:
    headers = {f"x-amz-meta-{k}": v for k, v in metadata.items()}
    request, _ = sign(
        method, "/bucket/" + quote(key, safe="/~"), encode_query(query), headers, body
    )
    result = verify(method, wire(request))
    assert result.access_key == ACCESS_KEY
    assert result.expected_sha256 is not None


@settings(max_examples=100, deadline=None)
@given(
    method=st.sampled_from(["GET", "PUT", "DELETE"]),
    key=keys,
    query=st.lists(st.tuples(query_text, query_text), max_size=4),
    token=st.none() | st.just("session/token+=="),
)
def test_botocore_presigned_url_verifies(method, key, query, token) -> None:
    path = "/bucket/" + quote(key, safe="/~")
    # botocore presigning folds the existing query into a dict: keep keys unique, and
    # leave out X-Amz-* names, which are the presigned parameters themselves (hypothesis
    # draws such constants from the code under test; a URL carrying one twice is refused).
    unique = [(k, v) for k, v in dict(query).items() if not k.lower().startswith("x-amz-")]
    request, _ = sign(method, path, encode_query(unique), presign_expires=3600, token=token)
    result = verify(method, wire(request))
    assert result.presigned and result.payload_hash == UNSIGNED_PAYLOAD


def test_date_header_instead_of_x_amz_date_verifies() -> None:
    request, _ = sign("GET", "/bucket/k", headers={"Date": "placeholder"})
    assert "X-Amz-Date" not in request.headers
    verify("GET", wire(request))


TAMPERS = {
    "method": lambda s: ("GET", s),
    "path": lambda s: ("PUT", {**s, "raw_path": s["raw_path"].replace("key", "kez")}),
    "query value": lambda s: ("PUT", {**s, "raw_query": s["raw_query"].replace("v1", "v2")}),
    "extra query": lambda s: ("PUT", {**s, "raw_query": s["raw_query"] + "&x=1"}),
    "signed header": lambda s: ("PUT", replace_header(s, "x-amz-meta-a", "other")),
    "payload hash": lambda s: ("PUT", replace_header(s, "x-amz-content-sha256", "0" * 64)),
    "host": lambda s: ("PUT", replace_header(s, "host", "localhost:9001")),
}


@pytest.mark.parametrize("component", sorted(TAMPERS))
def test_changing_a_signed_component_is_signature_does_not_match(component: str) -> None:
    request, _ = sign("PUT", "/bucket/key", "p=v1", {"x-amz-meta-a": "b"}, b"body")
    verify("PUT", wire(request))
    method, seen = TAMPERS[component](wire(request))
    assert error_of(method, seen).code == "SignatureDoesNotMatch"


def test_signature_mismatch_reports_what_s3_reports() -> None:
    request, signer = sign("PUT", "/bucket/key", "p=v1", {"x-amz-meta-a": "b"}, b"body")
    seen = wire(request)
    authorization = request.headers["Authorization"]
    forged = authorization[:-1] + ("0" if authorization[-1] != "0" else "1")
    err = error_of("PUT", replace_header(seen, "authorization", forged))
    assert list(err.extra) == [
        "AWSAccessKeyId",
        "StringToSign",
        "SignatureProvided",
        "StringToSignBytes",
        "CanonicalRequest",
        "CanonicalRequestBytes",
    ]
    assert isinstance(signer, RecordingAuth)
    assert err.extra["CanonicalRequest"] == signer.canonical
    assert err.extra["SignatureProvided"] == forged.rsplit("=", 1)[1]
    assert err.extra["StringToSignBytes"].startswith("41 57 53 34")  # "AWS4"


def test_changed_presigned_signature_is_signature_does_not_match() -> None:
    request, _ = sign("GET", "/bucket/key", presign_expires=60)
    seen = wire(request)
    seen["raw_query"] = seen["raw_query"][:-1] + ("0" if seen["raw_query"][-1] != "0" else "1")
    assert error_of("GET", seen).code == "SignatureDoesNotMatch"


def test_unknown_access_key_is_invalid_access_key_id() -> None:
    request, _ = sign("GET", "/bucket/k")
    seen = wire(request)
    seen["headers"] = [
        (k, v.replace(ACCESS_KEY, "NOPE") if k == "authorization" else v)
        for k, v in seen["headers"]
    ]
    err = error_of("GET", seen)
    assert err.code == "InvalidAccessKeyId"
    assert err.extra == {"AWSAccessKeyId": "NOPE"}


@pytest.mark.parametrize("offset", [-16 * 60, 16 * 60])
def test_clock_skew_over_15_minutes_is_request_time_too_skewed(offset: int) -> None:
    request, _ = sign("GET", "/bucket/k")
    err = error_of("GET", wire(request), now=time.time() + offset)
    assert err.code == "RequestTimeTooSkewed"
    assert err.extra["MaxAllowedSkewMilliseconds"] == "900000"


def test_clock_skew_under_15_minutes_is_accepted() -> None:
    request, _ = sign("GET", "/bucket/k")
    verify("GET", wire(request), now=time.time() + 14 * 60)


def test_credential_date_must_match_x_amz_date() -> None:
    request, _ = sign("GET", "/bucket/k")
    seen = wire(request)
    date = request.headers["X-Amz-Date"][:8]
    seen = replace_header(
        seen, "authorization", request.headers["Authorization"].replace(date, "20000101")
    )
    assert error_of("GET", seen).code == "AuthorizationHeaderMalformed"


@pytest.mark.parametrize(
    ("header", "value", "code"),
    [
        ("x-amz-content-sha256", None, "InvalidRequest"),
        ("x-amz-content-sha256", "not-a-hash", "InvalidArgument"),
        ("x-amz-date", None, "AccessDenied"),
        ("x-amz-date", "2024-01-01T00:00:00Z", "AccessDenied"),
    ],
)
def test_missing_or_invalid_required_headers_are_refused(
    header: str, value: str | None, code: str
) -> None:
    request, _ = sign("GET", "/bucket/k")
    seen = wire(request)
    seen["headers"] = [(k, v) for k, v in seen["headers"] if k != header]
    if value is not None:
        seen["headers"].append((header, value))
    assert error_of("GET", seen).code == code


def test_expired_presigned_url_is_access_denied() -> None:
    request, _ = sign("GET", "/bucket/k", presign_expires=60)
    err = error_of("GET", wire(request), now=time.time() + 61)
    assert (err.code, err.message) == ("AccessDenied", "Request has expired")
    assert err.extra["X-Amz-Expires"] == "60"


def test_presigned_url_from_the_future_is_not_valid_yet() -> None:
    request, _ = sign("GET", "/bucket/k", presign_expires=60)
    err = error_of("GET", wire(request), now=time.time() - 3600)
    assert (err.code, err.message) == ("AccessDenied", "Request is not valid yet")


WRONG_REGION_HEADER = (
    f"The authorization header is malformed; the region 'us-west-2' is wrong; expecting '{REGION}'"
)

WRONG_REGION_QUERY = (
    "Error parsing the X-Amz-Credential parameter; the region 'us-west-2' is wrong; "
    f"expecting '{REGION}'"
)


@pytest.mark.parametrize(
    "payload",
    [
        None,  # the body's hex SHA-256
        UNSIGNED_PAYLOAD,
        STREAMING_PAYLOAD,
        STREAMING_PAYLOAD_TRAILER,
        STREAMING_UNSIGNED_PAYLOAD_TRAILER,
    ],
)
def test_header_scope_for_another_region_is_authorization_header_malformed(
    payload: str | None,
) -> None:
    # What S3 answers, <Region> included (botocore's region redirector reads it).
    request, _ = sign("PUT", "/bucket/key", body=b"data", payload=payload, region="us-west-2")
    err = error_of("PUT", wire(request))
    assert (err.status, err.code, err.message) == (
        400,
        "AuthorizationHeaderMalformed",
        WRONG_REGION_HEADER,
    )
    assert err.extra == {"Region": REGION}


def test_presigned_scope_for_another_region_is_authorization_query_parameters_error() -> None:
    request, _ = sign("GET", "/bucket/key", presign_expires=300, region="us-west-2")
    err = error_of("GET", wire(request))
    assert (err.status, err.code, err.message) == (
        400,
        "AuthorizationQueryParametersError",
        WRONG_REGION_QUERY,
    )
    assert err.extra == {"Region": REGION}


@pytest.mark.parametrize("presign_expires", [None, 300])
def test_the_region_compared_is_the_one_the_server_is_given(presign_expires: int | None) -> None:
    request, _ = sign("GET", "/bucket/k", presign_expires=presign_expires, region="us-east-1")
    result = verify("GET", wire(request), region="us-east-1")
    assert result.signed.scope.endswith("/us-east-1/s3/aws4_request")
    err = error_of("GET", wire(request), region=REGION)
    assert err.message.endswith(f"the region 'us-east-1' is wrong; expecting '{REGION}'")


def _forge_signature(seen: dict, presigned: bool) -> dict:
    if presigned:  # botocore puts X-Amz-Signature last
        query = seen["raw_query"]
        return {**seen, "raw_query": query[:-1] + ("0" if query[-1] != "0" else "1")}
    authorization = dict(seen["headers"])["authorization"]
    forged = authorization[:-1] + ("0" if authorization[-1] != "0" else "1")
    return replace_header(seen, "authorization", forged)


def _first_refusal(
    presigned: bool, skewed: bool, no_payload_hash: bool, known_key: bool, region: str, forged: bool
) -> str | None:
    """The order the checks run in: time, then the payload hash header, then the access key
    (kept ahead of the region: no source shows which one S3 reports first), then the
    region, and the signature last."""
    if skewed:
        return "AccessDenied" if presigned else "RequestTimeTooSkewed"  # expired / skewed
    if no_payload_hash and not presigned:
        return "InvalidRequest"
    if not known_key:
        return "InvalidAccessKeyId"
    if region != REGION:
        return "AuthorizationQueryParametersError" if presigned else "AuthorizationHeaderMalformed"
    if forged:
        return "SignatureDoesNotMatch"
    return None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    presigned=st.booleans(),
    region=st.sampled_from([REGION, "us-east-1", "eu-west-2", "EU-WEST-1", "eu-west-1 "]),
    known_key=st.booleans(),
    skewed=st.booleans(),
    no_payload_hash=st.booleans(),
    forged=st.booleans(),
    payload=st.sampled_from([None, UNSIGNED_PAYLOAD, STREAMING_PAYLOAD]),
)
def test_region_check_takes_its_place_in_the_order_on_both_paths(
    presigned: bool,
    region: str,
    known_key: bool,
    skewed: bool,
    no_payload_hash: bool,
    forged: bool,
    payload: str | None,
) -> None:
    # verify() runs the fast path and the general one and requires the same outcome.
    request, _ = sign(
        "PUT",
        "/bucket/key",
        body=b"" if presigned else b"data",  # botocore's presigner reads a body as JSON
        presign_expires=300 if presigned else None,
        payload=None if presigned else payload,
        region=region,
        access_key=ACCESS_KEY if known_key else "AKIDUNKNOWN",
    )
    seen = wire(request)
    if no_payload_hash:
        seen["headers"] = [(k, v) for k, v in seen["headers"] if k != "x-amz-content-sha256"]
    if forged:
        seen = _forge_signature(seen, presigned)
    now = time.time() + (20 * 60 if skewed else 0)
    expected = _first_refusal(presigned, skewed, no_payload_hash, known_key, region, forged)
    if expected is None:
        assert verify("PUT", seen, now=now).access_key == ACCESS_KEY
        return
    err = error_of("PUT", seen, now=now)
    assert err.code == expected
    if expected in ("AuthorizationHeaderMalformed", "AuthorizationQueryParametersError"):
        assert err.extra == {"Region": REGION}
        assert err.message.endswith(f"the region '{region}' is wrong; expecting '{REGION}'")
