"""Bucket CORS with real clients: boto3 and the AWS CLI configure it, `requests`
plays the browser (preflights and actual requests with Origin), presigned URLs
carry the signature; rules survive a restart; the `--cors` server default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from botocore.exceptions import ClientError

from tests.integration.conftest import AwsCli, S3BoxProcess, make_client, start_s3box

ORIGIN = "http://localhost:5173"
RULES = {
    "CORSRules": [
        {
            "ID": "web",
            "AllowedOrigins": ["http://localhost:*"],
            "AllowedMethods": ["GET", "PUT", "HEAD"],
            "AllowedHeaders": ["content-type", "x-amz-*"],
            "ExposeHeaders": ["ETag", "x-amz-request-id"],
            "MaxAgeSeconds": 600,
        },
        {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]},
    ]
}


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_boto3_put_get_delete_bucket_cors(s3, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_cors(Bucket=bucket)
    assert _code(exc) == "NoSuchCORSConfiguration"
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)
    got = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert got == RULES["CORSRules"]
    assert s3.delete_bucket_cors(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_cors(Bucket=bucket)
    assert _code(exc) == "NoSuchCORSConfiguration"


@pytest.mark.parametrize(
    ("rule", "code", "message"),
    [
        (
            {"AllowedOrigins": ["*"], "AllowedMethods": ["GET", "MYMETHOD"]},
            "InvalidRequest",
            "Found unsupported HTTP method in CORS config. Unsupported method is MYMETHOD",
        ),
        (
            {"AllowedOrigins": ["*example*.com"], "AllowedMethods": ["GET"]},
            "InvalidRequest",
            'AllowedOrigin "*example*.com" can not have more than one wildcard.',
        ),
    ],
)
def test_boto3_invalid_rules_are_refused_as_s3_does(
    s3, bucket: str, rule: dict[str, list[str]], code: str, message: str
) -> None:
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [rule]})
    assert (_code(exc), exc.value.response["Error"]["Message"]) == (code, message)
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": []})
    assert _code(exc) == "MalformedXML"
    too_many = {"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}] * 101}
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=too_many)
    assert _code(exc) == "MalformedXML"
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_cors(Bucket=bucket)
    assert _code(exc) == "NoSuchCORSConfiguration"


def test_aws_cli_put_and_get_bucket_cors(aws: AwsCli, s3, bucket: str, tmp_path: Path) -> None:
    doc = tmp_path / "cors.json"
    doc.write_text(json.dumps(RULES))
    aws.run("s3api", "put-bucket-cors", "--bucket", bucket, "--cors-configuration", f"file://{doc}")
    out = json.loads(aws.run("s3api", "get-bucket-cors", "--bucket", bucket).stdout)
    assert out["CORSRules"] == RULES["CORSRules"]
    aws.run("s3api", "delete-bucket-cors", "--bucket", bucket)
    missing = aws.run("s3api", "get-bucket-cors", "--bucket", bucket, check=False)
    assert missing.returncode != 0 and "NoSuchCORSConfiguration" in missing.stderr


def _preflight(server: S3BoxProcess, path: str, **headers: str) -> requests.Response:
    names = {k.replace("_", "-"): v for k, v in headers.items()}
    return requests.options(f"{server.endpoint}{path}", headers=names, timeout=10)


def test_browser_flow_preflight_then_presigned_put_and_get(
    s3box_server: S3BoxProcess, s3, bucket: str
) -> None:
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)
    pre = _preflight(
        s3box_server,
        f"/{bucket}/upload.txt",
        Origin=ORIGIN,
        Access_Control_Request_Method="PUT",
        Access_Control_Request_Headers="content-type",
    )
    assert (pre.status_code, pre.content) == (200, b"")
    assert pre.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert pre.headers["Access-Control-Allow-Methods"] == "GET, PUT, HEAD"
    assert pre.headers["Access-Control-Allow-Headers"] == "content-type"
    assert pre.headers["Access-Control-Max-Age"] == "600"
    assert pre.headers["Access-Control-Allow-Credentials"] == "true"
    assert pre.headers["Vary"] == (
        "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
    )
    url = s3.generate_presigned_url(
        "put_object",
        Params={"Bucket": bucket, "Key": "upload.txt", "ContentType": "text/plain"},
        ExpiresIn=300,
    )
    put = requests.put(
        url, data=b"from the page", headers={"Origin": ORIGIN, "Content-Type": "text/plain"}
    )
    assert put.status_code == 200
    assert put.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert put.headers["Access-Control-Expose-Headers"] == "ETag, x-amz-request-id"
    get_url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "upload.txt"}, ExpiresIn=300
    )
    got = requests.get(get_url, headers={"Origin": "http://elsewhere.test"})
    assert got.content == b"from the page"
    # The second rule (any origin, GET) answers, with `*` and no credentials.
    assert got.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in got.headers
    missing = requests.get(
        s3.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": "nope"}, ExpiresIn=300
        ),
        headers={"Origin": ORIGIN},
    )
    assert missing.status_code == 404
    assert missing.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_refused_preflights(s3box_server: S3BoxProcess, s3, bucket: str) -> None:
    no_origin = _preflight(s3box_server, f"/{bucket}/k", Access_Control_Request_Method="GET")
    assert no_origin.status_code == 400 and b"<Code>BadRequest</Code>" in no_origin.content
    not_enabled = _preflight(
        s3box_server, f"/{bucket}/k", Origin=ORIGIN, Access_Control_Request_Method="PUT"
    )
    assert not_enabled.status_code == 403
    assert b"CORSResponse: CORS is not enabled for this bucket." in not_enabled.content
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)
    refused = _preflight(
        s3box_server, f"/{bucket}/k", Origin="http://evil.test", Access_Control_Request_Method="PUT"
    )
    assert refused.status_code == 403
    assert b"<Code>AccessForbidden</Code>" in refused.content
    assert b"<Method>PUT</Method><ResourceType>OBJECT</ResourceType>" in refused.content
    assert "Access-Control-Allow-Origin" not in refused.headers
    # Not allowed: a header outside AllowedHeader.
    refused = _preflight(
        s3box_server,
        f"/{bucket}/k",
        Origin=ORIGIN,
        Access_Control_Request_Method="PUT",
        Access_Control_Request_Headers="x-custom",
    )
    assert refused.status_code == 403
    gone = _preflight(
        s3box_server, f"/{bucket}-absent/k", Origin=ORIGIN, Access_Control_Request_Method="PUT"
    )
    assert gone.status_code == 403 and b"CORSResponse: Bucket not found" in gone.content


def test_rules_survive_a_restart(tmp_path: Path) -> None:
    server = start_s3box(tmp_path)
    s3 = make_client(server.endpoint)
    s3.create_bucket(Bucket="web")
    s3.put_bucket_cors(Bucket="web", CORSConfiguration=RULES)
    server.stop()
    server = start_s3box(tmp_path)
    s3 = make_client(server.endpoint)
    assert s3.get_bucket_cors(Bucket="web")["CORSRules"] == RULES["CORSRules"]
    pre = _preflight(server, "/web/k", Origin=ORIGIN, Access_Control_Request_Method="GET")
    assert pre.status_code == 200 and pre.headers["Access-Control-Allow-Origin"] == ORIGIN
    server.stop()


def test_the_cors_flag_is_a_default_for_buckets_without_rules(tmp_path: Path) -> None:
    server = start_s3box(tmp_path, args=["--cors", ORIGIN])
    s3 = make_client(server.endpoint)
    s3.create_bucket(Bucket="plain")
    pre = _preflight(
        server,
        "/plain/k",
        Origin=ORIGIN,
        Access_Control_Request_Method="PUT",
        Access_Control_Request_Headers="content-type,x-amz-checksum-crc32",
    )
    assert pre.status_code == 200
    assert pre.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert pre.headers["Access-Control-Allow-Methods"] == "GET, PUT, POST, DELETE, HEAD"
    assert "ETag" in pre.headers["Access-Control-Expose-Headers"]
    other = _preflight(
        server, "/plain/k", Origin="http://evil.test", Access_Control_Request_Method="PUT"
    )
    assert other.status_code == 403
    put = requests.put(f"{server.endpoint}/plain/k", data=b"x", headers={"Origin": ORIGIN})
    assert put.status_code == 200 and put.headers["Access-Control-Allow-Origin"] == ORIGIN
    with pytest.raises(ClientError):
        s3.get_bucket_cors(Bucket="plain")
    server.stop()
