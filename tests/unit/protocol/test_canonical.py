"""The canonical request (protocol/canonical.py): URI, query and header forms, checked through
verification against botocore's signer and directly."""

from __future__ import annotations

import time

import pytest

from s3box.protocol import auth, canonical, signing
from s3box.protocol.chunked import EMPTY_SHA256
from s3box.protocol.errors import S3Error
from tests.unit.protocol.signers import (
    ACCESS_KEY,
    DOC_TIME,
    HOST,
    SECRET,
    error_of,
    lookup,
    sign,
    verify,
    wire,
)


def test_subresource_without_value_is_signed_as_key_equals() -> None:
    request, signer = sign("POST", "/bucket/key", "uploads")
    verify("POST", wire(request))
    assert "\nuploads=\n" in signer.canonical


def test_repeated_query_keys_sort_by_value() -> None:
    request, _ = sign("GET", "/bucket", "b=2&a=2&a=1&a=")
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


def test_repeated_signed_header_values_are_joined_in_arrival_order() -> None:
    # A signed header sent twice is canonicalised as "v1,v2" (botocore's rule); the
    # common single-valued path must not take only the first value.
    now = DOC_TIME
    amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    payload = EMPTY_SHA256
    canonical = (
        "GET\n/bucket/key\n\n"
        f"host:{HOST}\nx-amz-content-sha256:{payload}\nx-amz-date:{amz_date}\n"
        "x-amz-meta-twice:one,two\n\n"
        "host;x-amz-content-sha256;x-amz-date;x-amz-meta-twice\n"
        f"{payload}"
    )
    scope = f"{amz_date[:8]}/us-east-1/s3/aws4_request"
    key = signing.signing_key(SECRET, amz_date[:8], "us-east-1", "s3")
    signature = signing.sign(key, signing.string_to_sign(amz_date, scope, canonical))
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
    result = auth.verify_request("GET", "/bucket/key", "", twice, lookup, now, region="us-east-1")
    assert result.access_key == ACCESS_KEY
    once = [*base, ("x-amz-meta-twice", "one")]
    with pytest.raises(S3Error) as info:
        auth.verify_request("GET", "/bucket/key", "", once, lookup, now, region="us-east-1")
    assert info.value.code == "SignatureDoesNotMatch"


# --- the pieces themselves -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw_path", "candidates"),
    [
        ("", ["/"]),
        ("/bucket/a-b_c.d~e", ["/bucket/a-b_c.d~e"]),
        ("/bucket/a%2fb", ["/bucket/a%2Fb", "/bucket/a%2fb"]),  # strict upper-case hex first
        ("/bucket/a!b", ["/bucket/a%21b", "/bucket/a!b"]),
        ("/bucket/a%20b", ["/bucket/a%20b"]),  # already strict: one candidate
        ("/b//./../k", ["/b//./../k"]),  # S3 does not normalise the path
    ],
)
def test_canonical_uri_candidates_try_strict_encoding_then_the_raw_path(
    raw_path: str, candidates: list[str]
) -> None:
    assert canonical.canonical_uri_candidates(raw_path) == candidates


def test_split_query_keeps_empty_items_and_values_as_sent() -> None:
    assert canonical.split_query("") == []
    assert canonical.split_query("a=1&&b&c=%2F") == [("a", "1"), ("", ""), ("b", ""), ("c", "%2F")]


def test_canonical_query_sorts_by_key_then_value_and_drops_the_signature() -> None:
    pairs = canonical.split_query("b=2&a=2&a=1&X-Amz-Signature=abc&c")
    assert canonical.canonical_query_candidates(pairs, "X-Amz-Signature") == ["a=1&a=2&b=2&c="]
    assert canonical.canonical_query_candidates([]) == [""]
    assert canonical.canonical_query_candidates([("k", "a%2fb")]) == ["k=a%2Fb", "k=a%2fb"]


def test_canonical_headers_fold_whitespace_join_repeats_and_take_the_public_host() -> None:
    signed = ("host", "x-amz-meta-a", "x-amz-meta-b")
    single = {"host": "127.0.0.1:9000", "x-amz-meta-a": "  one   two ", "x-amz-meta-b": "x"}
    assert canonical.canonical_headers(signed, None, None, single) == (
        "host:127.0.0.1:9000\nx-amz-meta-a:one two\nx-amz-meta-b:x\n"
    )
    lists = {"host": ["h"], "x-amz-meta-a": ["1", " 2 "]}
    assert canonical.canonical_headers(signed, lists, "s3.example.com") == (
        "host:s3.example.com\nx-amz-meta-a:1,2\nx-amz-meta-b:\n"
    )
