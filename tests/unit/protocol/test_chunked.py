"""aws-chunked decoding: framing, chunk and trailer signatures, leniency, zero-copy."""

from __future__ import annotations

import hashlib
import hmac
import io

import pytest
from botocore.httpchecksum import AwsChunkedWrapper, Crc32Checksum
from hypothesis import given, settings
from hypothesis import strategies as st

from s3box.protocol import checksums
from s3box.protocol.chunked import EMPTY_SHA256, AwsChunkedDecoder, ChunkSignatureVerifier
from s3box.protocol.errors import S3Error

# The worked example of the S3 API reference, "Signature Calculations for the Authorization
# Header: Transferring Payload in Multiple Chunks": 64 KiB + 1 KiB of 'a', seed signature of
# the PUT request, then each chunk signature as published there.
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
AMZ_DATE = "20130524T000000Z"
SCOPE = "20130524/us-east-1/s3/aws4_request"
SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
DOC_SIGNATURES = [
    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
]


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def _doc_signing_key() -> bytes:
    key = _hmac(f"AWS4{SECRET}".encode(), "20130524")
    for part in ("us-east-1", "s3", "aws4_request"):
        key = _hmac(key, part)
    return key


KEY = _doc_signing_key()


def signed_body(
    chunks: list[bytes], trailers: dict[str, str] | None = None
) -> tuple[bytes, list[str]]:
    """Frame and sign chunks the way the spec describes, independently of the decoder."""
    previous, signatures, out = SEED, [], bytearray()
    for data in [*chunks, b""]:
        sts = "\n".join(
            [
                "AWS4-HMAC-SHA256-PAYLOAD",
                AMZ_DATE,
                SCOPE,
                previous,
                EMPTY_SHA256,
                hashlib.sha256(data).hexdigest(),
            ]
        )
        previous = hmac.new(KEY, sts.encode(), hashlib.sha256).hexdigest()
        signatures.append(previous)
        out += b"%x;chunk-signature=%s\r\n" % (len(data), previous.encode())
        if data:
            out += data + b"\r\n"
    if trailers is not None:
        block = "".join(f"{k}:{v}\n" for k, v in trailers.items())
        sts = "\n".join(
            [
                "AWS4-HMAC-SHA256-TRAILER",
                AMZ_DATE,
                SCOPE,
                previous,
                hashlib.sha256(block.encode()).hexdigest(),
            ]
        )
        trailer_sig = hmac.new(KEY, sts.encode(), hashlib.sha256).hexdigest()
        for k, v in trailers.items():
            out += f"{k}:{v}\r\n".encode()
        out += f"x-amz-trailer-signature:{trailer_sig}\r\n".encode()
    out += b"\r\n"
    return bytes(out), signatures


def unsigned_body(chunks: list[bytes], trailers: dict[str, str] | None = None) -> bytes:
    out = bytearray()
    for data in [*chunks, b""]:
        out += b"%x\r\n" % len(data)
        if data:
            out += data + b"\r\n"
    for k, v in (trailers or {}).items():
        out += f"{k}:{v}\r\n".encode()
    return bytes(out + b"\r\n")


def verifier() -> ChunkSignatureVerifier:
    return ChunkSignatureVerifier(KEY, AMZ_DATE, SCOPE, SEED, "AKIAIOSFODNN7EXAMPLE")


def decode(
    decoder: AwsChunkedDecoder, body: bytes, pieces: list[int] | None = None
) -> tuple[bytes, dict[str, str]]:
    out = bytearray()
    pos = 0
    for size in pieces or []:
        for piece in decoder.feed(body[pos : pos + size]):
            out += piece
        pos += size
    for piece in decoder.feed(body[pos:]):
        out += piece
    return bytes(out), decoder.finish()


def test_doc_example_chunk_signatures_are_the_published_ones() -> None:
    body, signatures = signed_body([b"a" * 65536, b"a" * 1024])
    assert signatures == DOC_SIGNATURES
    assert len(body) == 66824  # the example's Content-Length
    payload, trailers = decode(AwsChunkedDecoder(verifier(), set(), 66560), body)
    assert payload == b"a" * 66560
    assert trailers == {}


