"""PutObject, GetObject, HeadObject and DeleteObject."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from s3box.protocol.conditions import ReadConditions
from s3box.protocol.errors import S3Error
from s3box.protocol.operations.objects import (
    HeadObjectInput,
    object_read,
    parse_delete_object,
    parse_get_object,
    parse_head_object,
    parse_put_object,
    render_delete_object,
    render_get_object,
    render_head_object,
    render_put_object,
)
from s3box.protocol.request import Head
from s3box.records import ChecksumRecord, ObjectFields, ObjectMeta, PartRecord, WriteCondition
from tests.unit.protocol.operations.xmltest import TS

# ---- PutObject, GetObject, HeadObject, DeleteObject ----


def _head(
    method: str = "GET",
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    key: str | None = "k",
) -> Head:
    headers = headers or {}
    return Head(
        method=method,
        bucket="bkt",
        key=key,
        query=query or {},
        headers=headers,
        header_list=list(headers.items()),
    )


def _multipart_meta() -> ObjectMeta:
    fields = ObjectFields(checksum=ChecksumRecord("SHA256", "COMPOSITE", "c2hh-3"))
    parts = [PartRecord(n, 5, f"e{n}", f"c{n}=") for n in (1, 2, 3)]
    return ObjectMeta("k", 15, "abc-3", 0.0, fields, parts)


def _object(size: int = 10, checksum: ChecksumRecord | None = None) -> ObjectMeta:
    fields = ObjectFields(content_type="text/plain", checksum=checksum)
    return ObjectMeta("k", size, "abc", TS, fields, [PartRecord(1, size, "abc")])


def test_parse_put_object_reads_fields_and_condition() -> None:
    inp = parse_put_object(
        _head("PUT", {"content-type": "image/png", "x-amz-meta-a": "1", "if-match": '"e"'})
    )
    assert (inp.bucket, inp.key) == ("bkt", "k")
    assert (inp.fields.content_type, inp.fields.user_metadata) == ("image/png", {"a": "1"})
    assert inp.condition == WriteCondition(if_match="e")
    assert parse_put_object(_head("PUT")).condition is None


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"if-none-match": '"e"'}, "NotImplemented"),
        ({"x-amz-acl": "everyone"}, "InvalidArgument"),
        ({"x-amz-server-side-encryption": "AES256"}, "NotImplemented"),
        ({"x-amz-meta-big": "x" * 3000}, "MetadataTooLarge"),
    ],
)
def test_parse_put_object_refuses_bad_headers(headers: dict[str, str], code: str) -> None:
    with pytest.raises(S3Error) as caught:
        parse_put_object(_head("PUT", headers))
    assert caught.value.code == code


def test_parse_put_object_needs_a_key() -> None:
    with pytest.raises(S3Error) as caught:
        parse_put_object(_head("PUT", key=None))
    assert caught.value.code == "InvalidArgument"


def test_render_put_object_gives_etag_and_checksum() -> None:
    response = render_put_object(_object(checksum=ChecksumRecord("CRC32", "FULL_OBJECT", "AA==")))
    assert response.status == 200
    assert response.headers == [
        ("etag", '"abc"'),
        ("x-amz-checksum-crc32", "AA=="),
        ("x-amz-checksum-type", "FULL_OBJECT"),
    ]
    assert render_put_object(_object()).headers == [("etag", '"abc"')]


def test_parse_get_object_keeps_what_is_checked_against_the_object() -> None:
    inp = parse_get_object(
        _head(
            headers={
                "range": "bytes=0-1",
                "if-none-match": '"abc"',
                "x-amz-checksum-mode": "enabled",
                "x-amz-server-side-encryption-customer-key": "k",
            },
            query={"versionId": "null", "response-content-type": "a/b", "partNumber": "x"},
        )
    )
    assert (inp.bucket, inp.key, inp.version_id) == ("bkt", "k", "null")
    assert inp.conditions == ReadConditions(if_none_match='"abc"')
    assert (inp.range, inp.part_number) == ("bytes=0-1", "x")
    assert inp.overrides == (("response-content-type", "a/b"),)
    assert inp.checksum_mode and inp.customer_key
    assert isinstance(parse_head_object(_head("HEAD")), HeadObjectInput)


def test_parse_get_object_refuses_a_version_id() -> None:
    for parse_read in (parse_get_object, parse_head_object):
        with pytest.raises(S3Error) as caught:
            parse_read(_head(query={"versionId": "v1"}))
        assert caught.value.code in ("InvalidArgument", "NoSuchVersion")


def test_object_read_of_a_whole_object() -> None:
    checksum = ChecksumRecord("CRC32", "FULL_OBJECT", "AA==")
    read = object_read(parse_get_object(_head()), _object(checksum=checksum))
    assert (read.status, read.start, read.end, read.length) == (200, 0, 9, 10)
    names = [name for name, _ in read.headers]
    assert names == ["etag", "last-modified", "accept-ranges", "content-type"]
    asked = parse_get_object(_head(headers={"x-amz-checksum-mode": "ENABLED"}))
    assert ("x-amz-checksum-crc32", "AA==") in object_read(
        asked, _object(checksum=checksum)
    ).headers


def test_object_read_of_a_range_is_206_with_content_range() -> None:
    read = object_read(parse_get_object(_head(headers={"range": "bytes=2-4"})), _object())
    assert (read.status, read.start, read.end, read.length) == (206, 2, 4, 3)
    assert ("content-range", "bytes 2-4/10") in read.headers


def test_object_read_overrides_response_headers() -> None:
    query = {"response-content-type": "a/b", "response-cache-control": "no-store"}
    read = object_read(parse_get_object(_head(query=query)), _object())
    assert read.headers[-2:] == [("content-type", "a/b"), ("cache-control", "no-store")]
    assert [v for n, v in read.headers if n == "content-type"] == ["a/b"]
    bad = parse_get_object(_head(query={"response-expires": "a\nb"}))
    with pytest.raises(S3Error) as caught:
        object_read(bad, _object())
    assert caught.value.code == "InvalidArgument"


def test_object_read_conditions_give_304_and_412() -> None:
    not_modified = parse_get_object(_head(headers={"if-none-match": '"abc"'}))
    with pytest.raises(S3Error) as caught:
        object_read(not_modified, _object())
    assert (caught.value.code, caught.value.status) == ("NotModified", 304)
    assert caught.value.headers["etag"] == '"abc"'
    failed = parse_get_object(_head(headers={"if-match": '"other"'}))
    with pytest.raises(S3Error) as caught:
        object_read(failed, _object())
    assert (caught.value.code, caught.value.status) == ("PreconditionFailed", 412)


def test_object_read_refuses_a_customer_key_before_conditions() -> None:
    headers = {"x-amz-server-side-encryption-customer-algorithm": "AES256", "if-match": "x"}
    with pytest.raises(S3Error) as caught:
        object_read(parse_get_object(_head(headers=headers)), _object())
    assert caught.value.code == "InvalidRequest"


def test_object_read_of_a_part_number() -> None:
    single = object_read(parse_get_object(_head(query={"partNumber": "1"})), _object())
    assert (single.status, single.length) == (206, 10)
    assert ("content-range", "bytes 0-9/10") in single.headers
    meta = _multipart_meta()
    inp = parse_get_object(
        _head(headers={"x-amz-checksum-mode": "ENABLED"}, query={"partNumber": "2"})
    )
    read = object_read(inp, meta)
    assert (read.status, read.start, read.end, read.length) == (206, 5, 9, 5)
    assert ("x-amz-mp-parts-count", "3") in read.headers
    assert ("x-amz-checksum-sha256", "c2=") in read.headers
    assert ("content-range", "bytes 5-9/15") in read.headers


@pytest.mark.parametrize(
    ("headers", "query", "code", "status"),
    [
        ({}, {"partNumber": "2"}, "InvalidPartNumber", 416),
        ({"range": "bytes=0-1"}, {"partNumber": "1"}, "InvalidRequest", 400),
        ({}, {"partNumber": "0"}, "InvalidArgument", 400),
        ({"range": "bytes=20-30"}, {}, "InvalidRange", 416),
    ],
)
def test_object_read_refuses_unsatisfiable_reads(
    headers: dict[str, str], query: dict[str, str], code: str, status: int
) -> None:
    with pytest.raises(S3Error) as caught:
        object_read(parse_get_object(_head(headers=headers, query=query)), _object())
    assert (caught.value.code, caught.value.status) == (code, status)


def test_object_read_of_an_empty_object_has_no_bytes() -> None:
    read = object_read(parse_get_object(_head()), _object(size=0))
    assert (read.status, read.length) == (200, 0)
    assert render_get_object(read, b"").body == b""
    assert render_head_object(read).content_length == 0


def test_render_get_object_cuts_bytes_or_passes_the_stream() -> None:
    read = object_read(parse_get_object(_head(headers={"range": "bytes=2-4"})), _object())
    whole = render_get_object(read, b"0123456789")
    assert (whole.status, whole.body, whole.stream) == (206, b"234", None)

    async def chunks() -> AsyncIterator[bytes]:
        yield b"234"

    async def close() -> None:
        return None

    stream = chunks()
    streamed = render_get_object(read, stream, close)
    assert (streamed.stream, streamed.content_length, streamed.on_close) == (stream, 3, close)
    assert streamed.headers is read.headers


def test_render_head_object_has_the_length_and_no_body() -> None:
    read = object_read(parse_head_object(_head("HEAD")), _object())
    response = render_head_object(read)
    assert (response.status, response.content_length, response.body) == (200, 10, b"")
    ranged = object_read(parse_head_object(_head("HEAD", {"range": "bytes=0-0"})), _object())
    assert (render_head_object(ranged).status, render_head_object(ranged).content_length) == (
        206,
        1,
    )


def test_parse_delete_object_unquotes_if_match() -> None:
    assert parse_delete_object(_head("DELETE", {"if-match": 'W/"abc"'})).if_match == "abc"
    assert parse_delete_object(_head("DELETE", {"if-match": "*"})).if_match is None
    assert parse_delete_object(_head("DELETE")).if_match is None
    with pytest.raises(S3Error):
        parse_delete_object(_head("DELETE", query={"versionId": "v1"}))


def test_render_delete_object_is_204() -> None:
    response = render_delete_object()
    assert (response.status, response.headers, response.body) == (204, [], b"")
