"""Multipart operations on the wire: each parse_<op> over a request head (valid
input, and the S3 error on invalid input) and each render_<op> from records."""

from __future__ import annotations

import pytest

from s3box.protocol import checksums
from s3box.protocol.checksums import RequestChecksum
from s3box.protocol.errors import S3Error
from s3box.protocol.operations.list_uploads import (
    parse_list_multipart_uploads,
    render_list_multipart_uploads,
)
from s3box.protocol.operations.multipart import (
    CompleteMultipartUploadInput,
    ListPartsInput,
    parse_abort_multipart_upload,
    parse_complete_multipart_upload,
    parse_create_multipart_upload,
    parse_list_parts,
    parse_upload_part,
    parse_upload_part_copy,
    part_algorithm,
    render_abort_multipart_upload,
    render_complete_multipart_upload,
    render_create_multipart_upload,
    render_list_parts,
    render_upload_part,
    render_upload_part_copy,
)
from s3box.protocol.operations.multipart_documents import CompletedPart
from s3box.protocol.request import Head
from s3box.protocol.xmlrender import S3_NS
from s3box.records import (
    ChecksumRecord,
    ObjectFields,
    ObjectMeta,
    PartRecord,
    UploadInfo,
    UploadsPage,
    WriteCondition,
)
from tests.unit.protocol.operations.xmltest import ETAG, NS, TS, parse, q, text

XML = ("content-type", "application/xml")
SSE_C = {"x-amz-server-side-encryption-customer-algorithm": "AES256"}


def head(query: dict[str, str] | None = None, **headers: str) -> Head:
    hs = {k.replace("_", "-"): v for k, v in headers.items()}
    return Head(
        bucket="b",
        key="k",
        query=dict(query or {}),
        headers=hs,
        header_list=list(hs.items()),
    )


def upload(checksum: ChecksumRecord | None = None) -> UploadInfo:
    return UploadInfo("up", "k", TS, ObjectFields(checksum=checksum))


def error_of(call) -> S3Error:
    with pytest.raises(S3Error) as info:
        call()
    return info.value


# ---- CreateMultipartUpload ----


def test_parse_create_multipart_upload_reads_object_fields_and_checksum() -> None:
    inp = parse_create_multipart_upload(
        head(
            content_type="text/plain",
            x_amz_meta_colour="blue",
            x_amz_checksum_algorithm="crc32c",
        )
    )
    assert (inp.bucket, inp.key) == ("b", "k")
    assert inp.fields.content_type == "text/plain"
    assert inp.fields.user_metadata == {"colour": "blue"}
    assert inp.fields.checksum == ChecksumRecord("CRC32C", "COMPOSITE", "")


def test_parse_create_multipart_upload_without_checksum_has_none() -> None:
    assert parse_create_multipart_upload(head()).fields.checksum is None


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (
            {"x-amz-checksum-type": "COMPOSITE"},
            "The x-amz-checksum-type header can only be used with the "
            "x-amz-checksum-algorithm header.",
        ),
        (
            {"x-amz-checksum-algorithm": "SHA256", "x-amz-checksum-type": "full_object"},
            "The FULL_OBJECT checksum type cannot be used with the sha256 checksum algorithm.",
        ),
        (
            {"x-amz-checksum-algorithm": "CRC64NVME", "x-amz-checksum-type": "COMPOSITE"},
            "The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.",
        ),
    ],
)
def test_parse_create_multipart_upload_refuses_bad_checksum_types(
    headers: dict[str, str], message: str
) -> None:
    err = error_of(
        lambda: parse_create_multipart_upload(
            Head(bucket="b", key="k", headers=headers, header_list=list(headers.items()))
        )
    )
    assert (err.code, err.message) == ("InvalidRequest", message)


def test_parse_create_multipart_upload_refuses_grants_and_missing_key() -> None:
    assert error_of(lambda: parse_create_multipart_upload(head(x_amz_grant_read="id=x"))).code == (
        "AccessControlListNotSupported"
    )
    no_key = Head(bucket="b")
    assert error_of(lambda: parse_create_multipart_upload(no_key)).code == "InvalidArgument"


