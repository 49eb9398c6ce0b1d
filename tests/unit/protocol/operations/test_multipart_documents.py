"""The multipart documents: InitiateMultipartUploadResult, the
CompleteMultipartUpload body and result, ListPartsResult and part paging."""

from __future__ import annotations

import pytest

from s3box.protocol.errors import S3Error
from s3box.protocol.operations.multipart_documents import (
    CompletedPart,
    ListPartsOutput,
    complete_multipart_upload_result,
    initiate_multipart_upload_result,
    list_parts_result,
    page_parts,
    parse_completed_parts,
)
from s3box.protocol.xmlrender import S3_NS
from s3box.records import PartRecord
from tests.unit.protocol.operations.xmltest import ETAG, NS, OWNER, TS, parse, q, text


def test_create_multipart_upload_result():
    root = parse(initiate_multipart_upload_result("b", "k <1>", "up-1"))
    assert (text(root, "Bucket"), text(root, "Key"), text(root, "UploadId")) == (
        "b",
        "k <1>",
        "up-1",
    )


def test_complete_multipart_with_checksum():
    body = complete_multipart_upload_result(
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
        list_parts_result(
            ListPartsOutput(
                "b", "k", "up", 0, 2, 1000, False, parts, OWNER, "STANDARD", "SHA256", "COMPOSITE"
            )
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
    assert parse_completed_parts(body) == [
        CompletedPart(1, "e1", {"CRC32": "AAA="}),
        CompletedPart(2, "e2", {"SHA256": "BBB="}),
        CompletedPart(3, "e3", {}),
    ]


@pytest.mark.parametrize("number", ["one", "1.5", "-1", "", "0x1", "\u0661"])
def test_parse_complete_multipart_non_integer_part_number_is_malformed(number):
    body = complete_body(f"<Part><PartNumber>{number}</PartNumber><ETag>e</ETag></Part>")
    with pytest.raises(S3Error) as info:
        parse_completed_parts(body)
    assert info.value.code == "MalformedXML"


@pytest.mark.parametrize(
    "parts",
    ["", "<Part><PartNumber>1</PartNumber></Part>", "<Part><ETag>e</ETag></Part>"],
)
def test_parse_complete_multipart_missing_parts_or_fields_is_malformed(parts):
    with pytest.raises(S3Error) as info:
        parse_completed_parts(complete_body(parts))
    assert info.value.code == "MalformedXML"


def test_page_parts_after_the_marker_and_whether_more_follow():
    parts = [PartRecord(n, 1, f"e{n}") for n in (1, 2, 3, 5)]
    page, truncated = page_parts(parts, 1, 2)
    assert ([p.number for p in page], truncated) == ([2, 3], True)
    page, truncated = page_parts(parts, 3, 2)
    assert ([p.number for p in page], truncated) == ([5], False)
    assert page_parts(parts, 5, 2) == ([], False)
