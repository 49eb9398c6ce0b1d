"""ListObjects, ListObjectsV2, ListObjectVersions and ListMultipartUploads
results: structure, url encoding, what boto3 reads back."""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import unquote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from s3box.protocol.errors import S3Error
from s3box.protocol.operations.list_uploads import (
    ListMultipartUploadsOutput,
    list_multipart_uploads_result,
)
from s3box.protocol.operations.listing import (
    ListObjectsOutput,
    ListObjectsV2Output,
    ListObjectVersionsInput,
    ListObjectVersionsOutput,
    parse_list_object_versions,
    render_list_object_versions,
    render_list_objects_v2_xml,
    render_list_objects_xml,
    render_list_versions_result,
)
from s3box.protocol.request import Head
from s3box.protocol.xmlrender import OWNER_ID, S3_NS
from s3box.records import ChecksumRecord, ListEntry, ListPage, ObjectFields, UploadInfo
from tests.unit.protocol.operations.xmltest import (
    ETAG,
    NS,
    NS_PREFIX,
    OWNER,
    TS,
    any_keys,
    entry,
    parse,
    q,
    root_of,
    text,
    text_at,
    xml_keys,
)


def v1(entries=(), prefixes=(), **kw):
    args: dict[str, Any] = {
        "bucket": "bucket",
        "prefix": None,
        "marker": None,
        "delimiter": None,
        "max_keys": 1000,
        "encoding_type": None,
        "entries": list(entries),
        "common_prefixes": list(prefixes),
        "is_truncated": False,
        "next_marker": None,
        "owner": OWNER,
    }
    args.update(kw)
    return parse(render_list_objects_xml(ListObjectsOutput(**args)))


def v2(entries=(), prefixes=(), **kw):
    args: dict[str, Any] = {
        "bucket": "bucket",
        "prefix": None,
        "delimiter": None,
        "max_keys": 1000,
        "encoding_type": None,
        "entries": list(entries),
        "common_prefixes": list(prefixes),
        "is_truncated": False,
        "key_count": len(entries) + len(prefixes),
        "continuation_token": None,
        "next_continuation_token": None,
        "start_after": None,
        "fetch_owner": False,
        "owner": OWNER,
    }
    args.update(kw)
    return parse(render_list_objects_v2_xml(ListObjectsV2Output(**args)))


@given(st.lists(xml_keys, min_size=1, max_size=5))
def test_listing_keys_round_trip_exactly_without_encoding(keys):
    root = v2(entries=[entry(k) for k in keys])
    assert [c.findtext(q("Key"), namespaces=NS) for c in root.findall(q("Contents"), NS)] == keys


@given(st.lists(any_keys, min_size=1, max_size=5), any_keys)
def test_listing_with_url_encoding_is_parseable_and_round_trips_any_key(keys, prefix):
    root = v2(entries=[entry(k) for k in keys], prefixes=[prefix], encoding_type="url")
    got = [
        unquote_plus(c.findtext(q("Key"), namespaces=NS)) for c in root.findall(q("Contents"), NS)
    ]
    expected = [k.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for k in keys]
    assert got == expected
    assert text(root, "EncodingType") == "url"


@given(any_keys)
def test_listing_with_control_characters_never_emits_raw_control_bytes(key):
    body = render_list_objects_v2_xml(
        ListObjectsV2Output(
            "b", key, None, 1000, None, [entry(key)], [], False, 1, None, None, None, False, OWNER
        )
    )
    assert not any(byte < 0x20 and byte not in (0x0A,) for byte in body)
    assert body.count(b"\n") == 1  # only the one after the prologue


def test_v2_structure_and_fields():
    root = v2(
        entries=[entry("a/1", size=7)],
        prefixes=["b/"],
        prefix="",
        delimiter="/",
        max_keys=2,
        is_truncated=True,
        key_count=2,
        continuation_token="tok-in",
        next_continuation_token="tok-out",
        start_after="a",
    )
    assert root.tag == f"{{{S3_NS}}}ListBucketResult"
    assert text(root, "Name") == "bucket"
    assert text(root, "Prefix") == ""
    assert text(root, "Delimiter") == "/"
    assert text(root, "MaxKeys") == "2"
    assert text(root, "KeyCount") == "2"
    assert text(root, "IsTruncated") == "true"
    assert text(root, "ContinuationToken") == "tok-in"
    assert text(root, "NextContinuationToken") == "tok-out"
    assert text(root, "StartAfter") == "a"
    assert text(root, "Contents/Key") == "a/1"
    assert text(root, "Contents/Size") == "7"
    assert text(root, "Contents/ETag") == f'"{ETAG}"'
    assert text(root, "Contents/LastModified") == "2026-11-25T15:57:27.123Z"
    assert text(root, "Contents/StorageClass") == "STANDARD"
    assert root.find(q("Contents/Owner"), NS) is None
    assert text(root, "CommonPrefixes/Prefix") == "b/"
    assert root.find(q("EncodingType"), NS) is None