def test_render_create_multipart_upload_echoes_the_checksum_choice() -> None:
    inp = parse_create_multipart_upload(head(x_amz_checksum_algorithm="CRC64NVME"))
    response = render_create_multipart_upload(inp, "up-1")
    assert response.status == 200
    assert response.headers == [
        XML,
        ("x-amz-checksum-algorithm", "CRC64NVME"),
        ("x-amz-checksum-type", "FULL_OBJECT"),
    ]
    assert text(parse(response.body), "UploadId") == "up-1"
    plain = render_create_multipart_upload(parse_create_multipart_upload(head()), "up-2")
    assert plain.headers == [XML]


# ---- UploadPart ----


def test_parse_upload_part_reads_upload_id_and_part_number() -> None:
    inp = parse_upload_part(head({"uploadId": "up", "partNumber": "7"}))
    assert (inp.bucket, inp.key, inp.upload_id, inp.part_number) == ("b", "k", "up", 7)
    assert inp.customer_key_error is None


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"uploadId": "", "partNumber": "1"}, "NoSuchUpload"),
        ({"uploadId": "up", "partNumber": "0"}, "InvalidArgument"),
        ({"uploadId": "up", "partNumber": "10001"}, "InvalidArgument"),
        ({"uploadId": "up", "partNumber": "x"}, "InvalidArgument"),
    ],
)
def test_parse_upload_part_refuses_bad_ids_and_numbers(query: dict[str, str], code: str) -> None:
    assert error_of(lambda: parse_upload_part(head(query))).code == code


def test_part_algorithm_refuses_customer_keys_only_once_the_upload_exists() -> None:
    inp = parse_upload_part(Head(bucket="b", key="k", query={"uploadId": "u", "partNumber": "1"}))
    assert part_algorithm(inp, upload()) == checksums.DEFAULT_ALGORITHM
    assert part_algorithm(inp, upload(ChecksumRecord("SHA1", "COMPOSITE", ""))) == "SHA1"
    with_key = parse_upload_part(
        Head(bucket="b", key="k", query={"uploadId": "u", "partNumber": "1"}, headers=SSE_C)
    )
    err = error_of(lambda: part_algorithm(with_key, upload()))
    assert (err.code, err.message) == (
        "InvalidRequest",
        "The encryption parameters are not applicable to this object.",
    )


def test_render_upload_part_shows_the_requested_checksum_else_the_uploads() -> None:
    part = PartRecord(1, 3, ETAG, "cGFydA==")
    sha = upload(ChecksumRecord("SHA256", "COMPOSITE", ""))
    requested = RequestChecksum("CRC32", b"\0\0\0\0")
    sent = render_upload_part(sha, part, requested, {"CRC32": "AAAAAA==", "SHA256": "x"})
    assert sent.headers == [("etag", f'"{ETAG}"'), ("x-amz-checksum-crc32", "AAAAAA==")]
    own = render_upload_part(sha, part, None, {})
    assert own.headers == [("etag", f'"{ETAG}"'), ("x-amz-checksum-sha256", "cGFydA==")]
    # An upload without a chosen algorithm keeps its default checksum to itself.
    assert render_upload_part(upload(), part, None, {}).headers == [("etag", f'"{ETAG}"')]
    assert (own.status, own.body) == (200, b"")


# ---- UploadPartCopy ----


def test_parse_upload_part_copy_reads_source_range_and_conditions() -> None:
    inp = parse_upload_part_copy(
        head(
            {"uploadId": "up", "partNumber": "2"},
            x_amz_copy_source="/src/a%20b?versionId=null",
            x_amz_copy_source_range="bytes=0-4",
            x_amz_copy_source_if_match='"nope"',
        )
    )
    assert (inp.src_bucket, inp.src_key, inp.part_number) == ("src", "a b", 2)
    assert inp.byte_range(10) == (0, 4)
    meta = ObjectMeta(
        key="a b", size=10, etag=ETAG, last_modified=TS, fields=ObjectFields(), parts=[]
    )
    assert error_of(lambda: inp.check_source(meta)).code == "PreconditionFailed"


