"""S3 checksums on the wire: CRC32, CRC32C, CRC64NVME, SHA1, SHA256.

Strategy: one small incremental hasher per algorithm (zlib / awscrt / hashlib), values are
base64 of the big-endian digest; multipart values are built by CRC combine (FULL_OBJECT) or by
hashing the concatenated part digests (COMPOSITE). Pure code: no I/O, never reads a body itself.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from awscrt import checksums as _crt

from s3box.protocol.errors import S3Error
from s3box.records import Hasher

ALGORITHMS: tuple[str, ...] = ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")
CRC_ALGORITHMS: frozenset[str] = frozenset({"CRC32", "CRC32C", "CRC64NVME"})
DIGEST_SIZES: dict[str, int] = {"CRC32": 4, "CRC32C": 4, "CRC64NVME": 8, "SHA1": 20, "SHA256": 32}
HEADER_PREFIX = "x-amz-checksum-"
# With no checksum from the client S3 stores a CRC64NVME of the object; a multipart upload
# created without an algorithm gets one too, combined from its parts' CRCs at completion.
DEFAULT_ALGORITHM = "CRC64NVME"
# x-amz-checksum-* headers that carry no value (request options, not checksums).
_NON_VALUE_HEADERS = frozenset(
    {"x-amz-checksum-type", "x-amz-checksum-algorithm", "x-amz-checksum-mode"}
)

# Reflected polynomials; all three CRCs start from and finish with all-ones, which is what
# makes crc(A || B) = crc(A) * x^(8*len(B)) mod P  xor  crc(B) hold (zlib's crc32_combine).
_CRC_POLY: dict[str, tuple[int, int]] = {
    "CRC32": (0xEDB88320, 32),
    "CRC32C": (0x82F63B78, 32),
    "CRC64NVME": (0x9A6C9329AC4BC9B5, 64),
}


class _CrcHasher:
    """Running CRC over `update` calls; the digest is the CRC as big-endian bytes."""

    __slots__ = ("_fn", "_size", "_value")

    def __init__(self, fn: Callable[[bytes | bytearray | memoryview, int], int], size: int) -> None:
        self._fn = fn
        self._size = size
        self._value = 0

    def update(self, data: bytes | bytearray | memoryview, /) -> None:
        self._value = self._fn(data, self._value)

    def digest(self) -> bytes:
        return self._value.to_bytes(self._size, "big")


def _crc_fn(algorithm: str) -> Callable[[bytes | bytearray | memoryview, int], int]:
    if algorithm == "CRC32":
        return zlib.crc32
    if algorithm == "CRC32C":
        return _crt.crc32c
    return _crt.crc64nvme


def normalize_algorithm(algorithm: str) -> str:
    """Upper-case and check an algorithm name; unknown names are the client's error."""
    name = algorithm.strip().upper()
    if name not in DIGEST_SIZES:
        raise S3Error(
            "InvalidRequest",
            "Checksum algorithm provided is unsupported. Please try again with any of the "
            "valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]",
        )
    return name


def new_hasher(algorithm: str) -> Hasher:
    """A fresh incremental hasher for `algorithm` (any case)."""
    name = normalize_algorithm(algorithm)
    if name == "SHA1":
        return hashlib.sha1()
    if name == "SHA256":
        return hashlib.sha256()
    return _CrcHasher(_crc_fn(name), DIGEST_SIZES[name])


def checksum(algorithm: str, data: bytes | bytearray | memoryview) -> bytes:
    """Raw digest of `data` in one call."""
    hasher = new_hasher(algorithm)
    hasher.update(data)
    return hasher.digest()


def b64(digest: bytes) -> str:
    """The wire form of a digest: standard base64 with padding."""
    return base64.b64encode(digest).decode("ascii")


def header_name(algorithm: str) -> str:
    """`CRC32` -> `x-amz-checksum-crc32`."""
    return HEADER_PREFIX + normalize_algorithm(algorithm).lower()


# --- CRC combine -------------------------------------------------------------------------


def _multmodp(a: int, b: int, poly: int, width: int) -> int:
    """a * b modulo the CRC polynomial, both in reflected bit order (zlib's multmodp)."""
    top = 1 << (width - 1)
    product = 0
    while a:
        if a & top:
            product ^= b
        a = (a << 1) & ((1 << width) - 1)
        b = (b >> 1) ^ poly if b & 1 else b >> 1
    return product


def _x8nmodp(length: int, poly: int, width: int) -> int:
    """x^(8*length) modulo the polynomial, by repeated squaring."""
    result = 1 << (width - 1)  # x^0 (reflected: the top bit is the x^0 coefficient)
    power = 1 << (width - 9)  # x^8, one byte; squared each step: x^(8 * 2^k) for bit k
    while length:
        if length & 1:
            result = _multmodp(power, result, poly, width)
        length >>= 1
        power = _multmodp(power, power, poly, width)
    return result


def crc_combine_pure(algorithm: str, crc1: int, crc2: int, length2: int) -> int:
    """CRC of A||B from crc(A), crc(B) and len(B), in pure Python (GF(2) arithmetic)."""
    poly, width = _CRC_POLY[algorithm]
    return _multmodp(_x8nmodp(length2, poly, width), crc1, poly, width) ^ crc2


