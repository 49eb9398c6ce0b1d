"""The one auth entry point (protocol/auth.py): which verifier a request goes to, the refusals
of no or several signatures, and the AuthResult the body readers get."""

from __future__ import annotations

import hashlib
import time
from typing import NoReturn

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from s3box.protocol import auth, sigv2, sigv4
from s3box.protocol.errors import S3Error
from s3box.protocol.payload import (
    STREAMING_PAYLOAD,
    STREAMING_PAYLOAD_TRAILER,
    STREAMING_UNSIGNED_PAYLOAD_TRAILER,
    UNSIGNED_PAYLOAD,
    is_aws_chunked,
)
from tests.unit.protocol import test_sigv2 as v2
from tests.unit.protocol.signers import (
    ACCESS_KEY,
    HOST,
    REGION,
    error_of,
    lookup,
    replace_header,
    sign,
    verify,
    wire,
)


def test_request_without_authentication_is_access_denied() -> None:
    seen = {"raw_path": "/bucket", "raw_query": "", "headers": [("host", HOST)]}
    assert error_of("GET", seen).code == "AccessDenied"


def test_header_and_query_authentication_together_is_invalid_argument() -> None:
    presigned, _ = sign("GET", "/bucket/k", presign_expires=60)
    signed, _ = sign("GET", "/bucket/k")
    seen = wire(signed)
    seen["raw_query"] = wire(presigned)["raw_query"]
    assert error_of("GET", seen).code == "InvalidArgument"


@pytest.mark.parametrize(
    ("mode", "streaming", "verifies_chunks"),
    [
        (UNSIGNED_PAYLOAD, False, False),
        (STREAMING_PAYLOAD, True, True),
        (STREAMING_PAYLOAD_TRAILER, True, True),
        (STREAMING_UNSIGNED_PAYLOAD_TRAILER, True, False),
    ],
)
def test_payload_mode_decides_how_the_body_is_read(
    mode: str, streaming: bool, verifies_chunks: bool
) -> None:
    request, _ = sign("PUT", "/bucket/k", payload=mode)
    result = verify("PUT", wire(request))
    assert result.payload_hash == mode
    # The payload mode alone makes the body aws-chunked (protocol/payload.py reads it).
    assert is_aws_chunked({"x-amz-content-sha256": result.payload_hash}) is streaming
    assert result.expected_sha256 is None
    assert (result.chunk_verifier is not None) is verifies_chunks


def test_auth_result_repr_hides_the_signing_key() -> None:
    request, _ = sign("GET", "/bucket/k")
    result = verify("GET", wire(request))
    assert repr(result.signed.signing_key) not in repr(result)


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
                auth.verify_request(
                    "GET", path, query, headers, lookup, now, None, single, region="us-east-1"
                )
            )
        except S3Error as err:
            outcomes.append(("error", err.code, err.message, err.extra))
    assert outcomes[0] == outcomes[1]  # the fast path decides exactly as the general one


# --- which verifier a request goes to ------------------------------------------------------


def test_a_sigv4_header_is_verified_by_sigv4() -> None:
    request, _ = sign("PUT", "/bucket/k", body=b"body")
    result = verify("PUT", wire(request))
    assert isinstance(result.signed, sigv4.SignedV4)
    assert not result.presigned
    assert result.expected_sha256 == hashlib.sha256(b"body").hexdigest()


def test_a_sigv4_presigned_url_is_verified_by_sigv4() -> None:
    request, _ = sign("GET", "/bucket/k", presign_expires=60)
    result = verify("GET", wire(request))
    assert isinstance(result.signed, sigv4.SignedV4) and result.presigned


def test_a_sigv2_header_is_verified_by_sigv2_and_signs_no_body() -> None:
    result = v2.verify("PUT", v2.header_sign("PUT"))
    assert isinstance(result.signed, sigv2.SignedV2) and not result.presigned
    assert (result.payload_hash, result.expected_sha256) == (UNSIGNED_PAYLOAD, None)
    assert result.chunk_verifier is None


def test_a_sigv2_presigned_url_is_verified_by_sigv2() -> None:
    seen, _ = v2.presign("GET")
    result = v2.verify("GET", seen)
    assert isinstance(result.signed, sigv2.SignedV2) and result.presigned


def test_sigv2_and_sigv4_query_signatures_together_are_invalid_argument() -> None:
    v4_url, _ = sign("GET", "/bucket/k", presign_expires=60)
    v2_url, _ = v2.presign("GET", "/bucket/k")
    seen = wire(v4_url)
    seen["raw_query"] += "&" + v2_url["raw_query"]
    assert error_of("GET", seen).code == "InvalidArgument"


def test_a_sigv2_header_with_a_sigv4_query_is_invalid_argument() -> None:
    v4_url, _ = sign("GET", "/bucket/k", presign_expires=60)
    seen = v2.header_sign("GET", "/bucket/k")
    seen["raw_query"] = wire(v4_url)["raw_query"]
    assert v2.error_of("GET", seen).code == "InvalidArgument"


def _refuse(*args: object) -> NoReturn:
    raise AssertionError("the general path was taken")


def test_a_plain_header_signed_request_takes_the_fast_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    request, _ = sign("GET", "/bucket/k")
    seen = wire(request)
    unique = dict(seen["headers"])
    monkeypatch.setattr(sigv4, "verify_header", _refuse)
    result = auth.verify_request(
        "GET",
        seen["raw_path"],
        "",
        seen["headers"],
        lookup,
        time.time(),
        None,
        unique,
        region=REGION,
    )
    assert result.access_key == ACCESS_KEY
    # Without the unique map (a header name may repeat) the general path decides.
    with pytest.raises(AssertionError, match="general path"):
        auth.verify_request(
            "GET", seen["raw_path"], "", seen["headers"], lookup, time.time(), region=REGION
        )


def test_a_forged_signature_on_the_fast_path_gets_the_general_paths_error() -> None:
    request, _ = sign("GET", "/bucket/k")
    seen = wire(request)
    authorization = request.headers["Authorization"]
    forged = authorization[:-1] + ("0" if authorization[-1] != "0" else "1")
    seen = replace_header(seen, "authorization", forged)
    err = error_of("GET", seen)  # runs both paths and requires the same error
    assert err.code == "SignatureDoesNotMatch" and "CanonicalRequest" in err.extra


def test_a_signed_streaming_body_gets_a_fresh_chunk_verifier_each_time() -> None:
    # verify() also requires the fast and the general path to give equal results.
    request, _ = sign("PUT", "/bucket/k", payload=STREAMING_PAYLOAD)
    result = verify("PUT", wire(request))
    assert result.chunk_verifier is not None
    assert result.chunk_verifier() is not result.chunk_verifier()  # a fresh chain each time
