"""AWS Signature Version 2 verification for S3: presigned query strings and `AWS AK:sig` headers.

Strategy: rebuild S3's StringToSign (method, Content-MD5, Content-Type, Expires or Date,
canonicalized x-amz-* headers, canonicalized resource) from what arrived on the wire, HMAC-SHA1
it with the secret and compare the base64 in constant time. botocore's HmacV1Auth and
HmacV1QueryAuth are the oracle. Pure code: no I/O, never logs or returns a secret, never lets a
non-S3Error exception escape for bad input. See "Signing and authenticating REST requests":
https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, unquote_to_bytes

from s3box.protocol.chunked import hex_bytes
from s3box.protocol.errors import S3Error
from s3box.protocol.signed_request import SignedRequest
from s3box.protocol.timefmt import iso8601_seconds, signed_date_seconds

MAX_SKEW_SECONDS = 15 * 60

# Query parameters that name a sub-resource and so belong to the CanonicalizedResource: S3's
# documented list (acl, cors, delete, lifecycle, location, logging, notification, partNumber,
# policy, requestPayment, response-*, tagging, torrent, uploadId, uploads, versionId,
# versioning, versions, website) is a subset of botocore's HmacV1Auth.QSAOfInterest, which is
# what every SigV2 URL made by boto3 or the AWS CLI was signed with; so this is botocore's.
SUBRESOURCES = frozenset(
    {
        "accelerate",
        "acl",
        "analytics",
        "cors",
        "defaultObjectAcl",
        "delete",
        "inventory",
        "lifecycle",
        "location",
        "logging",
        "metrics",
        "notification",
        "object-lock",
        "partNumber",
        "policy",
        "replication",
        "requestPayment",
        "response-cache-control",
        "response-content-disposition",
        "response-content-encoding",
        "response-content-language",
        "response-content-type",
        "response-expires",
        "restore",
        "select",
        "select-type",
        "storageClass",
        "tagging",
        "torrent",
        "uploadId",
        "uploads",
        "versionId",
        "versioning",
        "versions",
        "website",
    }
)

_QUERY_PARAMS = ("AWSAccessKeyId", "Signature", "Expires")


@dataclass(frozen=True)
class SignedV2:
    """A verified SigV2 request: who signed it, the signature, and whether it came in a URL."""

    access_key: str
    signature: str
    presigned: bool


def sign(secret: str, string_to_sign: str) -> str:
    """Base64 HMAC-SHA1 of the string to sign, keyed with the secret itself."""
    digest = hmac.digest(secret.encode("utf-8"), string_to_sign.encode("utf-8"), "sha1")
    return base64.b64encode(digest).decode("ascii")


def canonical_resource(raw_path: str, raw_query: str) -> str:
    """The path exactly as sent (S3: "the un-decoded HTTP Request-URI"), after `/bucket`
    when the Host named the bucket (SignedRequest.resource_path), then `?` and the
    sub-resources, sorted by name (stably, as botocore does), values percent-decoded."""
    items = []
    for item in raw_query.split("&") if raw_query else ():
        name, eq, value = item.partition("=")
        if name in SUBRESOURCES:
            items.append((name, f"{name}={unquote(value)}" if eq else name))
    items.sort(key=lambda pair: pair[0])
    path = raw_path or "/"
    return f"{path}?{'&'.join(text for _, text in items)}" if items else path


def canonical_amz_headers(amz_headers: dict[str, list[str]]) -> str:
    """`name:value\\n` per x-amz-* header, names lower-case and sorted, values trimmed and
    repeated values joined by ','."""
    return "".join(
        f"{name}:{','.join(v.strip() for v in amz_headers[name])}\n" for name in sorted(amz_headers)
    )


def string_to_sign(
    method: str,
    content_md5: str,
    content_type: str,
    date_or_expires: str,
    amz_headers: dict[str, list[str]],
    resource: str,
) -> str:
    """StringToSign = Method \\n Content-MD5 \\n Content-Type \\n Date|Expires \\n
    CanonicalizedAmzHeaders CanonicalizedResource."""
    return (
        f"{method.upper()}\n{content_md5}\n{content_type}\n{date_or_expires}\n"
        f"{canonical_amz_headers(amz_headers)}{resource}"
    )


def _header(headers: dict[str, list[str]], name: str) -> str:
    return ",".join(v.strip() for v in headers.get(name, ()))


def _amz_headers(headers: dict[str, list[str]]) -> dict[str, list[str]]:
    return {name: values for name, values in headers.items() if name.startswith("x-amz-")}


# --- presigned URLs: ?AWSAccessKeyId=...&Signature=...&Expires=<epoch> ------------------------


def verify_presigned(request: SignedRequest) -> SignedV2:
    """Verify SigV2 query-string authentication.

    Content-MD5, Content-Type and x-amz-* come from the request headers, as S3 reads them;
    x-amz-* query parameters count as headers too, because botocore moves the x-amz-* headers
    it signed (x-amz-security-token, x-amz-acl, metadata ...) into the URL.
    """
    headers = request.header_lists()
    raw_query = request.raw_query
    params: dict[str, str] = {}
    amz = {name: list(values) for name, values in _amz_headers(headers).items()}
    for item in raw_query.split("&"):
        raw_name, _, raw_value = item.partition("=")
        name = unquote_to_bytes(raw_name).decode("utf-8", "replace")
        value = unquote_to_bytes(raw_value).decode("utf-8", "replace")
        params.setdefault(name, value)
        if name.lower().startswith("x-amz-"):
            amz.setdefault(name.lower(), []).append(value)
    if not all(params.get(name) for name in _QUERY_PARAMS):
        raise S3Error(
            "AccessDenied",
            "Query-string authentication requires the Signature, Expires and AWSAccessKeyId "
            "parameters",
        )
    expires_text = params["Expires"]
    # Seconds since the epoch: 19 digits already reach billions of years; longer is garbage.
    if not (expires_text.isascii() and expires_text.isdigit() and len(expires_text) <= 19):
        raise S3Error(
            "AccessDenied", f"Invalid date (should be seconds since epoch): {expires_text}"
        )
    expires = int(expires_text)
    if request.now > expires:
        raise S3Error(
            "AccessDenied",
            "Request has expired",
            extra={"Expires": iso8601_seconds(expires), "ServerTime": iso8601_seconds(request.now)},
        )
    to_sign = string_to_sign(
        request.method,
        _header(headers, "content-md5"),
        _header(headers, "content-type"),
        expires_text,
        amz,
        canonical_resource(request.resource_path, raw_query),
    )
    access_key = params["AWSAccessKeyId"]
    _check(access_key, params["Signature"], [to_sign], request.lookup_secret)
    return SignedV2(access_key, params["Signature"], presigned=True)


# --- Authorization: AWS AK:signature ---------------------------------------------------------


def parse_authorization_header(value: str) -> tuple[str, str]:
    """(access key, signature) of `AWS AK:signature`; anything else is InvalidArgument."""
    scheme, _, credentials = value.strip().partition(" ")
    access_key, colon, signature = credentials.strip().rpartition(":")
    if scheme != "AWS" or not colon or not access_key or not signature:
        raise S3Error(
            "InvalidArgument",
            "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature",
            extra={"ArgumentName": "Authorization", "ArgumentValue": value},
        )
    return access_key, signature


def verify_header(request: SignedRequest, authorization: str) -> SignedV2:
    """Verify `Authorization: AWS AK:signature` with a Date or x-amz-date within 15 minutes.

    With x-amz-date present S3 ignores Date and signs an empty date line (s3cmd does this);
    botocore's HmacV1Auth signs the Date header regardless, so that is tried second.
    """
    access_key, signature = parse_authorization_header(authorization)
    headers = request.header_lists()
    amz_date = _header(headers, "x-amz-date")
    date = _header(headers, "date")
    seconds = signed_date_seconds(amz_date or date) if amz_date or date else None
    if seconds is None:
        raise S3Error(
            "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header"
        )
    if abs(request.now - seconds) > MAX_SKEW_SECONDS:
        raise S3Error(
            "RequestTimeTooSkewed",
            extra={
                "RequestTime": amz_date or date,
                "ServerTime": iso8601_seconds(request.now),
                "MaxAllowedSkewMilliseconds": str(MAX_SKEW_SECONDS * 1000),
            },
        )
    date_lines = ["", date] if amz_date and date else [""] if amz_date else [date]
    content_md5 = _header(headers, "content-md5")
    content_type = _header(headers, "content-type")
    amz = _amz_headers(headers)
    resource = canonical_resource(request.resource_path, request.raw_query)
    candidates = [
        string_to_sign(request.method, content_md5, content_type, line, amz, resource)
        for line in date_lines
    ]
    _check(access_key, signature, candidates, request.lookup_secret)
    return SignedV2(access_key, signature, presigned=False)


# --- the signature itself --------------------------------------------------------------------


def _check(
    access_key: str,
    provided: str,
    candidates: list[str],
    lookup_secret: Callable[[str], str | None],
) -> None:
    """Accept if any candidate string to sign matches, compared in constant time."""
    secret = lookup_secret(access_key)
    if secret is None:
        raise S3Error("InvalidAccessKeyId", extra={"AWSAccessKeyId": access_key})
    provided_bytes = provided.encode("utf-8", "replace")
    for to_sign in candidates:
        if hmac.compare_digest(sign(secret, to_sign).encode("ascii"), provided_bytes):
            return
    raise S3Error(
        "SignatureDoesNotMatch",
        extra={
            "AWSAccessKeyId": access_key,
            "StringToSign": candidates[0],
            "SignatureProvided": provided,
            "StringToSignBytes": hex_bytes(candidates[0]),
        },
    )


__all__ = [
    "SUBRESOURCES",
    "SignedV2",
    "canonical_resource",
    "parse_authorization_header",
    "sign",
    "string_to_sign",
    "verify_header",
    "verify_presigned",
]
