"""Query parameters S3 operations share: encoding-type, bounded integers
(max-keys, max-parts, ...), partNumber, version ids and continuation tokens.

Pure: a query mapping or a raw value in, a checked value out, S3's
InvalidArgument (with ArgumentName and ArgumentValue) on a bad one. No
request context here, so every rule can be tested alone.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from s3box.protocol.errors import S3Error
from s3box.records import MAX_PART_NUMBER

# max-keys, max-uploads, max-parts (and x-amz-max-parts): S3's default page
# size and the most one page may hold.
MAX_PAGE_SIZE = 1000

INVALID_VERSION_ID = "Invalid version id specified"


def parse_encoding_type(query: Mapping[str, str]) -> str | None:
    """encoding-type: "url" (any case) or absent; anything else is S3's
    InvalidArgument "Invalid Encoding Method specified in Request"."""
    value = query.get("encoding-type")
    if value is None:
        return None
    if value.lower() != "url":
        raise S3Error(
            "InvalidArgument",
            "Invalid Encoding Method specified in Request",
            extra={"ArgumentName": "encoding-type", "ArgumentValue": value},
        )
    return "url"


def int_query_param(query: Mapping[str, str], name: str, default: int, maximum: int) -> int:
    """A non-negative integer query parameter (max-keys, max-parts, ...),
    capped at `maximum`; absent or empty -> default; else InvalidArgument."""
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise S3Error(
            "InvalidArgument",
            f"Provided {name} not an integer or within integer range",
            extra={"ArgumentName": name, "ArgumentValue": raw},
        ) from None
    if value < 0:
        raise S3Error(
            "InvalidArgument",
            f"Argument {name} must be an integer between 0 and 2147483647",
            extra={"ArgumentName": name, "ArgumentValue": raw},
        )
    return min(value, maximum)


def max_keys_echo(query: Mapping[str, str]) -> int:
    """The MaxKeys a listing shows: S3 echoes what the client asked for, even
    above the cap (1000 when absent). Call after int_query_param checked it."""
    raw = query.get("max-keys")
    if not raw:
        return MAX_PAGE_SIZE
    return int(raw)


def parse_part_number(raw: str) -> int:
    """A partNumber query value: an integer 1..10000, else InvalidArgument."""
    try:
        number = int(raw)
    except ValueError:
        number = 0
    if not 1 <= number <= MAX_PART_NUMBER:
        raise S3Error(
            "InvalidArgument",
            "Part number must be an integer between 1 and 10000, inclusive",
            extra={"ArgumentName": "partNumber", "ArgumentValue": raw},
        )
    return number


def check_version_id(
    version_id: str | None, argument_name: str = "versionId", argument_value: str | None = None
) -> None:
    """Buckets are unversioned: None (absent) or "null" names the current
    object (rclone sends versionId=null); any other version id does not exist
    and is InvalidArgument. argument_value, when given, is what the error
    shows instead of the id (the whole x-amz-copy-source, as S3 does)."""
    if version_id is None or version_id == "null":
        return
    raise S3Error(
        "InvalidArgument",
        INVALID_VERSION_ID,
        extra={
            "ArgumentName": argument_name,
            "ArgumentValue": version_id if argument_value is None else argument_value,
        },
    )


def encode_continuation_token(marker: str) -> str:
    """The opaque continuation token of a listing page (ListObjectsV2,
    ListBuckets): the name to continue after, url-safe base64."""
    return base64.urlsafe_b64encode(marker.encode("utf-8")).decode("ascii")


def decode_continuation_token(token: str) -> str:
    """The name a continuation token stands for; an empty or undecodable token
    is S3's InvalidArgument."""
    try:
        if not token:
            raise ValueError("empty token")
        padded = token + "=" * (-len(token) % 4)
        return base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise S3Error(
            "InvalidArgument",
            "The continuation token provided is incorrect",
            extra={"ArgumentName": "continuation-token", "ArgumentValue": token},
        ) from None