def test_parse_upload_part_copy_without_range_copies_everything() -> None:
    inp = parse_upload_part_copy(
        head({"uploadId": "up", "partNumber": "1"}, x_amz_copy_source="src/k")
    )
    assert inp.byte_range(10) == (0, 9)


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("only-bucket", "InvalidArgument"),
        ("src/k?versionId=v1", "InvalidArgument"),
        ("x/k", "InvalidBucketName"),
    ],
)
def test_parse_upload_part_copy_refuses_bad_sources(source: str, code: str) -> None:
    query = {"uploadId": "up", "partNumber": "1"}
    assert error_of(lambda: parse_upload_part_copy(head(query, x_amz_copy_source=source))).code == (
        code
    )


def test_render_upload_part_copy_shows_a_chosen_algorithms_checksum() -> None:
    part = PartRecord(1, 3, ETAG, "AAAAAA==", TS)
    chosen = render_upload_part_copy(upload(ChecksumRecord("CRC32", "COMPOSITE", "")), part)
    assert chosen.headers == [XML]
    root = parse(chosen.body)
    assert root.tag == f"{{{S3_NS}}}CopyPartResult"
    assert text(root, "ETag") == f'"{ETAG}"'
    assert text(root, "ChecksumCRC32") == "AAAAAA=="
    default = parse(render_upload_part_copy(upload(), part).body)
    assert text(default, "ChecksumCRC64NVME") is None


# ---- CompleteMultipartUpload ----

COMPLETE = (
    f'<CompleteMultipartUpload xmlns="{S3_NS}">'
    "<Part><PartNumber>1</PartNumber><ETag>&quot;e1&quot;</ETag></Part>"
    "<Part><PartNumber>2</PartNumber><ETag>e2</ETag><ChecksumCRC32>AAA=</ChecksumCRC32></Part>"
    "</CompleteMultipartUpload>"
).encode()


def test_parse_complete_multipart_upload_reads_parts_conditions_and_checksums() -> None:
    inp = parse_complete_multipart_upload(
        head({"uploadId": "up"}, if_none_match="*", x_amz_checksum_crc32=" AAAA== "),
        COMPLETE,
    )
    assert inp.parts == [CompletedPart(1, "e1"), CompletedPart(2, "e2", {"CRC32": "AAA="})]
    assert inp.requested == [(1, "e1"), (2, "e2")]
    assert inp.condition == WriteCondition(if_none_match_star=True)
    assert inp.full_object_checksums == {"CRC32": "AAAA=="}


def test_parse_complete_multipart_upload_ignores_checksum_option_headers() -> None:
    inp = parse_complete_multipart_upload(
        head({"uploadId": "up"}, x_amz_checksum_type="FULL_OBJECT"), COMPLETE
    )
    assert (inp.condition, inp.full_object_checksums) == (None, {})


def test_parse_complete_multipart_upload_errors() -> None:
    assert error_of(
        lambda: parse_complete_multipart_upload(head({"uploadId": ""}), COMPLETE)
    ).code == ("NoSuchUpload")
    assert error_of(
        lambda: parse_complete_multipart_upload(head({"uploadId": "u"}), b"<nope/>")
    ).code == ("MalformedXML")


def _complete(parts: list[CompletedPart]) -> CompleteMultipartUploadInput:
    return CompleteMultipartUploadInput("b", "k", "up", parts, None, {})


def test_render_complete_multipart_upload_shows_checksum_of_a_chosen_algorithm() -> None:
    record = ChecksumRecord("CRC32C", "COMPOSITE", "xyz=-2")
    chosen = render_complete_multipart_upload(
        _complete([]), upload(ChecksumRecord("CRC32C", "COMPOSITE", "")), f"{ETAG}-2", record
    )
    assert chosen.headers == [XML]
    root = parse(chosen.body)
    assert text(root, "Location") == "/b/k"
    assert text(root, "ETag") == f'"{ETAG}-2"'
    assert (text(root, "ChecksumCRC32C"), text(root, "ChecksumType")) == ("xyz=-2", "COMPOSITE")
    default = ChecksumRecord("CRC64NVME", "FULL_OBJECT", "AAAAAAAAAAA=")
    plain = parse(render_complete_multipart_upload(_complete([]), upload(), ETAG, default).body)
    assert (text(plain, "ChecksumCRC64NVME"), text(plain, "ChecksumType")) == (None, None)


# ---- AbortMultipartUpload ----


