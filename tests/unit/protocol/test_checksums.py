"""Checksums: published check values, incremental hashing, CRC combine, header parsing."""

from __future__ import annotations

import base64
import hashlib
import itertools
import zlib

import pytest
from awscrt import checksums as crt
from hypothesis import given
from hypothesis import strategies as st

from s3box.protocol import checksums
from s3box.protocol.errors import S3Error

CRCS = {"CRC32": zlib.crc32, "CRC32C": crt.crc32c, "CRC64NVME": crt.crc64nvme}


@pytest.mark.parametrize(
    ("algorithm", "expected_hex"),
    [
        # Catalogue check values (CRC RevEng) for b"123456789".
        ("CRC32", "cbf43926"),
        ("CRC32C", "e3069283"),
        ("CRC64NVME", "ae8b14860a799888"),
        ("SHA1", "f7c3bc1d808e04732adf679965ccc34ca7ae3441"),
        ("SHA256", "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225"),
    ],
)
def test_digest_of_check_string_matches_published_value(algorithm: str, expected_hex: str) -> None:
    assert checksums.checksum(algorithm, b"123456789").hex() == expected_hex


def test_b64_is_base64_of_big_endian_digest() -> None:
    # The value S3 shows for an empty object's CRC32 is "AAAAAA==".
    assert checksums.b64(checksums.checksum("crc32", b"")) == "AAAAAA=="
    assert checksums.b64(bytes.fromhex("cbf43926")) == "y/Q5Jg=="


@given(data=st.binary(max_size=2000), cuts=st.lists(st.integers(0, 2000), max_size=6))
@pytest.mark.parametrize("algorithm", checksums.ALGORITHMS)
def test_incremental_updates_equal_one_shot_digest(
    algorithm: str, data: bytes, cuts: list[int]
) -> None:
    hasher = checksums.new_hasher(algorithm)
    bounds = [0, *sorted(c % (len(data) + 1) for c in cuts), len(data)]
    view = memoryview(data)
    for start, end in itertools.pairwise(bounds):
        hasher.update(view[start:end])
    assert hasher.digest() == checksums.checksum(algorithm, data)


@given(parts=st.lists(st.binary(max_size=300), max_size=8))
@pytest.mark.parametrize("algorithm", sorted(checksums.CRC_ALGORITHMS))
def test_full_object_combine_equals_crc_of_concatenation(
    algorithm: str, parts: list[bytes]
) -> None:
    part_crcs = [(checksums.checksum(algorithm, p), len(p)) for p in parts]
    combined = checksums.combine_full_object(algorithm, part_crcs)
    assert combined == checksums.checksum(algorithm, b"".join(parts))


@given(a=st.binary(max_size=500), b=st.binary(max_size=500))
@pytest.mark.parametrize("algorithm", sorted(checksums.CRC_ALGORITHMS))
def test_pure_python_combine_equals_crc_of_concatenation(
    algorithm: str, a: bytes, b: bytes
) -> None:
    crc = CRCS[algorithm]
    assert checksums.crc_combine_pure(algorithm, crc(a), crc(b), len(b)) == crc(a + b)


@pytest.mark.parametrize("algorithm", sorted(checksums.CRC_ALGORITHMS))
def test_pure_python_combine_handles_gigabyte_lengths(algorithm: str) -> None:
    crc = CRCS[algorithm]
    length = 5 * 2**30 + 7
    expected = checksums.crc_combine(algorithm, crc(b"x"), crc(b"y"), length)
    assert checksums.crc_combine_pure(algorithm, crc(b"x"), crc(b"y"), length) == expected


def test_composite_checksum_hashes_raw_part_digests_and_counts_parts() -> None:
    parts = [b"a" * 10, b"b" * 20, b"c"]
    digests = [hashlib.sha256(p).digest() for p in parts]
    expected = base64.b64encode(hashlib.sha256(b"".join(digests)).digest()).decode()
    assert checksums.composite_checksum("SHA256", digests) == f"{expected}-3"


def test_full_object_combine_refuses_sha_algorithms() -> None:
    with pytest.raises(S3Error) as info:
        checksums.combine_full_object("SHA1", [])
    assert info.value.code == "InvalidRequest"


