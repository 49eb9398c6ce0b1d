"""Multipart uploads through boto3 and the AWS CLI against a real s3box."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import AwsCli

MiB = 1024 * 1024


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def _mp_etag(parts: list[bytes]) -> str:
    digest = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
    return f'"{digest}-{len(parts)}"'


def _upload(s3, bucket: str, key: str, parts: list[bytes], **create: object) -> dict:
    up = s3.create_multipart_upload(Bucket=bucket, Key=key, **create)
    done = []
    for i, body in enumerate(parts, start=1):
        r = s3.upload_part(Bucket=bucket, Key=key, UploadId=up["UploadId"], PartNumber=i, Body=body)
        done.append({"PartNumber": i, "ETag": r["ETag"]})
    return s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=up["UploadId"], MultipartUpload={"Parts": done}
    )


def test_create_upload_complete_and_read_back(s3, bucket: str) -> None:
    parts = [os.urandom(5 * MiB), os.urandom(5 * MiB), os.urandom(1234)]
    res = _upload(s3, bucket, "mp/obj", parts, ContentType="text/x", Metadata={"m": "v"})
    assert res["ETag"] == _mp_etag(parts)
    assert res["Key"] == "mp/obj"
    got = s3.get_object(Bucket=bucket, Key="mp/obj")
    assert got["Body"].read() == b"".join(parts)
    assert got["ContentType"] == "text/x"
    assert got["Metadata"] == {"m": "v"}
    assert got["ETag"] == _mp_etag(parts)
    listing = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert listing[0]["Size"] == sum(len(p) for p in parts)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_part_number_reads_and_cross_part_ranges(s3, bucket: str) -> None:
    parts = [os.urandom(5 * MiB), os.urandom(5 * MiB), os.urandom(100)]
    _upload(s3, bucket, "k", parts)
    whole = b"".join(parts)
    p2 = s3.get_object(Bucket=bucket, Key="k", PartNumber=2)
    assert p2["Body"].read() == parts[1]
    assert p2["PartsCount"] == 3
    assert p2["ContentRange"] == f"bytes {5 * MiB}-{10 * MiB - 1}/{len(whole)}"
    assert p2["ResponseMetadata"]["HTTPStatusCode"] == 206
    head = s3.head_object(Bucket=bucket, Key="k", PartNumber=3)
    assert head["ContentLength"] == 100
    assert head["PartsCount"] == 3
    span = s3.get_object(Bucket=bucket, Key="k", Range=f"bytes={5 * MiB - 10}-{5 * MiB + 9}")
    assert span["Body"].read() == whole[5 * MiB - 10 : 5 * MiB + 10]
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="k", PartNumber=4)
    assert _code(exc) == "InvalidPartNumber"


def test_part_number_one_on_single_part_object(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="single", Body=b"0123456789")
    got = s3.get_object(Bucket=bucket, Key="single", PartNumber=1)
    assert got["Body"].read() == b"0123456789"
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert "PartsCount" not in got


def test_list_parts_paging_and_list_uploads(s3, bucket: str) -> None:
    up = s3.create_multipart_upload(Bucket=bucket, Key="dir/a")
    other = s3.create_multipart_upload(Bucket=bucket, Key="dir/b")
    s3.create_multipart_upload(Bucket=bucket, Key="top")
    uid = up["UploadId"]
    for n in (1, 2, 3):
        s3.upload_part(Bucket=bucket, Key="dir/a", UploadId=uid, PartNumber=n, Body=b"x" * n)
    page = s3.list_parts(Bucket=bucket, Key="dir/a", UploadId=uid, MaxParts=2)
    assert [p["PartNumber"] for p in page["Parts"]] == [1, 2]
    assert page["IsTruncated"] is True
    assert page["NextPartNumberMarker"] == 2
    assert page["Parts"][0]["Size"] == 1
    assert page["Parts"][1]["ETag"] == f'"{hashlib.md5(b"xx").hexdigest()}"'
    rest = s3.list_parts(Bucket=bucket, Key="dir/a", UploadId=uid, PartNumberMarker=2)
    assert [p["PartNumber"] for p in rest["Parts"]] == [3]
    assert rest["IsTruncated"] is False
    uploads = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert sorted(u["Key"] for u in uploads) == ["dir/a", "dir/b", "top"]
    grouped = s3.list_multipart_uploads(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in grouped["CommonPrefixes"]] == ["dir/"]
    assert [u["Key"] for u in grouped["Uploads"]] == ["top"]
    prefixed = s3.list_multipart_uploads(Bucket=bucket, Prefix="dir/", MaxUploads=1)
    assert prefixed["IsTruncated"] is True
    assert len(prefixed["Uploads"]) == 1
    nxt = s3.list_multipart_uploads(
        Bucket=bucket,
        Prefix="dir/",
        KeyMarker=prefixed["NextKeyMarker"],
        UploadIdMarker=prefixed["NextUploadIdMarker"],
    )
    keys = [u["Key"] for u in prefixed["Uploads"] + nxt["Uploads"]]
    assert sorted(keys) == ["dir/a", "dir/b"]
    assert other["UploadId"] != uid


def test_reuploading_a_part_replaces_it(s3, bucket: str) -> None:
    up = s3.create_multipart_upload(Bucket=bucket, Key="k")
    uid = up["UploadId"]
    s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=b"old")
    r = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=b"new!")
    parts = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in parts] == [(1, 4)]
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="k",
        UploadId=uid,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": r["ETag"]}]},
    )
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"new!"


def test_unlisted_parts_are_discarded(s3, bucket: str) -> None:
    up = s3.create_multipart_upload(Bucket=bucket, Key="k")
    uid = up["UploadId"]
    r1 = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=b"a" * (5 * MiB))
    s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=2, Body=b"b")
    r3 = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=3, Body=b"c")
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="k",
        UploadId=uid,
        MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": r1["ETag"]}, {"PartNumber": 3, "ETag": r3["ETag"]}]
        },
    )
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"a" * (5 * MiB) + b"c"


def test_abort_removes_upload(s3, bucket: str) -> None:
    up = s3.create_multipart_upload(Bucket=bucket, Key="k")
    uid = up["UploadId"]
    s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=b"x")
    s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    with pytest.raises(ClientError) as exc:
        s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)
    assert _code(exc) == "NoSuchUpload"
    with pytest.raises(ClientError) as exc:
        s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=2, Body=b"x")
    assert _code(exc) == "NoSuchUpload"
    with pytest.raises(ClientError) as exc:
        s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid)
    assert _code(exc) == "NoSuchUpload"
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="k")


def test_upload_part_copy_with_ranges(s3, bucket: str) -> None:
    src = os.urandom(6 * MiB + 500)
    s3.put_object(Bucket=bucket, Key="src", Body=src)
    mp_src = [os.urandom(5 * MiB), os.urandom(5 * MiB)]
    _upload(s3, bucket, "mpsrc", mp_src)
    up = s3.create_multipart_upload(Bucket=bucket, Key="dst")
    uid = up["UploadId"]
    c1 = s3.upload_part_copy(
        Bucket=bucket,
        Key="dst",
        UploadId=uid,
        PartNumber=1,
        CopySource={"Bucket": bucket, "Key": "src"},
        CopySourceRange=f"bytes=0-{5 * MiB - 1}",
    )
    c2 = s3.upload_part_copy(
        Bucket=bucket,
        Key="dst",
        UploadId=uid,
        PartNumber=2,
        CopySource={"Bucket": bucket, "Key": "mpsrc"},
        CopySourceRange=f"bytes={5 * MiB - 100}-{10 * MiB - 101}",
    )
    c3 = s3.upload_part_copy(
        Bucket=bucket,
        Key="dst",
        UploadId=uid,
        PartNumber=3,
        CopySource={"Bucket": bucket, "Key": "src"},
    )
    assert c1["CopyPartResult"]["ETag"] == f'"{hashlib.md5(src[: 5 * MiB]).hexdigest()}"'
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="dst",
        UploadId=uid,
        MultipartUpload={
            "Parts": [
                {"PartNumber": 1, "ETag": c1["CopyPartResult"]["ETag"]},
                {"PartNumber": 2, "ETag": c2["CopyPartResult"]["ETag"]},
                {"PartNumber": 3, "ETag": c3["CopyPartResult"]["ETag"]},
            ]
        },
    )
    whole_mp = b"".join(mp_src)
    expected = src[: 5 * MiB] + whole_mp[5 * MiB - 100 : 10 * MiB - 100] + src
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == expected


def test_upload_part_copy_bad_range(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"0123456789")
    up = s3.create_multipart_upload(Bucket=bucket, Key="dst")
    with pytest.raises(ClientError) as exc:
        s3.upload_part_copy(
            Bucket=bucket,
            Key="dst",
            UploadId=up["UploadId"],
            PartNumber=1,
            CopySource={"Bucket": bucket, "Key": "src"},
            CopySourceRange="bytes=5-20",
        )
    assert _code(exc) == "InvalidRange"


def _start_with_parts(s3, bucket: str, sizes: list[int]) -> tuple[str, list[dict]]:
    up = s3.create_multipart_upload(Bucket=bucket, Key="k")
    uid = up["UploadId"]
    out = []
    for n, size in enumerate(sizes, start=1):
        r = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=n, Body=b"z" * size)
        out.append({"PartNumber": n, "ETag": r["ETag"]})
    return uid, out


def test_complete_rejects_bad_part_lists(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"live")
    uid, parts = _start_with_parts(s3, bucket, [5 * MiB, 10, 10])
    cases = [
        ([parts[1], parts[0]], "InvalidPartOrder"),
        ([{"PartNumber": 1, "ETag": '"0000"'}], "InvalidPart"),
        ([parts[0], {"PartNumber": 7, "ETag": parts[1]["ETag"]}], "InvalidPart"),
        ([parts[0], parts[1], parts[2]], "EntityTooSmall"),
    ]
    for listed, code in cases:
        with pytest.raises(ClientError) as exc:
            s3.complete_multipart_upload(
                Bucket=bucket, Key="k", UploadId=uid, MultipartUpload={"Parts": listed}
            )
        assert _code(exc) == code, listed
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"live"
    # The upload survives failed completions.
    assert len(s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)["Parts"]) == 3


def test_complete_with_malformed_xml(s3box_server, s3, bucket: str) -> None:
    import http.client

    uid, _ = _start_with_parts(s3, bucket, [10])
    conn = http.client.HTTPConnection("127.0.0.1", s3box_server.port, timeout=10)
    try:
        conn.request("POST", f"/{bucket}/k?uploadId={uid}", body=b"<CompleteMultipartUpload><Part>")
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    if s3box_server.auth:
        assert resp.status == 403
    else:
        assert resp.status == 400
        assert b"<Code>MalformedXML</Code>" in body


@pytest.mark.parametrize("number", [0, 10001])
def test_invalid_part_numbers(s3, bucket: str, number: int) -> None:
    up = s3.create_multipart_upload(Bucket=bucket, Key="k")
    with pytest.raises(ClientError) as exc:
        s3.upload_part(
            Bucket=bucket, Key="k", UploadId=up["UploadId"], PartNumber=number, Body=b"x"
        )
    assert _code(exc) == "InvalidArgument"


def test_unknown_upload_id(s3, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.upload_part(Bucket=bucket, Key="k", UploadId="nope", PartNumber=1, Body=b"x")
    assert _code(exc) == "NoSuchUpload"
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="k",
            UploadId="../../etc",
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"x"'}]},
        )
    assert _code(exc) == "NoSuchUpload"


def test_complete_racing_abort_has_one_outcome(s3, bucket: str) -> None:
    uid, parts = _start_with_parts(s3, bucket, [10])
    outcomes: dict[str, object] = {}

    def complete() -> None:
        try:
            s3.complete_multipart_upload(
                Bucket=bucket, Key="k", UploadId=uid, MultipartUpload={"Parts": parts}
            )
            outcomes["complete"] = "ok"
        except ClientError as err:
            outcomes["complete"] = err.response["Error"]["Code"]

    def abort() -> None:
        try:
            s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid)
            outcomes["abort"] = "ok"
        except ClientError as err:
            outcomes["abort"] = err.response["Error"]["Code"]

    threads = [threading.Thread(target=complete), threading.Thread(target=abort)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    exists = True
    try:
        s3.head_object(Bucket=bucket, Key="k")
    except ClientError:
        exists = False
    if outcomes["complete"] == "ok":
        assert exists
        assert outcomes["abort"] == "NoSuchUpload"
    else:
        assert not exists
        assert outcomes["abort"] == "ok"
        assert outcomes["complete"] == "NoSuchUpload"
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def _bucket_name() -> str:
    return f"mpcli-{uuid.uuid4().hex[:12]}"


def test_cli_cp_above_and_below_threshold_both_ways(aws: AwsCli, tmp_path: Path) -> None:
    bucket = _bucket_name()
    aws.run("s3", "mb", f"s3://{bucket}")
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(20 * MiB + 3))
    small = tmp_path / "small.bin"
    small.write_bytes(os.urandom(3 * MiB))
    aws.run("s3", "cp", str(big), f"s3://{bucket}/big.bin")
    aws.run("s3", "cp", str(small), f"s3://{bucket}/small.bin")
    head = json.loads(
        aws.run("s3api", "head-object", "--bucket", bucket, "--key", "big.bin").stdout
    )
    assert head["ETag"].endswith('-3"')
    aws.run("s3", "cp", f"s3://{bucket}/big.bin", str(tmp_path / "big.back"))
    aws.run("s3", "cp", f"s3://{bucket}/small.bin", str(tmp_path / "small.back"))
    assert (tmp_path / "big.back").read_bytes() == big.read_bytes()
    assert (tmp_path / "small.back").read_bytes() == small.read_bytes()
    # s3-to-s3 above the threshold: the CLI uses UploadPartCopy.
    aws.run("s3", "cp", f"s3://{bucket}/big.bin", f"s3://{bucket}/big2.bin")
    aws.run("s3", "cp", f"s3://{bucket}/big2.bin", str(tmp_path / "big2.back"))
    assert (tmp_path / "big2.back").read_bytes() == big.read_bytes()


def test_cli_list_multipart_uploads_and_parts(aws: AwsCli, tmp_path: Path) -> None:
    bucket = _bucket_name()
    aws.run("s3", "mb", f"s3://{bucket}")
    created = json.loads(
        aws.run("s3api", "create-multipart-upload", "--bucket", bucket, "--key", "large.iso").stdout
    )
    uid = created["UploadId"]
    part = tmp_path / "p1"
    part.write_bytes(os.urandom(5 * MiB))
    aws.run(
        "s3api",
        "upload-part",
        "--bucket",
        bucket,
        "--key",
        "large.iso",
        "--part-number",
        "1",
        "--upload-id",
        uid,
        "--body",
        str(part),
    )
    uploads = json.loads(aws.run("s3api", "list-multipart-uploads", "--bucket", bucket).stdout)
    assert [u["UploadId"] for u in uploads["Uploads"]] == [uid]
    parts = json.loads(
        aws.run(
            "s3api", "list-parts", "--bucket", bucket, "--key", "large.iso", "--upload-id", uid
        ).stdout
    )
    assert [(p["PartNumber"], p["Size"]) for p in parts["Parts"]] == [(1, 5 * MiB)]
    aws.run(
        "s3api",
        "abort-multipart-upload",
        "--bucket",
        bucket,
        "--key",
        "large.iso",
        "--upload-id",
        uid,
    )


def test_complete_retried_after_success_returns_the_same_result(s3, bucket: str) -> None:
    uid, parts = _start_with_parts(s3, bucket, [10])
    first = s3.complete_multipart_upload(
        Bucket=bucket, Key="k", UploadId=uid, MultipartUpload={"Parts": parts}
    )
    again = s3.complete_multipart_upload(
        Bucket=bucket, Key="k", UploadId=uid, MultipartUpload={"Parts": parts}
    )
    assert again["ETag"] == first["ETag"]
    assert again["Key"] == "k"
    # Other parts, or abort/upload-part after completion: the upload is gone.
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="k",
            UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": parts[0]["ETag"]}]},
        )
    assert _code(exc) == "NoSuchUpload"
    with pytest.raises(ClientError) as exc:
        s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid)
    assert _code(exc) == "NoSuchUpload"


def test_two_racing_completes_both_succeed_with_one_object(s3, bucket: str) -> None:
    uid, parts = _start_with_parts(s3, bucket, [5 * MiB, 7])
    results: list[object] = []

    def complete() -> None:
        try:
            r = s3.complete_multipart_upload(
                Bucket=bucket, Key="k", UploadId=uid, MultipartUpload={"Parts": parts}
            )
            results.append(r["ETag"])
        except ClientError as err:
            results.append(err.response["Error"]["Code"])

    threads = [threading.Thread(target=complete) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected = _mp_etag([b"z" * (5 * MiB), b"z" * 7])
    assert results == [expected, expected]
    assert s3.get_object(Bucket=bucket, Key="k")["ContentLength"] == 5 * MiB + 7