_CRT_COMBINE: dict[str, Callable[[int, int, int], int] | None] = {
    "CRC32": getattr(_crt, "combine_crc32", None),
    "CRC32C": getattr(_crt, "combine_crc32c", None),
    "CRC64NVME": getattr(_crt, "combine_crc64nvme", None),
}


def crc_combine(algorithm: str, crc1: int, crc2: int, length2: int) -> int:
    """CRC of A||B; uses awscrt's native combine when the installed awscrt has it."""
    native = _CRT_COMBINE[algorithm]
    if native is not None:
        return native(crc1, crc2, length2)
    return crc_combine_pure(algorithm, crc1, crc2, length2)


def combine_full_object(algorithm: str, part_crcs: list[tuple[bytes, int]]) -> bytes:
    """FULL_OBJECT multipart checksum: the part CRCs (digest, part length) combined in order."""
    name = normalize_algorithm(algorithm)
    if name not in CRC_ALGORITHMS:
        raise S3Error(
            "InvalidRequest",
            f"The FULL_OBJECT checksum type cannot be used with the {name.lower()} "
            "checksum algorithm.",
        )
    size = DIGEST_SIZES[name]
    value = 0
    for digest, length in part_crcs:
        value = crc_combine(name, value, int.from_bytes(digest, "big"), length)
    return value.to_bytes(size, "big")


def composite_checksum(algorithm: str, part_digests: list[bytes]) -> str:
    """COMPOSITE multipart checksum: base64(hash(raw part digests concatenated)) + "-N"."""
    hasher = new_hasher(algorithm)
    for digest in part_digests:
        hasher.update(digest)
    return f"{b64(hasher.digest())}-{len(part_digests)}"


# --- Request headers ---------------------------------------------------------------------


@dataclass(frozen=True)
class RequestChecksum:
    """What the client declared: the algorithm and either a header value or a trailer name.

    `expected` is the decoded raw digest from an `x-amz-checksum-<alg>` header; it is None when
    the value comes later in the aws-chunked trailer named `trailer`.
    """

    algorithm: str
    expected: bytes | None = None
    trailer: str | None = None


def decode_checksum_value(algorithm: str, value: str, *, trailing: bool = False) -> bytes:
    """Strict base64 of exactly the digest size, else InvalidRequest naming the header."""
    name = normalize_algorithm(algorithm)
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != DIGEST_SIZES[name]:
        where = "trailing header" if trailing else "header"
        raise S3Error("InvalidRequest", f"Value for {header_name(name)} {where} is invalid.")
    return raw


def _algorithm_from_header(name: str) -> str:
    algorithm = name[len(HEADER_PREFIX) :].upper()
    if algorithm not in DIGEST_SIZES:
        raise S3Error(
            "InvalidRequest",
            "The algorithm type you specified in x-amz-checksum- header is invalid.",
        )
    return algorithm


def parse_checksum_headers(headers: Mapping[str, str]) -> RequestChecksum | None:
    """Find the request's checksum declaration among its headers (names in any case).

    Returns None when the client sent no checksum. Rules (S3 behaviour): at most one
    `x-amz-checksum-<alg>` value, header or trailer; `x-amz-trailer` must name a checksum;
    `x-amz-sdk-checksum-algorithm` needs a matching value somewhere.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    found: list[RequestChecksum] = []
    for name, value in lowered.items():
        if not name.startswith(HEADER_PREFIX) or name in _NON_VALUE_HEADERS:
            continue
        algorithm = _algorithm_from_header(name)
        found.append(RequestChecksum(algorithm, expected=decode_checksum_value(algorithm, value)))
    trailer_value = lowered.get("x-amz-trailer", "").strip().lower()
    if trailer_value:
        if not trailer_value.startswith(HEADER_PREFIX) or trailer_value in _NON_VALUE_HEADERS:
            raise S3Error(
                "InvalidRequest", "The value specified in the x-amz-trailer header is not supported"
            )
        found.append(RequestChecksum(_algorithm_from_header(trailer_value), trailer=trailer_value))
    if len(found) > 1:
        raise S3Error(
            "InvalidRequest",
            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
        )
    # An algorithm S3 does not know is refused whichever header names it (S3 answers
    # InvalidRequest, "Checksum algorithm provided is unsupported"), never ignored.
    for name in ("x-amz-checksum-algorithm", "x-amz-sdk-checksum-algorithm"):
        if name in lowered:
            normalize_algorithm(lowered[name])
    sdk_algorithm = lowered.get("x-amz-sdk-checksum-algorithm", "").strip().upper()
    if sdk_algorithm and (not found or found[0].algorithm != sdk_algorithm):
        raise S3Error(
            "InvalidRequest",
            "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or "
            "x-amz-trailer headers were found.",
        )
    return found[0] if found else None


def check_digest(algorithm: str, expected: bytes, actual: bytes) -> None:
    """BadDigest, worded as S3 words it, when the client's checksum is not the body's."""
    if not hmac.compare_digest(expected, actual):
        name = normalize_algorithm(algorithm)
        raise S3Error(
            "BadDigest", f"The {name} you specified did not match the calculated checksum."
        )
