"""Bucket CORS through the ASGI app in process: Put/Get/DeleteBucketCors, the
preflight (options_object) and the CORS headers of actual responses, success
and error alike; and the server-wide `cors:` default."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import AsgiClient, serving

ORIGIN = "http://app.test:5173"
CONFIG = (
    b"<CORSConfiguration><CORSRule><AllowedOrigin>http://app.test:*</AllowedOrigin>"
    b"<AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod>"
    b"<AllowedHeader>content-type</AllowedHeader><AllowedHeader>x-amz-*</AllowedHeader>"
    b"<ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule>"
    b"</CORSConfiguration>"
)


def setup(asgi: AsgiClient) -> None:
    assert asgi.request("PUT", "/bkt").status == 200
    assert asgi.request("PUT", "/bkt/k", b"hello").status == 200
    assert asgi.request("PUT", "/bkt?cors", CONFIG).status == 200


def test_put_get_delete_bucket_cors(asgi: AsgiClient) -> None:
    assert asgi.request("PUT", "/bkt").status == 200
    missing = asgi.request("GET", "/bkt?cors")
    assert missing.status == 404 and b"<Code>NoSuchCORSConfiguration</Code>" in missing.body
    assert b"<BucketName>bkt</BucketName>" in missing.body
    put = asgi.request("PUT", "/bkt?cors", CONFIG)
    assert (put.status, put.body) == (200, b"")
    got = asgi.request("GET", "/bkt?cors")
    assert got.status == 200
    assert b"<AllowedOrigin>http://app.test:*</AllowedOrigin>" in got.body
    assert b"<MaxAgeSeconds>600</MaxAgeSeconds>" in got.body
    assert asgi.request("DELETE", "/bkt?cors").status == 204
    assert asgi.request("GET", "/bkt?cors").status == 404
    assert asgi.request("GET", "/absent?cors").status == 404
    assert b"NoSuchBucket" in asgi.request("PUT", "/absent?cors", CONFIG).body


def test_a_refused_configuration_keeps_the_previous_one(asgi: AsgiClient) -> None:
    setup(asgi)
    bad = CONFIG.replace(
        b"<AllowedMethod>PUT</AllowedMethod>", b"<AllowedMethod>PATCH</AllowedMethod>"
    )
    resp = asgi.request("PUT", "/bkt?cors", bad)
    assert resp.status == 400 and b"<Code>InvalidRequest</Code>" in resp.body
    assert b"Unsupported method is PATCH" in resp.body
    assert asgi.request("PUT", "/bkt?cors", b"<CORSConfiguration/>").status == 400
    assert b"http://app.test:*" in asgi.request("GET", "/bkt?cors").body


def test_preflight_answers_the_matching_rule(asgi: AsgiClient) -> None:
    setup(asgi)
    resp = asgi.request(
        "OPTIONS",
        "/bkt/new-key?uploads",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type,x-amz-date",
        },
    )
    assert (resp.status, resp.body) == (200, b"")
    h = resp.headers
    assert h["access-control-allow-origin"] == ORIGIN
    assert h["access-control-allow-methods"] == "GET, PUT"
    assert h["access-control-allow-headers"] == "content-type, x-amz-date"
    assert h["access-control-expose-headers"] == "ETag"
    assert h["access-control-max-age"] == "600"
    assert h["access-control-allow-credentials"] == "true"
    assert h["vary"] == "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
    assert h["content-length"] == "0"


@pytest.mark.parametrize(
    ("path", "headers", "status", "code", "message"),
    [
        (
            "/bkt/k",
            {"Access-Control-Request-Method": "GET"},
            400,
            "BadRequest",
            "Origin request header needed.",
        ),
        ("/absent/k", {"Origin": ORIGIN}, 403, "AccessForbidden", "CORSResponse: Bucket not found"),
        (
            "/bkt/k",
            {"Origin": ORIGIN},
            400,
            "BadRequest",
            "Invalid Access-Control-Request-Method: null",
        ),
        (
            "/bkt/k",
            {"Origin": "http://evil.test", "Access-Control-Request-Method": "GET"},
            403,
            "AccessForbidden",
            "This CORS request is not allowed.",
        ),
        (
            "/bkt/k",
            {"Origin": ORIGIN, "Access-Control-Request-Method": "DELETE"},
            403,
            "AccessForbidden",
            "not whitelisted",
        ),
        (
            "/bkt",
            {
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "authorization",
            },
            403,
            "AccessForbidden",
            "not allowed",
        ),
    ],
)
def test_refused_preflights(
    asgi: AsgiClient, path: str, headers: dict[str, str], status: int, code: str, message: str
) -> None:
    setup(asgi)
    resp = asgi.request("OPTIONS", path, headers=headers)
    assert resp.status == status
    assert f"<Code>{code}</Code>".encode() in resp.body
    assert message.encode() in resp.body
    assert not [n for n in resp.headers if n.startswith("access-control-")]


def test_preflight_on_a_bucket_without_configuration(asgi: AsgiClient) -> None:
    assert asgi.request("PUT", "/plain").status == 200
    resp = asgi.request(
        "OPTIONS", "/plain/k", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "PUT"}
    )
    assert resp.status == 403
    assert b"CORSResponse: CORS is not enabled for this bucket." in resp.body
    assert b"<Method>PUT</Method><ResourceType>BUCKET</ResourceType>" in resp.body


def test_actual_requests_carry_the_rule_headers_on_success_and_error(asgi: AsgiClient) -> None:
    setup(asgi)
    for path, status in (("/bkt/k", 200), ("/bkt/missing", 404)):
        resp = asgi.request("GET", path, headers={"Origin": ORIGIN})
        assert resp.status == status
        assert resp.headers["access-control-allow-origin"] == ORIGIN
        assert resp.headers["access-control-expose-headers"] == "ETag"
        assert resp.headers["vary"].startswith("Origin")
        assert "access-control-allow-headers" not in resp.headers
    head = asgi.request("HEAD", "/bkt/missing", headers={"Origin": ORIGIN})
    assert (
        head.status == 404 and "access-control-allow-origin" not in head.headers
    )  # HEAD not allowed
    put = asgi.request("PUT", "/bkt/k2", b"x", headers={"Origin": ORIGIN})
    assert put.status == 200 and put.headers["access-control-allow-origin"] == ORIGIN


def test_actual_requests_not_matching_get_no_headers_and_go_ahead(asgi: AsgiClient) -> None:
    setup(asgi)
    for headers in (
        {},
        {"Origin": "http://evil.test"},
        {"Origin": ORIGIN, "Access-Control-Request-Method": "DELETE"},
    ):
        resp = asgi.request("GET", "/bkt/k", headers=headers)
        assert (resp.status, resp.body) == (200, b"hello")
        assert not [n for n in resp.headers if n.startswith("access-control-") or n == "vary"]
    assert asgi.request("DELETE", "/bkt/k", headers={"Origin": ORIGIN}).status == 204


@pytest.fixture
def with_default(tmp_path: Path) -> Iterator[AsgiClient]:
    with serving(tmp_path, **{"cors.allowed_origins": ["*"]}) as client:
        yield client


def test_the_server_default_answers_buckets_without_rules(with_default: AsgiClient) -> None:
    asgi = with_default
    assert asgi.request("PUT", "/plain").status == 200
    pre = asgi.request(
        "OPTIONS",
        "/plain/k",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "DELETE",
            "Access-Control-Request-Headers": "x-amz-checksum-crc32",
        },
    )
    assert pre.status == 200
    assert pre.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in pre.headers
    assert pre.headers["access-control-allow-methods"] == "GET, PUT, POST, DELETE, HEAD"
    assert "ETag" in pre.headers["access-control-expose-headers"]
    assert pre.headers["access-control-max-age"] == "3000"
    # A missing bucket and the service level too: the 404 / listing is readable.
    assert (
        asgi.request("GET", "/absent/k", headers={"Origin": ORIGIN}).headers[
            "access-control-allow-origin"
        ]
        == "*"
    )
    assert (
        asgi.request("GET", "/", headers={"Origin": ORIGIN}).headers["access-control-allow-origin"]
        == "*"
    )
    # GetBucketCors shows only the bucket's own rules.
    assert asgi.request("GET", "/plain?cors").status == 404


def test_a_bucket_configuration_replaces_the_server_default(with_default: AsgiClient) -> None:
    setup(with_default)
    resp = with_default.request("GET", "/bkt/k", headers={"Origin": "http://evil.test"})
    assert resp.status == 200 and "access-control-allow-origin" not in resp.headers
    resp = with_default.request("GET", "/bkt/k", headers={"Origin": ORIGIN})
    assert resp.headers["access-control-allow-origin"] == ORIGIN
