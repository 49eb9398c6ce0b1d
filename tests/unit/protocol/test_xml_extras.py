"""Renderers and parsers added for tagging, GetObjectAttributes,
ListObjectVersions and ACL writes (s3box.protocol.xml), checked by parsing
their output back."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from s3box.protocol import xml
from s3box.protocol.errors import S3Error
from s3box.protocol.xmlrender import Owner
from s3box.records import ListEntry

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
OWNER = Owner("owner-id", "owner")


def _root(body: bytes) -> ET.Element:
    return ET.fromstring(body)


def _text(el: ET.Element, path: str) -> str | None:
    """findtext with every step of `path` in the S3 namespace."""
    return el.findtext("/".join(NS + step for step in path.split("/")))


def test_object_attributes_renders_every_requested_field() -> None:
    attrs = xml.ObjectAttributes(
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
    root = _root(xml.render_object_attributes(attrs))
    assert root.tag == NS + "GetObjectAttributesResponse"
    assert _text(root, "ETag") == "abc-2"  # unquoted, unlike other bodies
    assert _text(root, "Checksum/ChecksumSHA256") == "c2hh-2"
    assert _text(root, "Checksum/ChecksumType") == "COMPOSITE"
    assert _text(root, "ObjectParts/PartsCount") == "2"
    assert _text(root, "ObjectParts/NextPartNumberMarker") == "1"
    assert _text(root, "ObjectParts/MaxParts") == "1"
    assert _text(root, "ObjectParts/IsTruncated") == "true"
    assert _text(root, "ObjectParts/Part/PartNumber") == "1"
    assert _text(root, "ObjectParts/Part/Size") == "5"
    assert _text(root, "ObjectParts/Part/ChecksumSHA256") == "cDE="
    assert _text(root, "StorageClass") == "STANDARD"
    assert _text(root, "ObjectSize") == "12"


def test_object_attributes_leave_out_what_was_not_asked() -> None:
    root = _root(xml.render_object_attributes(xml.ObjectAttributes(object_size=0)))
    assert [child.tag for child in root] == [NS + "ObjectSize"]
    assert _text(root, "ObjectSize") == "0"


def _entry(key: str) -> ListEntry:
    return ListEntry(key=key, size=3, etag="e" * 32, last_modified=0.0)


def test_list_object_versions_shows_null_latest_versions() -> None:
    body = xml.render_list_object_versions(
        bucket="b",
        prefix="",
        key_marker="",
        version_id_marker="",
        next_key_marker="k2",
        next_version_id_marker="null",
        max_keys=2,
        delimiter=None,
        encoding_type=None,
        entries=[_entry("k1"), _entry("k2")],
        common_prefixes=[],
        is_truncated=True,
        owner=OWNER,
    )
    root = _root(body)
    assert root.tag == NS + "ListVersionsResult"
    versions = root.findall(NS + "Version")
    assert [v.findtext(NS + "Key") for v in versions] == ["k1", "k2"]
    assert {v.findtext(NS + "VersionId") for v in versions} == {"null"}
    assert {v.findtext(NS + "IsLatest") for v in versions} == {"true"}
    assert versions[0].findtext(NS + "ETag") == '"' + "e" * 32 + '"'
    assert _text(root, "NextKeyMarker") == "k2"
    assert _text(root, "NextVersionIdMarker") == "null"
    assert _text(root, "IsTruncated") == "true"
    assert versions[0].find(NS + "ChecksumAlgorithm") is None  # stored without one


def test_list_object_versions_names_each_version_checksum() -> None:
    listed = ListEntry(
        key="k",
        size=3,
        etag="e" * 32,
        last_modified=0.0,
        checksum_algorithm="CRC32",
        checksum_type="COMPOSITE",
    )
    body = xml.render_list_object_versions(
        bucket="b",
        prefix="",
        key_marker="",
        version_id_marker="",
        next_key_marker=None,
        next_version_id_marker=None,
        max_keys=1000,
        delimiter=None,
        encoding_type=None,
        entries=[listed],
        common_prefixes=[],
        is_truncated=False,
        owner=OWNER,
    )
    version = _root(body).find(NS + "Version")
    assert version is not None
    assert version.findtext(NS + "ChecksumAlgorithm") == "CRC32"
    assert version.findtext(NS + "ChecksumType") == "COMPOSITE"


def test_list_object_versions_url_encodes_and_omits_next_markers_when_complete() -> None:
    body = xml.render_list_object_versions(
        bucket="b",
        prefix="a b/",
        key_marker="a b/0",
        version_id_marker="null",
        next_key_marker=None,
        next_version_id_marker=None,
        max_keys=1000,
        delimiter="/",
        encoding_type="url",
        entries=[_entry("a b/1")],
        common_prefixes=["a b/c/"],
        is_truncated=False,
        owner=OWNER,
    )
    root = _root(body)
    assert _text(root, "Prefix") == "a+b/"
    assert _text(root, "KeyMarker") == "a+b/0"
    assert _text(root, "VersionIdMarker") == "null"
    assert _text(root, "Version/Key") == "a+b/1"
    assert _text(root, "CommonPrefixes/Prefix") == "a+b/c/"
    assert _text(root, "EncodingType") == "url"
    assert root.find(NS + "NextKeyMarker") is None
    assert root.find(NS + "NextVersionIdMarker") is None


def test_copy_object_result_carries_checksum_type() -> None:
    root = _root(xml.render_copy_object_result("abc", 0.0, {"CRC32C": "AAAAAA=="}, "FULL_OBJECT"))
    assert _text(root, "ChecksumCRC32C") == "AAAAAA=="
    assert _text(root, "ChecksumType") == "FULL_OBJECT"


@pytest.mark.parametrize(
    ("pairs", "max_tags"),
    [
        ([("a", "1"), ("a", "2")], 10),
        ([("k" * 129, "v")], 10),
        ([("k", "v" * 257)], 10),
        ([("aws:x", "v")], 10),
        ([("", "v")], 10),
        ([(str(i), "v") for i in range(11)], 10),
        ([(str(i), "v") for i in range(51)], xml.MAX_BUCKET_TAGS),
        ([("platform", "metal,openstack")], 10),
        ([("name", "csv (daily)")], 10),
        ([("k#", "v")], 10),
        ([("k", "a\tb")], 10),
        ([("k", "semi;colon")], 10),
    ],
)
def test_check_tags_refuses_what_s3_refuses(pairs: list[tuple[str, str]], max_tags: int) -> None:
    with pytest.raises(S3Error) as exc:
        xml.check_tags(pairs, max_tags)
    assert exc.value.code == "InvalidTag"


def test_check_tags_accepts_every_character_of_the_aws_tag_pattern() -> None:
    value = "Az09 _.:/=+-@ é ü 日本 ٣"
    assert xml.check_tags([(value[:128], value)]) == {value[:128]: value}


def test_check_tags_accepts_the_limits_and_counts_characters_not_bytes() -> None:
    pairs = [("é" * 128, "ü" * 256)] + [(str(i), "") for i in range(9)]
    assert len(xml.check_tags(pairs)) == 10
    assert len(xml.check_tags([(str(i), "v") for i in range(50)], xml.MAX_BUCKET_TAGS)) == 50


ACP = b"""<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Owner><ID>owner-id</ID></Owner>
  <AccessControlList>
    <Grant>
      <Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser">
        <ID>owner-id</ID>
      </Grantee>
      <Permission>FULL_CONTROL</Permission>
    </Grant>
    <Grant>
      <Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group">
        <URI>http://acs.amazonaws.com/groups/global/AllUsers</URI>
      </Grantee>
      <Permission>READ</Permission>
    </Grant>
  </AccessControlList>
</AccessControlPolicy>"""


def test_parse_access_control_policy_reads_owner_and_typed_grants() -> None:
    owner, grants = xml.parse_access_control_policy(ACP)
    assert owner == "owner-id"
    assert grants == [
        xml.Grant("CanonicalUser", "owner-id", "FULL_CONTROL"),
        xml.Grant("Group", "http://acs.amazonaws.com/groups/global/AllUsers", "READ"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        b"<AccessControlPolicy><AccessControlList><Grant><Permission>READ</Permission>"
        b"</Grant></AccessControlList></AccessControlPolicy>",
        b"<Tagging/>",
        b'<!DOCTYPE x [<!ENTITY e "e">]><AccessControlPolicy>&e;</AccessControlPolicy>',
        b"not xml",
    ],
)
def test_parse_access_control_policy_malformed_is_malformed_xml(body: bytes) -> None:
    with pytest.raises(S3Error) as exc:
        xml.parse_access_control_policy(body)
    assert exc.value.code == "MalformedXML"
