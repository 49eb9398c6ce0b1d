"""Signatures of browser-form uploads (POST Object): the signature is a form field and
signs the policy field as sent, not the request.

SigV4 (sigv4-authentication-HTTPPOST): x-amz-signature = hex HMAC-SHA256 of the policy
(base64, as received) under the signing key of the x-amz-credential scope. SigV2
(HTTPPOSTForms): signature = base64 HMAC-SHA1 of the policy under the secret. Pure code:
no I/O, never logs or returns a secret; S3Error for every refusal.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable, Mapping

from s3box.protocol import sigv2
from s3box.protocol.chunked import hex_bytes
from s3box.protocol.errors import S3Error
from s3box.protocol.signing import ALGORITHM, SERVICE, sign, signing_key
from s3box.protocol.sigv4_parse import check_region, parse_credential

# The fields of each scheme, in the order S3 names a missing one, as S3 spells them.
V4_FIELDS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Signature")
V2_FIELDS = ("AWSAccessKeyId", "Signature")
_AMZ_DATE = re.compile(r"\d{8}T\d{6}Z")


def missing_field(name: str) -> S3Error:
    """S3's answer to a required field the form lacks (or sends after the file: S3 reads
    no further). Two spaces after the first period, as S3 writes it."""
    return S3Error(
        "InvalidArgument",
        f"Bucket POST must contain a field named '{name}'.  If it is specified, please check "
        "the order of the fields.",
        extra={"ArgumentName": name, "ArgumentValue": ""},
    )


def is_signed(fields: Mapping[str, str]) -> bool:
    """Whether the form carries any field of either signature scheme."""
    return any(name.lower() in fields for name in (*V4_FIELDS, *V2_FIELDS))


def verify_post_signature(
    fields: Mapping[str, str], lookup_secret: Callable[[str], str | None], region: str
) -> str:
    """Verify the form's signature and return the access key that signed it.

    `fields` maps lower-case field names to values. A form with no signature field is
    anonymous: AccessDenied (s3box buckets are never public-write). A scheme begun but
    incomplete names the missing field (InvalidArgument)."""
    v4 = any(name.lower() in fields for name in V4_FIELDS)
    v2 = any(name.lower() in fields for name in V2_FIELDS)
    if not v4 and not v2:
        raise S3Error("AccessDenied")
    for name in V4_FIELDS if v4 else V2_FIELDS:
        if name.lower() not in fields:
            raise missing_field(name)
    policy = fields.get("policy")
    if policy is None:
        raise missing_field("Policy")
    if v4:
        return _verify_v4(fields, policy, lookup_secret, region)
    access_key = fields["awsaccesskeyid"]
    secret = lookup_secret(access_key)
    if secret is None:
        raise S3Error("InvalidAccessKeyId", extra={"AWSAccessKeyId": access_key})
    _compare(access_key, policy, fields["signature"], sigv2.sign(secret, policy))
    return access_key


def _argument_error(name: str, value: str) -> Callable[[str], S3Error]:
    def error(detail: str) -> S3Error:
        return S3Error(
            "InvalidArgument", detail, extra={"ArgumentName": name, "ArgumentValue": value}
        )

    return error


def _verify_v4(
    fields: Mapping[str, str],
    policy: str,
    lookup_secret: Callable[[str], str | None],
    region: str,
) -> str:
    algorithm = fields["x-amz-algorithm"]
    if algorithm != ALGORITHM:
        raise _argument_error("X-Amz-Algorithm", algorithm)(
            f'X-Amz-Algorithm only supports "{ALGORITHM}"'
        )
    amz_date = fields["x-amz-date"]
    if not _AMZ_DATE.fullmatch(amz_date):
        # "formated" (sic): S3's spelling.
        raise _argument_error("X-Amz-Date", amz_date)(
            "X-Amz-Date must be formated via ISO8601 Long format"
        )
    raw_credential = fields["x-amz-credential"]
    malformed = _argument_error("X-Amz-Credential", raw_credential)
    if raw_credential.startswith("/"):
        raise malformed("a non-empty Access Key (AKID) must be provided in the credential.")
    credential = parse_credential(raw_credential, malformed)
    secret = lookup_secret(credential.access_key)
    if secret is None:
        raise S3Error("InvalidAccessKeyId", extra={"AWSAccessKeyId": credential.access_key})
    check_region(credential, region, malformed)
    key = signing_key(secret, credential.date, credential.region, SERVICE)
    _compare(credential.access_key, policy, fields["x-amz-signature"], sign(key, policy))
    return credential.access_key


def _compare(access_key: str, policy: str, provided: str, expected: str) -> None:
    """SignatureDoesNotMatch unless equal (constant time); S3 shows the policy as the
    string to sign."""
    if hmac.compare_digest(expected.encode("ascii"), provided.encode("utf-8", "replace")):
        return
    raise S3Error(
        "SignatureDoesNotMatch",
        extra={
            "AWSAccessKeyId": access_key,
            "StringToSign": policy,
            "SignatureProvided": provided,
            "StringToSignBytes": hex_bytes(policy),
        },
    )


__all__ = ["is_signed", "missing_field", "verify_post_signature"]
