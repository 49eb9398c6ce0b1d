"""GetObjectAttributes and the answers for out-of-scope features (SPEC §7.3,
§8) through boto3 and the AWS CLI: versioning reads, ListObjectVersions,
canned ACL headers, ACL writes, storage class, and the "not configured" 404s."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import ACCESS_KEY, REGION, SECRET_KEY, AwsCli, S3BoxProcess
from tests.integration.test_raw_http import _request

MIB = 1024 * 1024
ALL_ATTRIBUTES = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def _status(exc: pytest.ExceptionInfo[ClientError]) -> int:
    return int(exc.value.response["ResponseMetadata"]["HTTPStatusCode"])


def _multipart(s3: Any, bucket: str, key: str, parts: list[bytes], **create: Any) -> None:
    mpu = s3.create_multipart_upload(Bucket=bucket, Key=key, **create)
    algorithm = create.get("ChecksumAlgorithm")
    done = []
    for n, body in enumerate(parts, start=1):
        extra = {"ChecksumAlgorithm": algorithm} if algorithm else {}
        r = s3.upload_part(
            Bucket=bucket, Key=key, UploadId=mpu["UploadId"], PartNumber=n, Body=body, **extra
        )
        entry = {"PartNumber": n, "ETag": r["ETag"]}
        if algorithm:
            entry[f"Checksum{algorithm}"] = r[f"Checksum{algorithm}"]
        done.append(entry)
    s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=mpu["UploadId"], MultipartUpload={"Parts": done}
    )


# ---- GetObjectAttributes ------------------------------------------------------


def test_object_attributes_of_a_single_part_object(s3: Any, bucket: str) -> None:
    body = b"attributes" * 100
    sha = base64.b64encode(hashlib.sha256(body).digest()).decode()
    s3.put_object(Bucket=bucket, Key="k", Body=body, ChecksumSHA256=sha)
    got = s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=ALL_ATTRIBUTES)
    assert got["ETag"] == hashlib.md5(body).hexdigest()
    assert got["Checksum"] == {"ChecksumSHA256": sha, "ChecksumType": "FULL_OBJECT"}
    assert got["ObjectSize"] == len(body)
    assert got["StorageClass"] == "STANDARD"
    assert "ObjectParts" not in got
    assert got["LastModified"] == s3.head_object(Bucket=bucket, Key="k")["LastModified"]


def test_object_attributes_return_only_what_was_asked(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", StorageClass="STANDARD_IA")
    got = s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["StorageClass"])
    assert got["StorageClass"] == "STANDARD_IA"
    for absent in ("ETag", "Checksum", "ObjectSize", "ObjectParts"):
        assert absent not in got


def test_object_attributes_page_through_composite_parts(s3: Any, bucket: str) -> None:
    parts = [bytes([n]) * (5 * MIB) for n in range(1, 4)] + [b"tail"]
    _multipart(s3, bucket, "mp", parts, ChecksumAlgorithm="SHA256")
    first = s3.get_object_attributes(
        Bucket=bucket, Key="mp", ObjectAttributes=ALL_ATTRIBUTES, MaxParts=2
    )
    assert first["ObjectSize"] == sum(map(len, parts))
    assert first["ETag"].endswith("-4")
    assert first["Checksum"]["ChecksumType"] == "COMPOSITE"
    assert first["Checksum"]["ChecksumSHA256"].endswith("-4")
    page = first["ObjectParts"]
    assert page["TotalPartsCount"] == 4
    assert page["IsTruncated"] is True
    assert page["MaxParts"] == 2
    assert [p["PartNumber"] for p in page["Parts"]] == [1, 2]
    for p, body in zip(page["Parts"], parts, strict=False):
        assert p["Size"] == len(body)
        assert p["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(body).digest()).decode()
    second = s3.get_object_attributes(
        Bucket=bucket,
        Key="mp",
        ObjectAttributes=["ObjectParts"],
        MaxParts=2,
        PartNumberMarker=page["NextPartNumberMarker"],
    )["ObjectParts"]
    assert [p["PartNumber"] for p in second["Parts"]] == [3, 4]
    assert second["IsTruncated"] is False
    assert second["Parts"][1]["Size"] == 4


def test_object_attributes_bad_input(s3box_server: S3BoxProcess, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as exc:
        s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["Colour"])
    assert (_status(exc), _code(exc)) == (400, "InvalidArgument")
    with pytest.raises(ClientError) as exc:
        s3.get_object_attributes(Bucket=bucket, Key="absent", ObjectAttributes=["ETag"])
    assert _code(exc) == "NoSuchKey"
    if not s3box_server.auth:
        status, _, body = _request(s3box_server, "GET", f"/{bucket}/k?attributes")
        assert status == 400 and b"InvalidRequest" in body
        status, _, body = _request(
            s3box_server,
            "GET",
            f"/{bucket}/k?attributes",
            headers={"x-amz-object-attributes": "ETag", "x-amz-max-parts": "many"},
        )
        assert status == 400 and b"InvalidArgument" in body


# ---- versioning ---------------------------------------------------------------


def test_bucket_versioning_is_never_enabled(s3: Any, bucket: str) -> None:
    got = s3.get_bucket_versioning(Bucket=bucket)
    assert "Status" not in got and "MFADelete" not in got
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert (_status(exc), _code(exc)) == (501, "NotImplemented")


def test_delete_objects_with_version_ids(s3: Any, bucket: str) -> None:
    """VersionId null deletes the current object and is echoed; any other version
    does not exist in an unversioned bucket: that key gets an error entry and
    its object stays (it used to be deleted)."""
    for key in ("a", "b", "c"):
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    result = s3.delete_objects(
        Bucket=bucket,
        Delete={
            "Objects": [
                {"Key": "a", "VersionId": "null"},
                {"Key": "b", "VersionId": "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"},
                {"Key": "c"},
            ]
        },
    )
    assert result["Deleted"] == [{"Key": "a", "VersionId": "null"}, {"Key": "c"}]
    assert [(e["Key"], e["VersionId"], e["Code"]) for e in result["Errors"]] == [
        ("b", "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY", "InvalidArgument")
    ]
    assert s3.get_object(Bucket=bucket, Key="b")["Body"].read() == b"b"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["b"]


def test_resource_cleanup_by_object_versions_empties_the_bucket(
    s3box_server: S3BoxProcess, s3: Any, bucket: str
) -> None:
    """`bucket.object_versions.delete()`, the usual way test suites empty a bucket
    that might be versioned, lists the versions and deletes them by VersionId."""
    for i in range(5):
        s3.put_object(Bucket=bucket, Key=f"k{i}", Body=b"x")
    resource = boto3.resource(
        "s3",
        endpoint_url=s3box_server.endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )
    resource.Bucket(bucket).object_versions.delete()
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_list_object_versions_shows_current_objects_as_null_versions(s3: Any, bucket: str) -> None:
    for key in ("a", "b/1", "b/2", "c"):
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    got = s3.list_object_versions(Bucket=bucket)
    assert [v["Key"] for v in got["Versions"]] == ["a", "b/1", "b/2", "c"]
    for v in got["Versions"]:
        assert v["VersionId"] == "null"
        assert v["IsLatest"] is True
        assert v["ETag"] == f'"{hashlib.md5(v["Key"].encode()).hexdigest()}"'
        assert v["Size"] == len(v["Key"])
    assert "DeleteMarkers" not in got
    assert got["IsTruncated"] is False
    grouped = s3.list_object_versions(Bucket=bucket, Delimiter="/")
    assert [v["Key"] for v in grouped["Versions"]] == ["a", "c"]
    assert grouped["CommonPrefixes"] == [{"Prefix": "b/"}]
    prefixed = s3.list_object_versions(Bucket=bucket, Prefix="b/")
    assert [v["Key"] for v in prefixed["Versions"]] == ["b/1", "b/2"]


def test_list_object_versions_pages_with_its_own_markers(s3: Any, bucket: str) -> None:
    keys = [f"k{i:02d}" for i in range(7)]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"")
    seen: list[str] = []
    kwargs: dict[str, str] = {}
    while True:
        page = s3.list_object_versions(Bucket=bucket, MaxKeys=3, **kwargs)
        seen.extend(v["Key"] for v in page.get("Versions", []))
        if not page["IsTruncated"]:
            break
        assert page["NextVersionIdMarker"] == "null"
        kwargs = {"KeyMarker": page["NextKeyMarker"], "VersionIdMarker": "null"}
    assert seen == keys
    paginator = s3.get_paginator("list_object_versions")
    assert [
        v["Key"] for p in paginator.paginate(Bucket=bucket, MaxKeys=2) for v in p["Versions"]
    ] == keys


def test_list_object_versions_bad_markers(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.list_object_versions(Bucket=bucket, VersionIdMarker="null")
    assert _code(exc) == "InvalidArgument"
    with pytest.raises(ClientError) as exc:
        s3.list_object_versions(Bucket=bucket, KeyMarker="a", VersionIdMarker="v123")
    assert _code(exc) == "InvalidArgument"
    with pytest.raises(ClientError) as exc:
        s3.list_object_versions(Bucket="no-such-bucket-versions")
    assert _code(exc) == "NoSuchBucket"


# ---- ACLs -----------------------------------------------------------------------


@pytest.mark.parametrize("acl", ["private", "public-read", "bucket-owner-full-control"])
def test_canned_acl_headers_are_accepted_and_ignored(s3: Any, bucket: str, acl: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL=acl)
    s3.copy_object(Bucket=bucket, Key="c", CopySource={"Bucket": bucket, "Key": "k"}, ACL=acl)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="m", ACL=acl)
    s3.abort_multipart_upload(Bucket=bucket, Key="m", UploadId=upload["UploadId"])
    name = f"{bucket[:40]}-{acl[:6]}"
    s3.create_bucket(Bucket=name, ACL=acl)
    s3.delete_bucket(Bucket=name)
    grants = s3.get_object_acl(Bucket=bucket, Key="c")["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]


def test_object_acl_names_only_the_null_version(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    grants = s3.get_object_acl(Bucket=bucket, Key="k", VersionId="null")["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
    with pytest.raises(ClientError) as exc:
        s3.get_object_acl(Bucket=bucket, Key="k", VersionId="3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY")
    assert (_status(exc), _code(exc)) == (400, "InvalidArgument")


def test_unknown_canned_acl_is_invalid_argument(s3: Any, bucket: str) -> None:
    def bad_acl(request: Any, **_: Any) -> None:
        request.headers["x-amz-acl"] = "everyone-may-write"

    s3.meta.events.register_first("before-sign.s3.PutObject", bad_acl)
    try:
        with pytest.raises(ClientError) as exc:
            s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    finally:
        s3.meta.events.unregister("before-sign.s3.PutObject", bad_acl)
    assert (_status(exc), _code(exc)) == (400, "InvalidArgument")


def test_put_private_acl_succeeds_and_anything_else_is_501(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    s3.put_object_acl(Bucket=bucket, Key="k", ACL="private")
    owner = s3.get_bucket_acl(Bucket=bucket)["Owner"]
    owner_only = {
        "Owner": owner,
        "Grants": [
            {
                "Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]},
                "Permission": "FULL_CONTROL",
            }
        ],
    }
    s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy=owner_only)
    s3.put_object_acl(Bucket=bucket, Key="k", AccessControlPolicy=owner_only)
    public = {
        "Owner": owner,
        "Grants": [
            *owner_only["Grants"],
            {
                "Grantee": {
                    "Type": "Group",
                    "URI": "http://acs.amazonaws.com/groups/global/AllUsers",
                },
                "Permission": "READ",
            },
        ],
    }
    for call in (
        lambda: s3.put_bucket_acl(Bucket=bucket, ACL="public-read"),
        lambda: s3.put_object_acl(Bucket=bucket, Key="k", ACL="public-read-write"),
        lambda: s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy=public),
        lambda: s3.put_object_acl(Bucket=bucket, Key="k", AccessControlPolicy=public),
        lambda: s3.put_object_acl(Bucket=bucket, Key="k", GrantRead="id=someone-else"),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert (_status(exc), _code(exc)) == (501, "NotImplemented")
    with pytest.raises(ClientError) as exc:
        s3.put_object_acl(Bucket=bucket, Key="absent", ACL="private")
    assert _code(exc) == "NoSuchKey"


# ---- storage class ----------------------------------------------------------------


def test_storage_class_is_stored_and_echoed(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", StorageClass="GLACIER_IR")
    assert s3.head_object(Bucket=bucket, Key="k")["StorageClass"] == "GLACIER_IR"
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"][0]
    assert listed["StorageClass"] == "GLACIER_IR"
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", StorageClass="COLD_STORAGE")
    assert (_status(exc), _code(exc)) == (400, "InvalidStorageClass")


# ---- website redirect location ----------------------------------------------------


def test_website_redirect_location_is_stored_and_returned(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="page", Body=b"x", WebsiteRedirectLocation="/other.html")
    assert s3.head_object(Bucket=bucket, Key="page")["WebsiteRedirectLocation"] == "/other.html"
    got = s3.get_object(Bucket=bucket, Key="page")
    assert got["WebsiteRedirectLocation"] == "/other.html" and got["Body"].read() == b"x"
    upload = s3.create_multipart_upload(
        Bucket=bucket, Key="mp", WebsiteRedirectLocation="https://example.com/x"
    )
    part = s3.upload_part(
        Bucket=bucket, Key="mp", UploadId=upload["UploadId"], PartNumber=1, Body=b"y"
    )
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    head = s3.head_object(Bucket=bucket, Key="mp")
    assert head["WebsiteRedirectLocation"] == "https://example.com/x"


def test_website_redirect_location_without_a_valid_prefix_is_refused(s3: Any, bucket: str) -> None:
    for location in ("other.html", "ftp://example.com/", ""):
        with pytest.raises(ClientError) as exc:
            s3.put_object(Bucket=bucket, Key="k", Body=b"x", WebsiteRedirectLocation=location)
        assert (_status(exc), _code(exc)) == (400, "InvalidRedirectLocation")
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_copy_does_not_inherit_the_redirect_location_but_takes_the_one_sent(
    s3: Any, bucket: str
) -> None:
    s3.put_object(
        Bucket=bucket, Key="src", Body=b"x", WebsiteRedirectLocation="/a", ContentType="text/x"
    )
    s3.copy_object(Bucket=bucket, Key="plain", CopySource={"Bucket": bucket, "Key": "src"})
    plain = s3.head_object(Bucket=bucket, Key="plain")
    assert "WebsiteRedirectLocation" not in plain and plain["ContentType"] == "text/x"
    s3.copy_object(
        Bucket=bucket,
        Key="sent",
        CopySource={"Bucket": bucket, "Key": "src"},
        WebsiteRedirectLocation="/b",
    )
    assert s3.head_object(Bucket=bucket, Key="sent")["WebsiteRedirectLocation"] == "/b"
    # A new redirect location is a change: copying an object onto itself with one is legal.
    s3.copy_object(
        Bucket=bucket,
        Key="src",
        CopySource={"Bucket": bucket, "Key": "src"},
        WebsiteRedirectLocation="/c",
    )
    head = s3.head_object(Bucket=bucket, Key="src")
    assert head["WebsiteRedirectLocation"] == "/c" and head["ContentType"] == "text/x"


# ---- configurations s3box never has ------------------------------------------------


def test_out_of_scope_configurations_read_as_absent(s3: Any, bucket: str) -> None:
    for call, code in (
        (lambda: s3.get_bucket_policy(Bucket=bucket), "NoSuchBucketPolicy"),
        (
            lambda: s3.get_bucket_lifecycle_configuration(Bucket=bucket),
            "NoSuchLifecycleConfiguration",
        ),
        (
            lambda: s3.get_bucket_encryption(Bucket=bucket),
            "ServerSideEncryptionConfigurationNotFoundError",
        ),
        (
            lambda: s3.get_object_lock_configuration(Bucket=bucket),
            "ObjectLockConfigurationNotFoundError",
        ),
        (lambda: s3.get_bucket_cors(Bucket=bucket), "NoSuchCORSConfiguration"),
        (lambda: s3.get_bucket_website(Bucket=bucket), "NoSuchWebsiteConfiguration"),
        (lambda: s3.get_bucket_replication(Bucket=bucket), "ReplicationConfigurationNotFoundError"),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert (_status(exc), _code(exc)) == (404, code)


def test_never_set_configurations_read_as_empty(s3: Any, bucket: str) -> None:
    """What S3 answers for a bucket where these were never set: 200, nothing inside."""
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)
    notifications = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert not {
        "TopicConfigurations",
        "QueueConfigurations",
        "LambdaFunctionConfigurations",
        "EventBridgeConfiguration",
    } & set(notifications)
    assert "Status" not in s3.get_bucket_accelerate_configuration(Bucket=bucket)
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "BucketOwner"


def test_deleting_absent_configurations_succeeds_and_changes_nothing(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    for call in (
        s3.delete_bucket_policy,
        s3.delete_bucket_cors,
        s3.delete_bucket_lifecycle,
        s3.delete_bucket_website,
        s3.delete_bucket_replication,
        s3.delete_bucket_encryption,
    ):
        assert call(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"
    with pytest.raises(ClientError) as exc:
        s3.delete_bucket_cors(Bucket=bucket + "-absent")
    assert (_status(exc), _code(exc)) == (404, "NoSuchBucket")


def test_object_lock_reads_say_the_bucket_has_none(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    for call in (s3.get_object_retention, s3.get_object_legal_hold):
        with pytest.raises(ClientError) as exc:
            call(Bucket=bucket, Key="k")
        assert (_status(exc), _code(exc)) == (400, "InvalidRequest")


def test_restore_object_refuses_objects_that_are_not_archived(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as exc:
        s3.restore_object(Bucket=bucket, Key="k", RestoreRequest={"Days": 1})
    assert (_status(exc), _code(exc)) == (403, "InvalidObjectState")


def test_presigned_post_by_hand_built_form_stores_the_file(s3: Any, bucket: str) -> None:
    """boto3's browser-form upload (PostObject), the form built by hand with a file part
    that has no filename (tests/integration/test_post_object.py has the rest)."""
    import urllib.request
    import uuid

    post = s3.generate_presigned_post(Bucket=bucket, Key="posted")
    boundary = uuid.uuid4().hex
    lines = []
    for name, value in {**post["fields"], "file": "hello"}.items():
        lines += [f"--{boundary}", f'Content-Disposition: form-data; name="{name}"', "", value]
    body = "\r\n".join([*lines, f"--{boundary}--", ""]).encode()
    req = urllib.request.Request(
        post["url"],
        data=body,
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    with urllib.request.urlopen(req, timeout=10) as response:
        assert response.status == 204
    assert s3.get_object(Bucket=bucket, Key="posted")["Body"].read() == b"hello"


def test_out_of_scope_configuration_writes_are_501(s3: Any, bucket: str) -> None:
    for call in (
        lambda: s3.put_bucket_policy(Bucket=bucket, Policy='{"Version":"2012-10-17"}'),
        lambda: s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        ),
        lambda: s3.put_object_lock_configuration(
            Bucket=bucket, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"}
        ),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert (_status(exc), _code(exc)) == (501, "NotImplemented")


def test_missing_bucket_beats_not_configured(s3: Any) -> None:
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_policy(Bucket="no-such-bucket-policy")
    assert _code(exc) == "NoSuchBucket"


# ---- AWS CLI ----------------------------------------------------------------------


def test_aws_cli_attributes_versioning_and_versions(aws: AwsCli, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="cli", Body=b"hello")
    out = aws.run(
        "s3api",
        "get-object-attributes",
        "--bucket",
        bucket,
        "--key",
        "cli",
        "--object-attributes",
        "ETag",
        "ObjectSize",
    )
    attrs = json.loads(out.stdout)
    assert attrs["ETag"] == hashlib.md5(b"hello").hexdigest()
    assert attrs["ObjectSize"] == 5
    out = aws.run("s3api", "get-bucket-versioning", "--bucket", bucket)
    assert "Status" not in (json.loads(out.stdout) if out.stdout.strip() else {})
    out = aws.run("s3api", "list-object-versions", "--bucket", bucket)
    versions = json.loads(out.stdout)["Versions"]
    assert [(v["Key"], v["VersionId"], v["IsLatest"]) for v in versions] == [("cli", "null", True)]


# ---- ACL grants, ownership, encryption and object-lock headers ------------------------

GRANT = 'uri="http://acs.amazonaws.com/groups/global/AllUsers"'


def test_object_writes_with_acl_grants_are_refused_as_on_an_acl_disabled_bucket(
    s3: Any, bucket: str
) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"x")
    for call in (
        lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"x", GrantRead=GRANT),
        lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"x", GrantFullControl='id="abc"'),
        lambda: s3.copy_object(Bucket=bucket, Key="k", CopySource=f"{bucket}/src", GrantRead=GRANT),
        lambda: s3.create_multipart_upload(Bucket=bucket, Key="k", GrantWriteACP=GRANT),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert (_status(exc), _code(exc)) == (400, "AccessControlListNotSupported")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["src"]
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)


@pytest.mark.parametrize(
    "extra",
    [
        {"SSEKMSKeyId": "alias/x"},
        {"BucketKeyEnabled": True},
        {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": "k" * 32},
        {"ObjectLockRetainUntilDate": "2030-01-01T00:00:00Z"},
        {"ObjectLockMode": "GOVERNANCE", "ObjectLockRetainUntilDate": "2030-01-01T00:00:00Z"},
    ],
)
def test_encryption_and_object_lock_headers_are_501_and_store_nothing(
    s3: Any, bucket: str, extra: dict[str, Any]
) -> None:
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", **extra)
    assert (_status(exc), _code(exc)) == (501, "NotImplemented")
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_create_bucket_refuses_what_its_buckets_cannot_be(s3: Any) -> None:
    name = f"own-{uuid.uuid4().hex[:12]}"
    for kwargs, expected in (
        ({"ObjectLockEnabledForBucket": True}, (501, "NotImplemented")),
        ({"ObjectOwnership": "ObjectWriter"}, (501, "NotImplemented")),
        ({"ObjectOwnership": "BucketOwnerPreferred"}, (501, "NotImplemented")),
        ({"GrantRead": GRANT}, (400, "InvalidBucketAclWithObjectOwnership")),
    ):
        with pytest.raises(ClientError) as exc:
            s3.create_bucket(Bucket=name, **kwargs)
        assert (_status(exc), _code(exc)) == expected, kwargs
        with pytest.raises(ClientError):
            s3.head_bucket(Bucket=name)  # nothing was created
    s3.create_bucket(Bucket=name, ObjectOwnership="BucketOwnerEnforced", ACL="private")
    try:
        controls = s3.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"]
        assert controls["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    finally:
        s3.delete_bucket(Bucket=name)


def test_ownership_controls_and_public_access_block_read_as_s3_answers(
    s3: Any, bucket: str
) -> None:
    controls = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]
    assert controls["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    with pytest.raises(ClientError) as exc:
        s3.get_public_access_block(Bucket=bucket)
    assert (_status(exc), _code(exc)) == (404, "NoSuchPublicAccessBlockConfiguration")
    for call in (s3.get_bucket_ownership_controls, s3.get_public_access_block):
        with pytest.raises(ClientError) as exc:
            call(Bucket=bucket + "-absent")
        assert (_status(exc), _code(exc)) == (404, "NoSuchBucket")
    for call in (
        lambda: s3.put_bucket_ownership_controls(
            Bucket=bucket,
            OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]},
        ),
        lambda: s3.put_public_access_block(
            Bucket=bucket,
            PublicAccessBlockConfiguration={"BlockPublicAcls": True},
        ),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert (_status(exc), _code(exc)) == (501, "NotImplemented")


SSE_C = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": "k" * 32}
COPY_SOURCE_SSE_C = {
    "CopySourceSSECustomerAlgorithm": "AES256",
    "CopySourceSSECustomerKey": "k" * 32,
}


def test_customer_keys_for_objects_stored_without_one_are_invalid_requests(
    s3: Any, bucket: str
) -> None:
    """No object is stored with an SSE-C key (the headers are 501 on writes), so
    every read or copy naming one gets S3's answer for an object without one."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    for call in (
        lambda: s3.get_object(Bucket=bucket, Key="k", **SSE_C),
        lambda: s3.copy_object(
            Bucket=bucket, Key="c", CopySource=f"{bucket}/k", **COPY_SOURCE_SSE_C
        ),
        lambda: s3.upload_part(
            Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"y", **SSE_C
        ),
        lambda: s3.upload_part_copy(
            Bucket=bucket,
            Key="mp",
            UploadId=upload,
            PartNumber=1,
            CopySource=f"{bucket}/k",
            **COPY_SOURCE_SSE_C,
        ),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert (_status(exc), _code(exc)) == (400, "InvalidRequest")
        assert "not applicable to this object" in exc.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="k", **SSE_C)
    assert _status(exc) == 400
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="absent", **SSE_C)
    assert (_status(exc), _code(exc)) == (404, "NoSuchKey")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["k"]
    assert s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload).get("Parts", []) == []
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"
