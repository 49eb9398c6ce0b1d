"""Tagging documents, the tag rules (check_tags) they share with x-amz-tagging,
and the Get/Put/Delete{Object,Bucket}Tagging inputs and responses."""

from __future__ import annotations

import pytest

from s3box.protocol.errors import S3Error
from s3box.protocol.operations.tagging import (
    MAX_BUCKET_TAGS,
    DeleteBucketTaggingInput,
    DeleteObjectTaggingInput,
    GetBucketTaggingInput,
    GetObjectTaggingInput,
    PutBucketTaggingInput,
    PutObjectTaggingInput,
    check_tags,
    parse_bucket_tags,
    parse_delete_bucket_tagging,
    parse_delete_object_tagging,
    parse_get_bucket_tagging,
    parse_get_object_tagging,
    parse_object_tags,
    parse_put_bucket_tagging,
    parse_put_object_tagging,
    render_delete_bucket_tagging,
    render_delete_object_tagging,
    render_get_bucket_tagging,
    render_get_object_tagging,
    render_put_bucket_tagging,
    render_put_object_tagging,
    render_tagging,
)
from s3box.protocol.request import Head
from s3box.protocol.xmlrender import escape
from tests.unit.protocol.operations.xmltest import parse, text


def test_tagging_renders_and_parses_back_for_objects_and_buckets():
    tags = {"a": "1", "k:=/": "v + @ é", "empty": ""}
    assert parse_object_tags(render_tagging(tags)) == tags
    assert parse_bucket_tags(render_tagging(tags)) == tags


def test_tagging_render_escapes_markup():
    root = parse(render_tagging({"k&<": "v>"}))
    assert text(root, "TagSet/Tag/Key") == "k&<"
    assert text(root, "TagSet/Tag/Value") == "v>"


def tagging_body(pairs) -> bytes:
    tags = "".join(f"<Tag><Key>{escape(k)}</Key><Value>{escape(v)}</Value></Tag>" for k, v in pairs)
    return f"<Tagging><TagSet>{tags}</TagSet></Tagging>".encode()


def test_parse_put_object_tagging_accepts_ten_tags_and_empty_values():
    pairs = [(f"k{i}", "") for i in range(10)]
    assert parse_object_tags(tagging_body(pairs)) == dict(pairs)


@pytest.mark.parametrize(
    "pairs",
    [
        [(f"k{i}", "v") for i in range(11)],
        [("k", "1"), ("k", "2")],
        [("k" * 129, "v")],
        [("k", "v" * 257)],
        [("aws:x", "v")],
    ],
)
def test_parse_put_object_tagging_limits_raise_invalid_tag(pairs):
    with pytest.raises(S3Error) as info:
        parse_object_tags(tagging_body(pairs))
    assert (info.value.code, info.value.status) == ("InvalidTag", 400)


def test_parse_put_bucket_tagging_allows_more_than_ten_tags():
    pairs = [(f"k{i}", "v") for i in range(11)]
    assert len(parse_bucket_tags(tagging_body(pairs))) == 11


def test_parse_put_object_tagging_limits_count_characters_not_bytes():
    assert parse_object_tags(tagging_body([("é" * 128, "ü" * 256)]))


def test_parse_put_object_tagging_without_tag_set_is_malformed():
    with pytest.raises(S3Error) as info:
        parse_object_tags(b"<Tagging></Tagging>")
    assert info.value.code == "MalformedXML"


@pytest.mark.parametrize(
    ("pairs", "max_tags"),
    [
        ([("a", "1"), ("a", "2")], 10),
        ([("k" * 129, "v")], 10),
        ([("k", "v" * 257)], 10),
        ([("aws:x", "v")], 10),
        ([("", "v")], 10),
        ([(str(i), "v") for i in range(11)], 10),
        ([(str(i), "v") for i in range(51)], MAX_BUCKET_TAGS),
        ([("platform", "metal,openstack")], 10),
        ([("name", "csv (daily)")], 10),
        ([("k#", "v")], 10),
        ([("k", "a\tb")], 10),
        ([("k", "semi;colon")], 10),
    ],
)
def test_check_tags_refuses_what_s3_refuses(pairs: list[tuple[str, str]], max_tags: int) -> None:
    with pytest.raises(S3Error) as exc:
        check_tags(pairs, max_tags)
    assert exc.value.code == "InvalidTag"


