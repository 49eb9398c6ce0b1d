"""S3 XML rendering and parsing: structure, escaping, url encoding, hostile input."""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import quote_plus, unquote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from s3box.protocol.errors import S3Error, render_error
from s3box.protocol.xml import (
    CompletedPart,
    UploadEntry,
    parse_complete_multipart,
    parse_create_bucket,
    parse_delete_objects,
    parse_tagging,
    render_acl,
    render_complete_multipart,
    render_copy_object_result,
    render_copy_part_result,
    render_delete_result,
    render_empty_configuration,
    render_initiate_multipart,
    render_list_buckets,
    render_list_multipart_uploads,
    render_list_objects_v1,
    render_list_objects_v2,
    render_list_parts,
    render_location,
    render_tagging,
    render_versioning,
)
from s3box.protocol.xmlrender import PROLOGUE, S3_NS, Owner, escape, url_encode
from s3box.records import BucketInfo, DeleteResult, ListEntry, PartRecord

NS = {"s3": S3_NS}
OWNER = Owner("owner-id", "owner-name")
TS = 1_795_622_247.123  # 2026-11-25T15:57:27.123Z
ETAG = "d41d8cd98f00b204e9800998ecf8427e"


def parse(body: bytes) -> ET.Element:
    assert body.startswith(PROLOGUE.encode())
    return ET.fromstring(body)


def q(path: str) -> str:
    """An ElementPath in the S3 namespace: "a/b" -> "s3:a/s3:b"."""
    return "/".join(f"s3:{part}" for part in path.split("/"))


def text(root: ET.Element, path: str) -> str | None:
    return root.findtext(q(path), namespaces=NS)


def entry(key: str, **kw) -> ListEntry:
    return ListEntry(key=key, size=kw.get("size", 3), etag=ETAG, last_modified=TS)


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
    return parse(render_list_objects_v1(**args))


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
    return parse(render_list_objects_v2(**args))


# --- escaping ------------------------------------------------------------------


def test_escape_leaves_plain_text_alone():
    assert escape("photos/2026/a.jpg") == "photos/2026/a.jpg"


def test_escape_markup_characters():
    assert escape("a&b<c>d]]>") == "a&amp;b&lt;c&gt;d]]&gt;"


def test_escape_keeps_whitespace_controls_as_references():
    assert escape("a\r\n\tb") == "a&#13;&#10;&#9;b"


def test_escape_other_controls_and_lone_surrogates_as_references():
    assert escape("\x01\x1f\ud800\uffff") == "&#1;&#31;&#55296;&#65535;"


@pytest.mark.parametrize(
    ("key", "encoded"),
    [
        ("a b.txt", "a+b.txt"),
        ("a+b.txt", "a%2Bb.txt"),
        ("100%.csv", "100%25.csv"),
        ("한글/x.txt", "%ED%95%9C%EA%B8%80/x.txt"),
        ("run books/x.txt", "run+books/x.txt"),
        ("a&b<c>", "a%26b%3Cc%3E"),
        ("\x01\r\n", "%01%0D%0A"),
    ],
)
def test_url_encode_matches_what_s3_sends(key, encoded):
    assert url_encode(key) == encoded


@given(st.text())
def test_url_encode_equals_quote_plus_with_slash_safe(key):
    expected = quote_plus(key, safe="/", errors="surrogatepass")
    assert url_encode(key) == expected


# --- listings ------------------------------------------------------------------

