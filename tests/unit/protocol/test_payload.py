"""Pure payload checks (protocol/payload.py): framing, declared length, Content-MD5, flexible
checksums from a header or a trailer, and the signed payload SHA-256, fed bytes, no sockets."""

from __future__ import annotations

import base64
import hashlib

import pytest

from s3box.protocol import checksums, framing
from s3box.protocol.chunked import EMPTY_SHA256, ChunkSignatureVerifier
from s3box.protocol.errors import S3Error
from s3box.protocol.payload import (
    STREAMING_PAYLOAD,
    STREAMING_UNSIGNED_PAYLOAD_TRAILER,
    PayloadCheck,
    check_payload_hash_value,
    check_payload_sha256,
    declared_length,
    decode_content_md5,
    has_body,
    is_aws_chunked,
    verify_content_md5,
)
from tests.unit.protocol.test_chunked import AMZ_DATE, KEY, SCOPE, SEED, signed_body

BODY = b"hello, payload"


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def crc32_b64(data: bytes) -> str:
    return checksums.b64(checksums.checksum("CRC32", data))


def run(check: PayloadCheck, pieces: list[bytes]) -> bytes:
    """Feed raw body pieces, finish, hash the decoded bytes and verify: what a PUT does."""
    out = b"".join(piece for raw in pieces for piece in check.feed(raw))
    check.finish()
    check.feed_all(out)
    check.verify(hashlib.md5(out).digest())
    return out


def error_of(check: PayloadCheck, pieces: list[bytes]) -> S3Error:
    with pytest.raises(S3Error) as info:
        run(check, pieces)
    return info.value


def plain(**headers: str) -> dict[str, str]:
    return {"content-length": str(len(BODY)), **headers}


def unsigned_chunked(data: bytes, trailers: dict[str, str]) -> bytes:
    """aws-chunked framing without signatures, trailers after the final chunk."""
    framed = b"%x\r\n%s\r\n0\r\n" % (len(data), data)
    framed += b"".join(f"{k}:{v}\r\n".encode() for k, v in trailers.items())
    return framed + b"\r\n"


# --- framing and declared length -----------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, False),
        ({"content-length": "0"}, False),
        ({"content-length": " "}, False),
        ({"content-length": "5"}, True),
        ({"transfer-encoding": "chunked"}, True),
    ],
)
def test_has_body_reads_length_and_transfer_encoding(
    headers: dict[str, str], expected: bool
) -> None:
    assert has_body(headers) is expected


@pytest.mark.parametrize(
    ("headers", "chunked"),
    [
        ({}, False),
        ({"x-amz-content-sha256": EMPTY_SHA256}, False),
        ({"x-amz-content-sha256": STREAMING_PAYLOAD}, True),
        ({"content-encoding": "gzip, AWS-Chunked"}, True),
    ],
)
def test_aws_chunked_is_told_by_payload_hash_or_content_encoding(
    headers: dict[str, str], chunked: bool
) -> None:
    assert is_aws_chunked(headers) is chunked


def test_declared_length_is_the_decoded_length_for_aws_chunked_bodies() -> None:
    assert declared_length({"content-length": "10"}) == 10
    assert declared_length({}) is None
    aws = {"content-encoding": "aws-chunked", "content-length": "99"}
    assert declared_length({**aws, "x-amz-decoded-content-length": "5"}) == 5
    assert declared_length(aws) is None


@pytest.mark.parametrize("value", ["-1", "ten", ""])
def test_a_bad_declared_length_is_invalid_argument(value: str) -> None:
    with pytest.raises(S3Error) as info:
        PayloadCheck({"content-length": value})
    assert (info.value.code, info.value.message) == (
        "InvalidArgument",
        "Invalid content-length header.",
    )


def test_a_declared_length_over_5_gib_is_refused_before_the_body() -> None:
    with pytest.raises(S3Error) as info:
        PayloadCheck({"content-length": str(framing.MAX_UPLOAD_SIZE + 1)})
    assert info.value.code == "EntityTooLarge"


def test_a_body_longer_than_declared_is_incomplete_body() -> None:
    err = error_of(PayloadCheck(plain()), [BODY, b"x"])
    assert (err.code, err.message) == (
        "IncompleteBody",
        "The request body is longer than declared.",
    )


def test_a_body_shorter_than_declared_is_incomplete_body() -> None:
    assert error_of(PayloadCheck(plain()), [BODY[:-1]]).code == "IncompleteBody"


