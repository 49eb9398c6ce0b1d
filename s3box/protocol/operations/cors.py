"""Put/Get/DeleteBucketCors and the preflight (S3's "OPTIONS object"):
typed inputs, the CORSConfiguration document with S3's validation, and the
preflight's answer.

Pure code; where the rules are kept is the engine's business, and which rule
matches is protocol/cors.py's.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from s3box.protocol.cors import CORS_METHODS, match_rule, requested_headers, rule_headers
from s3box.protocol.errors import S3Error
from s3box.protocol.payload import verify_content_md5
from s3box.protocol.request import RequestHead, bucket_of
from s3box.protocol.response import Response, xml_response
from s3box.protocol.xmlparse import children, local_name, malformed, parse_root, text_of
from s3box.protocol.xmlrender import document, el
from s3box.records import CorsRule

MAX_CORS_RULES = 100  # API_CORSRule: "You can add up to 100 rules"
MAX_CORS_BODY = 64 * 1024  # API_PutBucketCors: "The document is limited to 64 KB in size."
MAX_RULE_ID_CHARS = 255  # API_CORSRule ID: "cannot be longer than 255 characters"

_RULE_ELEMENTS = frozenset(
    {"ID", "AllowedHeader", "AllowedMethod", "AllowedOrigin", "ExposeHeader", "MaxAgeSeconds"}
)


# ---- the CORSConfiguration document -------------------------------------------------


def _one_wildcard(kind: str, value: str) -> None:
    # The wording S3 answers (versitygw#1870, captured from S3).
    if value.count("*") > 1:
        raise S3Error("InvalidRequest", f'{kind} "{value}" can not have more than one wildcard.')


def _parse_rule(element: Any) -> CorsRule:
    values: dict[str, list[str]] = {name: [] for name in _RULE_ELEMENTS}
    for item in element:
        name = local_name(item.tag)
        if name not in _RULE_ELEMENTS:
            raise malformed()
        values[name].append(text_of(item).strip())
    origins, methods = values["AllowedOrigin"], values["AllowedMethod"]
    # Each rule names at least one origin and one method; MaxAgeSeconds and ID at
    # most once (the schema S3 validates against: MalformedXML otherwise).
    if not origins or not methods or len(values["MaxAgeSeconds"]) > 1 or len(values["ID"]) > 1:
        raise malformed()
    for method in methods:
        if method not in CORS_METHODS:
            raise S3Error(
                "InvalidRequest",
                f"Found unsupported HTTP method in CORS config. Unsupported method is {method}",
            )
    for origin in origins:
        _one_wildcard("AllowedOrigin", origin)
    for header in values["AllowedHeader"]:
        _one_wildcard("AllowedHeader", header)
    max_age = None
    if values["MaxAgeSeconds"]:
        try:
            max_age = int(values["MaxAgeSeconds"][0])
        except ValueError:
            raise malformed() from None
    rule_id = values["ID"][0] if values["ID"] else None
    if rule_id is not None and len(rule_id) > MAX_RULE_ID_CHARS:
        raise S3Error("InvalidArgument", "ID length should not exceed allowed limit of 255")
    return CorsRule(
        allowed_origins=tuple(origins),
        allowed_methods=tuple(methods),
        allowed_headers=tuple(values["AllowedHeader"]),
        expose_headers=tuple(values["ExposeHeader"]),
        max_age_seconds=max_age,
        id=rule_id,
    )


def parse_cors_configuration(body: bytes) -> tuple[CorsRule, ...]:
    """A CORSConfiguration document -> its rules, in order. No rule, more than
    100, an unknown element or a rule without an origin or a method is
    MalformedXML (recorded: `CORSRules: []` is MalformedXML); a method outside
    GET PUT POST DELETE HEAD, or an origin or allowed header with two `*`, is
    InvalidRequest, as S3 answers them."""
    root = parse_root(body, "CORSConfiguration")
    if any(local_name(item.tag) != "CORSRule" for item in root):
        raise malformed()
    rules = children(root, "CORSRule")
    if not rules or len(rules) > MAX_CORS_RULES:
        raise malformed()
    return tuple(_parse_rule(rule) for rule in rules)


def render_cors_configuration(rules: tuple[CorsRule, ...]) -> bytes:
    """GetBucketCors' document: each rule's members as stored, in API_CORSRule's
    order (ID, AllowedHeader, AllowedMethod, AllowedOrigin, ExposeHeader,
    MaxAgeSeconds); absent members are left out."""
    out = []
    for rule in rules:
        parts = [el("ID", rule.id)] if rule.id is not None else []
        parts += [el("AllowedHeader", v) for v in rule.allowed_headers]
        parts += [el("AllowedMethod", v) for v in rule.allowed_methods]
        parts += [el("AllowedOrigin", v) for v in rule.allowed_origins]
        parts += [el("ExposeHeader", v) for v in rule.expose_headers]
        if rule.max_age_seconds is not None:
            parts.append(el("MaxAgeSeconds", str(rule.max_age_seconds)))
        out.append(f"<CORSRule>{''.join(parts)}</CORSRule>")
    return document("CORSConfiguration", "".join(out))


# ---- PutBucketCors / GetBucketCors / DeleteBucketCors --------------------------------


@dataclass(frozen=True, slots=True)
class PutBucketCorsInput:
    bucket: str
    rules: tuple[CorsRule, ...]


def parse_put_bucket_cors(req: RequestHead, body: bytes) -> PutBucketCorsInput:
    """The body checked against Content-MD5 when sent (boto3 sends a flexible
    checksum instead, which the signature covers), then parsed."""
    bucket = bucket_of(req)
    verify_content_md5(req.headers, hashlib.md5(body).digest())
    return PutBucketCorsInput(bucket, parse_cors_configuration(body))


def render_put_bucket_cors(inp: PutBucketCorsInput) -> Response:
    return Response(status=200)


@dataclass(frozen=True, slots=True)
class GetBucketCorsInput:
    bucket: str


def parse_get_bucket_cors(req: RequestHead) -> GetBucketCorsInput:
    return GetBucketCorsInput(bucket_of(req))


def render_get_bucket_cors(inp: GetBucketCorsInput, rules: tuple[CorsRule, ...] | None) -> Response:
    """The rules; none is S3's 404 NoSuchCORSConfiguration (raised). The
    server-wide default is not the bucket's configuration and is not shown."""
    if rules is None:
        raise S3Error(
            "NoSuchCORSConfiguration",
            "The CORS configuration does not exist",
            extra={"BucketName": inp.bucket},
        )
    return xml_response(render_cors_configuration(rules))


