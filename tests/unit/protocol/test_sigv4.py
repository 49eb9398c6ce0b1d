"""SigV4 verification against botocore's signer and the AWS worked examples."""

from __future__ import annotations

import calendar
import re
import time
from urllib.parse import quote, urlsplit

import pytest
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from s3box.protocol import sigv4
from s3box.protocol.errors import S3Error

ACCESS_KEY = "AKIDEXAMPLE"
SECRET = "s3cr3t/with+chars"
HOST = "localhost:9000"
# The server's region in these tests; not us-east-1, so a default cannot pass for it.
REGION = "eu-west-1"
SECRETS = {ACCESS_KEY: SECRET, "AKIAIOSFODNN7EXAMPLE": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
DOC_TIME = calendar.timegm((2013, 5, 24, 0, 0, 0))


def lookup(access_key: str) -> str | None:
    return SECRETS.get(access_key)


class RecordingAuth(S3SigV4Auth):
    """botocore's header signer, keeping the canonical request it signed."""

    canonical = ""

    def canonical_request(self, request: AWSRequest) -> str:
        self.canonical = super().canonical_request(request)
        return self.canonical


def wire(request: AWSRequest, host: str = HOST) -> dict:
    """What the server sees: raw path, raw query and header list (Host added by the client)."""
    parts = urlsplit(request.url)
    headers = [(k.lower(), v) for k, v in request.headers.items()]
    headers.append(("host", host))
    return {"raw_path": parts.path, "raw_query": parts.query, "headers": headers}


def sign(
    method: str = "PUT",
    path: str = "/bucket/key",
    query: str = "",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    *,
    presign_expires: int | None = None,
    token: str | None = None,
    host: str = HOST,
    payload: str | None = None,
    region: str = REGION,
    access_key: str = ACCESS_KEY,
) -> tuple[AWSRequest, RecordingAuth | S3SigV4QueryAuth]:
    url = f"http://{host}{path}" + (f"?{query}" if query else "")
    request = AWSRequest(method=method, url=url, headers=dict(headers or {}), data=body)
    credentials = Credentials(access_key, SECRET, token)
    signer: RecordingAuth | S3SigV4QueryAuth
    if presign_expires is None:
        signer = RecordingAuth(credentials, "s3", region)
        if payload is not None:
            signer.payload = lambda request: payload
    else:
        signer = S3SigV4QueryAuth(credentials, "s3", region, expires=presign_expires)
    signer.add_auth(request)
    return request, signer


def verify(
    method: str,
    seen: dict,
    now: float | None = None,
    host_override: str | None = None,
    region: str = REGION,
):
    """verify_request as the server calls it: with the name -> value map when no header
    repeats (its fast path for plain header-signed requests), and checked against the
    general path without it, which must give the same result or the same error."""
    headers = seen["headers"]
    at = time.time() if now is None else now
    names = [name.lower() for name, _ in headers]
    unique = dict(zip(names, (v for _, v in headers), strict=True))
    outcomes: list[sigv4.AuthResult | S3Error] = []
    for single in (unique if len(unique) == len(names) else None, None):
        try:
            outcomes.append(
                sigv4.verify_request(
                    method,
                    seen["raw_path"],
                    seen["raw_query"],
                    headers,
                    lookup,
                    at,
                    host_override,
                    single,
                    region=region,
                )
            )
        except S3Error as exc:
            outcomes.append(exc)
    served, general = outcomes
    if isinstance(served, S3Error) or isinstance(general, S3Error):
        assert isinstance(served, S3Error) and isinstance(general, S3Error), outcomes
        assert (served.code, served.message, served.extra) == (
            general.code,
            general.message,
            general.extra,
        )
        raise served
    assert served == general
    return served


def error_of(method: str, seen: dict, **kwargs) -> S3Error:
    with pytest.raises(S3Error) as info:
        verify(method, seen, **kwargs)
    return info.value


# --- the AWS worked examples ---------------------------------------------------------

DOC_AUTH = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"


def test_doc_get_object_example_verifies() -> None:
    # S3 API reference, "Signature Calculations for the Authorization Header: Transferring
    # Payload in a Single Chunk", example GET Object.
    headers = [
        ("host", "examplebucket.s3.amazonaws.com"),
        ("range", "bytes=0-9"),
        ("x-amz-content-sha256", sigv4.EMPTY_SHA256),
        ("x-amz-date", "20130524T000000Z"),
        (
            "authorization",
            DOC_AUTH + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
        ),
    ]
    result = sigv4.verify_request(
        "GET", "/test.txt", "", headers, lookup, DOC_TIME, region="us-east-1"
    )
    assert result.access_key == "AKIAIOSFODNN7EXAMPLE"
    assert result.scope == "20130524/us-east-1/s3/aws4_request"
    assert result.expected_sha256 == sigv4.EMPTY_SHA256
    assert result.chunk_verifier() is None


def test_doc_presigned_url_example_verifies() -> None:
    # S3 API reference, "Authenticating Requests: Using Query Parameters", example.
    query = (
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2F"
        "us-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&"
        "X-Amz-SignedHeaders=host&X-Amz-Signature="
        "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
    )
    headers = [("host", "examplebucket.s3.amazonaws.com")]
    result = sigv4.verify_request(
        "GET", "/test.txt", query, headers, lookup, DOC_TIME + 600, region="us-east-1"
    )
    assert result.presigned
    assert result.payload_hash == sigv4.UNSIGNED_PAYLOAD
    with pytest.raises(S3Error) as info:
        sigv4.verify_request(
            "GET", "/test.txt", query, headers, lookup, DOC_TIME + 86401, region="us-east-1"
        )
    assert (info.value.code, info.value.message) == ("AccessDenied", "Request has expired")


def test_doc_chunked_upload_seed_signature_verifies_and_starts_the_chain() -> None:
    # S3 API reference, "... Transferring Payload in Multiple Chunks", example PUT Object.
    headers = [
        ("host", "s3.amazonaws.com"),
        ("x-amz-date", "20130524T000000Z"),
        ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        ("x-amz-content-sha256", sigv4.STREAMING_PAYLOAD),
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
    result = sigv4.verify_request(
        "PUT", "/examplebucket/chunkObject.txt", "", headers, lookup, DOC_TIME, region="us-east-1"
    )
    assert result.is_streaming and result.expected_sha256 is None
    verifier = result.chunk_verifier()
    assert verifier is not None
    verifier.update(b"a" * 65536)
    verifier.verify_chunk("ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648")


# --- botocore as the oracle ----------------------------------------------------------

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
    assert result.presigned and result.payload_hash == sigv4.UNSIGNED_PAYLOAD


def test_subresource_without_value_is_signed_as_key_equals() -> None:
    request, signer = sign("POST", "/bucket/key", "uploads")
    verify("POST", wire(request))
    assert "\nuploads=\n" in signer.canonical


def test_repeated_query_keys_sort_by_value() -> None:
    request, _ = sign("GET", "/bucket", "b=2&a=2&a=1&a=")
    verify("GET", wire(request))


def test_date_header_instead_of_x_amz_date_verifies() -> None:
    request, _ = sign("GET", "/bucket/k", headers={"Date": "placeholder"})
    assert "X-Amz-Date" not in request.headers
    verify("GET", wire(request))


def test_client_that_signs_unencoded_sub_delimiters_verifies() -> None:
    # botocore signs the path exactly as given, so '!' stays raw on both sides.
    request, _ = sign("GET", "/bucket/a!b(c)")
    verify("GET", wire(request))


def test_client_that_sends_lax_encoding_but_signs_strict_encoding_verifies() -> None:
    request, _ = sign("GET", "/bucket/a%21b%2Fc")
    seen = wire(request)
    seen["raw_path"] = "/bucket/a!b%2fc"
    verify("GET", seen)


def test_host_override_replaces_the_signed_host() -> None:
    request, _ = sign("GET", "/bucket/k", host="s3.example.com")
    seen = wire(request, host="127.0.0.1:9000")
    assert error_of("GET", seen).code == "SignatureDoesNotMatch"
    assert verify("GET", seen, host_override="s3.example.com").access_key == ACCESS_KEY


def test_signing_key_is_cached_across_requests() -> None:
    request, _ = sign("GET", "/bucket/k")
    verify("GET", wire(request))
    before = sigv4.signing_key.cache_info()
    verify("GET", wire(request))
    after = sigv4.signing_key.cache_info()
    assert after.misses == before.misses and after.hits > before.hits


# --- one changed byte in any signed component ----------------------------------------


def _replace_header(seen: dict, name: str, value: str) -> dict:
    seen["headers"] = [(k, value if k == name else v) for k, v in seen["headers"]]
    return seen


TAMPERS = {
    "method": lambda s: ("GET", s),
    "path": lambda s: ("PUT", {**s, "raw_path": s["raw_path"].replace("key", "kez")}),
    "query value": lambda s: ("PUT", {**s, "raw_query": s["raw_query"].replace("v1", "v2")}),
    "extra query": lambda s: ("PUT", {**s, "raw_query": s["raw_query"] + "&x=1"}),
    "signed header": lambda s: ("PUT", _replace_header(s, "x-amz-meta-a", "other")),
    "payload hash": lambda s: ("PUT", _replace_header(s, "x-amz-content-sha256", "0" * 64)),
    "host": lambda s: ("PUT", _replace_header(s, "host", "localhost:9001")),
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
    err = error_of("PUT", _replace_header(seen, "authorization", forged))
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


# --- refusals before the signature is checked -----------------------------------------


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


def test_request_without_authentication_is_access_denied() -> None:
    seen = {"raw_path": "/bucket", "raw_query": "", "headers": [("host", HOST)]}
    assert error_of("GET", seen).code == "AccessDenied"


@pytest.mark.parametrize("offset", [-16 * 60, 16 * 60])
def test_clock_skew_over_15_minutes_is_request_time_too_skewed(offset: int) -> None:
    request, _ = sign("GET", "/bucket/k")
    err = error_of("GET", wire(request), now=time.time() + offset)
    assert err.code == "RequestTimeTooSkewed"
    assert err.extra["MaxAllowedSkewMilliseconds"] == "900000"


def test_clock_skew_under_15_minutes_is_accepted() -> None:
    request, _ = sign("GET", "/bucket/k")
    verify("GET", wire(request), now=time.time() + 14 * 60)


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
        sigv4.parse_authorization_header(authorization)
    assert info.value.code == code


def _strptime_amz_date(value: str) -> float | None:
    """The parser _parse_amz_date replaced (kept here as the reference)."""
    if not re.fullmatch(r"\d{8}T\d{6}Z", value):
        return None
    try:
        return float(calendar.timegm(time.strptime(value, "%Y%m%dT%H%M%SZ")))
    except ValueError:
        return None


amz_date_like = st.builds(
    "{:04d}{:02d}{:02d}T{:02d}{:02d}{:02d}Z".format,
    st.integers(0, 9999),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 99),
)


@settings(max_examples=500, deadline=None)
@given(value=amz_date_like | st.text(alphabet="0123456789TZ-: \u0663", max_size=18))
def test_amz_date_parser_agrees_with_strptime(value: str) -> None:
    assert sigv4._parse_amz_date(value) == _strptime_amz_date(value)


@pytest.mark.parametrize(
    "value", ["20240229T235960Z", "20230229T000000Z", "20241231T240000Z", "00000101T000000Z"]
)
def test_amz_date_parser_edge_cases_agree_with_strptime(value: str) -> None:
    assert sigv4._parse_amz_date(value) == _strptime_amz_date(value)


def test_credential_date_must_match_x_amz_date() -> None:
    request, _ = sign("GET", "/bucket/k")
    seen = wire(request)
    date = request.headers["X-Amz-Date"][:8]
    seen = _replace_header(
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


def test_header_and_query_authentication_together_is_invalid_argument() -> None:
    presigned, _ = sign("GET", "/bucket/k", presign_expires=60)
    signed, _ = sign("GET", "/bucket/k")
    seen = wire(signed)
    seen["raw_query"] = wire(presigned)["raw_query"]
    assert error_of("GET", seen).code == "InvalidArgument"


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


def test_expired_presigned_url_is_access_denied() -> None:
    request, _ = sign("GET", "/bucket/k", presign_expires=60)
    err = error_of("GET", wire(request), now=time.time() + 61)
    assert (err.code, err.message) == ("AccessDenied", "Request has expired")
    assert err.extra["X-Amz-Expires"] == "60"


def test_presigned_url_from_the_future_is_not_valid_yet() -> None:
    request, _ = sign("GET", "/bucket/k", presign_expires=60)
    err = error_of("GET", wire(request), now=time.time() - 3600)
    assert (err.code, err.message) == ("AccessDenied", "Request is not valid yet")


# --- the credential scope's region ------------------------------------------------------

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
        sigv4.UNSIGNED_PAYLOAD,
        sigv4.STREAMING_PAYLOAD,
        sigv4.STREAMING_PAYLOAD_TRAILER,
        sigv4.STREAMING_UNSIGNED_PAYLOAD_TRAILER,
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
    assert result.scope.endswith("/us-east-1/s3/aws4_request")
    err = error_of("GET", wire(request), region=REGION)
    assert err.message.endswith(f"the region 'us-east-1' is wrong; expecting '{REGION}'")


def test_check_region_accepts_the_server_region_and_names_it_when_refusing() -> None:
    credential = sigv4.Credential("AK", "20240101", REGION, "s3", "aws4_request")
    sigv4.check_region(credential, REGION, sigv4._header_malformed)
    with pytest.raises(S3Error) as info:
        sigv4.check_region(credential, "ap-south-1", sigv4._header_malformed)
    assert info.value.message == (
        f"The authorization header is malformed; the region '{REGION}' is wrong; "
        "expecting 'ap-south-1'"
    )
    assert info.value.extra == {"Region": "ap-south-1"}


def _forge_signature(seen: dict, presigned: bool) -> dict:
    if presigned:  # botocore puts X-Amz-Signature last
        query = seen["raw_query"]
        return {**seen, "raw_query": query[:-1] + ("0" if query[-1] != "0" else "1")}
    authorization = dict(seen["headers"])["authorization"]
    forged = authorization[:-1] + ("0" if authorization[-1] != "0" else "1")
    return _replace_header(seen, "authorization", forged)


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
    payload=st.sampled_from([None, sigv4.UNSIGNED_PAYLOAD, sigv4.STREAMING_PAYLOAD]),
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


def test_malformed_credential_is_reported_before_its_region() -> None:
    request, _ = sign("GET", "/bucket/k", region="us-west-2")
    seen = wire(request)
    authorization = request.headers["Authorization"].replace("/s3/", "/ec2/")
    err = error_of("GET", _replace_header(seen, "authorization", authorization))
    assert err.code == "AuthorizationHeaderMalformed"
    assert err.message.endswith('incorrect service "ec2". This endpoint belongs to "s3".')
    assert "Region" not in err.extra


def test_an_empty_region_in_the_scope_gets_s3s_message() -> None:
    request, _ = sign("GET", "/bucket/k")
    seen = wire(request)
    authorization = request.headers["Authorization"].replace(f"/{REGION}/", "//")
    err = error_of("GET", _replace_header(seen, "authorization", authorization))
    assert err.code == "AuthorizationHeaderMalformed"
    assert err.message == (
        "The authorization header is malformed; a non-empty region must be provided in the "
        "credential."
    )


# --- payload modes -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "streaming", "verifies_chunks"),
    [
        (sigv4.UNSIGNED_PAYLOAD, False, False),
        (sigv4.STREAMING_PAYLOAD, True, True),
        (sigv4.STREAMING_PAYLOAD_TRAILER, True, True),
        (sigv4.STREAMING_UNSIGNED_PAYLOAD_TRAILER, True, False),
    ],
)
def test_payload_mode_decides_how_the_body_is_read(
    mode: str, streaming: bool, verifies_chunks: bool
) -> None:
    request, _ = sign("PUT", "/bucket/k", payload=mode)
    result = verify("PUT", wire(request))
    assert result.payload_hash == mode
    assert result.is_streaming is streaming
    assert result.expected_sha256 is None
    assert (result.chunk_verifier() is not None) is verifies_chunks


def test_auth_result_repr_hides_the_signing_key() -> None:
    request, _ = sign("GET", "/bucket/k")
    result = verify("GET", wire(request))
    assert repr(result.signing_key) not in repr(result)


def test_body_hash_mismatch_is_x_amz_content_sha256_mismatch() -> None:
    sigv4.check_payload_sha256(sigv4.EMPTY_SHA256, bytes.fromhex(sigv4.EMPTY_SHA256))
    with pytest.raises(S3Error) as info:
        sigv4.check_payload_sha256(sigv4.EMPTY_SHA256, b"\x00" * 32)
    assert info.value.code == "XAmzContentSHA256Mismatch"


# --- garbage in, S3Error out -----------------------------------------------------------

printable = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=120)


@settings(max_examples=300, deadline=None)
@given(
    authorization=st.none() | printable | printable.map(lambda v: "AWS4-HMAC-SHA256 " + v),
    query=st.just("")
    | printable
    | printable.map(lambda v: "X-Amz-Algorithm=AWS4-HMAC-SHA256&" + v),
    path=printable,
    headers=st.lists(
        st.tuples(
            st.sampled_from(["x-amz-date", "date", "x-amz-content-sha256", "host", "x-amz-meta-a"]),
            printable,
        ),
        max_size=5,
    ),
)
def test_arbitrary_requests_only_ever_raise_s3_errors(authorization, query, path, headers) -> None:
    if authorization is not None:
        headers = [*headers, ("authorization", authorization)]
    now = time.time()
    unique = dict(headers) if len({n for n, _ in headers}) == len(headers) else None
    outcomes: list[object] = []
    for single in (None, unique):
        try:
            outcomes.append(
                sigv4.verify_request(
                    "GET", path, query, headers, lookup, now, None, single, region="us-east-1"
                )
            )
        except S3Error as err:
            outcomes.append(("error", err.code, err.message, err.extra))
    assert outcomes[0] == outcomes[1]  # the fast path decides exactly as the general one


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
    assert _outcome(sigv4.parse_authorization_header, value) == _outcome(
        sigv4._parse_authorization_header, value
    )


def test_repeated_signed_header_values_are_joined_in_arrival_order() -> None:
    # A signed header sent twice is canonicalised as "v1,v2" (botocore's rule); the
    # common single-valued path must not take only the first value.
    now = DOC_TIME
    amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    payload = sigv4.EMPTY_SHA256
    canonical = (
        "GET\n/bucket/key\n\n"
        f"host:{HOST}\nx-amz-content-sha256:{payload}\nx-amz-date:{amz_date}\n"
        "x-amz-meta-twice:one,two\n\n"
        "host;x-amz-content-sha256;x-amz-date;x-amz-meta-twice\n"
        f"{payload}"
    )
    scope = f"{amz_date[:8]}/us-east-1/s3/aws4_request"
    key = sigv4.signing_key(SECRET, amz_date[:8], "us-east-1", "s3")
    signature = sigv4.sign(key, sigv4.string_to_sign(amz_date, scope, canonical))
    authorization = (
        f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/{scope}, "
        "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-meta-twice, "
        f"Signature={signature}"
    )
    base = [
        ("host", HOST),
        ("x-amz-content-sha256", payload),
        ("x-amz-date", amz_date),
        ("authorization", authorization),
    ]
    twice = [*base, ("x-amz-meta-twice", "one"), ("x-amz-meta-twice", "two")]
    result = sigv4.verify_request("GET", "/bucket/key", "", twice, lookup, now, region="us-east-1")
    assert result.access_key == ACCESS_KEY
    once = [*base, ("x-amz-meta-twice", "one")]
    with pytest.raises(S3Error) as info:
        sigv4.verify_request("GET", "/bucket/key", "", once, lookup, now, region="us-east-1")
    assert info.value.code == "SignatureDoesNotMatch"


@settings(max_examples=300)
@given(st.binary(min_size=0, max_size=130), st.text(max_size=400))
def test_sign_is_hmac_sha256(key: bytes, message: str) -> None:
    import hashlib
    import hmac

    expected = hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()
    assert sigv4.sign(key, message) == expected
    assert sigv4.sign(key, message) == expected  # the cached key states are not consumed