def test_a_plain_body_passes_through_and_is_counted() -> None:
    check = PayloadCheck(plain())
    assert run(check, [BODY[:3], BODY[3:]]) == BODY
    assert (check.chunked, check.expected, check.size) == (False, len(BODY), len(BODY))


def test_an_undeclared_length_is_taken_as_it_comes() -> None:
    check = PayloadCheck({"transfer-encoding": "chunked"})
    assert run(check, [BODY]) == BODY
    assert check.expected is None


def test_aws_chunked_framing_is_removed_and_trailers_kept() -> None:
    crc = crc32_b64(BODY)
    headers = {
        "x-amz-content-sha256": STREAMING_UNSIGNED_PAYLOAD_TRAILER,
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(len(BODY)),
        "x-amz-trailer": "x-amz-checksum-crc32",
    }
    framed = unsigned_chunked(BODY, {"x-amz-checksum-crc32": crc})
    check = PayloadCheck(headers)
    # One byte at a time: the framing may be split anywhere on the wire.
    assert run(check, [framed[i : i + 1] for i in range(len(framed))]) == BODY
    assert check.chunked and check.size == len(BODY)
    assert check.trailers == {"x-amz-checksum-crc32": crc}
    assert check.values["CRC32"] == crc


def test_aws_chunked_data_beyond_the_decoded_length_is_incomplete_body() -> None:
    headers = {"content-encoding": "aws-chunked", "x-amz-decoded-content-length": "3"}
    assert error_of(PayloadCheck(headers), [unsigned_chunked(BODY, {})]).code == "IncompleteBody"


def test_aws_chunked_body_cut_short_is_incomplete_body() -> None:
    headers = {"content-encoding": "aws-chunked"}
    assert (
        error_of(PayloadCheck(headers), [unsigned_chunked(BODY, {})[:-7]]).code == "IncompleteBody"
    )


def test_signed_chunks_are_verified_with_the_chunk_verifier() -> None:
    data = [b"a" * 100, b"b" * 50]
    framed, _ = signed_body(data)
    headers = {
        "x-amz-content-sha256": STREAMING_PAYLOAD,
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": "150",
    }

    def verifier() -> ChunkSignatureVerifier:
        return ChunkSignatureVerifier(KEY, AMZ_DATE, SCOPE, SEED)

    assert run(PayloadCheck(headers, chunk_verifier=verifier()), [framed]) == b"".join(data)
    forged = framed.replace(b"a" * 100, b"a" * 99 + b"c")
    err = error_of(PayloadCheck(headers, chunk_verifier=verifier()), [forged])
    assert err.code == "SignatureDoesNotMatch"


# --- Content-MD5 ---------------------------------------------------------------------------


def test_the_right_content_md5_verifies() -> None:
    run(PayloadCheck(plain(**{"content-md5": md5_b64(BODY)})), [BODY])


def test_a_wrong_content_md5_is_bad_digest_naming_both_digests() -> None:
    err = error_of(PayloadCheck(plain(**{"content-md5": md5_b64(b"other")})), [BODY])
    assert err.code == "BadDigest"
    assert err.extra == {"ExpectedDigest": md5_b64(b"other"), "CalculatedDigest": md5_b64(BODY)}


@pytest.mark.parametrize(
    "value",
    ["not base64!", base64.b64encode(b"x" * 15).decode(), base64.b64encode(b"x" * 17).decode()],
)
def test_a_malformed_content_md5_is_invalid_digest_before_the_body(value: str) -> None:
    with pytest.raises(S3Error) as info:
        PayloadCheck(plain(**{"content-md5": value}))
    assert info.value.code == "InvalidDigest"
    with pytest.raises(S3Error):
        decode_content_md5({"content-md5": value})


def test_content_md5_is_decoded_once_when_the_check_is_made() -> None:
    headers = plain(**{"content-md5": md5_b64(BODY)})
    check = PayloadCheck(headers)
    headers["content-md5"] = "changed afterwards, never read again"
    run(check, [BODY])


def test_verify_content_md5_checks_a_whole_document() -> None:
    digest = hashlib.md5(BODY).digest()
    verify_content_md5({}, digest)
    verify_content_md5({"content-md5": md5_b64(BODY)}, digest)
    with pytest.raises(S3Error) as info:
        verify_content_md5({"content-md5": md5_b64(b"other")}, digest)
    assert info.value.code == "BadDigest"


# --- flexible checksums --------------------------------------------------------------------