@settings(max_examples=60, deadline=None)
@given(
    payload=st.binary(max_size=5000),
    chunk_size=st.integers(1, 1500),
    pieces=st.lists(st.integers(1, 700), max_size=30),
    signed=st.booleans(),
)
def test_any_split_of_a_body_decodes_to_the_payload(
    payload: bytes, chunk_size: int, pieces: list[int], signed: bool
) -> None:
    chunks = [payload[i : i + chunk_size] for i in range(0, len(payload), chunk_size)]
    body = signed_body(chunks)[0] if signed else unsigned_body(chunks)
    decoder = AwsChunkedDecoder(verifier() if signed else None, set(), len(payload))
    assert decode(decoder, body, pieces) == (payload, {})


@settings(max_examples=30, deadline=None)
@given(payload=st.binary(max_size=3000), pieces=st.lists(st.integers(1, 200), max_size=20))
def test_signed_trailer_is_verified_and_returned(payload: bytes, pieces: list[int]) -> None:
    crc = checksums.b64(checksums.checksum("CRC32C", payload))
    body, _ = signed_body([payload] if payload else [], {"x-amz-checksum-crc32c": crc})
    decoder = AwsChunkedDecoder(verifier(), {"x-amz-checksum-crc32c"}, len(payload))
    assert decode(decoder, body, pieces) == (payload, {"x-amz-checksum-crc32c": crc})


def test_botocore_aws_chunked_body_with_crc32_trailer_decodes() -> None:
    payload = bytes(range(256)) * 5000
    wrapper = AwsChunkedWrapper(
        io.BytesIO(payload),
        checksum_cls=Crc32Checksum,
        checksum_name="x-amz-checksum-crc32",
        chunk_size=65536,
    )
    body = wrapper.read()
    decoder = AwsChunkedDecoder(None, {"x-amz-checksum-crc32"}, len(payload))
    data, trailers = decode(decoder, body, [1000] * 50)
    assert data == payload
    assert trailers == {"x-amz-checksum-crc32": checksums.b64(checksums.checksum("CRC32", payload))}


def test_signatures_in_body_are_ignored_without_a_verifier() -> None:
    body, _ = signed_body([b"hello"])
    assert decode(AwsChunkedDecoder(None, set(), None), body) == (b"hello", {})


def test_payload_pieces_are_slices_of_the_fed_bytes() -> None:
    body = unsigned_body([b"x" * 100_000])
    pieces = AwsChunkedDecoder(None, set(), None).feed(body)
    assert len(pieces) == 1
    assert pieces[0].obj is body


@pytest.mark.parametrize("index", [0, 1, 2])
def test_wrong_chunk_signature_is_signature_does_not_match(index: int) -> None:
    body, signatures = signed_body([b"a" * 65536, b"a" * 1024])
    bad = signatures[index][:-1] + ("0" if signatures[index][-1] != "0" else "1")
    body = body.replace(signatures[index].encode(), bad.encode())
    with pytest.raises(S3Error) as info:
        decode(AwsChunkedDecoder(verifier(), set(), None), body)
    assert info.value.code == "SignatureDoesNotMatch"
    assert info.value.extra["SignatureProvided"] == bad


def test_altered_chunk_data_is_signature_does_not_match() -> None:
    body, _ = signed_body([b"a" * 1000])
    body = body.replace(b"aaaa", b"aaab", 1)
    with pytest.raises(S3Error) as info:
        decode(AwsChunkedDecoder(verifier(), set(), None), body)
    assert info.value.code == "SignatureDoesNotMatch"


def test_missing_chunk_signature_with_a_verifier_is_rejected() -> None:
    with pytest.raises(S3Error) as info:
        decode(AwsChunkedDecoder(verifier(), set(), None), unsigned_body([b"abc"]))
    assert info.value.code == "SignatureDoesNotMatch"


def test_wrong_trailer_signature_is_signature_does_not_match() -> None:
    body, _ = signed_body([b"abc"], {"x-amz-checksum-crc32": "NSRBwg=="})
    body = body.replace(b"NSRBwg==", b"AAAAAA==")
    with pytest.raises(S3Error) as info:
        decode(AwsChunkedDecoder(verifier(), {"x-amz-checksum-crc32"}, None), body)
    assert info.value.code == "SignatureDoesNotMatch"


