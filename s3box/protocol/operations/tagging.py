"""Get/Put/Delete{Object,Bucket}Tagging: the typed inputs, the Tagging
documents, and the tag rules the x-amz-tagging header shares with them.

Pure code; where tags are kept is the engine's business.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from s3box.protocol.errors import S3Error
from s3box.protocol.query import check_version_id
from s3box.protocol.request import RequestHead, bucket_of, key_of
from s3box.protocol.response import Response, xml_response
from s3box.protocol.xmlparse import child, children, malformed, parse_root, required_text
from s3box.protocol.xmlrender import document, el

# Limits from "Categorizing your storage using tags" (S3 User Guide).
MAX_OBJECT_TAGS = 10  # "up to 10 tags per object"
MAX_BUCKET_TAGS = 50  # "up to 50 tags" per bucket
MAX_TAG_KEY_CHARS = 128
MAX_TAG_VALUE_CHARS = 256
# Size cap on a Tagging document (50 tags fit in a few KiB; S3 refuses larger
# bodies too): what the handler reads at most.
MAX_TAGGING_BODY = 64 * 1024

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


def parse_object_tags(body: bytes) -> dict[str, str]:
    """An object's Tagging document -> {key: value}, at most 10 tags (check_tags)."""
    return _parse_tagging(body, MAX_OBJECT_TAGS)


def parse_bucket_tags(body: bytes) -> dict[str, str]:
    """A bucket's Tagging document -> {key: value}, at most 50 tags (check_tags)."""
    return _parse_tagging(body, MAX_BUCKET_TAGS)


def render_tagging(tags: Mapping[str, str]) -> bytes:
    """The Tagging/TagSet/Tag{Key,Value} document (objects and buckets alike)."""
    items = "".join(
        f"<Tag>{el('Key', key)}{el('Value', value)}</Tag>" for key, value in tags.items()
    )
    return document("Tagging", f"<TagSet>{items}</TagSet>")


# ---- object tagging ---------------------------------------------------------
# Buckets are unversioned: versionId may only name the current object ("null"),
# and answers carry x-amz-version-id: null as S3's do for such objects.
_NULL_VERSION = ("x-amz-version-id", "null")


@dataclass(frozen=True, slots=True)
class GetObjectTaggingInput:
    bucket: str
    key: str


def parse_get_object_tagging(req: RequestHead) -> GetObjectTaggingInput:
    inp = GetObjectTaggingInput(bucket_of(req), key_of(req))
    check_version_id(req.query.get("versionId"))
    return inp


def render_get_object_tagging(inp: GetObjectTaggingInput, tags: Mapping[str, str]) -> Response:
    return xml_response(render_tagging(tags))


@dataclass(frozen=True, slots=True)
class PutObjectTaggingInput:
    bucket: str
    key: str
    tags: dict[str, str]


def parse_put_object_tagging(req: RequestHead, body: bytes) -> PutObjectTaggingInput:
    """The object, then its Tagging body (InvalidTag, MalformedXML)."""
    bucket, key = bucket_of(req), key_of(req)
    check_version_id(req.query.get("versionId"))
    return PutObjectTaggingInput(bucket, key, parse_object_tags(body))


def render_put_object_tagging(inp: PutObjectTaggingInput) -> Response:
    return Response(headers=[_NULL_VERSION])


@dataclass(frozen=True, slots=True)
class DeleteObjectTaggingInput:
    bucket: str
    key: str


def parse_delete_object_tagging(req: RequestHead) -> DeleteObjectTaggingInput:
    inp = DeleteObjectTaggingInput(bucket_of(req), key_of(req))
    check_version_id(req.query.get("versionId"))
    return inp


def render_delete_object_tagging(inp: DeleteObjectTaggingInput) -> Response:
    return Response(status=204, headers=[_NULL_VERSION])


# ---- bucket tagging ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GetBucketTaggingInput:
    bucket: str


def parse_get_bucket_tagging(req: RequestHead) -> GetBucketTaggingInput:
    return GetBucketTaggingInput(bucket_of(req))


def render_get_bucket_tagging(
    inp: GetBucketTaggingInput, tags: Mapping[str, str] | None
) -> Response:
    """The bucket's tags; None (never tagged, or the tags deleted) is S3's 404
    NoSuchTagSet, raised as the error response."""
    if tags is None:
        raise S3Error("NoSuchTagSet", "The TagSet does not exist", extra={"BucketName": inp.bucket})
    return xml_response(render_tagging(tags))


@dataclass(frozen=True, slots=True)
class PutBucketTaggingInput:
    bucket: str
    tags: dict[str, str]


def parse_put_bucket_tagging(req: RequestHead, body: bytes) -> PutBucketTaggingInput:
    return PutBucketTaggingInput(bucket_of(req), parse_bucket_tags(body))


def render_put_bucket_tagging(inp: PutBucketTaggingInput) -> Response:
    return Response(status=204)


@dataclass(frozen=True, slots=True)
class DeleteBucketTaggingInput:
    bucket: str


def parse_delete_bucket_tagging(req: RequestHead) -> DeleteBucketTaggingInput:
    return DeleteBucketTaggingInput(bucket_of(req))


def render_delete_bucket_tagging(inp: DeleteBucketTaggingInput) -> Response:
    return Response(status=204)