@dataclass(frozen=True, slots=True)
class DeleteBucketCorsInput:
    bucket: str


def parse_delete_bucket_cors(req: RequestHead) -> DeleteBucketCorsInput:
    return DeleteBucketCorsInput(bucket_of(req))


def render_delete_bucket_cors(inp: DeleteBucketCorsInput) -> Response:
    """204, whether or not there was a configuration (recorded)."""
    return Response(status=204)


# ---- the preflight: OPTIONS on a bucket or an object ---------------------------------

NOT_ALLOWED = (
    "CORSResponse: This CORS request is not allowed. This is usually because the "
    "evalution of Origin, request method / Access-Control-Request-Method or "
    "Access-Control-Request-Headers are not whitelisted by the resource's CORS spec."
)


@dataclass(frozen=True, slots=True)
class OptionsObjectInput:
    bucket: str
    is_object: bool  # the path names a key (the 403's ResourceType)
    origin: str
    method: str | None  # Access-Control-Request-Method as sent
    headers: list[str]  # Access-Control-Request-Headers, lowercase names


def parse_options_object(req: RequestHead) -> OptionsObjectInput:
    """A preflight without Origin is 400 BadRequest whatever else holds (S3,
    recorded: also on a missing bucket or one without CORS). No signature is
    needed and the key is never looked up."""
    origin = req.headers.get("origin")
    if origin is None:
        raise S3Error("BadRequest", "Insufficient information. Origin request header needed.")
    return OptionsObjectInput(
        bucket=bucket_of(req),
        is_object=req.key is not None,
        origin=origin,
        method=req.headers.get("access-control-request-method"),
        headers=requested_headers(req.headers.get("access-control-request-headers")),
    )


def _forbidden(inp: OptionsObjectInput, message: str, resource_type: str) -> S3Error:
    return S3Error(
        "AccessForbidden",
        message,
        extra={"Method": inp.method or "OPTIONS", "ResourceType": resource_type},
    )


def render_options_object(
    inp: OptionsObjectInput, rules: tuple[CorsRule, ...] | None, bucket_found: bool
) -> Response:
    """The preflight's answer, in S3's order of checks (recorded): a missing
    bucket, then no rules (both 403 with ResourceType BUCKET, Method the
    requested method or OPTIONS), then a missing or unknown
    Access-Control-Request-Method (400, as S3-compatible servers answer it),
    then no matching rule (403, ResourceType OBJECT on a key). A match is 200
    with an empty body and the rule's headers."""
    if rules is None:
        message = "CORS is not enabled for this bucket." if bucket_found else "Bucket not found"
        raise _forbidden(inp, f"CORSResponse: {message}", "BUCKET")
    if inp.method not in CORS_METHODS:
        method = "null" if inp.method is None else inp.method
        raise S3Error("BadRequest", f"Invalid Access-Control-Request-Method: {method}")
    rule = match_rule(rules, inp.origin, inp.method, inp.headers)
    if rule is None:
        raise _forbidden(inp, NOT_ALLOWED, "OBJECT" if inp.is_object else "BUCKET")
    return Response(status=200, headers=rule_headers(rule, inp.origin, inp.headers))
