"""Object and bucket tagging through boto3 and the AWS CLI: Put/Get/Delete
ObjectTagging, x-amz-tagging on PutObject / CreateMultipartUpload / CopyObject
(x-amz-tagging-directive), x-amz-tagging-count, S3's limits, and bucket tags."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import AwsCli


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def _status(exc: pytest.ExceptionInfo[ClientError]) -> int:
    return int(exc.value.response["ResponseMetadata"]["HTTPStatusCode"])


def _tag_set(tags: dict[str, str]) -> dict[str, Any]:
    return {"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]}


def _tags_of(s3: Any, bucket: str, key: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]}


def test_put_get_delete_object_tagging_keeps_etag_and_data(s3: Any, bucket: str) -> None:
    put = s3.put_object(Bucket=bucket, Key="k", Body=b"payload")
    before = s3.head_object(Bucket=bucket, Key="k")
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == []
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=_tag_set({"env": "dev", "team": "a b/c"}))
    assert _tags_of(s3, bucket, "k") == {"env": "dev", "team": "a b/c"}
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == b"payload"
    assert got["ETag"] == put["ETag"]
    assert got["TagCount"] == 2
    # Tagging changes neither the ETag nor Last-Modified (S3 behaviour).
    assert got["LastModified"] == before["LastModified"]
    s3.delete_object_tagging(Bucket=bucket, Key="k")
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == []
    assert "TagCount" not in s3.head_object(Bucket=bucket, Key="k")


def test_object_tagging_of_missing_key_is_no_such_key(s3: Any, bucket: str) -> None:
    for call in (
        lambda: s3.get_object_tagging(Bucket=bucket, Key="absent"),
        lambda: s3.put_object_tagging(Bucket=bucket, Key="absent", Tagging=_tag_set({"a": "b"})),
        lambda: s3.delete_object_tagging(Bucket=bucket, Key="absent"),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert _code(exc) == "NoSuchKey"


def test_tagging_a_multipart_object_keeps_its_parts(s3: Any, bucket: str) -> None:
    part = b"p" * (5 * 1024 * 1024)
    mpu = s3.create_multipart_upload(Bucket=bucket, Key="mp", Tagging="a=1")
    etags = [
        s3.upload_part(Bucket=bucket, Key="mp", UploadId=mpu["UploadId"], PartNumber=n, Body=part)[
            "ETag"
        ]
        for n in (1, 2)
    ]
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=mpu["UploadId"],
        MultipartUpload={
            "Parts": [{"PartNumber": n, "ETag": e} for n, e in zip((1, 2), etags, strict=True)]
        },
    )
    assert _tags_of(s3, bucket, "mp") == {"a": "1"}
    s3.put_object_tagging(Bucket=bucket, Key="mp", Tagging=_tag_set({"b": "2"}))
    assert _tags_of(s3, bucket, "mp") == {"b": "2"}
    assert s3.get_object(Bucket=bucket, Key="mp", PartNumber=2)["Body"].read() == part
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == part * 2


def test_put_object_with_tagging_header(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="a=1&b=two%20words&empty=")
    assert _tags_of(s3, bucket, "k") == {"a": "1", "b": "two words", "empty": ""}
    assert (
        s3.head_object(Bucket=bucket, Key="k")["ResponseMetadata"]["HTTPHeaders"][
            "x-amz-tagging-count"
        ]
        == "3"
    )


def test_copy_object_tagging_directive(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"x", Tagging="a=1")
    s3.copy_object(Bucket=bucket, Key="copied", CopySource={"Bucket": bucket, "Key": "src"})
    assert _tags_of(s3, bucket, "copied") == {"a": "1"}
    s3.copy_object(
        Bucket=bucket,
        Key="replaced",
        CopySource={"Bucket": bucket, "Key": "src"},
        TaggingDirective="REPLACE",
        Tagging="b=2",
    )
    assert _tags_of(s3, bucket, "replaced") == {"b": "2"}
    s3.copy_object(
        Bucket=bucket,
        Key="cleared",
        CopySource={"Bucket": bucket, "Key": "src"},
        TaggingDirective="REPLACE",
    )
    assert _tags_of(s3, bucket, "cleared") == {}
    # The metadata directive does not decide the tags.
    s3.copy_object(
        Bucket=bucket,
        Key="meta-replaced",
        CopySource={"Bucket": bucket, "Key": "src"},
        MetadataDirective="REPLACE",
        Metadata={"m": "v"},
    )
    assert _tags_of(s3, bucket, "meta-replaced") == {"a": "1"}


def test_copy_object_rejects_unknown_tagging_directive(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"x")

    def bad_directive(request: Any, **_: Any) -> None:
        request.headers["x-amz-tagging-directive"] = "MERGE"

    s3.meta.events.register_first("before-sign.s3.CopyObject", bad_directive)
    try:
        with pytest.raises(ClientError) as exc:
            s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    finally:
        s3.meta.events.unregister("before-sign.s3.CopyObject", bad_directive)
    assert _code(exc) == "InvalidArgument"


@pytest.mark.parametrize(
    "tags",
    [
        {f"k{i}": "v" for i in range(11)},  # more than 10 tags
        {"k" * 129: "v"},  # key longer than 128
        {"k": "v" * 257},  # value longer than 256
        {"aws:reserved": "v"},  # reserved prefix
        {"platform": "metal(x)"},  # outside AWS's tag character set
    ],
)
def test_object_tag_limits_are_invalid_tag(s3: Any, bucket: str, tags: dict[str, str]) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as exc:
        s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=_tag_set(tags))
    assert (_status(exc), _code(exc)) == (400, "InvalidTag")
    header = "&".join(f"{k}={v}" for k, v in tags.items())
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="k2", Body=b"x", Tagging=header)
    assert (_status(exc), _code(exc)) == (400, "InvalidTag")
    with pytest.raises(ClientError) as exc:
        s3.create_multipart_upload(Bucket=bucket, Key="k3", Tagging=header)
    assert _code(exc) == "InvalidTag"


def test_tag_limits_at_the_edge_are_accepted(s3: Any, bucket: str) -> None:
    tags = {f"{i}" + "k" * 127: "v" * 256 for i in range(10)}
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=_tag_set(tags))
    assert _tags_of(s3, bucket, "k") == tags


def test_duplicate_tag_keys_are_invalid_tag(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    tagging = {"TagSet": [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]}
    with pytest.raises(ClientError) as exc:
        s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=tagging)
    assert _code(exc) == "InvalidTag"
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="a=1&a=2")
    assert _code(exc) == "InvalidTag"


def test_bucket_tagging_round_trip(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_tagging(Bucket=bucket)
    assert (_status(exc), _code(exc)) == (404, "NoSuchTagSet")
    tags = {f"t{i}": str(i) for i in range(50)}
    s3.put_bucket_tagging(Bucket=bucket, Tagging=_tag_set(tags))
    got = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    assert {t["Key"]: t["Value"] for t in got} == tags
    s3.put_bucket_tagging(Bucket=bucket, Tagging=_tag_set({"only": "one"}))
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "only", "Value": "one"}]
    s3.delete_bucket_tagging(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_tagging(Bucket=bucket)
    assert _code(exc) == "NoSuchTagSet"
    # A bucket whose tags were set can still be deleted.
    s3.put_bucket_tagging(Bucket=bucket, Tagging=_tag_set({"a": "b"}))
    s3.delete_bucket(Bucket=bucket)
    s3.create_bucket(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_tagging(Bucket=bucket)
    assert _code(exc) == "NoSuchTagSet"


def test_bucket_tag_limit_is_fifty(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_tagging(Bucket=bucket, Tagging=_tag_set({f"t{i}": "v" for i in range(51)}))
    assert _code(exc) == "InvalidTag"


def test_bucket_tagging_of_missing_bucket_is_no_such_bucket(s3: Any) -> None:
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_tagging(Bucket="no-such-bucket-for-tags")
    assert _code(exc) == "NoSuchBucket"
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_tagging(Bucket="no-such-bucket-for-tags", Tagging=_tag_set({"a": "b"}))
    assert _code(exc) == "NoSuchBucket"


def test_malformed_tagging_body_is_malformed_xml(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")

    def bad_body(request: Any, **_: Any) -> None:
        request.data = b"<Tagging><NoTagSet/></Tagging>"
        for name in list(request.headers.keys()):
            if name.lower() in ("content-md5", "content-length") or name.lower().startswith(
                ("x-amz-checksum-", "x-amz-sdk-checksum")
            ):
                del request.headers[name]

    s3.meta.events.register_first("before-sign.s3.PutObjectTagging", bad_body)
    try:
        with pytest.raises(ClientError) as exc:
            s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=_tag_set({"a": "b"}))
    finally:
        s3.meta.events.unregister("before-sign.s3.PutObjectTagging", bad_body)
    assert _code(exc) == "MalformedXML"


def test_aws_cli_object_tagging(aws: AwsCli, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="cli", Body=b"x")
    aws.run(
        "s3api",
        "put-object-tagging",
        "--bucket",
        bucket,
        "--key",
        "cli",
        "--tagging",
        '{"TagSet":[{"Key":"env","Value":"ci"}]}',
    )
    out = aws.run("s3api", "get-object-tagging", "--bucket", bucket, "--key", "cli")
    assert json.loads(out.stdout)["TagSet"] == [{"Key": "env", "Value": "ci"}]
