"""CopyObject (parse, the copy's fields, the source checks, the result) and
UploadPartCopy results."""

from __future__ import annotations

import pytest

from s3box.protocol.conditions import ReadConditions
from s3box.protocol.errors import S3Error
from s3box.protocol.operations.copy import (
    check_copy_source,
    copy_part_result,
    copy_source_checker,
    parse_copy_object,
    render_copy_object,
)
from s3box.protocol.request import Head
from s3box.protocol.xmlrender import S3_NS
from s3box.records import ChecksumRecord, ObjectFields, ObjectMeta, PartRecord, WriteCondition
from tests.unit.protocol.operations.xmltest import ETAG, TS, parse, root_of, text, text_at


def _meta(etag: str = ETAG, checksum: ChecksumRecord | None = None) -> ObjectMeta:
    fields = ObjectFields(
        content_type="text/plain",
        headers={"cache-control": "no-cache", "x-amz-website-redirect-location": "/old"},
        user_metadata={"a": "1"},
        storage_class="GLACIER",
        tags={"t": "src"},
        checksum=checksum,
    )
    return ObjectMeta("src", 3, etag, TS, fields, [PartRecord(1, 3, etag)])


def _copy_head(headers: dict[str, str], bucket: str = "dst", key: str = "k") -> Head:
    all_headers = {"x-amz-copy-source": "/src-bucket/src"} | headers
    return Head(
        method="PUT",
        bucket=bucket,
        key=key,
        headers=all_headers,
        header_list=list(all_headers.items()),
    )


def test_parse_copy_object_reads_source_directives_and_conditions() -> None:
    inp = parse_copy_object(
        _copy_head(
            {
                "x-amz-metadata-directive": "replace",
                "x-amz-tagging-directive": "REPLACE",
                "x-amz-checksum-algorithm": "crc32c",
                "x-amz-copy-source-if-match": '"abc"',
                "x-amz-copy-source-if-modified-since": "Tue, 01 Dec 2026 00:00:00 GMT",
                "if-none-match": "*",
                "x-amz-meta-new": "v",
            }
        )
    )
    assert (inp.bucket, inp.key, inp.source_bucket, inp.source_key) == (
        "dst",
        "k",
        "src-bucket",
        "src",
    )
    assert (inp.metadata_directive, inp.tagging_directive) == ("REPLACE", "REPLACE")
    assert inp.checksum_algorithm == "CRC32C"
    assert inp.fields.user_metadata == {"new": "v"}
    assert inp.source_conditions == ReadConditions(
        if_match='"abc"', if_modified_since="Tue, 01 Dec 2026 00:00:00 GMT"
    )
    assert not inp.source_customer_key
    assert inp.condition == WriteCondition(if_none_match_star=True)


def test_parse_copy_object_defaults_to_copy_directives() -> None:
    inp = parse_copy_object(_copy_head({}))
    assert (inp.metadata_directive, inp.tagging_directive) == ("COPY", "COPY")
    assert inp.checksum_algorithm is None and inp.condition is None
    assert inp.recompute_checksum() is None


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"x-amz-metadata-directive": "MOVE"}, "InvalidArgument"),
        ({"x-amz-tagging-directive": "x"}, "InvalidArgument"),
        ({"x-amz-copy-source": "bucket-only"}, "InvalidArgument"),
        ({"x-amz-checksum-algorithm": "MD5"}, "InvalidRequest"),
        ({"x-amz-grant-read": "id=x"}, "AccessControlListNotSupported"),
        ({"if-none-match": '"abc"'}, "NotImplemented"),
    ],
)
def test_parse_copy_object_refuses_bad_headers(headers: dict[str, str], code: str) -> None:
    with pytest.raises(S3Error) as caught:
        parse_copy_object(_copy_head(headers))
    assert caught.value.code == code


def test_unknown_directive_names_the_header() -> None:
    with pytest.raises(S3Error) as caught:
        parse_copy_object(_copy_head({"x-amz-metadata-directive": "MOVE"}))
    assert caught.value.message == "Unknown metadata directive."
    assert caught.value.extra == {
        "ArgumentName": "x-amz-metadata-directive",
        "ArgumentValue": "MOVE",
    }


