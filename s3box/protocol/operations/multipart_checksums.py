"""The flexible-checksum rules of multipart uploads: which algorithm and type
CreateMultipartUpload may choose, which algorithm each part is hashed in, and
the object checksum CompleteMultipartUpload derives from its parts.

Pure code over headers and records; the hashing of bytes is the engine's.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence

from s3box.protocol import checksums
from s3box.protocol.errors import S3Error
from s3box.records import ChecksumRecord, Hasher, PartRecord, UploadInfo

# Which checksum types each algorithm allows at CreateMultipartUpload
# (S3 User Guide, "Checking object integrity": full object vs composite).
ALLOWED_TYPES = {
    "CRC32": ("COMPOSITE", "FULL_OBJECT"),
    "CRC32C": ("COMPOSITE", "FULL_OBJECT"),
    "CRC64NVME": ("FULL_OBJECT",),
    "SHA1": ("COMPOSITE",),
    "SHA256": ("COMPOSITE",),
}
DEFAULT_TYPE = {
    "CRC32": "COMPOSITE",
    "CRC32C": "COMPOSITE",
    "CRC64NVME": "FULL_OBJECT",
    "SHA1": "COMPOSITE",
    "SHA256": "COMPOSITE",
}
# x-amz-checksum-* headers of a Complete that carry no checksum value.
_OPTION_HEADERS = ("x-amz-checksum-type", "x-amz-checksum-algorithm", "x-amz-checksum-mode")
_PREFIX = "x-amz-checksum-"


def parse_upload_checksum(headers: Mapping[str, str]) -> ChecksumRecord | None:
    """The algorithm and type CreateMultipartUpload asks for (value empty),
    None without x-amz-checksum-algorithm; a type the algorithm does not
    allow, or a type without an algorithm, is InvalidRequest."""
    algorithm = headers.get("x-amz-checksum-algorithm")
    ctype = headers.get("x-amz-checksum-type")
    if algorithm is None:
        if ctype is not None:
            raise S3Error(
                "InvalidRequest",
                "The x-amz-checksum-type header can only be used with the "
                "x-amz-checksum-algorithm header.",
            )
        return None
    alg = checksums.normalize_algorithm(algorithm)
    kind = ctype.strip().upper() if ctype else DEFAULT_TYPE[alg]
    if kind not in ALLOWED_TYPES[alg]:
        raise S3Error(
            "InvalidRequest",
            f"The {kind} checksum type cannot be used with the {alg.lower()} checksum algorithm.",
        )
    return ChecksumRecord(alg, kind, "")


def checksum_response_headers(record: ChecksumRecord | None) -> list[tuple[str, str]]:
    """CreateMultipartUpload echoes the chosen algorithm and type."""
    if record is None:
        return []
    return [("x-amz-checksum-algorithm", record.algorithm), ("x-amz-checksum-type", record.type)]


def upload_algorithm(info: UploadInfo) -> str:
    """The algorithm every part of the upload is hashed in: the one chosen at
    CreateMultipartUpload, else S3's default."""
    record = info.fields.checksum
    return record.algorithm if record is not None else checksums.DEFAULT_ALGORITHM


def check_part_algorithm(info: UploadInfo, requested_algorithm: str | None) -> None:
    """A part may not carry a checksum in another algorithm than the one its
    upload chose (an upload that chose none takes any)."""
    algorithm = upload_algorithm(info)
    if requested_algorithm is None or requested_algorithm == algorithm:
        return
    if info.fields.checksum:
        raise S3Error(
            "InvalidRequest",
            f"Checksum Type mismatch occurred, expected checksum Type: "
            f"{algorithm.lower()}, actual checksum Type: {requested_algorithm.lower()}",
        )


def parse_full_object_checksums(headers: Mapping[str, str]) -> dict[str, str]:
    """The whole object's checksums a Complete may carry, as
    x-amz-checksum-<alg> headers: algorithm (upper case) -> value."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        if not name.startswith(_PREFIX) or name in _OPTION_HEADERS:
            continue
        out[name[len(_PREFIX) :].upper()] = value.strip()
    return out


def _combined_checksum(
    info: UploadInfo,
    parts: Sequence[PartRecord],
    wanted: Sequence[tuple[int, Mapping[str, str]]],
) -> ChecksumRecord | None:
    """The object's checksum from its parts' checksums: COMPOSITE is the
    checksum of the concatenated part digests with -N; FULL_OBJECT combines
    the part CRCs as if computed over the whole object. wanted: each part the
    Complete names (number, the checksums it sent for it); a sent checksum
    that differs from the part's is InvalidPart."""
    record = info.fields.checksum
    algorithm = record.algorithm if record else checksums.DEFAULT_ALGORITHM
    kind = record.type if record else "FULL_OBJECT"
    by_number = {p.number: p for p in parts}
    chosen = [by_number.get(number) for number, _ in wanted]
    if any(p is None or p.checksum is None for p in chosen):
        return None
    digests = [base64.b64decode(p.checksum) for p in chosen if p and p.checksum]
    for (number, sent_checksums), p in zip(wanted, chosen, strict=True):
        sent = sent_checksums.get(algorithm)
        if sent is not None and p is not None and sent != p.checksum:
            raise S3Error(
                "InvalidPart",
                extra={"PartNumber": str(number), "UploadId": info.upload_id},
            )
    if kind == "COMPOSITE":
        return ChecksumRecord(algorithm, kind, checksums.composite_checksum(algorithm, digests))
    sizes = [p.size for p in chosen if p]
    combined = checksums.combine_full_object(algorithm, list(zip(digests, sizes, strict=True)))
    return ChecksumRecord(algorithm, kind, checksums.b64(combined))


def final_checksum(
    info: UploadInfo,
    parts: Sequence[PartRecord],
    wanted: Sequence[tuple[int, Mapping[str, str]]],
    full_object: Mapping[str, str],
) -> ChecksumRecord | None:
    """The checksum the completed object gets (None when some part has none
    or a stored value does not decode), after checking it against the whole
    object's checksum the Complete sent (full_object, algorithm -> value):
    a mismatch is BadDigest."""
    try:
        record = _combined_checksum(info, parts, wanted)
    except S3Error:
        raise
    except (ValueError, KeyError):
        record = None
    if record is not None:
        sent = full_object.get(record.algorithm)
        if sent is not None and sent != record.value:
            raise S3Error(
                "BadDigest",
                f"The {record.algorithm} you specified did not match the calculated checksum.",
            )
    return record


def part_copy_checksum(
    algorithm: str,
) -> tuple[Hasher, Callable[[bytes], ChecksumRecord]]:
    """The hasher an UploadPartCopy feeds the copied bytes through, and the
    verify step that turns it into the part's checksum (a copy has no
    client checksum to compare with)."""
    hasher = checksums.new_hasher(algorithm)

    def verify(_md5: bytes) -> ChecksumRecord:
        return ChecksumRecord(algorithm, "FULL_OBJECT", checksums.b64(hasher.digest()))

    return hasher, verify
