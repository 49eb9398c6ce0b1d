"""Maps (bucket, key) to its place in the v1 on-disk layout.

Pure path arithmetic over the format in docs/storage.md: the SHA-1 fanout leaf
and the object directory names. No I/O, no SQLite, no HTTP.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Callable

STORAGE_VERSION = "v1"
DIR_PREFIX = "V1"
BUCKET_JSON = "bucket.json"
BUCKET_TAGGING = "tagging.json"  # bucket tags, absent when none
INDEX_FILE = "index.sqlite"
OBJECTS = "objects"
STAGING_PUT = os.path.join("staging", "put")
STAGING_MULTIPART = os.path.join("staging", "multipart")
TRASH = "trash"
META_JSON = "meta.json"

HashFn = Callable[[str, str], str]


def key_hash(bucket: str, key: str) -> str:
    """hex SHA-1 of the UTF-8 bytes of bucket name + key."""
    return hashlib.sha1((bucket + key).encode("utf-8")).hexdigest()


def leaf_dir(objects_dir: str, h: str) -> str:
    """objects/<h0h1>/<h2h3>/<h4h5>/<h6h7>."""
    return os.path.join(objects_dir, h[0:2], h[2:4], h[4:6], h[6:8])


def base_name(h: str) -> str:
    """The preferred object directory name: "V1" + h[8:14] uppercase."""
    return DIR_PREFIX + h[8:14].upper()


def collision_name(h: str, suffix: str | None = None) -> str:
    """The name a newcomer gets when base_name is taken by another key in the
    leaf: base_name + "_" + 4 uppercase hex digits (e.g. V1AB3F7C_91FE)."""
    if suffix is None:
        suffix = secrets.token_hex(2).upper()
    return base_name(h) + "_" + suffix


def part_name(number: int) -> str:
    return f"part.{number}"


# base_name or collision_name: "V1" + 6 uppercase hex digits, optionally "_" + 4.
_OBJECT_DIR_NAME = re.compile(r"V1[0-9A-F]{6}(?:_[0-9A-F]{4})?")


def is_valid_object_dir_name(name: str) -> bool:
    return _OBJECT_DIR_NAME.fullmatch(name) is not None
