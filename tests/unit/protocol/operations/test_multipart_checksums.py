"""The checksum rules of multipart uploads: a part's algorithm, and the object
checksum a Complete derives from its parts and checks against the whole
object's value the client sent."""

from __future__ import annotations

import base64
import zlib

import pytest

from s3box.protocol import checksums
from s3box.protocol.errors import S3Error
from s3box.protocol.operations.multipart_checksums import (
    check_part_algorithm,
    checksum_response_headers,
    final_checksum,
    parse_full_object_checksums,
    parse_upload_checksum,
    part_copy_checksum,
)
from s3box.records import ChecksumRecord, ObjectFields, PartRecord, UploadInfo


def upload(algorithm: str | None = None, kind: str = "COMPOSITE") -> UploadInfo:
    record = ChecksumRecord(algorithm, kind, "") if algorithm else None
    return UploadInfo("up", "k", 0.0, ObjectFields(checksum=record))


def crc32(data: bytes) -> bytes:
    return zlib.crc32(data).to_bytes(4, "big")


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


PARTS = [PartRecord(1, 3, "e1", b64(crc32(b"abc"))), PartRecord(2, 2, "e2", b64(crc32(b"de")))]
WANTED: list[tuple[int, dict[str, str]]] = [(1, {}), (2, {})]


def test_parse_upload_checksum_defaults_the_type_per_algorithm() -> None:
    assert parse_upload_checksum({"x-amz-checksum-algorithm": "crc64nvme"}) == ChecksumRecord(
        "CRC64NVME", "FULL_OBJECT", ""
    )
    assert parse_upload_checksum(
        {"x-amz-checksum-algorithm": "CRC32", "x-amz-checksum-type": "full_object"}
    ) == ChecksumRecord("CRC32", "FULL_OBJECT", "")
    assert parse_upload_checksum({}) is None


def test_checksum_response_headers_name_algorithm_and_type() -> None:
    assert checksum_response_headers(None) == []
    assert checksum_response_headers(ChecksumRecord("SHA1", "COMPOSITE", "")) == [
        ("x-amz-checksum-algorithm", "SHA1"),
        ("x-amz-checksum-type", "COMPOSITE"),
    ]


def test_check_part_algorithm_refuses_another_algorithm_than_the_uploads() -> None:
    check_part_algorithm(upload("SHA256"), "SHA256")
    check_part_algorithm(upload("SHA256"), None)
    check_part_algorithm(upload(), "SHA1")  # no algorithm chosen: any goes
    with pytest.raises(S3Error) as info:
        check_part_algorithm(upload("SHA256"), "CRC32")
    assert (info.value.code, info.value.message) == (
        "InvalidRequest",
        "Checksum Type mismatch occurred, expected checksum Type: sha256, "
        "actual checksum Type: crc32",
    )


def test_parse_full_object_checksums_skips_option_headers() -> None:
    headers = {
        "x-amz-checksum-crc32": " AAAA== ",
        "x-amz-checksum-type": "FULL_OBJECT",
        "x-amz-checksum-algorithm": "CRC32",
        "x-amz-checksum-mode": "ENABLED",
        "content-type": "text/xml",
    }
    assert parse_full_object_checksums(headers) == {"CRC32": "AAAA=="}


def test_final_checksum_full_object_combines_part_crcs() -> None:
    record = final_checksum(upload("CRC32", "FULL_OBJECT"), PARTS, WANTED, {})
    assert record == ChecksumRecord("CRC32", "FULL_OBJECT", b64(crc32(b"abcde")))


def test_final_checksum_composite_hashes_the_part_digests() -> None:
    record = final_checksum(upload("CRC32"), PARTS, WANTED, {})
    digests = [crc32(b"abc"), crc32(b"de")]
    assert record == ChecksumRecord(
        "CRC32", "COMPOSITE", checksums.composite_checksum("CRC32", digests)
    )
    assert record.value.endswith("-2")


def test_final_checksum_is_none_when_a_part_has_none_or_is_missing() -> None:
    bare = [PartRecord(1, 3, "e1")]
    assert final_checksum(upload("CRC32"), bare, [(1, {})], {}) is None
    assert final_checksum(upload("CRC32"), PARTS, [(3, {})], {}) is None
    undecodable = [PartRecord(1, 3, "e1", "not base64!")]
    assert final_checksum(upload("CRC32"), undecodable, [(1, {})], {}) is None


def test_final_checksum_refuses_a_part_checksum_that_differs() -> None:
    with pytest.raises(S3Error) as info:
        final_checksum(upload("CRC32"), PARTS, [(1, {}), (2, {"CRC32": "AAAAAA=="})], {})
    assert info.value.code == "InvalidPart"
    assert info.value.extra == {"PartNumber": "2", "UploadId": "up"}


def test_final_checksum_checks_the_whole_objects_value() -> None:
    whole = b64(crc32(b"abcde"))
    info_ = upload("CRC32", "FULL_OBJECT")
    assert final_checksum(info_, PARTS, WANTED, {"CRC32": whole}) is not None
    assert final_checksum(info_, PARTS, WANTED, {"SHA1": "other"}) is not None
    with pytest.raises(S3Error) as info:
        final_checksum(info_, PARTS, WANTED, {"CRC32": "AAAAAA=="})
    assert (info.value.code, info.value.message) == (
        "BadDigest",
        "The CRC32 you specified did not match the calculated checksum.",
    )


def test_part_copy_checksum_reports_what_the_hasher_saw() -> None:
    hasher, verify = part_copy_checksum("CRC32")
    hasher.update(b"abc")
    assert verify(b"") == ChecksumRecord("CRC32", "FULL_OBJECT", b64(crc32(b"abc")))
