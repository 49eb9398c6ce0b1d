"""GetObjectAttributes."""

from __future__ import annotations

from s3box.protocol.operations.objects import ObjectAttributes, render_get_object_attributes
from tests.unit.protocol.operations.xmltest import (
    NS_PREFIX,
    root_of,
    text_at,
)


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
    root = root_of(render_get_object_attributes(attrs))
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
    root = root_of(render_get_object_attributes(ObjectAttributes(object_size=0)))
    assert [child.tag for child in root] == [NS_PREFIX + "ObjectSize"]
    assert text_at(root, "ObjectSize") == "0"
