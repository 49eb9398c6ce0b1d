"""SigV4's signed inputs as the client wrote them: the Authorization header's Credential scope,
SignedHeaders and Signature, and the X-Amz-* parameters of a presigned URL.

Each malformed input raises the error S3 gives for it, in S3's words; sigv4.py then checks
dates, region and signature. Pure code: no I/O, never lets a non-S3Error exception escape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import NamedTuple
from urllib.parse import unquote_to_bytes

from s3box.protocol.errors import S3Error
from s3box.protocol.signing import ALGORITHM, SERVICE, TERMINATOR

_PRESIGN_PARAMS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-Date",
    "X-Amz-SignedHeaders",
    "X-Amz-Expires",
)
_NONEMPTY_PARAMS = tuple(name for name in _PRESIGN_PARAMS if name != "X-Amz-SignedHeaders")
# Presigned parameters that may come once: a second one is refused, never ignored.
_SIGNING_PARAMS = frozenset({*_PRESIGN_PARAMS, "X-Amz-Content-Sha256", "X-Amz-Security-Token"})
_CREDENTIAL_SHAPE = '"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request"'
MAX_PRESIGNED_EXPIRES = 7 * 24 * 3600


@dataclass(frozen=True)
class CredentialScope:
    """The `Credential=` value: access key and the scope date/region/service/terminator."""

    access_key: str
    date: str
    region: str
    service: str
    terminator: str

    @cached_property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/{self.terminator}"


class AuthHeader(NamedTuple):
    """A parsed `Authorization: AWS4-HMAC-SHA256 ...` header."""

    credential: CredentialScope
    signed_headers: tuple[str, ...]
    signature: str


# --- the Authorization header ------------------------------------------------------


def header_malformed(detail: str) -> S3Error:
    return S3Error(
        "AuthorizationHeaderMalformed", f"The authorization header is malformed; {detail}"
    )


def parse_credential(value: str, malformed: Callable[[str], S3Error]) -> CredentialScope:
    """`AK/YYYYMMDD/region/s3/aws4_request` (the access key itself may not contain '/')."""
    parts = value.split("/")
    if len(parts) == 5 and parts[2] == "" and all(parts[:2] + parts[3:]):
        # S3's own wording for this one (DuckDB signs so when no region is set).
        raise malformed("a non-empty region must be provided in the credential.")
    if len(parts) != 5 or not all(parts):
        raise malformed(f"the Credential is mal-formed; expecting {_CREDENTIAL_SHAPE}.")
    access_key, date, region, service, terminator = parts
    if not (len(date) == 8 and date.isdigit()):
        raise malformed(f"the Credential is mal-formed; expecting {_CREDENTIAL_SHAPE}.")
    if service != SERVICE:
        raise malformed(f'incorrect service "{service}". This endpoint belongs to "{SERVICE}".')
    if terminator != TERMINATOR:
        raise malformed(f'incorrect terminal "{terminator}". This endpoint uses "{TERMINATOR}".')
    return CredentialScope(access_key, date, region, service, terminator)


def check_region(
    credential: CredentialScope, region: str, malformed: Callable[[str], S3Error]
) -> None:
    """Refuse a credential scope that names another region than this server's, as S3 does.

    S3 answers 400 AuthorizationHeaderMalformed (AuthorizationQueryParametersError for a
    presigned URL) with "the region 'X' is wrong; expecting 'Y'" and a <Region>Y</Region>
    element, from which botocore's S3 region redirector re-signs for Y and retries. Without
    this check a signature for any region verified: the signing key was derived from the
    client's own scope."""
    if credential.region == region:
        return
    error = malformed(f"the region '{credential.region}' is wrong; expecting '{region}'")
    error.extra["Region"] = region
    raise error


def parse_authorization_header(value: str) -> AuthHeader:
    """Parse the header; wrong scheme or shape raise the error S3 gives for it.

    Fast path: everything before the last `Signature=` is the same for every request of a
    client (scheme, Credential, SignedHeaders), so its parse is cached and only the
    signature is taken from each header. Anything unusual goes through the full parse."""
    head, sep, signature = value.rpartition("Signature=")
    if sep and "," not in signature:
        scope = _parse_head(head)
        sig = signature.strip()
        if scope is not None and sig:
            return AuthHeader(scope[0], scope[1], sig)
    return _parse_authorization_header(value)