def test_missing_trailer_signature_with_a_verifier_is_rejected() -> None:
    body = signed_body([b"abc"])[0][:-2] + b"x-amz-checksum-crc32:NSRBwg==\r\n\r\n"
    with pytest.raises(S3Error) as info:
        decode(AwsChunkedDecoder(verifier(), {"x-amz-checksum-crc32"}, None), body)
    assert info.value.code == "SignatureDoesNotMatch"


@pytest.mark.parametrize(
    "body",
    [
        b"3\r\nabc\r\n0\r\n",  # no empty line after the last chunk
        b"3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n",  # none after the trailers
    ],
)
def test_missing_final_crlf_is_accepted(body: bytes) -> None:
    names = {"x-amz-checksum-crc32"} if b"crc32" in body else set()
    payload, trailers = decode(AwsChunkedDecoder(None, names, 3), body)
    assert payload == b"abc"
    assert trailers == ({"x-amz-checksum-crc32": "NSRBwg=="} if names else {})


@pytest.mark.parametrize(
    "body",
    [
        b"zz\r\nabc\r\n0\r\n\r\n",  # size is not hex
        b"\r\nabc\r\n0\r\n\r\n",  # empty size
        b"-3\r\nabc\r\n0\r\n\r\n",
        b"3 \r\nabc\r\n0\r\n\r\n",
        b"11111111111111111\r\n",  # 17 hex digits
        b"3\nabc\r\n0\r\n\r\n",  # bare LF
        b"3\r\nabcX\r\n0\r\n\r\n",  # no CRLF after data
        b"3\r\nabc\rX0\r\n\r\n",
        b"3\r\nabc\r\n0\r\n\r\nextra",  # bytes after the end
        b"3;" + b"x" * 5000 + b"\r\n",  # oversize size line
    ],
)
def test_garbage_framing_is_incomplete_body(body: bytes) -> None:
    with pytest.raises(S3Error) as info:
        decode(AwsChunkedDecoder(None, set(), None), body, [1] * len(body))
    assert info.value.code == "IncompleteBody"


@pytest.mark.parametrize(
    "body",
    [b"", b"3\r\nab", b"3\r\nabc", b"3\r\nabc\r\n", b"3\r\nabc\r\n0", b"3\r\nabc\r\n0\r\nx-amz"],
)
def test_truncated_body_is_incomplete_body_at_finish(body: bytes) -> None:
    decoder = AwsChunkedDecoder(None, set(), None)
    decoder.feed(body)
    with pytest.raises(S3Error) as info:
        decoder.finish()
    assert info.value.code == "IncompleteBody"


@pytest.mark.parametrize("declared", [2, 4])
def test_decoded_length_must_match_x_amz_decoded_content_length(declared: int) -> None:
    with pytest.raises(S3Error) as info:
        decode(AwsChunkedDecoder(None, set(), declared), unsigned_body([b"abc"]))
    assert info.value.code == "IncompleteBody"


@pytest.mark.parametrize(
    ("names", "trailer_block"),
    [
        (set(), b"x-amz-checksum-crc32:NSRBwg==\r\n"),  # not announced in x-amz-trailer
        ({"x-amz-checksum-crc32"}, b""),  # announced but never sent
        ({"x-amz-checksum-crc32"}, b"no colon here\r\n"),
    ],
)
def test_trailer_not_matching_x_amz_trailer_is_malformed(
    names: set[str], trailer_block: bytes
) -> None:
    body = b"3\r\nabc\r\n0\r\n" + trailer_block + b"\r\n"
    with pytest.raises(S3Error) as info:
        decode(AwsChunkedDecoder(None, names, None), body)
    assert info.value.code == "MalformedTrailerError"


def test_feed_after_finish_is_rejected() -> None:
    decoder = AwsChunkedDecoder(None, set(), None)
    decode(decoder, b"0\r\n\r\n")
    with pytest.raises(S3Error):
        decoder.feed(b"1")


@settings(max_examples=300, deadline=None)
@given(
    body=st.binary(max_size=300)
    | st.lists(
        st.sampled_from([b"3", b";", b"chunk-signature=", b"\r\n", b"abc", b"0", b":", b"x"])
    ).map(b"".join),
    signed=st.booleans(),
)
def test_arbitrary_bodies_only_ever_raise_s3_errors(body: bytes, signed: bool) -> None:
    decoder = AwsChunkedDecoder(verifier() if signed else None, {"x"}, None)
    try:
        decoder.feed(body)
        decoder.finish()
    except S3Error:
        pass