def test_v2_etag_quotes_are_written_as_entities_like_s3():
    body = render_list_objects_v2_xml(
        ListObjectsV2Output(
            "b", None, None, 1000, None, [entry("k")], [], False, 1, None, None, None, False, OWNER
        )
    )
    assert f"<ETag>&quot;{ETAG}&quot;</ETag>".encode() in body


def test_v2_owner_only_with_fetch_owner():
    root = v2(entries=[entry("k")], fetch_owner=True)
    assert text(root, "Contents/Owner/ID") == "owner-id"
    assert text(root, "Contents/Owner/DisplayName") == "owner-name"


def test_v2_omits_optional_elements_when_not_requested():
    root = v2()
    for name in ("Delimiter", "ContinuationToken", "NextContinuationToken", "StartAfter"):
        assert root.find(q(name), NS) is None
    assert text(root, "IsTruncated") == "false"


def test_v2_url_encoding_covers_prefix_delimiter_start_after_and_common_prefixes():
    root = v2(
        entries=[entry("a b/c+d")],
        prefixes=["x y/"],
        prefix="a b",
        delimiter=" ",
        start_after="a b",
        encoding_type="url",
        continuation_token="tok en",
    )
    assert text(root, "Prefix") == "a+b"
    assert text(root, "Delimiter") == "+"
    assert text(root, "StartAfter") == "a+b"
    assert text(root, "Contents/Key") == "a+b/c%2Bd"
    assert text(root, "CommonPrefixes/Prefix") == "x+y/"
    assert text(root, "ContinuationToken") == "tok en"  # opaque, never encoded


def test_v1_always_has_owner_and_marker():
    root = v1(entries=[entry("k")])
    assert text(root, "Marker") == ""
    assert text(root, "Contents/Owner/ID") == "owner-id"
    assert root.find(q("KeyCount"), NS) is None


def test_v1_next_marker_only_with_delimiter_and_truncation():
    with_delimiter = v1(delimiter="/", is_truncated=True, next_marker="k")
    assert text(with_delimiter, "NextMarker") == "k"
    without_delimiter = v1(is_truncated=True, next_marker="k")
    assert without_delimiter.find(q("NextMarker"), NS) is None
    not_truncated = v1(delimiter="/", is_truncated=False, next_marker="k")
    assert not_truncated.find(q("NextMarker"), NS) is None


def test_v1_url_encodes_marker_and_next_marker():
    root = v1(
        marker="a b", delimiter="/", is_truncated=True, next_marker="c d", encoding_type="url"
    )
    assert text(root, "Marker") == "a+b"
    assert text(root, "NextMarker") == "c+d"
    assert text(root, "EncodingType") == "url"


def test_empty_delimiter_is_omitted():
    assert v1(delimiter="").find(q("Delimiter"), NS) is None


@functools.cache
def s3_model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("s3")


def botocore_parse(operation: str, body: bytes) -> dict[str, Any]:
    """Parse a body the way boto3 does, including its url-decoding handler."""
    from botocore import handlers
    from botocore.parsers import RestXMLParser

    model = s3_model().operation_model(operation)
    response = {"body": body, "headers": {}, "status_code": 200}
    parsed: dict[str, Any] = RestXMLParser().parse(response, model.output_shape)
    decode = {
        "ListObjects": handlers.decode_list_object,
        "ListObjectsV2": handlers.decode_list_object_v2,
    }[operation]
    decode(parsed=parsed, context={"encoding_type_auto_set": True})
    return parsed


