"""Tagging documents and the tag rules (check_tags) they share with x-amz-tagging."""

from __future__ import annotations

import pytest

from s3box.protocol.errors import S3Error
from s3box.protocol.operations.tagging import (
    MAX_BUCKET_TAGS,
    check_tags,
    parse_put_bucket_tagging,
    parse_put_object_tagging,
    render_get_bucket_tagging,
    render_get_object_tagging,
)
from s3box.protocol.xmlrender import escape
from tests.unit.protocol.operations.xmltest import parse, text


def test_tagging_renders_and_parses_back_for_objects_and_buckets():
    tags = {"a": "1", "k:=/": "v + @ é", "empty": ""}
    assert parse_put_object_tagging(render_get_object_tagging(tags)) == tags
    assert parse_put_bucket_tagging(render_get_bucket_tagging(tags)) == tags


def test_tagging_render_escapes_markup():
    root = parse(render_get_object_tagging({"k&<": "v>"}))
    assert text(root, "TagSet/Tag/Key") == "k&<"
    assert text(root, "TagSet/Tag/Value") == "v>"


def tagging_body(pairs) -> bytes:
    tags = "".join(f"<Tag><Key>{escape(k)}</Key><Value>{escape(v)}</Value></Tag>" for k, v in pairs)
    return f"<Tagging><TagSet>{tags}</TagSet></Tagging>".encode()


def test_parse_put_object_tagging_accepts_ten_tags_and_empty_values():
    pairs = [(f"k{i}", "") for i in range(10)]
    assert parse_put_object_tagging(tagging_body(pairs)) == dict(pairs)


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
        parse_put_object_tagging(tagging_body(pairs))
    assert (info.value.code, info.value.status) == ("InvalidTag", 400)


def test_parse_put_bucket_tagging_allows_more_than_ten_tags():
    pairs = [(f"k{i}", "v") for i in range(11)]
    assert len(parse_put_bucket_tagging(tagging_body(pairs))) == 11


def test_parse_put_object_tagging_limits_count_characters_not_bytes():
    assert parse_put_object_tagging(tagging_body([("é" * 128, "ü" * 256)]))


def test_parse_put_object_tagging_without_tag_set_is_malformed():
    with pytest.raises(S3Error) as info:
        parse_put_object_tagging(b"<Tagging></Tagging>")
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
