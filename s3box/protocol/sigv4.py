"""AWS Signature Version 4 verification for S3: Authorization header and presigned URLs.

verify_request is also the one entry point for SigV2, which it hands to sigv2.py.

Strategy: rebuild the canonical request from what arrived on the wire (raw path, raw query,
header list), sign it with a cached signing key, compare in constant time; return what the body
readers need (payload mode, seed signature, key). The credential scope must name the region the
caller says this server is in. Pure code: no I/O, never logs or returns a secret, never lets a
non-S3Error exception escape for bad input.
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
import hmac
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_tz
from functools import cached_property, lru_cache
from typing import Any, NamedTuple
from urllib.parse import quote, unquote_to_bytes

from s3box.protocol import sigv2
from s3box.protocol.chunked import EMPTY_SHA256, ChunkSignatureVerifier, hex_bytes
from s3box.protocol.errors import S3Error
from s3box.protocol.signed_headers import (
    check_signed_headers,
    only_one_auth_mechanism,
    presigned_payload_hash,
    refuse_repeated_inputs,
)

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "s3"
TERMINATOR = "aws4_request"
MAX_SKEW_SECONDS = 15 * 60
MAX_PRESIGNED_EXPIRES = 7 * 24 * 3600

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_PAYLOAD = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_PAYLOAD_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
STREAMING_UNSIGNED_PAYLOAD_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
PAYLOAD_MODES = frozenset(
    {
        UNSIGNED_PAYLOAD,
        STREAMING_PAYLOAD,
        STREAMING_PAYLOAD_TRAILER,
        STREAMING_UNSIGNED_PAYLOAD_TRAILER,
    }
)
SIGNED_STREAMING_MODES = frozenset({STREAMING_PAYLOAD, STREAMING_PAYLOAD_TRAILER})

_AMZ_DATE = re.compile(r"\d{8}T\d{6}Z")
_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")
# Paths and query items made only of these characters are already in canonical form.
_UNRESERVED_PATH = re.compile(r"[A-Za-z0-9\-._~/]*")
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


@dataclass(frozen=True)
class Credential:
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

    credential: Credential
    signed_headers: tuple[str, ...]
    signature: str


class AuthResult(NamedTuple):
    """A verified request: who signed it and how its body must be read and checked.

    `payload_hash` is the value the signature covered: a hex SHA-256 of the body, or one of
    the payload modes (UNSIGNED-PAYLOAD, STREAMING-...). `seed_signature` starts the chunk
    signature chain of a signed aws-chunked body.
    """

    access_key: str
    signing_key: bytes
    amz_date: str
    scope: str
    seed_signature: str
    payload_hash: str
    presigned: bool = False

    def __repr__(self) -> str:  # never show the signing key
        return f"AuthResult(access_key={self.access_key!r}, payload_hash={self.payload_hash!r})"

    @property
    def expected_sha256(self) -> str | None:
        """The body's hex SHA-256 to check after reading it, or None when not signed so."""
        return None if self.payload_hash in PAYLOAD_MODES else self.payload_hash.lower()

    @property
    def is_streaming(self) -> bool:
        """True when the body is aws-chunked (signed or not)."""
        return self.payload_hash.startswith("STREAMING-")

    def chunk_verifier(self) -> ChunkSignatureVerifier | None:
        """The chunk signature checker for signed aws-chunked bodies, else None."""
        if self.payload_hash not in SIGNED_STREAMING_MODES:
            return None
        return ChunkSignatureVerifier(
            self.signing_key, self.amz_date, self.scope, self.seed_signature, self.access_key
        )


# --- signing key ---------------------------------------------------------------------


@lru_cache(maxsize=256)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """kSigning = HMAC chain over date, region, service, "aws4_request" (cached: 4 HMACs)."""
    key = _hmac(f"AWS4{secret}".encode(), date)
    key = _hmac(key, region)
    key = _hmac(key, service)
    return _hmac(key, TERMINATOR)


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


