"""The one auth entry point (protocol/auth.py): which verifier a request goes to, the refusals
of no or several signatures, and the AuthResult the body readers get."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from s3box.protocol import auth
from s3box.protocol.errors import S3Error
from s3box.protocol.payload import (
    STREAMING_PAYLOAD,
    STREAMING_PAYLOAD_TRAILER,
    STREAMING_UNSIGNED_PAYLOAD_TRAILER,
    UNSIGNED_PAYLOAD,
)
from tests.unit.protocol.signers import (
    HOST,
    error_of,
    lookup,
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
    assert result.is_streaming is streaming
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