def test_a_checksum_header_that_matches_verifies_and_is_stored() -> None:
    check = PayloadCheck(plain(**{"x-amz-checksum-crc32": crc32_b64(BODY)}))
    run(check, [BODY])
    assert check.algorithm == "CRC32"
    assert check.verify(hashlib.md5(BODY).digest()).value == crc32_b64(BODY)


def test_a_checksum_header_that_does_not_match_is_bad_digest() -> None:
    err = error_of(PayloadCheck(plain(**{"x-amz-checksum-crc32": crc32_b64(b"other")})), [BODY])
    assert (err.code, err.message) == (
        "BadDigest",
        "The CRC32 you specified did not match the calculated checksum.",
    )


def test_a_trailer_checksum_that_does_not_match_is_bad_digest() -> None:
    headers = {"content-encoding": "aws-chunked", "x-amz-trailer": "x-amz-checksum-crc32"}
    framed = unsigned_chunked(BODY, {"x-amz-checksum-crc32": crc32_b64(b"other")})
    assert error_of(PayloadCheck(headers), [framed]).code == "BadDigest"


def test_a_trailer_checksum_announced_but_not_sent_is_malformed_trailer() -> None:
    headers = {"content-encoding": "aws-chunked", "x-amz-trailer": "x-amz-checksum-crc32"}
    err = error_of(PayloadCheck(headers), [unsigned_chunked(BODY, {})])
    assert err.code == "MalformedTrailerError"
    # A plain body has no trailers at all: the announced one is missing all the same.
    assert error_of(
        PayloadCheck(plain(**{"x-amz-trailer": "x-amz-checksum-crc32"})), [BODY]
    ).code == ("MalformedTrailerError")


def test_without_a_checksum_the_default_algorithm_is_stored() -> None:
    check = PayloadCheck(plain())
    run(check, [BODY])
    assert check.algorithm == checksums.DEFAULT_ALGORITHM == "CRC64NVME"
    assert check.requested is None


def test_an_uploads_algorithm_is_stored_and_the_requested_one_still_checked() -> None:
    headers = plain(**{"x-amz-checksum-crc32": crc32_b64(b"other")})
    check = PayloadCheck(headers, default_algorithm="SHA256")
    assert check.algorithm == "SHA256"
    assert error_of(check, [BODY]).code == "BadDigest"


# --- the signed payload SHA-256 ------------------------------------------------------------


def test_the_signed_sha256_verifies_when_it_is_the_bodys() -> None:
    run(PayloadCheck(plain(), expected_sha256=hashlib.sha256(BODY).hexdigest().upper()), [BODY])


def test_a_signed_sha256_mismatch_is_checked_first() -> None:
    # Content-MD5 is wrong too: the payload hash is reported, as S3 does.
    headers = plain(**{"content-md5": md5_b64(b"other")})
    check = PayloadCheck(headers, expected_sha256=hashlib.sha256(b"other").hexdigest())
    err = error_of(check, [BODY])
    assert err.code == "XAmzContentSHA256Mismatch"
    assert err.extra["S3ComputedContentSHA256"] == hashlib.sha256(BODY).hexdigest()


def test_no_sha256_is_computed_when_none_was_signed() -> None:
    assert len(PayloadCheck(plain()).hashers()) == 1
    assert len(PayloadCheck(plain(), expected_sha256=EMPTY_SHA256).hashers()) == 2


def test_body_hash_mismatch_is_x_amz_content_sha256_mismatch() -> None:
    check_payload_sha256(EMPTY_SHA256, bytes.fromhex(EMPTY_SHA256))
    with pytest.raises(S3Error) as info:
        check_payload_sha256(EMPTY_SHA256, b"\x00" * 32)
    assert info.value.code == "XAmzContentSHA256Mismatch"


@pytest.mark.parametrize("value", [EMPTY_SHA256, "ab" * 32, STREAMING_PAYLOAD, "UNSIGNED-PAYLOAD"])
def test_payload_hash_values_s3_takes(value: str) -> None:
    assert check_payload_hash_value(value) == value


@pytest.mark.parametrize("value", ["", "ab" * 31, "STREAMING-SOMETHING-ELSE", "unsigned-payload"])
def test_payload_hash_values_s3_refuses_are_invalid_argument(value: str) -> None:
    with pytest.raises(S3Error) as info:
        check_payload_hash_value(value)
    assert info.value.code == "InvalidArgument"
    assert info.value.extra["ArgumentValue"] == value
