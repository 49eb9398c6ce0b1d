"""Flexible checksums end to end (SPEC §5 "Checksums on the wire") with boto3
in both request_checksum_calculation settings and response validation on:
PutObject, GET/HEAD with x-amz-checksum-mode, multipart COMPOSITE and
FULL_OBJECT, the whole-object checksum on Complete, partNumber reads,
CopyObject and UploadPartCopy recomputation, and bad input.

Expected values are computed here with zlib, awscrt and hashlib directly,
never with s3box's own checksum module.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from awscrt import checksums as crt
from botocore.exceptions import ClientError

from tests.integration.conftest import S3BoxProcess, make_client
from tests.integration.test_raw_http import _error_code, _new_bucket, _request

MIB = 1024 * 1024
ALGORITHMS = ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"]


def _digest(algorithm: str, data: bytes) -> bytes:
    if algorithm == "CRC32":
        return zlib.crc32(data).to_bytes(4, "big")
    if algorithm == "CRC32C":
        return crt.crc32c(data).to_bytes(4, "big")
    if algorithm == "CRC64NVME":
        return crt.crc64nvme(data).to_bytes(8, "big")
    return hashlib.new(algorithm.lower(), data).digest()


def b64sum(algorithm: str, data: bytes) -> str:
    return base64.b64encode(_digest(algorithm, data)).decode()


def composite(algorithm: str, parts: list[bytes]) -> str:
    joined = b"".join(_digest(algorithm, p) for p in parts)
    return f"{b64sum(algorithm, joined)}-{len(parts)}"


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def _message(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Message"])


@pytest.fixture(params=["when_supported", "when_required"])
def cs3(request: pytest.FixtureRequest, s3box_server: S3BoxProcess) -> Iterator[Any]:
    """A boto3 client with the given request checksum setting and response
    checksum validation on (a wrong stored value would fail every GET)."""
    yield make_client(
        s3box_server.endpoint,
        request_checksum_calculation=request.param,
        response_checksum_validation="when_supported",
    )


def _headers(response: dict[str, Any]) -> dict[str, str]:
    return dict(response["ResponseMetadata"]["HTTPHeaders"])


# ---- PutObject and GET/HEAD -----------------------------------------------------


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_put_with_each_algorithm_is_stored_and_returned_on_request(
    cs3: Any, bucket: str, algorithm: str
) -> None:
    body = b"checksummed body " * 5000
    expected = b64sum(algorithm, body)
    put = cs3.put_object(Bucket=bucket, Key="k", Body=body, ChecksumAlgorithm=algorithm)
    assert put[f"Checksum{algorithm}"] == expected
    assert put["ChecksumType"] == "FULL_OBJECT"
    got = cs3.get_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert got["Body"].read() == body
    assert got[f"Checksum{algorithm}"] == expected
    assert got["ChecksumType"] == "FULL_OBJECT"
    head = cs3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head[f"Checksum{algorithm}"] == expected
    # Not asked for: not returned. A range never gets the whole-object value.
    assert not any(
        h.startswith("x-amz-checksum-") for h in _headers(cs3.head_object(Bucket=bucket, Key="k"))
    )
    ranged = cs3.get_object(Bucket=bucket, Key="k", Range="bytes=0-9", ChecksumMode="ENABLED")
    assert ranged["Body"].read() == body[:10]
    assert not any(h.startswith("x-amz-checksum-") for h in _headers(ranged))


def test_put_without_a_checksum_stores_crc64nvme(s3box_server: S3BoxProcess, bucket: str) -> None:
    client = make_client(s3box_server.endpoint, request_checksum_calculation="when_required")
    body = b"no checksum sent" * 100_000  # streamed path, over the small-PUT limit
    put = client.put_object(Bucket=bucket, Key="k", Body=body)
    assert "x-amz-sdk-checksum-algorithm" not in put["ResponseMetadata"]["HTTPHeaders"]
    assert put["ChecksumCRC64NVME"] == b64sum("CRC64NVME", body)
    head = client.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head["ChecksumCRC64NVME"] == b64sum("CRC64NVME", body)
    assert head["ChecksumType"] == "FULL_OBJECT"


def test_default_client_sends_crc32_and_it_is_kept(s3box_server: S3BoxProcess, bucket: str) -> None:
    client = make_client(s3box_server.endpoint)  # request_checksum_calculation=when_supported
    body = b"boto3 default" * 1000
    client.put_object(Bucket=bucket, Key="k", Body=body)
    head = client.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == b64sum("CRC32", body)


@pytest.mark.parametrize("algorithm", ["CRC32", "SHA256"])
def test_wrong_checksum_is_bad_digest_and_nothing_is_stored(
    s3: Any, bucket: str, algorithm: str
) -> None:
    wrong = b64sum(algorithm, b"other bytes")
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="k", Body=b"the body", **{f"Checksum{algorithm}": wrong})
    assert _code(exc) == "BadDigest"
    assert _message(exc) == f"The {algorithm} you specified did not match the calculated checksum."
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="k")
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (
            {"x-amz-checksum-crc32": "not base64!"},
            "Value for x-amz-checksum-crc32 header is invalid.",
        ),
        ({"x-amz-checksum-crc32": "AAAAAAAA"}, "Value for x-amz-checksum-crc32 header is invalid."),
        (
            {"x-amz-checksum-md4": "AAAAAA=="},
            "The algorithm type you specified in x-amz-checksum- header is invalid.",
        ),
        (
            {"x-amz-checksum-crc32": "AAAAAA==", "x-amz-checksum-crc32c": "AAAAAA=="},
            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
        ),
        (
            {"x-amz-sdk-checksum-algorithm": "CRC32"},
            "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or "
            "x-amz-trailer headers were found.",
        ),
    ],
)
def test_bad_checksum_headers_are_invalid_request(
    open_server: S3BoxProcess, headers: dict[str, str], message: str
) -> None:
    bucket = _new_bucket(open_server)
    status, _, body = _request(open_server, "PUT", f"/{bucket}/k", body=b"x", headers=headers)
    assert (status, _error_code(body)) == (400, "InvalidRequest")
    assert message.encode() in body


# ---- multipart ------------------------------------------------------------------


def _upload_parts(
    client: Any, bucket: str, key: str, parts: list[bytes], algorithm: str | None, **create: Any
) -> tuple[str, list[dict[str, Any]]]:
    if algorithm:
        create["ChecksumAlgorithm"] = algorithm
    upload_id = client.create_multipart_upload(Bucket=bucket, Key=key, **create)["UploadId"]
    done = []
    for n, body in enumerate(parts, start=1):
        extra = {"ChecksumAlgorithm": algorithm} if algorithm else {}
        r = client.upload_part(
            Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=n, Body=body, **extra
        )
        entry: dict[str, Any] = {"PartNumber": n, "ETag": r["ETag"]}
        if algorithm:
            assert r[f"Checksum{algorithm}"] == b64sum(algorithm, body)
            entry[f"Checksum{algorithm}"] = r[f"Checksum{algorithm}"]
        done.append(entry)
    return upload_id, done


PARTS = [b"a" * (5 * MIB), b"b" * (5 * MIB), b"tail of the object"]


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "SHA1", "SHA256"])
def test_composite_multipart_checksum_and_part_reads(cs3: Any, bucket: str, algorithm: str) -> None:
    upload_id, done = _upload_parts(cs3, bucket, "mp", PARTS, algorithm)
    listed = cs3.list_parts(Bucket=bucket, Key="mp", UploadId=upload_id)
    assert listed["ChecksumAlgorithm"] == algorithm
    assert [p[f"Checksum{algorithm}"] for p in listed["Parts"]] == [
        b64sum(algorithm, p) for p in PARTS
    ]
    result = cs3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload_id, MultipartUpload={"Parts": done}
    )
    expected = composite(algorithm, PARTS)
    assert result[f"Checksum{algorithm}"] == expected
    assert result["ChecksumType"] == "COMPOSITE"
    head = cs3.head_object(Bucket=bucket, Key="mp", ChecksumMode="ENABLED")
    assert head[f"Checksum{algorithm}"] == expected
    assert head["ChecksumType"] == "COMPOSITE"
    # partNumber reads of a COMPOSITE object carry that part's checksum.
    for number, body in enumerate(PARTS, start=1):
        part = cs3.get_object(Bucket=bucket, Key="mp", PartNumber=number, ChecksumMode="ENABLED")
        assert part["Body"].read() == body
        assert part[f"Checksum{algorithm}"] == b64sum(algorithm, body)
        assert part["PartsCount"] == 3
        head_part = cs3.head_object(
            Bucket=bucket, Key="mp", PartNumber=number, ChecksumMode="ENABLED"
        )
        assert head_part[f"Checksum{algorithm}"] == b64sum(algorithm, body)


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "CRC64NVME"])
def test_full_object_multipart_checksum_is_the_combined_crc(
    cs3: Any, bucket: str, algorithm: str
) -> None:
    upload_id, done = _upload_parts(cs3, bucket, "mp", PARTS, algorithm, ChecksumType="FULL_OBJECT")
    whole = b"".join(PARTS)
    result = cs3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=upload_id,
        MultipartUpload={"Parts": done},
        ChecksumType="FULL_OBJECT",
        **{f"Checksum{algorithm}": b64sum(algorithm, whole)},
    )
    assert result[f"Checksum{algorithm}"] == b64sum(algorithm, whole)
    assert result["ChecksumType"] == "FULL_OBJECT"
    got = cs3.get_object(Bucket=bucket, Key="mp", ChecksumMode="ENABLED")
    assert got["Body"].read() == whole  # response validation checks the value too
    assert got[f"Checksum{algorithm}"] == b64sum(algorithm, whole)
    # A FULL_OBJECT value covers the object, not a part: none on a part read.
    part = cs3.get_object(Bucket=bucket, Key="mp", PartNumber=1, ChecksumMode="ENABLED")
    assert part["Body"].read() == PARTS[0]
    assert f"Checksum{algorithm}" not in part


def test_upload_without_algorithm_gets_full_object_crc64nvme(cs3: Any, bucket: str) -> None:
    upload_id, done = _upload_parts(cs3, bucket, "mp", PARTS, None)
    cs3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload_id, MultipartUpload={"Parts": done}
    )
    head = cs3.head_object(Bucket=bucket, Key="mp", ChecksumMode="ENABLED")
    assert head["ChecksumCRC64NVME"] == b64sum("CRC64NVME", b"".join(PARTS))
    assert head["ChecksumType"] == "FULL_OBJECT"


def test_complete_with_wrong_whole_object_checksum_is_bad_digest(s3: Any, bucket: str) -> None:
    upload_id, done = _upload_parts(s3, bucket, "mp", PARTS, "CRC32", ChecksumType="FULL_OBJECT")
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="mp",
            UploadId=upload_id,
            MultipartUpload={"Parts": done},
            ChecksumType="FULL_OBJECT",
            ChecksumCRC32=b64sum("CRC32", b"something else"),
        )
    assert _code(exc) == "BadDigest"
    # Nothing published; the upload is intact and completes with the right value.
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=upload_id,
        MultipartUpload={"Parts": done},
        ChecksumType="FULL_OBJECT",
        ChecksumCRC32=b64sum("CRC32", b"".join(PARTS)),
    )


def test_complete_with_wrong_composite_checksum_is_bad_digest(s3: Any, bucket: str) -> None:
    upload_id, done = _upload_parts(s3, bucket, "mp", PARTS, "SHA256")
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="mp",
            UploadId=upload_id,
            MultipartUpload={"Parts": done},
            ChecksumSHA256=composite("SHA256", PARTS[:2]),
        )
    assert _code(exc) == "BadDigest"
    result = s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=upload_id,
        MultipartUpload={"Parts": done},
        ChecksumSHA256=composite("SHA256", PARTS),
    )
    assert result["ChecksumSHA256"] == composite("SHA256", PARTS)


def test_complete_with_wrong_part_checksum_is_invalid_part(s3: Any, bucket: str) -> None:
    upload_id, done = _upload_parts(s3, bucket, "mp", PARTS, "CRC32")
    done[1]["ChecksumCRC32"] = b64sum("CRC32", b"not part two")
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(
            Bucket=bucket, Key="mp", UploadId=upload_id, MultipartUpload={"Parts": done}
        )
    assert _code(exc) == "InvalidPart"


@pytest.mark.parametrize(
    ("algorithm", "kind"),
    [
        ("SHA1", "FULL_OBJECT"),
        ("SHA256", "FULL_OBJECT"),
        ("CRC64NVME", "COMPOSITE"),
        ("MD5", None),
        (None, "COMPOSITE"),
    ],
)
def test_create_multipart_rejects_disallowed_combinations(
    s3: Any, bucket: str, algorithm: str | None, kind: str | None
) -> None:
    def set_headers(request: Any, **_: Any) -> None:
        if algorithm:
            request.headers["x-amz-checksum-algorithm"] = algorithm
        if kind:
            request.headers["x-amz-checksum-type"] = kind

    s3.meta.events.register_first("before-sign.s3.CreateMultipartUpload", set_headers)
    try:
        with pytest.raises(ClientError) as exc:
            s3.create_multipart_upload(Bucket=bucket, Key="mp")
    finally:
        s3.meta.events.unregister("before-sign.s3.CreateMultipartUpload", set_headers)
    assert _code(exc) == "InvalidRequest"


@pytest.mark.parametrize(
    ("algorithm", "kind"),
    [
        ("CRC32", "COMPOSITE"),
        ("CRC32", "FULL_OBJECT"),
        ("CRC32C", "FULL_OBJECT"),
        ("CRC64NVME", "FULL_OBJECT"),
        ("SHA1", "COMPOSITE"),
        ("SHA256", "COMPOSITE"),
    ],
)
def test_create_multipart_accepts_allowed_combinations(
    s3: Any, bucket: str, algorithm: str, kind: str
) -> None:
    created = s3.create_multipart_upload(
        Bucket=bucket, Key="mp", ChecksumAlgorithm=algorithm, ChecksumType=kind
    )
    assert created["ChecksumAlgorithm"] == algorithm
    assert created["ChecksumType"] == kind
    s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=created["UploadId"])


def test_upload_part_checks_its_checksum(s3: Any, bucket: str) -> None:
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm="CRC32C")[
        "UploadId"
    ]
    with pytest.raises(ClientError) as exc:
        s3.upload_part(
            Bucket=bucket,
            Key="mp",
            UploadId=upload_id,
            PartNumber=1,
            Body=b"part",
            ChecksumCRC32C=b64sum("CRC32C", b"trap"),
        )
    assert _code(exc) == "BadDigest"
    with pytest.raises(ClientError) as exc:
        s3.upload_part(
            Bucket=bucket,
            Key="mp",
            UploadId=upload_id,
            PartNumber=1,
            Body=b"part",
            ChecksumSHA256=b64sum("SHA256", b"part"),
        )
    assert _code(exc) == "InvalidRequest"
    assert s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload_id).get("Parts", []) == []


# ---- copies ---------------------------------------------------------------------


def test_copy_keeps_the_source_checksum(cs3: Any, bucket: str) -> None:
    body = b"copy me" * 1000
    cs3.put_object(Bucket=bucket, Key="src", Body=body, ChecksumAlgorithm="SHA1")
    copied = cs3.copy_object(
        Bucket=bucket,
        Key="dst",
        CopySource={"Bucket": bucket, "Key": "src"},
        MetadataDirective="REPLACE",
        ContentType="text/plain",
    )
    assert copied["CopyObjectResult"]["ChecksumSHA1"] == b64sum("SHA1", body)
    head = cs3.head_object(Bucket=bucket, Key="dst", ChecksumMode="ENABLED")
    assert head["ChecksumSHA1"] == b64sum("SHA1", body)


@pytest.mark.parametrize("algorithm", ["CRC32C", "SHA256"])
def test_copy_with_checksum_algorithm_recomputes(cs3: Any, bucket: str, algorithm: str) -> None:
    upload_id, done = _upload_parts(cs3, bucket, "src", PARTS, "CRC32")
    cs3.complete_multipart_upload(
        Bucket=bucket, Key="src", UploadId=upload_id, MultipartUpload={"Parts": done}
    )
    whole = b"".join(PARTS)
    copied = cs3.copy_object(
        Bucket=bucket,
        Key="dst",
        CopySource={"Bucket": bucket, "Key": "src"},
        ChecksumAlgorithm=algorithm,
    )
    assert copied["CopyObjectResult"][f"Checksum{algorithm}"] == b64sum(algorithm, whole)
    assert copied["CopyObjectResult"]["ChecksumType"] == "FULL_OBJECT"
    got = cs3.get_object(Bucket=bucket, Key="dst", ChecksumMode="ENABLED")
    assert got["Body"].read() == whole
    assert got[f"Checksum{algorithm}"] == b64sum(algorithm, whole)
    assert "ChecksumCRC32" not in got
    # Part reads of the copy no longer claim the old CRC32 part values.
    part = cs3.get_object(Bucket=bucket, Key="dst", PartNumber=1, ChecksumMode="ENABLED")
    assert part["Body"].read() == PARTS[0]
    assert not any(k.startswith("Checksum") and k != "ChecksumType" for k in part)


def test_copy_onto_itself_with_checksum_algorithm_adds_one(cs3: Any, bucket: str) -> None:
    body = b"in place" * 999
    cs3.put_object(Bucket=bucket, Key="k", Body=body)
    cs3.copy_object(
        Bucket=bucket,
        Key="k",
        CopySource={"Bucket": bucket, "Key": "k"},
        ChecksumAlgorithm="SHA256",
    )
    head = cs3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == b64sum("SHA256", body)
    assert cs3.get_object(Bucket=bucket, Key="k")["Body"].read() == body


def test_copy_with_unknown_checksum_algorithm_is_invalid_request(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"x")
    with pytest.raises(ClientError) as exc:
        s3.copy_object(
            Bucket=bucket,
            Key="dst",
            CopySource={"Bucket": bucket, "Key": "src"},
            ChecksumAlgorithm="MD4",
        )
    assert _code(exc) == "InvalidRequest"


def test_upload_part_copy_computes_the_upload_algorithm(cs3: Any, bucket: str) -> None:
    source = bytes(range(256)) * (24 * 1024)  # 6 MiB
    cs3.put_object(Bucket=bucket, Key="src", Body=source)
    upload_id = cs3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm="CRC32C")[
        "UploadId"
    ]
    first = cs3.upload_part_copy(
        Bucket=bucket,
        Key="mp",
        UploadId=upload_id,
        PartNumber=1,
        CopySource={"Bucket": bucket, "Key": "src"},
        CopySourceRange=f"bytes=0-{5 * MIB - 1}",
    )["CopyPartResult"]
    assert first["ChecksumCRC32C"] == b64sum("CRC32C", source[: 5 * MIB])
    second = cs3.upload_part_copy(
        Bucket=bucket,
        Key="mp",
        UploadId=upload_id,
        PartNumber=2,
        CopySource={"Bucket": bucket, "Key": "src"},
        CopySourceRange=f"bytes={5 * MIB}-{len(source) - 1}",
    )["CopyPartResult"]
    assert second["ChecksumCRC32C"] == b64sum("CRC32C", source[5 * MIB :])
    result = cs3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=upload_id,
        MultipartUpload={
            "Parts": [
                {"PartNumber": 1, "ETag": first["ETag"], "ChecksumCRC32C": first["ChecksumCRC32C"]},
                {
                    "PartNumber": 2,
                    "ETag": second["ETag"],
                    "ChecksumCRC32C": second["ChecksumCRC32C"],
                },
            ]
        },
    )
    assert result["ChecksumCRC32C"] == composite("CRC32C", [source[: 5 * MIB], source[5 * MIB :]])
    assert cs3.get_object(Bucket=bucket, Key="mp")["Body"].read() == source


def test_listings_name_each_objects_checksum_algorithm_and_type(
    s3box_server: S3BoxProcess, cs3: Any, bucket: str
) -> None:
    """ListObjects (v1, v2) and ListObjectVersions carry ChecksumAlgorithm and
    ChecksumType as S3 lists them: what the object was stored with."""
    default = make_client(s3box_server.endpoint)  # sends CRC32
    default.put_object(Bucket=bucket, Key="a-crc32", Body=b"default client")
    bare = make_client(s3box_server.endpoint, request_checksum_calculation="when_required")
    bare.put_object(Bucket=bucket, Key="b-none-sent", Body=b"no checksum sent")
    upload_id, done = _upload_parts(cs3, bucket, "c-composite", PARTS, "SHA256")
    cs3.complete_multipart_upload(
        Bucket=bucket, Key="c-composite", UploadId=upload_id, MultipartUpload={"Parts": done}
    )
    expected = [
        ("a-crc32", ["CRC32"], "FULL_OBJECT"),
        ("b-none-sent", ["CRC64NVME"], "FULL_OBJECT"),
        ("c-composite", ["SHA256"], "COMPOSITE"),
    ]
    v2 = cs3.list_objects_v2(Bucket=bucket)["Contents"]
    assert [(o["Key"], o["ChecksumAlgorithm"], o["ChecksumType"]) for o in v2] == expected
    v1 = cs3.list_objects(Bucket=bucket)["Contents"]
    assert [(o["Key"], o["ChecksumAlgorithm"], o["ChecksumType"]) for o in v1] == expected
    versions = cs3.list_object_versions(Bucket=bucket)["Versions"]
    assert [(o["Key"], o["ChecksumAlgorithm"], o["ChecksumType"]) for o in versions] == expected
    # The listed type agrees with what HEAD reports for each object.
    for key, _, checksum_type in expected:
        head = cs3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        assert head["ChecksumType"] == checksum_type