def test_check_tags_accepts_every_character_of_the_aws_tag_pattern() -> None:
    value = "Az09 _.:/=+-@ é ü 日本 ٣"
    assert check_tags([(value[:128], value)]) == {value[:128]: value}


def test_check_tags_accepts_the_limits_and_counts_characters_not_bytes() -> None:
    pairs = [("é" * 128, "ü" * 256)] + [(str(i), "") for i in range(9)]
    assert len(check_tags(pairs)) == 10
    assert len(check_tags([(str(i), "v") for i in range(50)], MAX_BUCKET_TAGS)) == 50


# ---- the operations: typed inputs and responses ----------------------------


def _head(**kw) -> Head:
    return Head(bucket="bkt", key=kw.pop("key", "k"), **kw)


@pytest.mark.parametrize("parse_op", [parse_get_object_tagging, parse_delete_object_tagging])
def test_parse_object_tagging_reads_bucket_key_and_null_version(parse_op) -> None:
    inp = parse_op(_head(query={"versionId": "null"}))
    assert (inp.bucket, inp.key) == ("bkt", "k")


@pytest.mark.parametrize(
    "parse_op",
    [
        parse_get_object_tagging,
        parse_delete_object_tagging,
        lambda req: parse_put_object_tagging(req, tagging_body([])),
    ],
)
def test_parse_object_tagging_refuses_other_versions(parse_op) -> None:
    with pytest.raises(S3Error) as exc:
        parse_op(_head(query={"versionId": "v1"}))
    assert (exc.value.code, exc.value.extra["ArgumentName"]) == ("InvalidArgument", "versionId")


def test_parse_put_object_tagging_reads_the_body() -> None:
    inp = parse_put_object_tagging(_head(), tagging_body([("a", "1")]))
    assert (inp.bucket, inp.key, inp.tags) == ("bkt", "k", {"a": "1"})
    with pytest.raises(S3Error) as exc:
        parse_put_object_tagging(_head(), tagging_body([(f"k{i}", "") for i in range(11)]))
    assert exc.value.code == "InvalidTag"
    with pytest.raises(S3Error) as exc:
        parse_put_object_tagging(_head(), b"<Tagging/>")
    assert exc.value.code == "MalformedXML"


def test_parse_put_bucket_tagging_takes_fifty_tags() -> None:
    pairs = [(f"k{i}", "") for i in range(MAX_BUCKET_TAGS)]
    inp = parse_put_bucket_tagging(Head(bucket="bkt"), tagging_body(pairs))
    assert (inp.bucket, len(inp.tags)) == ("bkt", MAX_BUCKET_TAGS)
    with pytest.raises(S3Error) as exc:
        parse_put_bucket_tagging(Head(bucket="bkt"), tagging_body([*pairs, ("x", "")]))
    assert exc.value.code == "InvalidTag"


def test_parse_bucket_tagging_needs_a_bucket() -> None:
    for parse_op in (parse_get_bucket_tagging, parse_delete_bucket_tagging):
        assert parse_op(Head(bucket="bkt")).bucket == "bkt"
        with pytest.raises(S3Error) as exc:
            parse_op(Head())
        assert exc.value.code == "InvalidBucketName"


def test_render_object_tagging_responses() -> None:
    got = render_get_object_tagging(GetObjectTaggingInput("b", "k"), {"a": "1"})
    assert (got.status, got.headers) == (200, [("content-type", "application/xml")])
    assert text(parse(got.body), "TagSet/Tag/Key") == "a"
    put = render_put_object_tagging(PutObjectTaggingInput("b", "k", {}))
    assert (put.status, put.headers, put.body) == (200, [("x-amz-version-id", "null")], b"")
    deleted = render_delete_object_tagging(DeleteObjectTaggingInput("b", "k"))
    assert (deleted.status, deleted.headers) == (204, [("x-amz-version-id", "null")])


def test_render_bucket_tagging_responses() -> None:
    got = render_get_bucket_tagging(GetBucketTaggingInput("b"), {"a": "1"})
    assert got.status == 200 and text(parse(got.body), "TagSet/Tag/Value") == "1"
    with pytest.raises(S3Error) as exc:
        render_get_bucket_tagging(GetBucketTaggingInput("b"), None)
    assert (exc.value.code, exc.value.status) == ("NoSuchTagSet", 404)
    assert exc.value.extra == {"BucketName": "b"}
    assert render_put_bucket_tagging(PutBucketTaggingInput("b", {})).status == 204
    assert render_delete_bucket_tagging(DeleteBucketTaggingInput("b")).status == 204
