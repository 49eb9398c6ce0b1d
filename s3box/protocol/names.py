"""Validation of what clients name: bucket names, object keys, storage classes.

Pure checks that raise S3Error with S3's code; they never touch storage and
never normalise a name (a key is stored exactly as sent).
"""

from __future__ import annotations

import re

from s3box.protocol.errors import S3Error

# "General purpose bucket naming rules" (S3 User Guide, bucketnamingrules):
# 3-63 characters; lowercase letters, digits, '.' and '-'; begin and end with
# a letter or digit. '_' is never allowed, so "/_s3box/..." cannot be a bucket.
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", re.ASCII)
# "must not be formatted as an IP address (for example, 192.168.5.4)".
_IPV4_LIKE = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}", re.ASCII)
# Reserved prefixes and suffixes, same page ("sthree-configurator" is covered
# by "sthree-").
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")

MAX_KEY_BYTES = 1024

# PutObject x-amz-storage-class, "Valid Values" (S3 API reference).
STORAGE_CLASSES = frozenset(
    {
        "STANDARD",
        "REDUCED_REDUNDANCY",
        "STANDARD_IA",
        "ONEZONE_IA",
        "INTELLIGENT_TIERING",
        "GLACIER",
        "DEEP_ARCHIVE",
        "GLACIER_IR",
        "OUTPOSTS",
        "SNOW",
        "EXPRESS_ONEZONE",
    }
)


def is_valid_bucket_name(name: str) -> bool:
    """True when `name` follows S3's general purpose bucket naming rules."""
    if _BUCKET_NAME.fullmatch(name) is None:
        return False
    if ".." in name or _IPV4_LIKE.fullmatch(name) is not None:
        return False
    return not name.startswith(_RESERVED_PREFIXES) and not name.endswith(_RESERVED_SUFFIXES)


def validate_bucket_name(name: str) -> None:
    """Raise InvalidBucketName (400) unless `name` is a valid bucket name."""
    if not is_valid_bucket_name(name):
        raise S3Error("InvalidBucketName", extra={"BucketName": name})


def validate_key(key: str) -> None:
    """Raise unless `key` can name an object: non-empty, at most 1024 UTF-8 bytes.

    On the wire an empty key cannot reach an object operation (PUT /bucket/
    is CreateBucket); where a key arrives in a body or header (DeleteObjects,
    copy source) S3 answers InvalidRequest "A key must be specified"
    (scality/cloudserver#416, compatibility-checked against AWS).
    Too long: KeyTooLongError with Size and MaxSizeAllowed, as S3 sends.
    """
    if not key:
        raise S3Error("InvalidRequest", "A key must be specified")
    # Cheap bound first: a str of n code points is at least n UTF-8 bytes and
    # at most 4n, so most keys skip the encode entirely.
    if len(key) * 4 <= MAX_KEY_BYTES:
        return
    size = len(key.encode("utf-8", "surrogatepass"))
    if size > MAX_KEY_BYTES:
        raise S3Error(
            "KeyTooLongError",
            extra={"Size": str(size), "MaxSizeAllowed": str(MAX_KEY_BYTES)},
        )


def validate_storage_class(value: str | None) -> str:
    """The storage class to record: STANDARD when absent, else one S3 knows.

    Unknown values are InvalidStorageClass (400), as S3 answers. s3box keeps
    every class on the same disk; the name is only stored and reported.
    """
    if value is None or value == "":
        return "STANDARD"
    if value not in STORAGE_CLASSES:
        raise S3Error(
            "InvalidStorageClass",
            "The storage class you specified is not valid",
            extra={"StorageClassRequested": value},
        )
    return value
