"""protocol/operations/cors.py: the CORSConfiguration document (S3's validation),
Get/Put/Delete answers and the preflight's order of checks."""

from __future__ import annotations

import base64
import hashlib
import xml.etree.ElementTree as ET

import pytest

from s3box.protocol.errors import S3Error
from s3box.protocol.operations.cors import (
    NOT_ALLOWED,
    GetBucketCorsInput,
    parse_cors_configuration,
    parse_options_object,
    parse_put_bucket_cors,
    render_cors_configuration,
    render_get_bucket_cors,
    render_options_object,
)
from s3box.protocol.request import Head
from s3box.records import CorsRule

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def doc(*rules: str, ns: bool = True) -> bytes:
    xmlns = ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"' if ns else ""
    body = "".join(f"<CORSRule>{r}</CORSRule>" for r in rules)
    return f"<CORSConfiguration{xmlns}>{body}</CORSConfiguration>".encode()


GET_ANY = "<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"


def error_of(body: bytes) -> tuple[str, str]:
    with pytest.raises(S3Error) as exc:
        parse_cors_configuration(body)
    return exc.value.code, exc.value.message


def test_a_full_rule_is_kept_as_sent_in_order() -> None:
    rules = parse_cors_configuration(
        doc(
            "<ID>r1</ID><AllowedHeader>x-AMZ-*</AllowedHeader><AllowedMethod>PUT</AllowedMethod>"
            "<AllowedMethod>GET</AllowedMethod><AllowedOrigin>http://b</AllowedOrigin>"
            "<AllowedOrigin>http://a:80</AllowedOrigin><ExposeHeader>ETag</ExposeHeader>"
            "<MaxAgeSeconds>3000</MaxAgeSeconds>",
            GET_ANY,
            ns=False,
        )
    )
    assert rules == (
        CorsRule(
            allowed_origins=("http://b", "http://a:80"),
            allowed_methods=("PUT", "GET"),
            allowed_headers=("x-AMZ-*",),
            expose_headers=("ETag",),
            max_age_seconds=3000,
            id="r1",
        ),
        CorsRule(allowed_origins=("*",), allowed_methods=("GET",)),
    )


def test_render_gives_back_only_the_members_set() -> None:
    rules = parse_cors_configuration(
        doc("<ID>x</ID>" + GET_ANY + "<MaxAgeSeconds>5</MaxAgeSeconds>")
    )
    root = ET.fromstring(render_cors_configuration(rules))
    assert root.tag == f"{NS}CORSConfiguration"
    (r,) = root
    assert [(c.tag.removeprefix(NS), c.text) for c in r] == [
        ("ID", "x"),
        ("AllowedMethod", "GET"),
        ("AllowedOrigin", "*"),
        ("MaxAgeSeconds", "5"),
    ]
    assert parse_cors_configuration(render_cors_configuration(rules)) == rules


def test_an_empty_origin_is_accepted() -> None:
    rules = parse_cors_configuration(
        doc("<AllowedOrigin></AllowedOrigin><AllowedMethod>GET</AllowedMethod>")
    )
    assert rules[0].allowed_origins == ("",)


@pytest.mark.parametrize(
    "body",
    [
        doc(),
        doc(*[GET_ANY] * 101),
        doc("<AllowedMethod>GET</AllowedMethod>"),
        doc("<AllowedOrigin>*</AllowedOrigin>"),
        doc(""),
        doc(GET_ANY + "<MaxAgeSeconds>1</MaxAgeSeconds><MaxAgeSeconds>2</MaxAgeSeconds>"),
        doc(GET_ANY + "<MaxAgeSeconds>soon</MaxAgeSeconds>"),
        doc(GET_ANY + "<ID>a</ID><ID>b</ID>"),
        doc(GET_ANY + "<Unknown>x</Unknown>"),
        b"<CORSConfiguration><Other/></CORSConfiguration>",
        b"<Tagging/>",
        b"not xml",
    ],
)
def test_documents_outside_the_schema_are_malformed_xml(body: bytes) -> None:
    assert error_of(body)[0] == "MalformedXML"


def test_a_hundred_rules_are_allowed() -> None:
    assert len(parse_cors_configuration(doc(*[GET_ANY] * 100))) == 100


@pytest.mark.parametrize("method", ["MYMETHOD", "OPTIONS", "PATCH", "get", ""])
def test_unsupported_methods_are_invalid_request_naming_the_method(method: str) -> None:
    body = doc(f"<AllowedOrigin>*</AllowedOrigin><AllowedMethod>{method}</AllowedMethod>")
    assert error_of(body) == (
        "InvalidRequest",
        f"Found unsupported HTTP method in CORS config. Unsupported method is {method}",
    )


def test_two_wildcards_in_an_origin_or_header_are_invalid_request() -> None:
    body = doc("<AllowedOrigin>*example*.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod>")
    assert error_of(body) == (
        "InvalidRequest",
        'AllowedOrigin "*example*.com" can not have more than one wildcard.',
    )
    body = doc(GET_ANY + "<AllowedHeader>*-*</AllowedHeader>")
    assert error_of(body)[0] == "InvalidRequest"