_IPAD = bytes(b ^ 0x36 for b in range(256))
_OPAD = bytes(b ^ 0x5C for b in range(256))


@lru_cache(maxsize=256)
def _hmac_states(key: bytes) -> tuple[Any, Any]:
    """SHA-256 states having absorbed (key XOR ipad) and (key XOR opad): HMAC's first
    block, computed once per signing key (RFC 2104)."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return hashlib.sha256(key.translate(_IPAD)), hashlib.sha256(key.translate(_OPAD))


def sign(key: bytes, string_to_sign: str) -> str:
    """Hex HMAC-SHA256 signature of a string to sign.

    Built from copies of the key's precomputed SHA-256 states rather than hmac.digest,
    which hands the GIL away around OpenSSL's HMAC() even for a 200-byte message: on
    the event loop thread that lets a waiting worker thread in, and every request then
    pays two thread switches. hashlib keeps the GIL for inputs under 2 KiB."""
    inner_pad, outer_pad = _hmac_states(key)
    inner = inner_pad.copy()
    inner.update(string_to_sign.encode("utf-8"))
    outer = outer_pad.copy()
    outer.update(inner.digest())
    return outer.hexdigest()


# --- parsing -------------------------------------------------------------------------


def _header_malformed(detail: str) -> S3Error:
    return S3Error(
        "AuthorizationHeaderMalformed", f"The authorization header is malformed; {detail}"
    )


def parse_credential(value: str, malformed: Callable[[str], S3Error]) -> Credential:
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
    return Credential(access_key, date, region, service, terminator)


def check_region(credential: Credential, region: str, malformed: Callable[[str], S3Error]) -> None:
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
def _parse_head(head: str) -> tuple[Credential, tuple[str, ...]] | None:
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
        # SigV2 ("AWS AK:signature") is not a V4 header: verify_request sends it to sigv2
        # before calling this. S3 regions opened since 2014 refuse it this way.
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
        raise _header_malformed(
            "the authorization header requires three components: Credential, SignedHeaders, "
            "and Signature."
        )
    credential, signed_headers = _header_scope(fields["Credential"], fields["SignedHeaders"])
    return AuthHeader(credential, signed_headers, fields["Signature"])


@lru_cache(maxsize=256)
def _header_scope(credential: str, signed_headers: str) -> tuple[Credential, tuple[str, ...]]:
    """Credential and SignedHeaders of a header, cached: a client repeats them all day long."""
    return parse_credential(credential, _header_malformed), tuple(signed_headers.split(";"))


@lru_cache(maxsize=1024)
def _parse_amz_date(value: str) -> float | None:
    """Seconds since the epoch for `YYYYMMDDTHHMMSSZ`, or None when malformed.

    Parsed by slicing, not time.strptime (which cost ~20% of a verification), and cached:
    every request signed in the same second carries the same string. Accepts exactly what
    strptime("%Y%m%dT%H%M%SZ") did, leap seconds 60 and 61 included.
    """
    if not _AMZ_DATE.fullmatch(value):
        return None
    year, month, day = int(value[0:4]), int(value[4:6]), int(value[6:8])
    hour, minute, second = int(value[9:11]), int(value[11:13]), int(value[13:15])
    if hour > 23 or minute > 59 or second > 61:
        return None
    try:
        datetime.date(year, month, day)  # month 1-12, day within the month, year >= 1
    except ValueError:
        return None
    return float(calendar.timegm((year, month, day, hour, minute, second)))


def _request_time(headers: dict[str, str]) -> tuple[str, float]:
    """The signing timestamp: X-Amz-Date, else the Date header (RFC 1123) in the same form."""
    amz_date = headers.get("x-amz-date")
    if amz_date is not None:
        seconds = _parse_amz_date(amz_date.strip())
        if seconds is not None:
            return amz_date.strip(), seconds
    elif "date" in headers:
        parsed = parsedate_tz(headers["date"])
        if parsed is not None:
            try:
                seconds = float(calendar.timegm(parsed[:9]) - (parsed[9] or 0))
                return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(seconds)), seconds
            except (OverflowError, ValueError):
                pass
    raise S3Error("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header")


def _iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


# --- canonical request ---------------------------------------------------------------


def _uri_encode(raw: bytes) -> str:
    """AWS URI encoding: every byte except A-Z a-z 0-9 - _ . ~ as %XY (upper-case hex)."""
    return quote(raw, safe="~")


def canonical_uri_candidates(raw_path: str) -> list[str]:
    """Canonical URIs a correct S3 client may have signed for this raw path, best first.

    S3 does not normalise the path ('//', '.', '..' stay). Clients send the key already
    URI-encoded and sign exactly what they send (botocore quotes with safe '/~'; the JS SDK
    v3 and Java v2 encode strictly too), so decoding each segment once and re-encoding with
    the AWS rules reproduces it, and also accepts clients that percent-encode with lower-case
    hex or leave sub-delimiters such as '!' unencoded. The raw path as received is the
    fallback for clients that signed their own lax encoding verbatim.
    """
    path = raw_path or "/"
    if _UNRESERVED_PATH.fullmatch(path):
        return [path]  # nothing to decode or encode: most keys, and one regex beats 2n calls
    strict = "/".join(_uri_encode(unquote_to_bytes(segment)) for segment in path.split("/"))
    return [strict] if strict == path else [strict, path]


def _split_query(raw_query: str) -> list[tuple[str, str]]:
    # Empty items ("a=1&&b=2") are kept as empty pairs, as botocore signs them.
    if not raw_query:
        return []
    return [
        (key, value) for key, _, value in (item.partition("=") for item in raw_query.split("&"))
    ]


def canonical_query_candidates(
    pairs: list[tuple[str, str]], exclude: str | None = None
) -> list[str]:
    """Canonical query strings for raw `key=value` pairs, best first (same idea as the path).

    Each key and value is percent-decoded and re-encoded with the AWS rules, pairs sorted by
    key then value, `key` without '=' becomes `key=`. The raw pairs sorted as sent (what
    botocore signs) are the fallback. `exclude` drops X-Amz-Signature for presigned URLs.
    """
    if not pairs:
        return [""]
    strict_pairs = sorted(
        (_uri_encode(unquote_to_bytes(k)), _uri_encode(unquote_to_bytes(v)))
        for k, v in pairs
        if exclude is None or unquote_to_bytes(k) != exclude.encode()
    )
    raw_pairs = sorted(
        (k, v) for k, v in pairs if exclude is None or unquote_to_bytes(k) != exclude.encode()
    )
    strict = "&".join(f"{k}={v}" for k, v in strict_pairs)
    raw = "&".join(f"{k}={v}" for k, v in raw_pairs)
    return [strict] if strict == raw else [strict, raw]


def _fold_value(value: str) -> str:
    # Trimall: trim, and fold runs of whitespace to one space (as botocore and the JS SDK do).
    return " ".join(value.split())


def canonical_headers(
    signed_headers: tuple[str, ...],
    headers: dict[str, list[str]] | None,
    host_override: str | None,
    single: dict[str, str] | None = None,
) -> str:
    """`name:value\\n` per signed header, in the order signed; repeated values joined by ','.

    `single` maps each name to its value when no header is repeated (the usual case, no
    lists built); otherwise `headers` maps names to every value in arrival order."""
    lines = []
    for name in signed_headers:
        if name == "host" and host_override is not None:
            value = _fold_value(host_override)
        elif headers is None:
            one = single.get(name) if single is not None else None
            value = "" if one is None else _fold_value(one)
        else:
            values = headers.get(name)
            value = "" if values is None else ",".join(_fold_value(v) for v in values)
        lines.append(f"{name}:{value}\n")
    return "".join(lines)


def string_to_sign(amz_date: str, scope: str, canonical_request: str) -> str:
    digest = hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"


# --- verification --------------------------------------------------------------------


class _Signed(NamedTuple):
    """Everything needed to check one signature, whichever way it arrived."""

    credential: Credential
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str
    payload_hash: str
    query_pairs: list[tuple[str, str]]
    exclude_param: str | None


def verify_request(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: list[tuple[str, str]],
    lookup_secret: Callable[[str], str | None],
    now: float,
    host_override: str | None = None,
    unique: dict[str, str] | None = None,
    *,
    region: str,
) -> AuthResult:
    """Verify a signed request: SigV4 (Authorization header or presigned query), or SigV2
    (`AWS AK:sig` header or `AWSAccessKeyId`/`Signature`/`Expires` query, see sigv2.py).

    `raw_path` / `raw_query` are exactly as received (percent-encoded, before any decoding),
    `headers` are (lower-case name, value) pairs in arrival order, values decoded as latin-1.
    `unique`, when the caller has it, maps each lower-case name to its value for a request
    where no header name repeats (saves building it again). `region` is the server's region:
    a SigV4 credential scope naming another one is refused (SigV2 has no region).
    Raises S3Error on any failure; returns what the body readers need on success.
    """
    header_map: dict[str, list[str]] | None = None
    if unique is not None:
        single = unique
        if not raw_query:
            authorization = unique.get("authorization")
            if authorization is not None and authorization.startswith(ALGORITHM):
                fast = _verify_plain_header(
                    method,
                    raw_path,
                    unique,
                    authorization,
                    lookup_secret,
                    now,
                    host_override,
                    region,
                )
                if fast is not None:
                    return fast
    else:
        single = {}
        for name, value in headers:
            name = name.lower()
            if name in single:
                if header_map is None:
                    header_map = _header_lists(headers)
            else:
                single[name] = value
        if header_map is not None:
            refuse_repeated_inputs(header_map, single)
    pairs = _split_query(raw_query)
    query_keys = (
        {unquote_to_bytes(k).decode("utf-8", "replace") for k, _ in pairs} if pairs else set()
    )

    authorization = single.get("authorization")
    v4_query = "X-Amz-Algorithm" in query_keys
    v2_query = "Signature" in query_keys and "AWSAccessKeyId" in query_keys
    if (authorization is not None) + v4_query + v2_query > 1:
        raise only_one_auth_mechanism(authorization or "")
    if authorization is not None:
        if authorization.lstrip().startswith("AWS "):
            return _v2_result(
                sigv2.verify_header(
                    method,
                    raw_path,
                    raw_query,
                    authorization,
                    header_map or _header_lists(headers),
                    lookup_secret,
                    now,
                )
            )
        signed = _from_header(authorization, single, pairs, now)
    elif v4_query:
        signed = _from_query(pairs, now, single)
    elif v2_query:
        return _v2_result(
            sigv2.verify_presigned(
                method,
                raw_path,
                raw_query,
                header_map or _header_lists(headers),
                lookup_secret,
                now,
            )
        )
    else:
        raise S3Error("AccessDenied")
    return _check_signature(
        method, raw_path, single, header_map, signed, lookup_secret, host_override, region
    )


def _verify_plain_header(
    method: str,
    raw_path: str,
    single: dict[str, str],
    authorization: str,
    lookup_secret: Callable[[str], str | None],
    now: float,
    host_override: str | None,
    region: str,
) -> AuthResult | None:
    """The usual request with less work: a V4 Authorization header, no query string, no
    repeated header, a path already in canonical form (one candidate, no re-encoding).

    The same checks in the same order as the general path, through the same helpers, so
    any error raised here is the one it would raise; returns None wherever the general
    path has to decide (a rejection it words itself, a signature mismatch whose error
    carries the canonical request), and it then starts over."""
    path = raw_path or "/"
    if _UNRESERVED_PATH.fullmatch(path) is None:
        return None
    auth = parse_authorization_header(authorization)
    amz_date, seconds = _request_time(single)
    credential = auth.credential
    if abs(now - seconds) > MAX_SKEW_SECONDS or credential.date != amz_date[:8]:
        return None
    payload_hash = single.get("x-amz-content-sha256")
    if payload_hash is None:
        return None
    payload_hash = check_payload_hash_value(payload_hash.strip())
    secret = lookup_secret(credential.access_key)
    if secret is None:
        return None
    check_region(credential, region, _header_malformed)
    signed_headers = auth.signed_headers
    check_signed_headers(signed_headers, single)
    key = signing_key(secret, credential.date, credential.region, credential.service)
    block = canonical_headers(signed_headers, None, host_override, single)
    canonical = f"{method.upper()}\n{path}\n\n{block}\n{';'.join(signed_headers)}\n{payload_hash}"
    scope = credential.scope
    signature = sign(key, string_to_sign(amz_date, scope, canonical))
    if not hmac.compare_digest(signature.encode(), auth.signature.encode("utf-8", "replace")):
        return None
    return AuthResult(credential.access_key, key, amz_date, scope, auth.signature, payload_hash)


def _header_lists(headers: list[tuple[str, str]]) -> dict[str, list[str]]:
    header_map: dict[str, list[str]] = {}
    for name, value in headers:
        header_map.setdefault(name.lower(), []).append(value)
    return header_map


def _v2_result(signed: sigv2.SignedV2) -> AuthResult:
    """SigV2 signs no body: the payload is read as UNSIGNED-PAYLOAD (a signed Content-MD5 is
    still checked by the handlers), and there is no signing key or chunk chain."""
    return AuthResult(
        access_key=signed.access_key,
        signing_key=b"",
        amz_date="",
        scope="",
        seed_signature=signed.signature,
        payload_hash=UNSIGNED_PAYLOAD,
        presigned=signed.presigned,
    )


def _from_header(
    authorization: str, single: dict[str, str], pairs: list[tuple[str, str]], now: float
) -> _Signed:
    auth = parse_authorization_header(authorization)
    amz_date, seconds = _request_time(single)
    if abs(now - seconds) > MAX_SKEW_SECONDS:
        raise S3Error(
            "RequestTimeTooSkewed",
            extra={
                "RequestTime": single.get("x-amz-date") or single.get("date", ""),
                "ServerTime": _iso(now),
                "MaxAllowedSkewMilliseconds": str(MAX_SKEW_SECONDS * 1000),
            },
        )
    if auth.credential.date != amz_date[:8]:
        raise _header_malformed(
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
        auth.credential, auth.signed_headers, auth.signature, amz_date, payload_hash, pairs, None
    )


def check_payload_hash_value(payload_hash: str) -> str:
    if payload_hash == EMPTY_SHA256:  # every GET, HEAD and DELETE
        return payload_hash
    if payload_hash not in PAYLOAD_MODES and not _SHA256_HEX.fullmatch(payload_hash):
        raise S3Error(
            "InvalidArgument",
            "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a "
            "valid sha256 value.",
            extra={"ArgumentName": "x-amz-content-sha256", "ArgumentValue": payload_hash},
        )
    return payload_hash


def _query_error(message: str) -> S3Error:
    return S3Error("AuthorizationQueryParametersError", message)


def _credential_param_malformed(detail: str) -> S3Error:
    return _query_error(f"Error parsing the X-Amz-Credential parameter; {detail}")


def _from_query(pairs: list[tuple[str, str]], now: float, single: dict[str, str]) -> _Signed:
    params: dict[str, str] = {}
    for key, value in pairs:
        name = unquote_to_bytes(key).decode("utf-8", "replace")
        if name in params and name in _SIGNING_PARAMS:
            # Never the first of two signatures, credentials, dates ... (s3box's wording).
            raise _query_error(f"Query-string authentication allows only one {name} parameter.")
        params[name] = unquote_to_bytes(value).decode("utf-8", "replace")
    # An empty X-Amz-SignedHeaders is S3's HeadersNotSigned: host (brendanhay/amazonka#272).
    if "X-Amz-SignedHeaders" not in params or not all(map(params.get, _NONEMPTY_PARAMS)):
        raise _query_error(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, "
            "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and "
            "X-Amz-Expires parameters."
        )
    if params["X-Amz-Algorithm"] != ALGORITHM:
        raise _query_error(f'X-Amz-Algorithm only supports "{ALGORITHM}"')
    credential = parse_credential(params["X-Amz-Credential"], _credential_param_malformed)
    amz_date = params["X-Amz-Date"]
    seconds = _parse_amz_date(amz_date)
    if seconds is None:
        raise _query_error("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
    if credential.date != amz_date[:8]:
        raise _query_error(
            f'Invalid credential date "{credential.date}". This date is not the same as '
            f'X-Amz-Date: "{amz_date[:8]}".'
        )
    expires = _parse_expires(params["X-Amz-Expires"])
    if seconds - now > MAX_SKEW_SECONDS:
        raise S3Error("AccessDenied", "Request is not valid yet")
    if now > seconds + expires:
        raise S3Error(
            "AccessDenied",
            "Request has expired",
            extra={
                "X-Amz-Expires": str(expires),
                "Expires": _iso(seconds + expires),
                "ServerTime": _iso(now),
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
        pairs,
        "X-Amz-Signature",
    )


def _parse_expires(value: str) -> int:
    if not value.isdigit():
        if value.startswith("-") and value[1:].isdigit():
            raise _query_error("X-Amz-Expires must be non-negative")
        raise _query_error("X-Amz-Expires should be a number")
    expires = int(value)
    if expires > MAX_PRESIGNED_EXPIRES:
        raise _query_error("X-Amz-Expires must be less than a week (in seconds) that is; 604800")
    if expires < 1:
        raise _query_error("X-Amz-Expires must be greater than 0")
    return expires


_NO_QUERY = ("",)


def _check_signature(
    method: str,
    raw_path: str,
    single: dict[str, str],
    header_map: dict[str, list[str]] | None,
    signed: _Signed,
    lookup_secret: Callable[[str], str | None],
    host_override: str | None,
    region: str,
) -> AuthResult:
    credential = signed.credential
    secret = lookup_secret(credential.access_key)
    if secret is None:
        raise S3Error("InvalidAccessKeyId", extra={"AWSAccessKeyId": credential.access_key})
    # After the access key (no source shows which of the two S3 reports first for an
    # unknown key in a wrong region) and before any signature work.
    presigned = signed.exclude_param is not None
    check_region(
        credential, region, _credential_param_malformed if presigned else _header_malformed
    )
    check_signed_headers(signed.signed_headers, single)
    key = signing_key(secret, credential.date, credential.region, credential.service)
    headers_block = canonical_headers(signed.signed_headers, header_map, host_override, single)
    tail = f"{headers_block}\n{';'.join(signed.signed_headers)}\n{signed.payload_hash}"
    first: tuple[str, str] | None = None
    provided = signed.signature.encode("utf-8", "replace")
    scope = credential.scope
    head = f"{method.upper()}\n"
    queries = (
        canonical_query_candidates(signed.query_pairs, signed.exclude_param)
        if signed.query_pairs
        else _NO_QUERY
    )
    for uri in canonical_uri_candidates(raw_path):
        for query in queries:
            canonical = f"{head}{uri}\n{query}\n{tail}"
            to_sign = string_to_sign(signed.amz_date, scope, canonical)
            if hmac.compare_digest(sign(key, to_sign).encode(), provided):
                return AuthResult(
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


def check_payload_sha256(expected_hex: str, actual_digest: bytes) -> None:
    """XAmzContentSHA256Mismatch when the body's SHA-256 is not the signed one."""
    actual_hex = actual_digest.hex()
    if not hmac.compare_digest(expected_hex.lower().encode(), actual_hex.encode()):
        raise S3Error(
            "XAmzContentSHA256Mismatch",
            extra={
                "ClientComputedContentSHA256": expected_hex,
                "S3ComputedContentSHA256": actual_hex,
            },
        )


__all__ = [
    "EMPTY_SHA256",
    "AuthHeader",
    "AuthResult",
    "Credential",
    "check_payload_sha256",
    "check_region",
    "parse_authorization_header",
    "signing_key",
    "verify_request",
]
