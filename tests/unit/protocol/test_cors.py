"""protocol/cors.py: wildcard matching, rule selection and the headers a
matched rule answers with (S3's recorded answers)."""

from __future__ import annotations

import pytest

from s3box.protocol.cors import (
    VARY,
    actual_request_headers,
    match_rule,
    requested_headers,
    rule_headers,
    wildcard_match,
)
from s3box.records import CorsRule

ORIGIN = "https://localhost:4200"


def rule(**kw: object) -> CorsRule:
    base: dict[str, object] = {"allowed_origins": (ORIGIN,), "allowed_methods": ("GET", "PUT")}
    base.update(kw)
    return CorsRule(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        ("*", "anything", True),
        ("*", "", True),
        ("http://*.origin.com", "http://test.origin.com", True),
        ("http://*.origin.com", "http://test.origin.com/", False),
        ("*suffix", "foo.suffix", True),
        ("*suffix", "foo.suffix.get", False),
        ("start*end", "startend", True),
        ("start*end", "start12end", True),
        ("start*end", "0start12end", False),
        ("prefix*", "prefix", True),
        ("prefix*", "bla.prefix", False),
        ("ab*ba", "aba", False),  # head and tail may not overlap
        ("http://a.com", "http://a.com", True),
        ("http://a.com", "https://a.com", False),
        ("http://a.com", "http://a.com:80", False),
    ],
)
def test_wildcard_match_is_anchored_with_one_star_spanning_anything(
    pattern: str, value: str, matches: bool
) -> None:
    assert wildcard_match(pattern, value) is matches


def test_requested_headers_are_lowercased_in_order_with_or_without_spaces() -> None:
    assert requested_headers("x-AMZ-a, Content-Type") == ["x-amz-a", "content-type"]
    assert requested_headers("a,b,,c") == ["a", "b", "c"]
    assert requested_headers(None) == []
    assert requested_headers("") == []


def test_first_matching_rule_wins() -> None:
    first = rule(allowed_methods=("GET",), id="first")
    second = rule(allowed_methods=("GET", "PUT"), id="second")
    assert match_rule([first, second], ORIGIN, "GET", []) is first
    assert match_rule([first, second], ORIGIN, "PUT", []) is second
    assert match_rule([first, second], ORIGIN, "DELETE", []) is None
    assert match_rule([first, second], "http://localhost:4200", "GET", []) is None


def test_allowed_headers_match_without_regard_to_case_with_wildcards() -> None:
    r = rule(allowed_headers=("x-AMZ-server-SIDE-encryption", "x-amz-meta-*"))
    assert match_rule([r], ORIGIN, "GET", ["x-amz-server-side-encryption"]) is r
    assert match_rule([r], ORIGIN, "GET", ["x-amz-meta-a", "x-amz-meta-b"]) is r
    assert match_rule([r], ORIGIN, "GET", ["x-amz-meta-a", "content-type"]) is None


def test_a_rule_without_allowed_headers_allows_no_requested_header() -> None:
    r = rule()
    assert match_rule([r], ORIGIN, "GET", []) is r
    assert match_rule([r], ORIGIN, "GET", ["x-amz-request-payer"]) is None


def test_echoed_origin_answers_credentials_and_every_member() -> None:
    r = rule(expose_headers=("ETag", "x-amz-request-id"), max_age_seconds=3000)
    assert rule_headers(r, ORIGIN, ["content-type", "x-amz-date"]) == [
        ("Access-Control-Allow-Origin", ORIGIN),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Allow-Methods", "GET, PUT"),
        ("Access-Control-Allow-Headers", "content-type, x-amz-date"),
        ("Access-Control-Expose-Headers", "ETag, x-amz-request-id"),
        ("Access-Control-Max-Age", "3000"),
        ("Vary", VARY),
    ]


def test_star_origin_answers_star_without_credentials_and_only_what_is_set() -> None:
    r = rule(allowed_origins=("*",), allowed_methods=("GET",))
    assert rule_headers(r, "localhost:4566", []) == [
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Allow-Methods", "GET"),
        ("Vary", VARY),
    ]


def test_max_age_zero_is_sent() -> None:
    assert ("Access-Control-Max-Age", "0") in rule_headers(rule(max_age_seconds=0), ORIGIN, [])


def test_actual_request_without_origin_or_without_match_gets_no_headers() -> None:
    rules = [rule()]
    assert actual_request_headers(rules, "GET", {}) == []
    assert actual_request_headers(rules, "DELETE", {"origin": ORIGIN}) == []
    assert actual_request_headers(rules, "GET", {"origin": "http://other"}) == []


def test_actual_request_is_matched_on_its_method_and_answers_the_rule() -> None:
    got = dict(actual_request_headers([rule()], "GET", {"origin": ORIGIN}))
    assert got["Access-Control-Allow-Origin"] == ORIGIN
    assert got["Access-Control-Allow-Methods"] == "GET, PUT"
    assert "Access-Control-Allow-Headers" not in got


def test_actual_request_carrying_preflight_headers_is_matched_on_them() -> None:
    # S3 (recorded): GET with Access-Control-Request-Method: PUT, PUT not allowed -> none;
    # GET with Access-Control-Request-Headers not allowed -> none.
    only_get = [rule(allowed_methods=("GET",))]
    headers = {"origin": ORIGIN, "access-control-request-method": "PUT"}
    assert actual_request_headers(only_get, "GET", headers) == []
    headers = {"origin": ORIGIN, "access-control-request-headers": "x-amz-request-payer"}
    assert actual_request_headers(only_get, "GET", headers) == []