def test_copy_onto_itself_changing_nothing_is_invalid_request() -> None:
    with pytest.raises(S3Error) as caught:
        parse_copy_object(_copy_head({}, bucket="src-bucket", key="src"))
    assert caught.value.code == "InvalidRequest"
    assert "copy an object to itself" in caught.value.message
    # A new storage class (or metadata, redirect, checksum) makes it legal.
    changed = _copy_head({"x-amz-storage-class": "STANDARD_IA"}, bucket="src-bucket", key="src")
    assert parse_copy_object(changed).fields.storage_class == "STANDARD_IA"


def test_copy_fields_under_copy_keep_the_source_but_not_its_class_or_redirect() -> None:
    inp = parse_copy_object(_copy_head({"x-amz-tagging": "t=new"}))
    source = _meta(checksum=ChecksumRecord("CRC32", "FULL_OBJECT", "AAAAAA=="))
    fields = inp.copy_fields(source)
    assert fields.content_type == "text/plain"
    assert fields.headers == {"cache-control": "no-cache"}
    assert fields.user_metadata == {"a": "1"}
    assert fields.storage_class == "STANDARD"
    assert fields.tags == {"t": "src"}
    assert fields.checksum == source.fields.checksum
    assert fields.user_metadata is not source.fields.user_metadata


def test_copy_fields_under_replace_take_the_request() -> None:
    headers = {
        "x-amz-metadata-directive": "REPLACE",
        "x-amz-tagging-directive": "REPLACE",
        "x-amz-tagging": "t=new",
        "content-type": "image/png",
        "x-amz-website-redirect-location": "/new",
    }
    fields = parse_copy_object(_copy_head(headers)).copy_fields(_meta())
    assert fields.content_type == "image/png"
    assert fields.headers == {"x-amz-website-redirect-location": "/new"}
    assert fields.user_metadata == {}
    assert fields.tags == {"t": "new"}


def test_recompute_checksum_gives_a_fresh_hasher() -> None:
    inp = parse_copy_object(_copy_head({"x-amz-checksum-algorithm": "sha256"}))
    algorithm, hasher = inp.recompute_checksum() or ("", None)
    assert algorithm == "SHA256" and hasher is not None
    hasher.update(b"abc")
    assert len(hasher.digest()) == 32


def test_check_copy_source_applies_the_copy_source_conditions() -> None:
    check_copy_source(ReadConditions(if_match=ETAG), False, _meta())
    with pytest.raises(S3Error) as caught:
        check_copy_source(ReadConditions(if_none_match=ETAG), False, _meta())
    assert caught.value.code == "PreconditionFailed"
    assert caught.value.extra == {"Condition": "x-amz-copy-source-If-None-Match"}
    with pytest.raises(S3Error) as caught:
        check_copy_source(ReadConditions(), True, _meta())
    assert caught.value.code == "InvalidRequest"


def test_copy_source_checker_reads_the_request_headers() -> None:
    head = _copy_head({"x-amz-copy-source-server-side-encryption-customer-key": "k"})
    assert parse_copy_object(head).source_customer_key
    with pytest.raises(S3Error) as caught:
        copy_source_checker(head)(_meta())
    assert caught.value.code == "InvalidRequest"
    copy_source_checker(_copy_head({"x-amz-copy-source-if-match": ETAG}))(_meta())


def test_render_copy_object_is_an_xml_result() -> None:
    response = render_copy_object(
        _meta(checksum=ChecksumRecord("CRC32C", "FULL_OBJECT", "AAAAAA=="))
    )
    assert (response.status, response.headers) == (200, [("content-type", "application/xml")])
    root = root_of(response.body)
    assert root.tag == f"{{{S3_NS}}}CopyObjectResult"
    assert text_at(root, "ETag") == f'"{ETAG}"'
    assert text_at(root, "LastModified") == "2026-11-25T15:57:27.123Z"
    assert text_at(root, "ChecksumCRC32C") == "AAAAAA=="
    assert text_at(root, "ChecksumType") == "FULL_OBJECT"


def test_render_copy_object_without_checksum_has_no_checksum_elements() -> None:
    root = root_of(render_copy_object(_meta()).body)
    assert [child.tag.split("}")[1] for child in root] == ["LastModified", "ETag"]


def test_upload_part_copy_result() -> None:
    root = parse(copy_part_result(ETAG, TS, {"CRC32": "AAAAAA=="}))
    assert root.tag == f"{{{S3_NS}}}CopyPartResult"
    assert text(root, "ETag") == f'"{ETAG}"'
    assert text(root, "LastModified") == "2026-11-25T15:57:27.123Z"
    assert text(root, "ChecksumCRC32") == "AAAAAA=="
