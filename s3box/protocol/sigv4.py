"""AWS Signature Version 4 verification for S3: the Authorization header and presigned URLs.

Strategy: parse the signature's inputs (Credential scope, SignedHeaders, date, payload hash),
refuse what S3 refuses in S3's words, rebuild the canonical request from what arrived on the
wire (canonical.py), sign it with the cached signing key (signing.py), compare in constant
time. The credential scope must name the region this server is in. auth.verify_request picks
the verifier; a verified request comes back as a SignedV4. Pure code: no I/O, never logs or
returns a secret, never lets a non-S3Error exception escape for bad input.
"""

from __future__ import annotations

import hmac
import time
from typing import NamedTuple

from s3box.protocol.canonical import (
    UNRESERVED_PATH,
    canonical_headers,
    canonical_query_candidates,
    canonical_uri_candidates,
)
from s3box.protocol.chunked import ChunkSignatureVerifier, hex_bytes
from s3box.protocol.errors import S3Error
from s3box.protocol.payload import UNSIGNED_PAYLOAD, check_payload_hash_value
from s3box.protocol.signed_headers import check_signed_headers, presigned_payload_hash
from s3box.protocol.signed_request import SignedRequest
from s3box.protocol.signing import sign, signing_key, string_to_sign
from s3box.protocol.sigv4_parse import (
    CredentialScope,
    check_region,
    credential_param_malformed,
    header_malformed,
    parse_authorization_header,
    parse_credential,
    parse_expires,
    parse_presigned_params,
    query_error,
)
from s3box.protocol.timefmt import iso8601_seconds, parse_amz_date, signed_date_seconds

MAX_SKEW_SECONDS = 15 * 60


class SignedV4(NamedTuple):
    """A verified SigV4 request: who signed it, and what the body readers need.

    `payload_hash` is the value the signature covered: a hex SHA-256 of the body, or one of
    the payload modes (UNSIGNED-PAYLOAD, STREAMING-...). `signature` (the seed signature)
    starts the chunk signature chain of a signed aws-chunked body.
    """

    access_key: str
    signing_key: bytes
    amz_date: str
    scope: str
    signature: str
    payload_hash: str
    presigned: bool = False

    def __repr__(self) -> str:  # never show the signing key
        return f"SignedV4(access_key={self.access_key!r}, payload_hash={self.payload_hash!r})"

    def chunk_verifier(self) -> ChunkSignatureVerifier:
        """A fresh checker of the chunk signature chain that starts at this signature."""
        return ChunkSignatureVerifier(
            self.signing_key, self.amz_date, self.scope, self.signature, self.access_key
        )


class _Signed(NamedTuple):
    """Everything needed to check one signature, whichever way it arrived."""

    credential: CredentialScope
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str
    payload_hash: str
    exclude_param: str | None


# --- the signing time and the payload hash ------------------------------------------


def _request_time(headers: dict[str, str]) -> tuple[str, float]:
    """The signing timestamp: X-Amz-Date, else the Date header (RFC 1123) in the same form."""
    amz_date = headers.get("x-amz-date")
    if amz_date is not None:
        seconds = parse_amz_date(amz_date.strip())
        if seconds is not None:
            return amz_date.strip(), seconds
    elif "date" in headers:
        date_seconds = signed_date_seconds(headers["date"])
        if date_seconds is not None:
            try:
                return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(date_seconds)), date_seconds
            except (OverflowError, ValueError):
                pass
    raise S3Error("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header")


def _from_header(authorization: str, single: dict[str, str], now: float) -> _Signed:
    auth = parse_authorization_header(authorization)
    amz_date, seconds = _request_time(single)
    if abs(now - seconds) > MAX_SKEW_SECONDS:
        raise S3Error(
            "RequestTimeTooSkewed",
            extra={
                "RequestTime": single.get("x-amz-date") or single.get("date", ""),
                "ServerTime": iso8601_seconds(now),
                "MaxAllowedSkewMilliseconds": str(MAX_SKEW_SECONDS * 1000),
            },
        )
    if auth.credential.date != amz_date[:8]:
        raise header_malformed(
            f'Invalid credential date "{auth.credential.date}". This date is not the same as '
            f'X-Amz-Date: "{amz_date[:8]}".'
        )
    payload_hash = single.get("x-amz-content-sha256")
    if payload_hash is None:
        raise S3Error(
            "InvalidRequest", "Missing required header for this request: x-amz-content-sha256"
        )
    payload_hash = check_payload_hash_value(payload_hash.strip())
    return _Signed(
        auth.credential, auth.signed_headers, auth.signature, amz_date, payload_hash, None
    )


