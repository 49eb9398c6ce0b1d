"""GetObjectAttributes: the input, the headers it reads and its response."""

from __future__ import annotations

import pytest

from s3box.protocol.errors import S3Error
from s3box.protocol.operations.attributes import (
    GetObjectAttributesInput,
    ObjectAttributes,
    object_attributes,
    parse_get_object_attributes,
    render_get_object_attributes,
    render_object_attributes,
)
from s3box.protocol.request import Head
from s3box.records import ChecksumRecord, ObjectFields, ObjectMeta, PartRecord
from tests.unit.protocol.operations.xmltest import NS_PREFIX, root_of, text_at


def test_object_attributes_renders_every_requested_field() -> None:
    attrs = ObjectAttributes(
        etag="abc-2",
        checksum={"SHA256": "c2hh-2"},
        checksum_type="COMPOSITE",
        storage_class="STANDARD",
        object_size=12,
        parts_count=2,
        part_number_marker=0,
        next_part_number_marker=1,
        max_parts=1,
        parts_truncated=True,
        parts=[(1, 5, {"SHA256": "cDE="})],
    )
    root = root_of(render_object_attributes(attrs))
    assert root.tag == NS_PREFIX + "GetObjectAttributesResponse"
    assert text_at(root, "ETag") == "abc-2"  # unquoted, unlike other bodies
    assert text_at(root, "Checksum/ChecksumSHA256") == "c2hh-2"
    assert text_at(root, "Checksum/ChecksumType") == "COMPOSITE"
    assert text_at(root, "ObjectParts/PartsCount") == "2"
    assert text_at(root, "ObjectParts/NextPartNumberMarker") == "1"
    assert text_at(root, "ObjectParts/MaxParts") == "1"
    assert text_at(root, "ObjectParts/IsTruncated") == "true"
    assert text_at(root, "ObjectParts/Part/PartNumber") == "1"
    assert text_at(root, "ObjectParts/Part/Size") == "5"
    assert text_at(root, "ObjectParts/Part/ChecksumSHA256") == "cDE="
    assert text_at(root, "StorageClass") == "STANDARD"
    assert text_at(root, "ObjectSize") == "12"


def test_object_attributes_leave_out_what_was_not_asked() -> None:
    root = root_of(render_object_attributes(ObjectAttributes(object_size=0)))
    assert [child.tag for child in root] == [NS_PREFIX + "ObjectSize"]
    assert text_at(root, "ObjectSize") == "0"


def _multipart_meta() -> ObjectMeta:
    fields = ObjectFields(checksum=ChecksumRecord("SHA256", "COMPOSITE", "c2hh-3"))
    parts = [PartRecord(n, 5, f"e{n}", f"c{n}=") for n in (1, 2, 3)]
    return ObjectMeta("k", 15, "abc-3", 0.0, fields, parts)


def test_object_attributes_reports_only_what_was_asked() -> None:
    attrs = object_attributes(_multipart_meta(), {"ETag", "ObjectSize"}, 1000, 0)
    assert (attrs.etag, attrs.object_size) == ("abc-3", 15)
    assert attrs.checksum is None and attrs.storage_class is None and attrs.parts_count is None


def test_object_attributes_pages_parts_with_their_checksums() -> None:
    names = {"Checksum", "ObjectParts", "StorageClass"}
    attrs = object_attributes(_multipart_meta(), names, 1, 1)
    assert attrs.checksum == {"SHA256": "c2hh-3"} and attrs.checksum_type == "COMPOSITE"
    assert attrs.storage_class == "STANDARD"
    assert (attrs.parts_count, attrs.part_number_marker, attrs.next_part_number_marker) == (3, 1, 2)
    assert (attrs.max_parts, attrs.parts_truncated) == (1, True)
    assert list(attrs.parts) == [(2, 5, {"SHA256": "c2="})]
    # A page past the last part keeps the marker it was asked for.
    assert object_attributes(_multipart_meta(), names, 1, 3).next_part_number_marker == 3


def test_object_attributes_of_a_single_part_object_have_no_object_parts() -> None:
    meta = _multipart_meta()
    meta.etag = "abc"
    assert object_attributes(meta, {"ObjectParts"}, 1000, 0).parts_count is None


# ---- GetObjectAttributes: the input and the response -------------------------


def _attrs_head(**headers: str) -> Head:
    return Head(bucket="b", key="k", headers=headers)


def test_parse_get_object_attributes_reads_the_attribute_and_part_headers() -> None:
    inp = parse_get_object_attributes(
        _attrs_head(
            **{
                "x-amz-object-attributes": "ETag, ObjectParts,,",
                "x-amz-max-parts": " 2 ",
                "x-amz-part-number-marker": "1",
            }
        )
    )
    assert inp == GetObjectAttributesInput("b", "k", frozenset({"ETag", "ObjectParts"}), 2, 1)
    capped = parse_get_object_attributes(
        _attrs_head(**{"x-amz-object-attributes": "ETag", "x-amz-max-parts": "5000"})
    )
    assert (capped.max_parts, capped.part_number_marker) == (1000, 0)


@pytest.mark.parametrize(
    ("headers", "code", "argument"),
    [
        ({}, "InvalidRequest", None),
        ({"x-amz-object-attributes": " , "}, "InvalidRequest", None),
        ({"x-amz-object-attributes": "Size,ETag,Owner"}, "InvalidArgument", "Owner"),
        (
            {"x-amz-object-attributes": "ETag", "x-amz-max-parts": "-1"},
            "InvalidArgument",
            "-1",
        ),
        (
            {"x-amz-object-attributes": "ETag", "x-amz-part-number-marker": "x"},
            "InvalidArgument",
            "x",
        ),
    ],
)
def test_parse_get_object_attributes_refuses_bad_headers(headers, code, argument) -> None:
    with pytest.raises(S3Error) as exc:
        parse_get_object_attributes(_attrs_head(**headers))
    assert exc.value.code == code
    if argument is not None:
        assert exc.value.extra["ArgumentValue"] == argument


def test_parse_get_object_attributes_refuses_other_versions() -> None:
    head = Head(bucket="b", key="k", query={"versionId": "v1"})
    with pytest.raises(S3Error) as exc:
        parse_get_object_attributes(head)
    assert exc.value.extra["ArgumentName"] == "versionId"


def test_render_get_object_attributes_adds_last_modified() -> None:
    inp = GetObjectAttributesInput("b", "k", frozenset({"ETag", "ObjectParts"}), 1, 0)
    got = render_get_object_attributes(inp, _multipart_meta())
    assert got.headers == [
        ("content-type", "application/xml"),
        ("last-modified", "Thu, 01 Jan 1970 00:00:00 GMT"),
    ]
    root = root_of(got.body)
    assert text_at(root, "ETag") == "abc-3"
    assert text_at(root, "ObjectParts/IsTruncated") == "true"