def test_parse_abort_multipart_upload_and_its_204() -> None:
    inp = parse_abort_multipart_upload(head({"uploadId": "up"}))
    assert (inp.bucket, inp.key, inp.upload_id) == ("b", "k", "up")
    assert error_of(lambda: parse_abort_multipart_upload(head())).code == "NoSuchUpload"
    response = render_abort_multipart_upload()
    assert (response.status, response.headers, response.body) == (204, [], b"")


# ---- ListParts ----


def test_parse_list_parts_defaults_and_caps() -> None:
    assert parse_list_parts(head({"uploadId": "up"})) == ListPartsInput("b", "k", "up", 0, 1000)
    capped = parse_list_parts(
        head({"uploadId": "up", "max-parts": "5000", "part-number-marker": "3"})
    )
    assert (capped.part_number_marker, capped.max_parts) == (3, 1000)


@pytest.mark.parametrize(
    "query", [{"max-parts": "x"}, {"max-parts": "-1"}, {"part-number-marker": "z"}]
)
def test_parse_list_parts_refuses_bad_integers(query: dict[str, str]) -> None:
    err = error_of(lambda: parse_list_parts(head({"uploadId": "up", **query})))
    assert err.code == "InvalidArgument"


def test_render_list_parts_pages_after_the_marker() -> None:
    parts = [PartRecord(n, n, f"e{n}", f"c{n}", TS) for n in (1, 2, 3)]
    inp = ListPartsInput("b", "k", "up", 1, 1)
    response = render_list_parts(inp, upload(ChecksumRecord("SHA1", "COMPOSITE", "")), parts)
    assert response.headers == [XML]
    root = parse(response.body)
    found = root.findall(q("Part"), NS)
    assert [p.findtext(q("PartNumber"), namespaces=NS) for p in found] == ["2"]
    assert found[0].findtext(q("ChecksumSHA1"), namespaces=NS) == "c2"
    assert (text(root, "NextPartNumberMarker"), text(root, "IsTruncated")) == ("2", "true")
    assert (text(root, "ChecksumAlgorithm"), text(root, "ChecksumType")) == ("SHA1", "COMPOSITE")
    empty = parse(render_list_parts(ListPartsInput("b", "k", "up", 9, 5), upload(), parts).body)
    assert (text(empty, "NextPartNumberMarker"), text(empty, "ChecksumAlgorithm")) == ("0", None)


# ---- ListMultipartUploads ----


def test_parse_list_multipart_uploads_reads_the_query() -> None:
    inp = parse_list_multipart_uploads(
        Head(
            bucket="b",
            query={
                "prefix": "p/",
                "delimiter": "/",
                "key-marker": "k",
                "upload-id-marker": "u",
                "max-uploads": "2000",
                "encoding-type": "URL",
            },
        )
    )
    assert (inp.prefix, inp.delimiter, inp.key_marker, inp.upload_id_marker) == (
        "p/",
        "/",
        "k",
        "u",
    )
    assert (inp.max_uploads, inp.encoding_type) == (1000, "url")


@pytest.mark.parametrize("query", [{"encoding-type": "base64"}, {"max-uploads": "many"}])
def test_parse_list_multipart_uploads_refuses_bad_parameters(query: dict[str, str]) -> None:
    err = error_of(lambda: parse_list_multipart_uploads(Head(bucket="b", query=query)))
    assert err.code == "InvalidArgument"


def test_render_list_multipart_uploads_from_the_engines_page() -> None:
    inp = parse_list_multipart_uploads(Head(bucket="b"))
    page = UploadsPage([upload()], ["p/"], True, "k", "up")
    response = render_list_multipart_uploads(inp, page)
    assert response.headers == [XML]
    root = parse(response.body)
    assert (text(root, "Bucket"), text(root, "KeyMarker"), text(root, "Prefix")) == ("b", "", "")
    assert root.find(q("Delimiter"), NS) is None
    assert (text(root, "NextKeyMarker"), text(root, "NextUploadIdMarker")) == ("k", "up")
    assert text(root, "IsTruncated") == "true"
    assert text(root, "Upload/UploadId") == "up"
    assert text(root, "CommonPrefixes/Prefix") == "p/"