@settings(deadline=None)  # the first example loads botocore's S3 model
@given(st.lists(xml_keys, min_size=1, max_size=4, unique=True), xml_keys)
def test_boto3_reads_back_keys_prefixes_and_quoted_etags_v2(keys, common_prefix):
    body = render_list_objects_v2_xml(ListObjectsV2Output(
        "b", "", "/", 1000, "url", [entry(k) for k in keys], [common_prefix], False,
        len(keys) + 1, None, None, None, False, OWNER,
    ))  # fmt: skip
    parsed = botocore_parse("ListObjectsV2", body)
    assert [c["Key"] for c in parsed["Contents"]] == keys
    assert parsed["Contents"][0]["ETag"] == f'"{ETAG}"'
    assert parsed["CommonPrefixes"] == [{"Prefix": common_prefix}]


@settings(deadline=None)
@given(xml_keys, xml_keys)
def test_boto3_reads_back_v1_markers(marker, next_marker):
    body = render_list_objects_xml(
        ListObjectsOutput(
            "b", None, marker, "/", 1, "url", [entry(next_marker)], [], True, next_marker, OWNER
        )
    )
    parsed = botocore_parse("ListObjects", body)
    assert parsed["Marker"] == marker
    assert parsed["NextMarker"] == next_marker
    assert parsed["Contents"][0]["Key"] == next_marker
    assert parsed["Contents"][0]["Owner"] == {"ID": "owner-id", "DisplayName": "owner-name"}


@pytest.mark.parametrize("render", [v1, v2])
def test_listed_object_names_its_checksum_algorithm_and_type_after_its_etag(render) -> None:
    with_checksum = ListEntry(
        key="a",
        size=3,
        etag=ETAG,
        last_modified=TS,
        checksum_algorithm="CRC64NVME",
        checksum_type="FULL_OBJECT",
    )
    root = render([with_checksum, entry("b")])
    contents = root.findall(q("Contents"), namespaces=NS)
    assert [c.findtext(q("ChecksumAlgorithm"), namespaces=NS) for c in contents] == [
        "CRC64NVME",
        None,
    ]
    assert [c.findtext(q("ChecksumType"), namespaces=NS) for c in contents] == [
        "FULL_OBJECT",
        None,
    ]
    tags = [child.tag.split("}")[1] for child in contents[0]]
    assert tags[tags.index("ETag") + 1 : tags.index("ETag") + 4] == [
        "ChecksumAlgorithm",
        "ChecksumType",
        "Size",
    ]


def test_list_multipart_uploads_all_fields_and_url_encoding():
    uploads = [
        UploadInfo("u1", "a b", TS, ObjectFields()),
        UploadInfo(
            "u2",
            "c",
            TS,
            ObjectFields(
                storage_class="GLACIER", checksum=ChecksumRecord("CRC32", "COMPOSITE", "")
            ),
        ),
    ]
    root = parse(
        list_multipart_uploads_result(
            ListMultipartUploadsOutput(
                "b", "k m", "u0", "c", "u2", 2, True, uploads, ["p q/"], "", "/", "url", OWNER
            )
        )
    )
    assert text(root, "KeyMarker") == "k+m"
    assert text(root, "UploadIdMarker") == "u0"
    assert text(root, "NextKeyMarker") == "c"
    assert text(root, "NextUploadIdMarker") == "u2"
    assert text(root, "MaxUploads") == "2"
    assert text(root, "IsTruncated") == "true"
    assert text(root, "Delimiter") == "/"
    assert text(root, "EncodingType") == "url"
    found = root.findall(q("Upload"), NS)
    assert [u.findtext(q("Key"), namespaces=NS) for u in found] == ["a+b", "c"]
    assert found[0].findtext(q("Initiated"), namespaces=NS) == "2026-11-25T15:57:27.123Z"
    assert found[0].findtext(q("Initiator/ID"), namespaces=NS) == "owner-id"
    assert found[1].findtext(q("StorageClass"), namespaces=NS) == "GLACIER"
    assert found[1].findtext(q("ChecksumAlgorithm"), namespaces=NS) == "CRC32"
    assert text(root, "CommonPrefixes/Prefix") == "p+q/"


def _entry(key: str) -> ListEntry:
    return ListEntry(key=key, size=3, etag="e" * 32, last_modified=0.0)