def test_an_id_over_255_characters_is_invalid_argument() -> None:
    assert parse_cors_configuration(doc(GET_ANY + f"<ID>{'i' * 255}</ID>"))[0].id == "i" * 255
    assert error_of(doc(GET_ANY + f"<ID>{'i' * 256}</ID>"))[0] == "InvalidArgument"


def test_put_checks_content_md5_when_sent() -> None:
    body = doc(GET_ANY)
    good = base64.b64encode(hashlib.md5(body).digest()).decode()
    inp = parse_put_bucket_cors(Head(bucket="b", headers={"content-md5": good}), body)
    assert inp.bucket == "b"
    assert parse_put_bucket_cors(Head(bucket="b"), body).rules == inp.rules
    bad = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    with pytest.raises(S3Error) as exc:
        parse_put_bucket_cors(Head(bucket="b", headers={"content-md5": bad}), body)
    assert exc.value.code == "BadDigest"


def test_get_without_rules_is_no_such_cors_configuration() -> None:
    with pytest.raises(S3Error) as exc:
        render_get_bucket_cors(GetBucketCorsInput("b"), None)
    assert (exc.value.code, exc.value.status) == ("NoSuchCORSConfiguration", 404)
    assert exc.value.message == "The CORS configuration does not exist"
    assert exc.value.extra == {"BucketName": "b"}


# ---- the preflight ---------------------------------------------------------------------

ORIGIN = "https://localhost:4200"
RULES = (CorsRule(allowed_origins=(ORIGIN,), allowed_methods=("GET", "PUT"), max_age_seconds=3000),)


def preflight(headers: dict[str, str], key: str | None = "k") -> Head:
    return Head(method="OPTIONS", bucket="b", key=key, headers=headers)


def refusal(
    headers: dict[str, str],
    rules: tuple[CorsRule, ...] | None,
    found: bool = True,
    key: str | None = "k",
) -> S3Error:
    inp = parse_options_object(preflight(headers, key))
    with pytest.raises(S3Error) as exc:
        render_options_object(inp, rules, found)
    return exc.value


def test_a_preflight_without_origin_is_bad_request() -> None:
    with pytest.raises(S3Error) as exc:
        parse_options_object(preflight({"access-control-request-method": "PUT"}))
    assert (exc.value.code, exc.value.status) == ("BadRequest", 400)
    assert exc.value.message == "Insufficient information. Origin request header needed."


def test_missing_bucket_then_no_configuration_are_403_about_the_bucket() -> None:
    err = refusal({"origin": ORIGIN}, None, found=False)
    assert (err.code, err.status, err.message) == (
        "AccessForbidden",
        403,
        "CORSResponse: Bucket not found",
    )
    assert err.extra == {"Method": "OPTIONS", "ResourceType": "BUCKET"}
    err = refusal({"origin": ORIGIN, "access-control-request-method": "PUT"}, None)
    assert err.message == "CORSResponse: CORS is not enabled for this bucket."
    assert err.extra == {"Method": "PUT", "ResourceType": "BUCKET"}


@pytest.mark.parametrize(("method", "shown"), [(None, "null"), ("PATCH", "PATCH")])
def test_a_missing_or_unknown_request_method_is_bad_request(method: str | None, shown: str) -> None:
    headers = {"origin": ORIGIN}
    if method is not None:
        headers["access-control-request-method"] = method
    err = refusal(headers, RULES)
    assert (err.code, err.status) == ("BadRequest", 400)
    assert err.message == f"Invalid Access-Control-Request-Method: {shown}"


def test_no_matching_rule_is_403_naming_the_method_and_resource_type() -> None:
    headers = {"origin": "http://localhost:4200", "access-control-request-method": "PUT"}
    err = refusal(headers, RULES)
    assert (err.code, err.message) == ("AccessForbidden", NOT_ALLOWED)
    assert err.extra == {"Method": "PUT", "ResourceType": "OBJECT"}
    assert refusal(headers, RULES, key=None).extra["ResourceType"] == "BUCKET"


def test_a_matching_preflight_is_200_with_the_rules_headers_and_no_body() -> None:
    headers = {
        "origin": ORIGIN,
        "access-control-request-method": "PUT",
        "access-control-request-headers": "Content-Type,x-amz-date",
    }
    rules = (
        CorsRule(allowed_origins=(ORIGIN,), allowed_methods=("GET", "PUT"), allowed_headers=("*",)),
    )
    resp = render_options_object(parse_options_object(preflight(headers)), rules, True)
    assert (resp.status, resp.body) == (200, b"")
    got = dict(resp.headers)
    assert got["Access-Control-Allow-Origin"] == ORIGIN
    assert got["Access-Control-Allow-Methods"] == "GET, PUT"
    assert got["Access-Control-Allow-Headers"] == "content-type, x-amz-date"
    assert got["Access-Control-Allow-Credentials"] == "true"
