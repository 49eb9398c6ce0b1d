"""Object operations through boto3 (default settings) against a real s3box."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import threading

import pytest
from botocore.exceptions import ClientError


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def _status(exc: pytest.ExceptionInfo[ClientError]) -> int:
    return int(exc.value.response["ResponseMetadata"]["HTTPStatusCode"])


def test_put_get_round_trip_with_md5_etag(s3, bucket: str) -> None:
    body = os.urandom(10_000)
    put = s3.put_object(Bucket=bucket, Key="a/b.bin", Body=body)
    assert put["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    got = s3.get_object(Bucket=bucket, Key="a/b.bin")
    assert got["Body"].read() == body
    assert got["ContentLength"] == len(body)
    assert got["ETag"] == put["ETag"]
    assert "VersionId" not in got
    assert "x-amz-request-id" in got["ResponseMetadata"]["HTTPHeaders"]
    assert "x-amz-id-2" in got["ResponseMetadata"]["HTTPHeaders"]


def test_large_put_streams_and_reads_back(s3, bucket: str) -> None:
    body = os.urandom(3 * 1024 * 1024 + 17)
    s3.put_object(Bucket=bucket, Key="big", Body=body)
    assert s3.get_object(Bucket=bucket, Key="big")["Body"].read() == body


def test_empty_object(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    got = s3.get_object(Bucket=bucket, Key="empty")
    assert got["Body"].read() == b""
    assert got["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'


def test_metadata_and_content_headers_are_stored_and_returned(s3, bucket: str) -> None:
    expires = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    s3.put_object(
        Bucket=bucket,
        Key="meta",
        Body=b"x",
        ContentType="text/plain; charset=utf-8",
        ContentEncoding="identity",
        ContentDisposition='attachment; filename="x.txt"',
        ContentLanguage="en",
        CacheControl="max-age=60",
        Expires=expires,
        Metadata={"color": "blue", "Mixed-Case": "v"},
    )
    head = s3.head_object(Bucket=bucket, Key="meta")
    assert head["ContentType"] == "text/plain; charset=utf-8"
    assert head["ContentEncoding"] == "identity"
    assert head["ContentDisposition"] == 'attachment; filename="x.txt"'
    assert head["ContentLanguage"] == "en"
    assert head["CacheControl"] == "max-age=60"
    assert head["Expires"] == expires
    assert head["Metadata"] == {"color": "blue", "mixed-case": "v"}


def test_default_content_type(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert s3.head_object(Bucket=bucket, Key="k")["ContentType"] == "binary/octet-stream"


def test_overwrite_replaces_content_and_metadata(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"one", Metadata={"v": "1"})
    s3.put_object(Bucket=bucket, Key="k", Body=b"two!", Metadata={"w": "2"})
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == b"two!"
    assert got["Metadata"] == {"w": "2"}
    assert [o["Size"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == [4]


@pytest.mark.parametrize(
    "key",
    [
        "with space",
        "plus+sign",
        "percent%20literal",
        "a//double",
        "../dotdot/./x",
        "unicodé/日本語/🙂",
        "ctrl\x01\x1fchars",
        "trailing/",
        "question?mark#hash",
        "k" * 1024,
    ],
)
def test_awkward_keys_round_trip(s3, bucket: str, key: str) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == key.encode()
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert listed == [key]


def test_key_over_1024_bytes_is_rejected(s3, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="é" * 513, Body=b"x")
    assert _code(exc) == "KeyTooLongError"
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_get_missing_key_returns_no_such_key(s3, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="nope")
    assert _code(exc) == "NoSuchKey"
    assert exc.value.response["Error"]["Key"] == "nope"
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="nope")
    assert _status(exc) == 404


def test_errors_name_their_subject_with_s3s_elements(s3, bucket: str) -> None:
    """BucketName, Key and UploadId as S3 spells them, nothing else; a copy from a
    missing source names the source key."""

    def error_of(call, **kwargs) -> dict[str, str]:
        with pytest.raises(ClientError) as exc:
            call(**kwargs)
        return exc.value.response["Error"]

    s3.put_object(Bucket=bucket, Key="present", Body=b"x")
    found = error_of(s3.delete_bucket, Bucket=bucket)
    assert (found["Code"], found["BucketName"]) == ("BucketNotEmpty", bucket)
    found = error_of(s3.list_objects_v2, Bucket=bucket + "-absent")
    assert (found["Code"], found["BucketName"]) == ("NoSuchBucket", bucket + "-absent")
    found = error_of(s3.list_parts, Bucket=bucket, Key="k", UploadId="abc")
    assert (found["Code"], found["UploadId"]) == ("NoSuchUpload", "abc")
    found = error_of(
        s3.copy_object, Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "gone"}
    )
    assert (found["Code"], found["Key"]) == ("NoSuchKey", "gone")
    found = error_of(
        s3.copy_object,
        Bucket=bucket,
        Key="dst",
        CopySource={"Bucket": bucket + "-absent", "Key": "k"},
    )
    assert (found["Code"], found["BucketName"]) == ("NoSuchBucket", bucket + "-absent")
    allowed = {"Code", "Message", "Resource", "BucketName", "Key", "UploadId"}
    for call, kwargs in (
        (s3.delete_bucket, {"Bucket": bucket}),
        (s3.list_parts, {"Bucket": bucket, "Key": "k", "UploadId": "abc"}),
        (s3.get_object, {"Bucket": bucket, "Key": "gone"}),
    ):
        assert set(error_of(call, **kwargs)) <= allowed


def test_delete_object_and_absent_key_return_204(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    resp = s3.delete_object(Bucket=bucket, Key="k")
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    resp = s3.delete_object(Bucket=bucket, Key="k")
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="k")


def test_version_id_null_means_current_object(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert s3.get_object(Bucket=bucket, Key="k", VersionId="null")["Body"].read() == b"x"
    s3.head_object(Bucket=bucket, Key="k", VersionId="null")
    s3.delete_object(Bucket=bucket, Key="k", VersionId="null")
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="k")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-4", b"01234"),
        ("bytes=5-", b"56789"),
        ("bytes=-3", b"789"),
        ("bytes=8-100", b"89"),
        ("bytes=-100", b"0123456789"),
    ],
)
def test_range_requests(s3, bucket: str, header: str, expected: bytes) -> None:
    s3.put_object(Bucket=bucket, Key="r", Body=b"0123456789")
    got = s3.get_object(Bucket=bucket, Key="r", Range=header)
    assert got["Body"].read() == expected
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["ContentRange"].endswith("/10")


def test_range_on_large_object_streams_the_slice(s3, bucket: str) -> None:
    body = os.urandom(2 * 1024 * 1024 + 100)
    s3.put_object(Bucket=bucket, Key="big", Body=body)
    got = s3.get_object(Bucket=bucket, Key="big", Range="bytes=1048570-2097160")
    assert got["Body"].read() == body[1048570:2097161]


def test_unsatisfiable_range_returns_416(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="r", Body=b"0123456789")
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="r", Range="bytes=10-20")
    assert _status(exc) == 416
    assert _code(exc) == "InvalidRange"


def test_ranges_on_an_empty_object(s3, bucket: str) -> None:
    """A tail read ("bytes=-n") of an empty object is S3's 200 with no bytes; a range
    naming a first byte is 416."""
    s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    got = s3.get_object(Bucket=bucket, Key="empty", Range="bytes=-512")
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert got["Body"].read() == b""
    assert "ContentRange" not in got
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="empty", Range="bytes=0-0")
    assert (_status(exc), _code(exc)) == (416, "InvalidRange")


def test_conditional_get(s3, bucket: str) -> None:
    put = s3.put_object(Bucket=bucket, Key="c", Body=b"data")
    etag = put["ETag"]
    assert s3.get_object(Bucket=bucket, Key="c", IfMatch=etag)["Body"].read() == b"data"
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="c", IfMatch='"0000"')
    assert _status(exc) == 412
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="c", IfNoneMatch=etag)
    assert _status(exc) == 304
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    past = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="c", IfModifiedSince=future)
    assert _status(exc) == 304
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="c", IfUnmodifiedSince=past)
    assert _status(exc) == 412
    # If-Match true overrides If-Unmodified-Since false (S3 precedence).
    got = s3.get_object(Bucket=bucket, Key="c", IfMatch=etag, IfUnmodifiedSince=past)
    assert got["Body"].read() == b"data"
    # If-None-Match false (no match) + If-Modified-Since stale -> still 200.
    got = s3.get_object(Bucket=bucket, Key="c", IfNoneMatch='"other"', IfModifiedSince=future)
    assert got["Body"].read() == b"data"


def test_conditional_head(s3, bucket: str) -> None:
    put = s3.put_object(Bucket=bucket, Key="c", Body=b"data")
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="c", IfNoneMatch=put["ETag"])
    assert _status(exc) == 304
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="c", IfMatch='"nope"')
    assert _status(exc) == 412


def test_response_header_overrides(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="o", Body=b"x", ContentType="text/plain")
    got = s3.get_object(
        Bucket=bucket,
        Key="o",
        ResponseContentType="application/json",
        ResponseContentDisposition="inline",
        ResponseCacheControl="no-cache",
        ResponseContentLanguage="fr",
        ResponseContentEncoding="gzip",
    )
    assert got["ContentType"] == "application/json"
    assert got["ContentDisposition"] == "inline"
    assert got["CacheControl"] == "no-cache"
    assert got["ContentLanguage"] == "fr"
    assert got["ContentEncoding"] == "gzip"


def test_content_md5_is_verified(s3, bucket: str) -> None:
    body = b"checked body"
    good = base64.b64encode(hashlib.md5(body).digest()).decode()
    s3.put_object(Bucket=bucket, Key="ok", Body=body, ContentMD5=good)
    bad = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="bad", Body=body, ContentMD5=bad)
    assert _code(exc) == "BadDigest"
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="bad")
    assert _status(exc) == 404


def test_content_md5_verified_on_streamed_put(s3, bucket: str) -> None:
    body = os.urandom(1024 * 1024 + 3)
    bad = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="bad", Body=body, ContentMD5=bad)
    assert _code(exc) == "BadDigest"
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_invalid_content_md5_returns_invalid_digest(s3, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", ContentMD5="not-base64!")
    assert _code(exc) == "InvalidDigest"


def test_copy_object_same_and_cross_bucket(s3, bucket: str) -> None:
    other = bucket + "-dst"
    s3.create_bucket(Bucket=other)
    s3.put_object(
        Bucket=bucket, Key="src", Body=b"payload", Metadata={"a": "1"}, ContentType="text/x"
    )
    res = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert res["CopyObjectResult"]["ETag"] == f'"{hashlib.md5(b"payload").hexdigest()}"'
    got = s3.get_object(Bucket=bucket, Key="dst")
    assert got["Body"].read() == b"payload"
    assert got["Metadata"] == {"a": "1"}
    assert got["ContentType"] == "text/x"
    s3.copy_object(Bucket=other, Key="x/y", CopySource=f"{bucket}/src")
    assert s3.get_object(Bucket=other, Key="x/y")["Body"].read() == b"payload"


def test_copy_stores_standard_unless_a_class_is_sent(s3, bucket: str) -> None:
    # S3: "If the x-amz-storage-class header is not used, the copied object will be
    # stored in the STANDARD Storage Class", whatever the source's class.
    s3.put_object(Bucket=bucket, Key="ia", Body=b"cold", StorageClass="STANDARD_IA")
    assert s3.head_object(Bucket=bucket, Key="ia")["StorageClass"] == "STANDARD_IA"
    s3.copy_object(Bucket=bucket, Key="plain", CopySource={"Bucket": bucket, "Key": "ia"})
    assert "StorageClass" not in s3.head_object(Bucket=bucket, Key="plain")
    s3.copy_object(
        Bucket=bucket,
        Key="cold",
        CopySource={"Bucket": bucket, "Key": "ia"},
        StorageClass="ONEZONE_IA",
    )
    assert s3.head_object(Bucket=bucket, Key="cold")["StorageClass"] == "ONEZONE_IA"
    listed = {o["Key"]: o["StorageClass"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert listed == {"cold": "ONEZONE_IA", "ia": "STANDARD_IA", "plain": "STANDARD"}


def test_copy_with_replace_directive_changes_metadata(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"payload", Metadata={"a": "1"})
    s3.copy_object(
        Bucket=bucket,
        Key="dst",
        CopySource={"Bucket": bucket, "Key": "src"},
        MetadataDirective="REPLACE",
        Metadata={"b": "2"},
        ContentType="text/y",
    )
    head = s3.head_object(Bucket=bucket, Key="dst")
    assert head["Metadata"] == {"b": "2"}
    assert head["ContentType"] == "text/y"


def test_copy_onto_itself_requires_replace(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="self", Body=b"same", Metadata={"a": "1"})
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="self", CopySource={"Bucket": bucket, "Key": "self"})
    assert _code(exc) == "InvalidRequest"
    s3.copy_object(
        Bucket=bucket,
        Key="self",
        CopySource={"Bucket": bucket, "Key": "self"},
        MetadataDirective="REPLACE",
        Metadata={"a": "2"},
    )
    got = s3.get_object(Bucket=bucket, Key="self")
    assert got["Metadata"] == {"a": "2"}
    assert got["Body"].read() == b"same"


def test_copy_unicode_source_key(s3, bucket: str) -> None:
    key = "dir with space/ünï cödé+plus%.txt"
    s3.put_object(Bucket=bucket, Key=key, Body=b"u")
    s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": key})
    assert s3.get_object(Bucket=bucket, Key="copy")["Body"].read() == b"u"


def test_copy_source_conditions(s3, bucket: str) -> None:
    put = s3.put_object(Bucket=bucket, Key="src", Body=b"v")
    src = {"Bucket": bucket, "Key": "src"}
    s3.copy_object(Bucket=bucket, Key="d1", CopySource=src, CopySourceIfMatch=put["ETag"])
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="d2", CopySource=src, CopySourceIfMatch='"x"')
    assert _status(exc) == 412
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="d3", CopySource=src, CopySourceIfNoneMatch=put["ETag"])
    assert _status(exc) == 412
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["d1", "src"]


def test_copy_missing_source_returns_no_such_key(s3, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="d", CopySource={"Bucket": bucket, "Key": "nope"})
    assert _code(exc) == "NoSuchKey"


def test_get_object_acl(s3, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    acl = s3.get_object_acl(Bucket=bucket, Key="k")
    assert acl["Grants"][0]["Permission"] == "FULL_CONTROL"


def test_concurrent_puts_of_one_key_leave_one_whole_object(s3, bucket: str) -> None:
    bodies = [bytes([i]) * (300_000 + i) for i in range(8)]
    errors: list[BaseException] = []

    def put(body: bytes) -> None:
        try:
            s3.put_object(Bucket=bucket, Key="race", Body=body)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=put, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    got = s3.get_object(Bucket=bucket, Key="race")["Body"].read()
    assert got in bodies
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert len(listed) == 1
    assert listed[0]["Size"] == len(got)