@lru_cache(maxsize=256)
def _parse_head(head: str) -> tuple[CredentialScope, tuple[str, ...]] | None:
    """Credential and SignedHeaders of a header's part before `Signature=`, or None when
    that part is not well formed (the full parse then raises the right error)."""
    try:
        parsed = _parse_authorization_header(head + "Signature=0")
    except S3Error:
        return None
    return parsed.credential, parsed.signed_headers


def _parse_authorization_header(value: str) -> AuthHeader:
    scheme, _, rest = value.strip().partition(" ")
    if scheme == "AWS":
        # SigV2 ("AWS AK:signature") is not a V4 header: auth.verify_request sends it to
        # sigv2 before calling this. S3 regions opened since 2014 refuse it this way.
        raise S3Error(
            "InvalidRequest",
            "The authorization mechanism you have provided is not supported. "
            f"Please use {ALGORITHM}.",
        )
    if scheme != ALGORITHM:
        raise S3Error(
            "InvalidArgument",
            "Unsupported Authorization Type",
            extra={"ArgumentName": "Authorization", "ArgumentValue": value},
        )
    fields: dict[str, str] = {}
    for item in rest.split(","):
        name, eq, field_value = item.strip().partition("=")
        if eq:
            fields[name.strip()] = field_value.strip()
    if not all(fields.get(k) for k in ("Credential", "SignedHeaders", "Signature")):
        raise header_malformed(
            "the authorization header requires three components: Credential, SignedHeaders, "
            "and Signature."
        )
    credential, signed_headers = _header_scope(fields["Credential"], fields["SignedHeaders"])
    return AuthHeader(credential, signed_headers, fields["Signature"])


@lru_cache(maxsize=256)
def _header_scope(credential: str, signed_headers: str) -> tuple[CredentialScope, tuple[str, ...]]:
    """Credential and SignedHeaders of a header, cached: a client repeats them all day long."""
    return parse_credential(credential, header_malformed), tuple(signed_headers.split(";"))


# --- presigned URLs ----------------------------------------------------------------


def query_error(message: str) -> S3Error:
    return S3Error("AuthorizationQueryParametersError", message)


def credential_param_malformed(detail: str) -> S3Error:
    return query_error(f"Error parsing the X-Amz-Credential parameter; {detail}")


def parse_presigned_params(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """The decoded query parameters of a presigned URL, after checking that each signing
    parameter came once, the required ones are there and the algorithm is SigV4's."""
    params: dict[str, str] = {}
    for key, value in pairs:
        name = unquote_to_bytes(key).decode("utf-8", "replace")
        if name in params and name in _SIGNING_PARAMS:
            # Never the first of two signatures, credentials, dates ... (s3box's wording).
            raise query_error(f"Query-string authentication allows only one {name} parameter.")
        params[name] = unquote_to_bytes(value).decode("utf-8", "replace")
    # An empty X-Amz-SignedHeaders is S3's HeadersNotSigned: host (brendanhay/amazonka#272).
    if "X-Amz-SignedHeaders" not in params or not all(map(params.get, _NONEMPTY_PARAMS)):
        raise query_error(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, "
            "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and "
            "X-Amz-Expires parameters."
        )
    if params["X-Amz-Algorithm"] != ALGORITHM:
        raise query_error(f'X-Amz-Algorithm only supports "{ALGORITHM}"')
    return params


def parse_expires(value: str) -> int:
    if not value.isdigit():
        if value.startswith("-") and value[1:].isdigit():
            raise query_error("X-Amz-Expires must be non-negative")
        raise query_error("X-Amz-Expires should be a number")
    expires = int(value)
    if expires > MAX_PRESIGNED_EXPIRES:
        raise query_error("X-Amz-Expires must be less than a week (in seconds) that is; 604800")
    if expires < 1:
        raise query_error("X-Amz-Expires must be greater than 0")
    return expires


__all__ = [
    "AuthHeader",
    "CredentialScope",
    "check_region",
    "credential_param_malformed",
    "header_malformed",
    "parse_authorization_header",
    "parse_credential",
    "parse_expires",
    "parse_presigned_params",
    "query_error",
]
