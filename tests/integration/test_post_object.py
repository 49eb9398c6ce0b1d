"""PostObject (browser-form uploads) with boto3's generate_presigned_post, uploaded by
requests, in both auth modes; and the bad-input bar: each refusal gets S3's error,
stores nothing, leaves no staging, and the server keeps answering."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import requests

from tests.integration.conftest import S3BoxProcess, make_client
from tests.integration.test_raw_http import _staging_entries


def v4(s3: Any) -> Any:
    """A client that signs presigned POSTs with SigV4 (botocore's default for a custom
    endpoint in us-east-1 is SigV2 there)."""
    return make_client(s3.meta.endpoint_url, signature_version="s3v4")


def _post(url: str, fields: dict[str, Any], data: bytes, filename: str = "a.txt") -> Any:
    return requests.post(url, data=fields, files={"file": (filename, data)}, timeout=30)


def _code(response: Any) -> str:
    return ET.fromstring(response.content).findtext("Code") or ""


def _nothing_stored(s3: Any, server: S3BoxProcess, bucket: str) -> None:
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    assert _staging_entries(server, bucket) == []
    s3.head_bucket(Bucket=bucket)  # the server keeps answering


def test_presigned_post_sigv4_stores_the_file(s3: Any, bucket: str) -> None:
    post = v4(s3).generate_presigned_post(bucket, "up/${filename}")
    assert post["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    response = _post(post["url"], post["fields"], b"hello form", filename="f.txt")
    assert response.status_code == 204, response.text
    assert s3.get_object(Bucket=bucket, Key="up/f.txt")["Body"].read() == b"hello form"
    assert response.headers["ETag"] == s3.head_object(Bucket=bucket, Key="up/f.txt")["ETag"]
    assert response.headers["Location"].endswith(f"/{bucket}/up%2Ff.txt")


def test_presigned_post_sigv2(s3box_server: S3BoxProcess, s3: Any, bucket: str) -> None:
    v2 = make_client(s3box_server.endpoint, signature_version="s3")
    post = v2.generate_presigned_post(bucket, "v2.bin")
    assert "signature" in post["fields"]
    response = _post(post["url"], post["fields"], b"\x00\x01two")
    assert response.status_code == 204, response.text
    assert s3.get_object(Bucket=bucket, Key="v2.bin")["Body"].read() == b"\x00\x01two"


def test_201_answers_a_post_response(s3: Any, bucket: str) -> None:
    post = v4(s3).generate_presigned_post(
        bucket,
        "k.txt",
        Fields={"success_action_status": "201", "Content-Type": "text/plain"},
        Conditions=[{"success_action_status": "201"}, ["starts-with", "$Content-Type", "text/"]],
    )
    response = _post(post["url"], post["fields"], b"abc")
    assert response.status_code == 201, response.text
    root = ET.fromstring(response.content)
    assert root.tag == "PostResponse"
    assert root.findtext("Key") == "k.txt" and root.findtext("Bucket") == bucket
    assert root.findtext("ETag") == response.headers["ETag"]
    assert s3.head_object(Bucket=bucket, Key="k.txt")["ContentType"] == "text/plain"


def test_redirect_answers_303_with_bucket_key_and_etag(s3: Any, bucket: str) -> None:
    target = "http://example.test/done?x=1"
    post = v4(s3).generate_presigned_post(
        bucket,
        "r.txt",
        Fields={"success_action_redirect": target},
        Conditions=[{"success_action_redirect": target}],
    )
    response = requests.post(
        post["url"], data=post["fields"], files={"file": ("r", b"r")}, allow_redirects=False
    )
    assert response.status_code == 303, response.text
    location = response.headers["Location"]
    assert location.startswith(target + "&bucket=" + bucket + "&key=r.txt&etag=%22")


def test_metadata_and_tagging_are_stored(s3: Any, bucket: str) -> None:
    tagging = "<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>"
    post = v4(s3).generate_presigned_post(
        bucket,
        "m.txt",
        Fields={"x-amz-meta-color": "blue", "tagging": tagging},
        Conditions=[{"x-amz-meta-color": "blue"}, {"tagging": tagging}],
    )
    assert _post(post["url"], post["fields"], b"m").status_code == 204
    assert s3.head_object(Bucket=bucket, Key="m.txt")["Metadata"] == {"color": "blue"}
    tags = s3.get_object_tagging(Bucket=bucket, Key="m.txt")["TagSet"]
    assert tags == [{"Key": "k", "Value": "v"}]


def test_content_md5_of_the_file_is_verified(
    s3box_server: S3BoxProcess, s3: Any, bucket: str
) -> None:
    wrong = base64.b64encode(b"0" * 16).decode()
    post = v4(s3).generate_presigned_post(
        bucket, "md5", Fields={"Content-MD5": wrong}, Conditions=[{"Content-MD5": wrong}]
    )
    response = _post(post["url"], post["fields"], b"data")
    assert response.status_code == 400 and _code(response) == "BadDigest"
    _nothing_stored(s3, s3box_server, bucket)


# ---- the bad-input bar ----


def test_content_length_range_exceeded_by_one_byte(
    s3box_server: S3BoxProcess, s3: Any, bucket: str
) -> None:
    post = v4(s3).generate_presigned_post(
        bucket, "big", Conditions=[["content-length-range", 1, 1024]]
    )
    assert _post(post["url"], post["fields"], b"x" * 1024).status_code == 204
    s3.delete_object(Bucket=bucket, Key="big")
    response = _post(post["url"], post["fields"], b"x" * 1025)
    assert response.status_code == 400 and _code(response) == "EntityTooLarge"
    _nothing_stored(s3, s3box_server, bucket)


def test_unknown_field_is_refused(s3box_server: S3BoxProcess, s3: Any, bucket: str) -> None:
    post = v4(s3).generate_presigned_post(bucket, "u")
    response = _post(post["url"], {**post["fields"], "Surprise": "1"}, b"u")
    assert response.status_code == 403 and _code(response) == "AccessDenied"
    message = ET.fromstring(response.content).findtext("Message")
    assert message == "Invalid according to Policy: Extra input fields: Surprise"
    _nothing_stored(s3, s3box_server, bucket)


@pytest.mark.parametrize("policy", ["not base64!!", base64.b64encode(b"{not json").decode()])
def test_policy_not_base64_or_not_json(
    s3box_server: S3BoxProcess, s3: Any, bucket: str, policy: str
) -> None:
    post = v4(s3).generate_presigned_post(bucket, "p")
    fields = {**post["fields"], "policy": policy}
    assert "policy" in post["fields"]
    response = _post(post["url"], fields, b"p")
    if s3box_server.auth:  # the signature covers the policy as sent: checked first
        assert response.status_code == 403 and _code(response) == "SignatureDoesNotMatch"
    else:
        assert response.status_code == 400 and _code(response) == "InvalidPolicyDocument"
    _nothing_stored(s3, s3box_server, bucket)


def _raw(server: S3BoxProcess, bucket: str, body: bytes, boundary: str = "XyZ") -> Any:
    return requests.post(
        f"{server.endpoint}/{bucket}",
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        timeout=30,
    )


def _part(name: str, value: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    return f"--XyZ\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + value + b"\r\n"


def _signed_parts(s3: Any, bucket: str, key: str) -> list[bytes]:
    post = v4(s3).generate_presigned_post(bucket, key)
    return [_part(n, v.encode()) for n, v in post["fields"].items()]


def test_file_part_before_the_policy(s3box_server: S3BoxProcess, s3: Any, bucket: str) -> None:
    parts = _signed_parts(s3, bucket, "early")
    body = _part("file", b"data", "f") + b"".join(parts) + b"--XyZ--\r\n"
    response = _raw(s3box_server, bucket, body)
    assert response.status_code == 400 and _code(response) == "InvalidArgument"
    _nothing_stored(s3, s3box_server, bucket)


def test_truncated_multipart_body(s3box_server: S3BoxProcess, s3: Any, bucket: str) -> None:
    parts = _signed_parts(s3, bucket, "cut")
    body = b"".join(parts) + _part("file", b"x" * 100_000, "f")  # no closing boundary
    response = _raw(s3box_server, bucket, body)
    assert response.status_code == 400 and _code(response) == "MalformedPOSTRequest"
    _nothing_stored(s3, s3box_server, bucket)


def test_ten_mib_field(s3box_server: S3BoxProcess, s3: Any, bucket: str) -> None:
    parts = _signed_parts(s3, bucket, "huge")
    body = _part("x-ignore-big", b"a" * (10 * 1024 * 1024)) + b"".join(parts)
    body += _part("file", b"f", "f") + b"--XyZ--\r\n"
    response = _raw(s3box_server, bucket, body)
    assert response.status_code == 400 and _code(response) == "MaxPostPreDataLengthExceeded"
    _nothing_stored(s3, s3box_server, bucket)


def test_not_multipart_is_a_failed_precondition(
    s3box_server: S3BoxProcess, s3: Any, bucket: str
) -> None:
    response = requests.post(f"{s3box_server.endpoint}/{bucket}", data={"key": "k"}, timeout=30)
    assert response.status_code == 412 and _code(response) == "PreconditionFailed"
    _nothing_stored(s3, s3box_server, bucket)


def test_expired_policy(s3box_server: S3BoxProcess, s3: Any, bucket: str) -> None:
    post = v4(s3).generate_presigned_post(bucket, "late", ExpiresIn=-10)
    response = _post(post["url"], post["fields"], b"late")
    assert response.status_code == 403 and _code(response) == "AccessDenied"
    assert "Policy expired." in response.text
    _nothing_stored(s3, s3box_server, bucket)


def test_wrong_signature_is_refused_with_auth(
    s3box_server: S3BoxProcess, s3: Any, bucket: str
) -> None:
    post = v4(s3).generate_presigned_post(bucket, "sig")
    name = next(n for n in post["fields"] if n.lower() == "x-amz-signature")
    fields = {**post["fields"], name: "0" * 64}
    response = _post(post["url"], fields, b"s")
    if s3box_server.auth:
        assert response.status_code == 403 and _code(response) == "SignatureDoesNotMatch"
        _nothing_stored(s3, s3box_server, bucket)
    else:  # open mode checks no signature, but the policy still holds
        assert response.status_code == 204


def test_policy_condition_enforced_without_auth(s3: Any, bucket: str) -> None:
    post = v4(s3).generate_presigned_post(bucket, "exact")
    fields = {**post["fields"], "key": "other"}
    response = _post(post["url"], fields, b"k")
    assert response.status_code == 403 and _code(response) == "AccessDenied"
    assert json.dumps(["eq", "$key", "exact"]) in response.text


def test_unsigned_form_and_unknown_key(s3box_server: S3BoxProcess, s3: Any, bucket: str) -> None:
    post = v4(s3).generate_presigned_post(bucket, "anon")
    unsigned = {"key": "anon", "policy": post["fields"]["policy"]}
    response = _post(post["url"], unsigned, b"a")
    stranger = {
        **post["fields"],
        "x-amz-credential": "nobody/" + post["fields"]["x-amz-credential"].split("/", 1)[1],
    }
    response_unknown = _post(post["url"], stranger, b"a")
    if s3box_server.auth:
        assert response.status_code == 403 and _code(response) == "AccessDenied"
        assert response_unknown.status_code == 403
        assert _code(response_unknown) == "InvalidAccessKeyId"
        _nothing_stored(s3, s3box_server, bucket)
    else:  # no signature needed, but the policy's conditions on the SigV4 fields still hold
        assert response.status_code == 403
        assert "Policy Condition failed" in response.text
        assert response_unknown.status_code == 403  # the credential is under an eq condition
        assert "Policy Condition failed" in response_unknown.text
