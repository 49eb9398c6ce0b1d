"""Tagging documents: Get/Put{Object,Bucket}Tagging, and the tag rules the
x-amz-tagging header shares with them.

Pure code; where tags are kept is the engine's business.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping

from s3box.protocol.errors import S3Error
from s3box.protocol.xmlparse import child, children, malformed, parse_root, required_text
from s3box.protocol.xmlrender import document, el

# Limits from "Categorizing your storage using tags" (S3 User Guide).
MAX_OBJECT_TAGS = 10  # "up to 10 tags per object"
MAX_BUCKET_TAGS = 50  # "up to 50 tags" per bucket
MAX_TAG_KEY_CHARS = 128
MAX_TAG_VALUE_CHARS = 256

_TAG_SYMBOLS = frozenset("_.:/=+-@")


def _invalid_tag(message: str) -> S3Error:
    return S3Error("InvalidTag", message)


def _tag_text_ok(text: str) -> bool:
    """AWS's tag pattern `[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*`: letters, separators (spaces),
    numbers and `_ . : / = + - @`. S3 answers InvalidTag for anything else (a comma or
    parentheses in a value, for instance)."""
    for ch in text:
        if ch.isalnum() or ch in _TAG_SYMBOLS:
            continue
        if unicodedata.category(ch)[0] not in "LZN":
            return False
    return True


def check_tags(pairs: Iterable[tuple[str, str]], max_tags: int = MAX_OBJECT_TAGS) -> dict[str, str]:
    """Tag pairs in request order -> {key: value}, within S3's limits.

    Up to 10 tags per object (50 per bucket), keys of 1 to 128 and values up
    to 256 Unicode characters, keys unique; violations are InvalidTag. Keys
    starting with "aws:" are reserved for AWS and rejected likewise, and so
    are characters outside AWS's tag pattern (see _tag_text_ok). Shared by
    the Tagging body and the x-amz-tagging header.
    """
    tags: dict[str, str] = {}
    for key, value in pairs:
        if key in tags:
            raise _invalid_tag("Cannot provide multiple Tags with the same key")
        if not key:
            raise _invalid_tag("The TagKey you have provided is invalid")
        if len(key) > MAX_TAG_KEY_CHARS:
            raise _invalid_tag("The TagKey you have provided is too long, max 128")
        if len(value) > MAX_TAG_VALUE_CHARS:
            raise _invalid_tag("The TagValue you have provided is too long, max 256")
        if key.startswith("aws:"):
            raise _invalid_tag("Your TagKey cannot be prefixed with aws:")
        if not _tag_text_ok(key):
            raise _invalid_tag("The TagKey you have provided is invalid")
        if not _tag_text_ok(value):
            raise _invalid_tag("The TagValue you have provided is invalid")
        tags[key] = value
    if len(tags) > max_tags:
        what = "Object" if max_tags == MAX_OBJECT_TAGS else "Bucket"
        raise _invalid_tag(f"{what} tags cannot be greater than {max_tags}")
    return tags


def _parse_tagging(body: bytes, max_tags: int) -> dict[str, str]:
    root = parse_root(body, "Tagging")
    tag_set = child(root, "TagSet")
    if tag_set is None:
        raise malformed()
    pairs = [
        (required_text(tag, "Key"), required_text(tag, "Value")) for tag in children(tag_set, "Tag")
    ]
    return check_tags(pairs, max_tags)


def parse_put_object_tagging(body: bytes) -> dict[str, str]:
    """PutObjectTagging's Tagging body -> {key: value}, at most 10 tags
    (check_tags)."""
    return _parse_tagging(body, MAX_OBJECT_TAGS)


def parse_put_bucket_tagging(body: bytes) -> dict[str, str]:
    """PutBucketTagging's Tagging body -> {key: value}, at most 50 tags
    (check_tags)."""
    return _parse_tagging(body, MAX_BUCKET_TAGS)


def _render_tagging(tags: Mapping[str, str]) -> bytes:
    items = "".join(
        f"<Tag>{el('Key', key)}{el('Value', value)}</Tag>" for key, value in tags.items()
    )
    return document("Tagging", f"<TagSet>{items}</TagSet>")


def render_get_object_tagging(tags: Mapping[str, str]) -> bytes:
    """GetObjectTagging: Tagging/TagSet/Tag{Key,Value}."""
    return _render_tagging(tags)


def render_get_bucket_tagging(tags: Mapping[str, str]) -> bytes:
    """GetBucketTagging: the same Tagging/TagSet/Tag{Key,Value} document."""
    return _render_tagging(tags)
