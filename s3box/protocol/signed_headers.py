"""Which request headers a SigV4 signature must cover: S3's HeadersNotSigned rule.

A SigV4 signature covers only the headers its SignedHeaders (X-Amz-SignedHeaders for a
presigned URL) names, yet the handlers act on every `x-amz-*` header that arrives: an
unsigned `x-amz-copy-source` would turn a presigned PUT into a copy of any object. S3
refuses such a request with 403 AccessDenied "There were headers present in the request
which were not signed" and a <HeadersNotSigned> element naming them ("a, b", in the order
they came), and answers the same when `host` is not signed (a signature made for another
endpoint must not replay here). The one exception is x-amz-content-sha256: its value is the
payload hash of the canonical request, so the signature binds it either way (an AWS-tested
note: S3 accepts it unsigned on a presigned URL when it equals the signed payload hash).
Also here: a signing input given twice (two Authorization headers, two X-Amz-Date ...) is
refused, never joined into something that verifies. Pure code, O(number of headers), no
allocation unless refusing.
"""

from __future__ import annotations

from collections.abc import Iterable

from s3box.protocol.errors import S3Error

AMZ_PREFIX = "x-amz-"
# Bound by the canonical request itself (its last line is this header's value).
EXEMPT = "x-amz-content-sha256"
MESSAGE = "There were headers present in the request which were not signed"


def unsigned_headers(signed_headers: tuple[str, ...], names: Iterable[str]) -> list[str]:
    """The names S3 would list in HeadersNotSigned: `host` when it is not signed, then each
    `x-amz-*` name (lower-case, in arrival order) that is neither signed nor exempt."""
    missing: list[str] | None = None if "host" in signed_headers else ["host"]
    for name in names:
        if (
            name.startswith(AMZ_PREFIX)
            and name not in signed_headers
            and name != EXEMPT
            and (missing is None or name not in missing)
        ):
            if missing is None:
                missing = []
            missing.append(name)
    return missing or []


def headers_not_signed(names: list[str]) -> S3Error:
    return S3Error("AccessDenied", MESSAGE, extra={"HeadersNotSigned": ", ".join(names)})


def check_signed_headers(signed_headers: tuple[str, ...], names: Iterable[str]) -> None:
    """Raise S3's AccessDenied/HeadersNotSigned unless `host` and every `x-amz-*` header
    present (`names`, lower-case) are among the signed headers. On the verification fast
    path: one pass over the names, nothing allocated when all is signed."""
    if "host" in signed_headers:
        for name in names:
            if name.startswith(AMZ_PREFIX) and name not in signed_headers and name != EXEMPT:
                break
        else:
            return
    raise headers_not_signed(unsigned_headers(signed_headers, names))


def presigned_payload_hash(
    query_value: str | None,
    single: dict[str, str],
    signed_headers: tuple[str, ...],
    default: str,
) -> str:
    """The payload hash a presigned request is signed with: the URL's X-Amz-Content-Sha256
    (the JS SDK hoists it there), else the x-amz-content-sha256 header (the CRT signers send
    UNSIGNED-PAYLOAD so, unsigned; S3 then signs with the header's value, so another value
    fails the signature), else `default` (UNSIGNED-PAYLOAD). A header that differs from the
    URL's value and is not signed is refused: the body readers go by the header."""
    header_value = single.get(EXEMPT)
    value = query_value or (header_value or "").strip()
    if header_value is not None and header_value.strip() != value and EXEMPT not in signed_headers:
        raise headers_not_signed([EXEMPT])
    return value or default


def only_one_auth_mechanism(authorization: str) -> S3Error:
    """S3's 400 for a request carrying more than one signature (header and query, or two
    Authorization headers)."""
    return S3Error(
        "InvalidArgument",
        "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
        "Signature query string parameter or the Authorization header should be specified",
        extra={"ArgumentName": "Authorization", "ArgumentValue": authorization},
    )


def refuse_repeated_inputs(header_map: dict[str, list[str]], single: dict[str, str]) -> None:
    """For a request where some header name repeats: two Authorization headers are S3's
    "Only one auth mechanism allowed"; two dates are no valid date (S3's AccessDenied for
    one); a repeated x-amz-content-sha256 is put into `single` as its joined value ("v1,v2",
    what HTTP makes of a repeated field), which the payload hash check refuses. Never the
    first value alone, which the canonical request (built from every value) contradicts."""
    authorization = header_map.get("authorization")
    if authorization is not None and len(authorization) > 1:
        raise only_one_auth_mechanism(authorization[0])
    for name in ("x-amz-date", "date"):
        if len(header_map.get(name, ())) > 1:
            raise S3Error(
                "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header"
            )
    payload_hash = header_map.get(EXEMPT)
    if payload_hash is not None and len(payload_hash) > 1:
        single[EXEMPT] = ",".join(payload_hash)


__all__ = [
    "EXEMPT",
    "MESSAGE",
    "check_signed_headers",
    "headers_not_signed",
    "only_one_auth_mechanism",
    "presigned_payload_hash",
    "refuse_repeated_inputs",
    "unsigned_headers",
]