def test_list_object_versions_shows_null_latest_versions() -> None:
    body = render_list_versions_result(
        ListObjectVersionsOutput(
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
    )
    root = root_of(body)
    assert root.tag == NS_PREFIX + "ListVersionsResult"
    versions = root.findall(NS_PREFIX + "Version")
    assert [v.findtext(NS_PREFIX + "Key") for v in versions] == ["k1", "k2"]
    assert {v.findtext(NS_PREFIX + "VersionId") for v in versions} == {"null"}
    assert {v.findtext(NS_PREFIX + "IsLatest") for v in versions} == {"true"}
    assert versions[0].findtext(NS_PREFIX + "ETag") == '"' + "e" * 32 + '"'
    assert text_at(root, "NextKeyMarker") == "k2"
    assert text_at(root, "NextVersionIdMarker") == "null"
    assert text_at(root, "IsTruncated") == "true"
    assert versions[0].find(NS_PREFIX + "ChecksumAlgorithm") is None  # stored without one


def test_list_object_versions_names_each_version_checksum() -> None:
    listed = ListEntry(
        key="k",
        size=3,
        etag="e" * 32,
        last_modified=0.0,
        checksum_algorithm="CRC32",
        checksum_type="COMPOSITE",
    )
    body = render_list_versions_result(
        ListObjectVersionsOutput(
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
    )
    version = root_of(body).find(NS_PREFIX + "Version")
    assert version is not None
    assert version.findtext(NS_PREFIX + "ChecksumAlgorithm") == "CRC32"
    assert version.findtext(NS_PREFIX + "ChecksumType") == "COMPOSITE"


def test_list_object_versions_url_encodes_and_omits_next_markers_when_complete() -> None:
    body = render_list_versions_result(
        ListObjectVersionsOutput(
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
    )
    root = root_of(body)
    assert text_at(root, "Prefix") == "a+b/"
    assert text_at(root, "KeyMarker") == "a+b/0"
    assert text_at(root, "VersionIdMarker") == "null"
    assert text_at(root, "Version/Key") == "a+b/1"
    assert text_at(root, "CommonPrefixes/Prefix") == "a+b/c/"
    assert text_at(root, "EncodingType") == "url"
    assert root.find(NS_PREFIX + "NextKeyMarker") is None
    assert root.find(NS_PREFIX + "NextVersionIdMarker") is None


# ---- ListObjectVersions: the input and the response --------------------------


def test_parse_list_object_versions_reads_the_query() -> None:
    query = {
        "prefix": "p/",
        "delimiter": "/",
        "key-marker": "p/a",
        "version-id-marker": "null",
        "encoding-type": "URL",
        "max-keys": "5000",
    }
    inp = parse_list_object_versions(Head(bucket="b", query=query))
    assert inp == ListObjectVersionsInput("b", "p/", "/", "p/a", "null", "url", 1000, 5000)
    bare = parse_list_object_versions(Head(bucket="b"))
    assert bare == ListObjectVersionsInput("b", "", "", "", "", None, 1000, 1000)


@pytest.mark.parametrize(
    ("query", "argument"),
    [
        ({"version-id-marker": "null"}, "version-id-marker"),
        ({"key-marker": "k", "version-id-marker": "v1"}, "version-id-marker"),
        ({"encoding-type": "base64"}, "encoding-type"),
        ({"max-keys": "-1"}, "max-keys"),
    ],
)
def test_parse_list_object_versions_refuses_bad_markers(query, argument) -> None:
    with pytest.raises(S3Error) as exc:
        parse_list_object_versions(Head(bucket="b", query=query))
    assert (exc.value.code, exc.value.extra["ArgumentName"]) == ("InvalidArgument", argument)


def _versions_input(max_keys_echo: int = 2) -> ListObjectVersionsInput:
    return ListObjectVersionsInput("b", "", "/", "", "", None, 2, max_keys_echo)


def test_render_list_object_versions_continues_after_a_version() -> None:
    page = ListPage([_entry("k1"), _entry("k2")], [], True, "k2")
    got = render_list_object_versions(_versions_input(7), page)
    assert got.headers == [("content-type", "application/xml")]
    root = parse(got.body)
    assert (text(root, "NextKeyMarker"), text(root, "NextVersionIdMarker")) == ("k2", "null")
    assert text(root, "MaxKeys") == "7"
    assert text(root, "Delimiter") == "/"
    assert text(root, "Version/Owner/ID") == OWNER_ID


def test_render_list_object_versions_after_a_prefix_has_no_version_marker() -> None:
    page = ListPage([_entry("a")], ["p/"], True, "p/")
    root = parse(render_list_object_versions(_versions_input(), page).body)
    assert text(root, "NextKeyMarker") == "p/"
    assert root.find(q("NextVersionIdMarker"), NS) is None
    untruncated = parse(
        render_list_object_versions(_versions_input(), ListPage([], [], False, None)).body
    )
    assert untruncated.find(q("NextKeyMarker"), NS) is None