def test_unknown_algorithm_is_invalid_request() -> None:
    with pytest.raises(S3Error) as info:
        checksums.new_hasher("MD5")
    assert info.value.code == "InvalidRequest"


def test_header_checksum_is_decoded_to_raw_digest() -> None:
    found = checksums.parse_checksum_headers({"x-amz-checksum-crc32": "y/Q5Jg=="})
    assert found == checksums.RequestChecksum("CRC32", expected=bytes.fromhex("cbf43926"))


@pytest.mark.parametrize("value", ["not base64!", "y/Q5", "AAAAAAAA", "y/Q5Jg=", ""])
def test_bad_checksum_header_value_is_invalid_request_naming_the_header(value: str) -> None:
    with pytest.raises(S3Error) as info:
        checksums.parse_checksum_headers({"X-Amz-Checksum-CRC32": value})
    assert info.value.code == "InvalidRequest"
    assert info.value.message == "Value for x-amz-checksum-crc32 header is invalid."


def test_trailer_declares_algorithm_without_value() -> None:
    found = checksums.parse_checksum_headers(
        {"x-amz-trailer": "x-amz-checksum-crc64nvme", "x-amz-sdk-checksum-algorithm": "CRC64NVME"}
    )
    assert found == checksums.RequestChecksum("CRC64NVME", trailer="x-amz-checksum-crc64nvme")


def test_no_checksum_headers_gives_none_and_ignores_option_headers() -> None:
    headers = {"x-amz-checksum-mode": "ENABLED", "x-amz-checksum-type": "FULL_OBJECT"}
    assert checksums.parse_checksum_headers(headers) is None


@pytest.mark.parametrize(
    "headers",
    [
        {"x-amz-sdk-checksum-algorithm": "CRC32"},
        {"x-amz-sdk-checksum-algorithm": "SHA1", "x-amz-checksum-crc32": "y/Q5Jg=="},
        {"x-amz-checksum-crc32": "y/Q5Jg==", "x-amz-checksum-crc32c": "AAAAAA=="},
        {"x-amz-checksum-crc32": "y/Q5Jg==", "x-amz-trailer": "x-amz-checksum-crc32"},
        {"x-amz-trailer": "x-amz-meta-foo"},
        {"x-amz-checksum-md5": "AAAAAA=="},
    ],
)
def test_inconsistent_checksum_headers_are_invalid_request(headers: dict[str, str]) -> None:
    with pytest.raises(S3Error) as info:
        checksums.parse_checksum_headers(headers)
    assert info.value.code == "InvalidRequest"


def test_mismatch_is_bad_digest_worded_as_s3() -> None:
    checksums.check_digest("crc32", b"\x00" * 4, b"\x00" * 4)
    with pytest.raises(S3Error) as info:
        checksums.check_digest("crc32", b"\x00" * 4, b"\x00\x00\x00\x01")
    assert info.value.code == "BadDigest"
    assert info.value.message == "The CRC32 you specified did not match the calculated checksum."


def test_trailing_value_error_says_trailing_header() -> None:
    with pytest.raises(S3Error) as info:
        checksums.decode_checksum_value("SHA256", "AAAA", trailing=True)
    assert info.value.message == "Value for x-amz-checksum-sha256 trailing header is invalid."


@pytest.mark.parametrize("name", ["x-amz-checksum-algorithm", "X-Amz-Sdk-Checksum-Algorithm"])
@pytest.mark.parametrize("value", ["MD4", "md5", "CRC16", ""])
def test_unknown_algorithm_name_is_unsupported_whichever_header_names_it(
    name: str, value: str
) -> None:
    with pytest.raises(S3Error) as info:
        checksums.parse_checksum_headers({name: value, "x-amz-checksum-crc32": "y/Q5Jg=="})
    assert info.value.code == "InvalidRequest"
    assert info.value.message.startswith("Checksum algorithm provided is unsupported.")


def test_known_algorithm_name_alone_is_accepted_on_a_put() -> None:
    """x-amz-checksum-algorithm names CopyObject's and CreateMultipartUpload's algorithm;
    on a PUT with a known name and no value it asks nothing (the default is stored)."""
    assert checksums.parse_checksum_headers({"x-amz-checksum-algorithm": "crc32c"}) is None
