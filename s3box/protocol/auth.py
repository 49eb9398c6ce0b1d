"""The one entry point for request signatures: verify_request picks SigV4 or SigV2 and returns
an AuthResult that tells the body readers how the payload is signed.

Strategy: the usual request (a SigV4 Authorization header, no query string, no repeated
header) takes sigv4's fast path; every other request is sorted by what it carries (an
Authorization header of either scheme, a SigV4 or a SigV2 presigned query), more than one
of them being S3's "only one auth mechanism", none of them AccessDenied. Pure code: no I/O,
never logs or returns a secret, never lets a non-S3Error exception escape for bad input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

from s3box.protocol import sigv2, sigv4
from s3box.protocol.chunked import ChunkSignatureVerifier
from s3box.protocol.errors import S3Error
from s3box.protocol.payload import PAYLOAD_MODES, SIGNED_STREAMING_MODES, UNSIGNED_PAYLOAD
from s3box.protocol.signed_headers import only_one_auth_mechanism
from s3box.protocol.signed_request import signed_request
from s3box.protocol.signing import ALGORITHM


# Not frozen: a frozen dataclass costs a microsecond more to build, on every request.
@dataclass(slots=True)
class AuthResult:
    """A verified request: who signed it and how its body must be read and checked.

    `payload_hash` is the x-amz-content-sha256 value the signature covered: a hex SHA-256
    of the body, or a payload mode (UNSIGNED-PAYLOAD, STREAMING-...); SigV2 signs no body,
    so it is UNSIGNED-PAYLOAD there. `expected_sha256` is the body's hex SHA-256 to check
    after reading it, None when not signed so. `chunk_verifier` makes the checker of the
    chunk signature chain of a signed aws-chunked body, None for any other body. `signed`
    is the verifier's own record (SignedV4 or SignedV2).
    """

    access_key: str
    payload_hash: str
    expected_sha256: str | None
    chunk_verifier: Callable[[], ChunkSignatureVerifier] | None = field(compare=False, repr=False)
    signed: sigv4.SignedV4 | sigv2.SignedV2

    @property
    def presigned(self) -> bool:
        """True when the signature came in the URL's query string."""
        return self.signed.presigned


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
    host_bucket: str | None = None,
) -> AuthResult:
    """Verify a signed request: SigV4 (Authorization header or presigned query), or SigV2
    (`AWS AK:sig` header or `AWSAccessKeyId`/`Signature`/`Expires` query).

    `raw_path` / `raw_query` are exactly as received (percent-encoded, before any decoding),
    `headers` are (lower-case name, value) pairs in arrival order, values decoded as latin-1.
    `unique`, when the caller has it, maps each lower-case name to its value for a request
    where no header name repeats (saves building it again). `region` is the server's region:
    a SigV4 credential scope naming another one is refused (SigV2 has no region).
    `host_bucket` is the bucket the Host header named (virtual-hosted style): SigV2's
    CanonicalizedResource starts with `/bucket` then (SigV4 signs the path as sent).
    Raises S3Error on any failure; returns what the body readers need on success.
    """
    request = signed_request(
        method,
        raw_path,
        raw_query,
        headers,
        unique,
        now,
        lookup_secret,
        host_override,
        region,
        host_bucket,
    )
    authorization = request.single.get("authorization")
    # The fast path only where no name repeats (unique) and no query can carry a signature.
    if (
        unique is not None
        and not raw_query
        and authorization is not None
        and authorization.startswith(ALGORITHM)
    ):
        fast = sigv4.verify_plain_header(request, authorization)
        if fast is not None:
            return _v4_result(fast)
    pairs = request.query_pairs
    query_keys = (
        {unquote_to_bytes(k).decode("utf-8", "replace") for k, _ in pairs} if pairs else set()
    )
    v4_query = "X-Amz-Algorithm" in query_keys
    v2_query = "Signature" in query_keys and "AWSAccessKeyId" in query_keys
    if (authorization is not None) + v4_query + v2_query > 1:
        raise only_one_auth_mechanism(authorization or "")
    if authorization is not None:
        if authorization.lstrip().startswith("AWS "):
            return _v2_result(sigv2.verify_header(request, authorization))
        return _v4_result(sigv4.verify_header(request, authorization))
    if v4_query:
        return _v4_result(sigv4.verify_presigned(request))
    if v2_query:
        return _v2_result(sigv2.verify_presigned(request))
    raise S3Error("AccessDenied")


def _v4_result(signed: sigv4.SignedV4) -> AuthResult:
    payload_hash = signed.payload_hash
    return AuthResult(
        signed.access_key,
        payload_hash,
        None if payload_hash in PAYLOAD_MODES else payload_hash.lower(),
        signed.chunk_verifier if payload_hash in SIGNED_STREAMING_MODES else None,
        signed,
    )


def _v2_result(signed: sigv2.SignedV2) -> AuthResult:
    """SigV2 signs no body: the payload is read as UNSIGNED-PAYLOAD (a signed Content-MD5 is
    still checked by the payload checks), and there is no chunk signature chain."""
    return AuthResult(signed.access_key, UNSIGNED_PAYLOAD, None, None, signed)


__all__ = ["AuthResult", "verify_request"]