def _from_query(pairs: list[tuple[str, str]], now: float, single: dict[str, str]) -> _Signed:
    params = parse_presigned_params(pairs)
    credential = parse_credential(params["X-Amz-Credential"], credential_param_malformed)
    amz_date = params["X-Amz-Date"]
    seconds = parse_amz_date(amz_date)
    if seconds is None:
        raise query_error("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
    if credential.date != amz_date[:8]:
        raise query_error(
            f'Invalid credential date "{credential.date}". This date is not the same as '
            f'X-Amz-Date: "{amz_date[:8]}".'
        )
    expires = parse_expires(params["X-Amz-Expires"])
    if seconds - now > MAX_SKEW_SECONDS:
        raise S3Error("AccessDenied", "Request is not valid yet")
    if now > seconds + expires:
        raise S3Error(
            "AccessDenied",
            "Request has expired",
            extra={
                "X-Amz-Expires": str(expires),
                "Expires": iso8601_seconds(seconds + expires),
                "ServerTime": iso8601_seconds(now),
            },
        )
    signed_headers = tuple(params["X-Amz-SignedHeaders"].split(";"))
    payload_hash = presigned_payload_hash(
        params.get("X-Amz-Content-Sha256"), single, signed_headers, UNSIGNED_PAYLOAD
    )
    payload_hash = check_payload_hash_value(payload_hash)
    return _Signed(
        credential,
        signed_headers,
        params["X-Amz-Signature"],
        amz_date,
        payload_hash,
        "X-Amz-Signature",
    )


# --- verification --------------------------------------------------------------------


def verify_header(request: SignedRequest, authorization: str) -> SignedV4:
    """Verify `Authorization: AWS4-HMAC-SHA256 ...`; raises the S3Error S3 gives."""
    signed = _from_header(authorization, request.single, request.now)
    return _check_signature(request, signed)


def verify_presigned(request: SignedRequest) -> SignedV4:
    """Verify a presigned URL (`X-Amz-Algorithm=AWS4-HMAC-SHA256&...`)."""
    signed = _from_query(request.query_pairs, request.now, request.single)
    return _check_signature(request, signed)


def verify_plain_header(request: SignedRequest, authorization: str) -> SignedV4 | None:
    """The usual request with less work: a V4 Authorization header, no query string, no
    repeated header, a path already in canonical form (one candidate, no re-encoding).

    The same checks in the same order as verify_header, through the same helpers, so any
    error raised here is the one it would raise; returns None wherever verify_header has
    to decide (a rejection it words itself, a signature mismatch whose error carries the
    canonical request), and the caller then starts over with it."""
    path = request.raw_path or "/"
    if UNRESERVED_PATH.fullmatch(path) is None:
        return None
    single = request.single
    auth = parse_authorization_header(authorization)
    amz_date, seconds = _request_time(single)
    credential = auth.credential
    if abs(request.now - seconds) > MAX_SKEW_SECONDS or credential.date != amz_date[:8]:
        return None
    payload_hash = single.get("x-amz-content-sha256")
    if payload_hash is None:
        return None
    payload_hash = check_payload_hash_value(payload_hash.strip())
    secret = request.lookup_secret(credential.access_key)
    if secret is None:
        return None
    check_region(credential, request.region, header_malformed)
    signed_headers = auth.signed_headers
    check_signed_headers(signed_headers, single)
    key = signing_key(secret, credential.date, credential.region, credential.service)
    block = canonical_headers(signed_headers, None, request.host_override, single)
    method = request.method.upper()
    canonical = f"{method}\n{path}\n\n{block}\n{';'.join(signed_headers)}\n{payload_hash}"
    scope = credential.scope
    signature = sign(key, string_to_sign(amz_date, scope, canonical))
    if not hmac.compare_digest(signature.encode(), auth.signature.encode("utf-8", "replace")):
        return None
    return SignedV4(credential.access_key, key, amz_date, scope, auth.signature, payload_hash)


_NO_QUERY = ("",)


def _check_signature(request: SignedRequest, signed: _Signed) -> SignedV4:
    credential = signed.credential
    secret = request.lookup_secret(credential.access_key)
    if secret is None:
        raise S3Error("InvalidAccessKeyId", extra={"AWSAccessKeyId": credential.access_key})
    # After the access key (no source shows which of the two S3 reports first for an
    # unknown key in a wrong region) and before any signature work.
    presigned = signed.exclude_param is not None
    malformed = credential_param_malformed if presigned else header_malformed
    check_region(credential, request.region, malformed)
    single = request.single
    check_signed_headers(signed.signed_headers, single)
    key = signing_key(secret, credential.date, credential.region, credential.service)
    headers_block = canonical_headers(
        signed.signed_headers, request.repeated, request.host_override, single
    )
    tail = f"{headers_block}\n{';'.join(signed.signed_headers)}\n{signed.payload_hash}"
    first: tuple[str, str] | None = None
    provided = signed.signature.encode("utf-8", "replace")
    scope = credential.scope
    head = f"{request.method.upper()}\n"
    pairs = request.query_pairs
    queries = canonical_query_candidates(pairs, signed.exclude_param) if pairs else _NO_QUERY
    for uri in canonical_uri_candidates(request.raw_path):
        for query in queries:
            canonical = f"{head}{uri}\n{query}\n{tail}"
            to_sign = string_to_sign(signed.amz_date, scope, canonical)
            if hmac.compare_digest(sign(key, to_sign).encode(), provided):
                return SignedV4(
                    credential.access_key,
                    key,
                    signed.amz_date,
                    scope,
                    signed.signature,
                    signed.payload_hash,
                    presigned,
                )
            if first is None:
                first = (canonical, to_sign)
    assert first is not None
    canonical, to_sign = first
    raise S3Error(
        "SignatureDoesNotMatch",
        extra={
            "AWSAccessKeyId": credential.access_key,
            "StringToSign": to_sign,
            "SignatureProvided": signed.signature,
            "StringToSignBytes": hex_bytes(to_sign),
            "CanonicalRequest": canonical,
            "CanonicalRequestBytes": hex_bytes(canonical),
        },
    )


__all__ = [
    "MAX_SKEW_SECONDS",
    "SignedV4",
    "verify_header",
    "verify_plain_header",
    "verify_presigned",
]