# Characters legal in XML 1.0 (what a parser can give back), including the
# \t \n \r that naive escaping would let the parser normalise away.
xml_chars = st.characters(
    codec="utf-8",  # no lone surrogates
    exclude_characters=[chr(c) for c in range(0x20) if c not in (9, 10, 13)] + ["\ufffe", "\uffff"],
)
xml_keys = st.text(alphabet=xml_chars, min_size=1, max_size=40) | st.sampled_from(
    ["]]>", "&amp;", "<Key>", "a\r\nb", "\r", " lead", "trail "]
)
any_keys = st.text(min_size=1, max_size=40)


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
    body = render_list_objects_v2(
        "b", key, None, 1000, None, [entry(key)], [], False, 1, None, None, None, False, OWNER
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
    body = render_list_objects_v2(
        "b", None, None, 1000, None, [entry("k")], [], False, 1, None, None, None, False, OWNER
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


# --- service, bucket, object ------------------------------------------------------


def test_error_has_no_namespace_and_extra_fields_before_resource():
    body = render_error(
        "NoSuchKey", "The specified key does not exist.", "/b/k", "req", "host", {"Key": "k&"}
    )
    root = parse(body)
    assert root.tag == "Error"
    assert [c.tag for c in root] == ["Code", "Message", "Key", "Resource", "RequestId", "HostId"]
    assert root.findtext("Key") == "k&"


def test_error_without_resource_omits_it():
    root = parse(render_error("AccessDenied", "Access Denied", None, "r", "h"))
    assert root.find("Resource") is None


def test_list_buckets():
    root = parse(render_list_buckets([BucketInfo("b1", TS), BucketInfo("b2", 0.0)], "id", "nm"))
    assert root.tag == f"{{{S3_NS}}}ListAllMyBucketsResult"
    assert text(root, "Owner/ID") == "id"
    assert [
        b.findtext(q("Name"), namespaces=NS) for b in root.findall(q("Buckets/Bucket"), NS)
    ] == [
        "b1",
        "b2",
    ]
    assert text(root, "Buckets/Bucket/CreationDate") == "2026-11-25T15:57:27.123Z"


def test_list_buckets_empty_still_has_buckets_element():
    root = parse(render_list_buckets([], "id", "nm"))
    assert root.find(q("Buckets"), NS) is not None


def test_list_buckets_page_carries_region_token_and_prefix():
    root = parse(
        render_list_buckets(
            [BucketInfo("a&b", TS)],
            "id",
            "nm",
            region="eu-west-3",
            prefix="a&",
            continuation_token="YSZi",
        )
    )
    assert text(root, "Buckets/Bucket/Name") == "a&b"
    assert text(root, "Buckets/Bucket/BucketRegion") == "eu-west-3"
    assert text(root, "ContinuationToken") == "YSZi"
    assert text(root, "Prefix") == "a&"
    plain = parse(render_list_buckets([BucketInfo("b", TS)], "id", "nm"))
    assert plain.find(q("ContinuationToken"), NS) is None
    assert plain.find(q("Prefix"), NS) is None


def test_location_us_east_1_is_empty():
    root = parse(render_location("us-east-1"))
    assert root.tag == f"{{{S3_NS}}}LocationConstraint"
    assert root.text is None


def test_location_other_region():
    assert parse(render_location("eu-west-3")).text == "eu-west-3"


def test_versioning_is_empty_configuration():
    root = parse(render_versioning())
    assert root.tag == f"{{{S3_NS}}}VersioningConfiguration"
    assert len(root) == 0


def test_empty_configurations_have_only_their_default_inside():
    root = parse(render_empty_configuration("BucketLoggingStatus"))
    assert root.tag == f"{{{S3_NS}}}BucketLoggingStatus"
    assert len(root) == 0
    root = parse(
        render_empty_configuration("RequestPaymentConfiguration", "<Payer>BucketOwner</Payer>")
    )
    assert [(c.tag, c.text) for c in root] == [(f"{{{S3_NS}}}Payer", "BucketOwner")]


def test_acl_grants_owner_full_control():
    root = parse(render_acl("id", "nm"))
    grant = root.find(q("AccessControlList/Grant"), NS)
    assert grant is not None
    grantee = grant.find(q("Grantee"), NS)
    assert grantee is not None
    assert grantee.get("{http://www.w3.org/2001/XMLSchema-instance}type") == "CanonicalUser"
    assert grantee.findtext(q("ID"), namespaces=NS) == "id"
    assert grant.findtext(q("Permission"), namespaces=NS) == "FULL_CONTROL"


def test_tagging_renders_and_parses_back():
    tags = {"a": "1", "k:=/": "v + @ é", "empty": ""}
    assert parse_tagging(render_tagging(tags)) == tags


def test_tagging_render_escapes_markup():
    root = parse(render_tagging({"k&<": "v>"}))
    assert text(root, "TagSet/Tag/Key") == "k&<"
    assert text(root, "TagSet/Tag/Value") == "v>"


def test_delete_result_verbose_and_errors():
    results = [DeleteResult("k1"), DeleteResult("k2", "AccessDenied", "Access Denied")]
    root = parse(render_delete_result(results, quiet=False))
    assert text(root, "Deleted/Key") == "k1"
    assert text(root, "Error/Key") == "k2"
    assert text(root, "Error/Code") == "AccessDenied"
    assert text(root, "Error/Message") == "Access Denied"


def test_delete_result_echoes_the_version_ids_the_request_named():
    results = [DeleteResult("k1"), DeleteResult("k2"), DeleteResult("k3", "InvalidArgument", "x")]
    root = parse(render_delete_result(results, quiet=False, version_ids=["null", None, "v3"]))
    deleted = root.findall(q("Deleted"), NS)
    assert [d.findtext(q("VersionId"), namespaces=NS) for d in deleted] == ["null", None]
    assert text(root, "Error/VersionId") == "v3"


def test_delete_result_quiet_lists_only_errors():
    results = [DeleteResult("k1"), DeleteResult("k2", "InternalError")]
    root = parse(render_delete_result(results, quiet=True))
    assert root.find(q("Deleted"), NS) is None
    assert text(root, "Error/Key") == "k2"


@pytest.mark.parametrize(
    ("render", "root_name"),
    [(render_copy_object_result, "CopyObjectResult"), (render_copy_part_result, "CopyPartResult")],
)
def test_copy_results(render, root_name):
    root = parse(render(ETAG, TS, {"CRC32": "AAAAAA=="}))
    assert root.tag == f"{{{S3_NS}}}{root_name}"
    assert text(root, "ETag") == f'"{ETAG}"'
    assert text(root, "LastModified") == "2026-11-25T15:57:27.123Z"
    assert text(root, "ChecksumCRC32") == "AAAAAA=="


# --- multipart -----------------------------------------------------------------


def test_initiate_multipart():
    root = parse(render_initiate_multipart("b", "k <1>", "up-1"))
    assert (text(root, "Bucket"), text(root, "Key"), text(root, "UploadId")) == (
        "b",
        "k <1>",
        "up-1",
    )


def test_complete_multipart_with_checksum():
    body = render_complete_multipart(
        "http://h/b/k", "b", "k", f"{ETAG}-3", {"CRC32C": "xyz=-3"}, "COMPOSITE"
    )
    root = parse(body)
    assert text(root, "Location") == "http://h/b/k"
    assert text(root, "ETag") == f'"{ETAG}-3"'
    assert text(root, "ChecksumCRC32C") == "xyz=-3"
    assert text(root, "ChecksumType") == "COMPOSITE"


def test_list_parts_all_fields():
    parts = [PartRecord(1, 5, "e1", "c1", TS), PartRecord(2, 6, "e2", None, TS)]
    root = parse(
        render_list_parts(
            "b", "k", "up", 0, 2, 1000, False, parts, OWNER, "STANDARD", "SHA256", "COMPOSITE"
        )
    )
    assert text(root, "PartNumberMarker") == "0"
    assert text(root, "NextPartNumberMarker") == "2"
    assert text(root, "MaxParts") == "1000"
    assert text(root, "IsTruncated") == "false"
    found = root.findall(q("Part"), NS)
    assert [p.findtext(q("PartNumber"), namespaces=NS) for p in found] == ["1", "2"]
    assert found[0].findtext(q("ETag"), namespaces=NS) == '"e1"'
    assert found[0].findtext(q("Size"), namespaces=NS) == "5"
    assert found[0].findtext(q("ChecksumSHA256"), namespaces=NS) == "c1"
    assert found[1].find(q("ChecksumSHA256"), NS) is None
    assert text(root, "Initiator/ID") == "owner-id"
    assert text(root, "Owner/DisplayName") == "owner-name"
    assert text(root, "StorageClass") == "STANDARD"
    assert text(root, "ChecksumAlgorithm") == "SHA256"


def test_list_multipart_uploads_all_fields_and_url_encoding():
    uploads = [UploadEntry("a b", "u1", TS), UploadEntry("c", "u2", TS, "GLACIER", "CRC32")]
    root = parse(
        render_list_multipart_uploads(
            "b", "k m", "u0", "c", "u2", 2, True, uploads, ["p q/"], "", "/", "url", OWNER
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


# --- parsing -------------------------------------------------------------------


def delete_body(keys, quiet=None, ns=True):
    xmlns = f' xmlns="{S3_NS}"' if ns else ""
    objects = "".join(f"<Object><Key>{escape(k)}</Key></Object>" for k in keys)
    quiet_xml = f"<Quiet>{quiet}</Quiet>" if quiet is not None else ""
    body = f"<Delete{xmlns}>{quiet_xml}{objects}</Delete>"
    return (PROLOGUE + body).encode()


@pytest.mark.parametrize("ns", [True, False])
def test_parse_delete_objects_with_or_without_namespace(ns):
    assert parse_delete_objects(delete_body(["a", "b c"], "true", ns)) == (
        ["a", "b c"],
        [None, None],
        True,
    )


def test_parse_delete_objects_quiet_defaults_to_false():
    assert parse_delete_objects(delete_body(["a"])) == (["a"], [None], False)


def test_parse_delete_objects_reads_each_version_id():
    body = (
        f'<Delete xmlns="{S3_NS}"><Object><Key>a</Key><VersionId>null</VersionId></Object>'
        "<Object><Key>b</Key></Object>"
        "<Object><Key>c</Key><VersionId>3HL4kqtJlcpXro</VersionId></Object></Delete>"
    ).encode()
    assert parse_delete_objects(body) == (["a", "b", "c"], ["null", None, "3HL4kqtJlcpXro"], False)


@given(st.lists(xml_keys, min_size=1, max_size=10))
def test_parse_delete_objects_round_trips_escaped_keys(keys):
    assert parse_delete_objects(delete_body(keys))[0] == keys


def test_parse_delete_objects_accepts_exactly_1000():
    keys, _, _ = parse_delete_objects(delete_body([str(i) for i in range(1000)]))
    assert len(keys) == 1000


def test_parse_delete_objects_over_1000_is_malformed():
    with pytest.raises(S3Error) as info:
        parse_delete_objects(delete_body([str(i) for i in range(1001)]))
    assert info.value.code == "MalformedXML"


def test_parse_delete_objects_without_object_is_malformed():
    with pytest.raises(S3Error) as info:
        parse_delete_objects(delete_body([], "true"))
    assert info.value.code == "MalformedXML"


def test_parse_delete_objects_object_without_key_is_malformed():
    with pytest.raises(S3Error):
        parse_delete_objects(b"<Delete><Object><VersionId>1</VersionId></Object></Delete>")


def complete_body(parts: str) -> bytes:
    return f'<CompleteMultipartUpload xmlns="{S3_NS}">{parts}</CompleteMultipartUpload>'.encode()


def test_parse_complete_multipart_parts_etags_and_checksums():
    body = complete_body(
        "<Part><PartNumber>1</PartNumber><ETag>&quot;e1&quot;</ETag>"
        "<ChecksumCRC32>AAA=</ChecksumCRC32></Part>"
        '<Part><ETag>"e2"</ETag><PartNumber> 2 </PartNumber>'
        "<ChecksumSHA256>BBB=</ChecksumSHA256><ChecksumBogus>x</ChecksumBogus></Part>"
        "<Part><PartNumber>3</PartNumber><ETag>e3</ETag></Part>"
    )
    assert parse_complete_multipart(body) == [
        CompletedPart(1, "e1", {"CRC32": "AAA="}),
        CompletedPart(2, "e2", {"SHA256": "BBB="}),
        CompletedPart(3, "e3", {}),
    ]


@pytest.mark.parametrize("number", ["one", "1.5", "-1", "", "0x1", "\u0661"])
def test_parse_complete_multipart_non_integer_part_number_is_malformed(number):
    body = complete_body(f"<Part><PartNumber>{number}</PartNumber><ETag>e</ETag></Part>")
    with pytest.raises(S3Error) as info:
        parse_complete_multipart(body)
    assert info.value.code == "MalformedXML"


@pytest.mark.parametrize(
    "parts",
    ["", "<Part><PartNumber>1</PartNumber></Part>", "<Part><ETag>e</ETag></Part>"],
)
def test_parse_complete_multipart_missing_parts_or_fields_is_malformed(parts):
    with pytest.raises(S3Error) as info:
        parse_complete_multipart(complete_body(parts))
    assert info.value.code == "MalformedXML"


def test_parse_create_bucket_location():
    body = (
        f'<CreateBucketConfiguration xmlns="{S3_NS}">'
        "<LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>"
    ).encode()
    assert parse_create_bucket(body) == "eu-west-1"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"  \n",
        b"<CreateBucketConfiguration/>",
        b"<CreateBucketConfiguration>"
        b"<LocationConstraint></LocationConstraint></CreateBucketConfiguration>",
    ],
)
def test_parse_create_bucket_without_constraint_is_none(body):
    assert parse_create_bucket(body) is None


def tagging_body(pairs) -> bytes:
    tags = "".join(f"<Tag><Key>{escape(k)}</Key><Value>{escape(v)}</Value></Tag>" for k, v in pairs)
    return f"<Tagging><TagSet>{tags}</TagSet></Tagging>".encode()


def test_parse_tagging_accepts_ten_tags_and_empty_values():
    pairs = [(f"k{i}", "") for i in range(10)]
    assert parse_tagging(tagging_body(pairs)) == dict(pairs)


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
def test_parse_tagging_limits_raise_invalid_tag(pairs):
    with pytest.raises(S3Error) as info:
        parse_tagging(tagging_body(pairs))
    assert (info.value.code, info.value.status) == ("InvalidTag", 400)


def test_parse_tagging_max_tags_parameter():
    pairs = [(f"k{i}", "v") for i in range(11)]
    assert len(parse_tagging(tagging_body(pairs), max_tags=50)) == 11


def test_parse_tagging_limits_count_characters_not_bytes():
    assert parse_tagging(tagging_body([("é" * 128, "ü" * 256)]))


def test_parse_tagging_without_tag_set_is_malformed():
    with pytest.raises(S3Error) as info:
        parse_tagging(b"<Tagging></Tagging>")
    assert info.value.code == "MalformedXML"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<Delete><Object><Key>&lol2;</Key></Object></Delete>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Delete><Object><Key>&x;</Key></Object></Delete>"""

HOSTILE = [
    b"",
    b"<Delete>",
    b"<Delete><Object><Key>a</Key></Object>",
    b"not xml",
    b"<Wrong><Object><Key>a</Key></Object></Wrong>",
    b"<Delete><Object><Key>a</Key></Object></Delete><Delete/>",
    b"<!DOCTYPE Delete><Delete><Object><Key>a</Key></Object></Delete>",
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    b"\xff\xfe<\x00D\x00",
    b"<Delete><Object><Key>\x01</Key></Object></Delete>",
    b'<?xml version="1.0" encoding="bogus"?><Delete/>',
]


@pytest.mark.parametrize(
    "parser", [parse_delete_objects, parse_complete_multipart, parse_tagging, parse_create_bucket]
)
@pytest.mark.parametrize("body", HOSTILE)
def test_hostile_or_malformed_bodies_are_malformed_xml(parser, body):
    if parser is parse_create_bucket and body == b"":
        assert parser(body) is None
        return
    with pytest.raises(S3Error) as info:
        parser(body)
    assert (info.value.code, info.value.status) == ("MalformedXML", 400)


@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_raise_anything_but_s3_errors(body):
    for parser in (
        parse_delete_objects,
        parse_complete_multipart,
        parse_tagging,
        parse_create_bucket,
    ):
        try:
            parser(body)
        except S3Error as err:
            assert err.code in ("MalformedXML", "InvalidTag")


# --- what boto3 reads back ---------------------------------------------------------


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
    body = render_list_objects_v2(
        "b", "", "/", 1000, "url", [entry(k) for k in keys], [common_prefix], False,
        len(keys) + 1, None, None, None, False, OWNER,
    )  # fmt: skip
    parsed = botocore_parse("ListObjectsV2", body)
    assert [c["Key"] for c in parsed["Contents"]] == keys
    assert parsed["Contents"][0]["ETag"] == f'"{ETAG}"'
    assert parsed["CommonPrefixes"] == [{"Prefix": common_prefix}]


@settings(deadline=None)
@given(xml_keys, xml_keys)
def test_boto3_reads_back_v1_markers(marker, next_marker):
    body = render_list_objects_v1(
        "b", None, marker, "/", 1, "url", [entry(next_marker)], [], True, next_marker, OWNER
    )
    parsed = botocore_parse("ListObjects", body)
    assert parsed["Marker"] == marker
    assert parsed["NextMarker"] == next_marker
    assert parsed["Contents"][0]["Key"] == next_marker
    assert parsed["Contents"][0]["Owner"] == {"ID": "owner-id", "DisplayName": "owner-name"}


# --- checksums in listings --------------------------------------------------------


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
