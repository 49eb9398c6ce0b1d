"""A SigV4 credential scope for another region than the server's, against a real server:
the error S3 gives for it, and what boto3 and the AWS CLI then do.

botocore's S3 region redirector (S3RegionRedirectorv2) takes the region from the <Region>
of an AuthorizationHeaderMalformed error, or from the x-amz-bucket-region header of a
HeadBucket answer (HEAD answers have no body), re-signs for it and retries once, then
remembers it per bucket. So a client configured for the wrong region works for requests
that name a bucket, at the cost of one refused request per bucket; ListBuckets names none
and gets the error, and nobody retries a presigned URL.
"""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlsplit

import boto3
import botocore.session
import pytest
from botocore.auth import HmacV1Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config as BotoConfig
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.integration.conftest import (
    ACCESS_KEY,
    REGION,
    SECRET_KEY,
    AwsCli,
    S3BoxProcess,
    start_s3box,
)
from tests.integration.test_auth import (
    assert_not_stored,
    error_of,
    fetch,
    put_expecting_continue,
    send,
    send_signed,
    sign_headers,
)
from tests.integration.test_auth_streaming import (
    SIGNED,
    SIGNED_TRAILER,
    UNSIGNED_TRAILER,
    chunks_of,
    crc32_b64,
    put_streaming,
)

AUTH = pytest.mark.parametrize("s3box_server", ["auth"], indirect=True)

WRONG_REGION = "eu-west-1"
HEADER_MESSAGE = (
    f"The authorization header is malformed; the region '{WRONG_REGION}' is wrong; "
    f"expecting '{REGION}'"
)
QUERY_MESSAGE = (
    f"Error parsing the X-Amz-Credential parameter; the region '{WRONG_REGION}' is wrong; "
    f"expecting '{REGION}'"
)


def assert_wrong_region_error(status: int, body: bytes, code: str, message: str) -> None:
    assert status == 400, body
    error = error_of(body)
    assert (error["Code"], error["Message"], error["Region"]) == (code, message, REGION)


def default_client(endpoint: str, region: str) -> Any:
    """boto3 as users get it: default settings, no ~/.aws/config, only a region."""
    botocore_session = botocore.session.Session()
    botocore_session.set_config_variable("config_file", os.devnull)
    return boto3.session.Session(botocore_session=botocore_session).client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=region,
    )


class Answer(NamedTuple):
    """One HTTP answer botocore received, as its retry handlers (the redirector) see it."""

    operation: str
    status: int
    error: dict[str, str]
    bucket_region: str | None


def record_answers(client: Any) -> list[Answer]:
    """Every answer `client` receives from now on, retried ones included, in order."""
    answers: list[Answer] = []

    def on_needs_retry(response: Any, operation: Any, **_: Any) -> None:
        if response is None:
            return
        http, parsed = response
        answers.append(
            Answer(
                operation.name,
                http.status_code,
                dict(parsed.get("Error", {})),
                http.headers.get("x-amz-bucket-region"),
            )
        )

    client.meta.events.register("needs-retry.s3", on_needs_retry)
    return answers


# --- what the server answers ----------------------------------------------------------------


@AUTH
@pytest.mark.parametrize(
    ("path", "bucket_region_header"),
    [("/{bucket}?list-type=2", True), ("/{bucket}/k", False), ("/{bucket}?location", False)],
    ids=["ListObjectsV2", "GetObject", "GetBucketLocation"],
)
def test_header_signed_for_another_region_is_authorization_header_malformed(
    s3box_server: S3BoxProcess, s3: Any, bucket: str, path: str, bucket_region_header: bool
) -> None:
    content = b"object-content-" + os.urandom(8).hex().encode()
    s3.put_object(Bucket=bucket, Key="k", Body=content)
    status, headers, body = send_signed(
        s3box_server, "GET", path.format(bucket=bucket), region=WRONG_REGION
    )
    assert_wrong_region_error(status, body, "AuthorizationHeaderMalformed", HEADER_MESSAGE)
    # As S3: the header on requests to a bucket itself (not GetBucketLocation), never the
    # object's content.
    assert headers.get("x-amz-bucket-region") == (REGION if bucket_region_header else None)
    # (A distinctive body: the random RequestId / HostId may hold any short string.)
    assert b"<Key>" not in body and content not in body


@AUTH
def test_head_requests_signed_for_another_region_answer_400_and_head_bucket_names_the_region(
    s3box_server: S3BoxProcess, s3: Any, bucket: str
) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    status, headers, body = send_signed(s3box_server, "HEAD", f"/{bucket}", region=WRONG_REGION)
    assert (status, body, headers.get("x-amz-bucket-region")) == (400, b"", REGION)
    status, headers, body = send_signed(s3box_server, "HEAD", f"/{bucket}/k", region=WRONG_REGION)
    assert (status, body, headers.get("x-amz-bucket-region")) == (400, b"", None)


@AUTH
def test_put_signed_for_another_region_stores_nothing(
    s3box_server: S3BoxProcess, s3: Any, bucket: str
) -> None:
    data = os.urandom(64 << 10)  # small: sent whole before the early answer closes
    status, _, body = send_signed(s3box_server, "PUT", f"/{bucket}/k", data, region=WRONG_REGION)
    assert_wrong_region_error(status, body, "AuthorizationHeaderMalformed", HEADER_MESSAGE)
    assert_not_stored(s3box_server, s3, bucket, "k")
    # Refused before the body: a client waiting on 100-continue gets the error instead.
    headers = sign_headers(
        "PUT",
        f"{s3box_server.endpoint}/{bucket}/expect",
        payload_hash="UNSIGNED-PAYLOAD",
        headers={"Content-Length": "1048576"},
        region=WRONG_REGION,
    )
    answer = put_expecting_continue(s3box_server, f"/{bucket}/expect", headers)
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n"), answer[:200]
    assert b"100 Continue" not in answer
    assert_not_stored(s3box_server, s3, bucket, "expect")


@AUTH
@pytest.mark.parametrize("mode", [SIGNED, SIGNED_TRAILER, UNSIGNED_TRAILER])
def test_streaming_put_signed_for_another_region_stores_nothing(
    s3box_server: S3BoxProcess, s3: Any, bucket: str, mode: str
) -> None:
    # The chunk and trailer signatures share the header's scope: it is refused first.
    data = os.urandom(96 << 10)  # small: sent whole before the early answer closes
    trailers = None if mode == SIGNED else {"x-amz-checksum-crc32": crc32_b64(data)}
    status, _, body = put_streaming(
        s3box_server,
        f"/{bucket}/streamed",
        mode,
        chunks_of(data, 32 << 10),
        trailers,
        region=WRONG_REGION,
    )
    assert_wrong_region_error(status, body, "AuthorizationHeaderMalformed", HEADER_MESSAGE)
    assert_not_stored(s3box_server, s3, bucket, "streamed")
    status, _, body = put_streaming(
        s3box_server, f"/{bucket}/streamed", mode, chunks_of(data, 32 << 10), trailers
    )
    assert status == 200, body


@AUTH
def test_unknown_access_key_in_another_region_is_invalid_access_key_id(
    s3box_server: S3BoxProcess, bucket: str
) -> None:
    # No source shows which of the two S3 reports first; s3box keeps the access key first.
    status, _, body = send_signed(
        s3box_server, "GET", f"/{bucket}", access_key="AKIDUNKNOWN", region=WRONG_REGION
    )
    assert (status, error_of(body)["Code"]) == (403, "InvalidAccessKeyId")


@AUTH
def test_sigv2_is_accepted_whatever_the_server_region(
    s3box_server: S3BoxProcess, s3: Any, bucket: str
) -> None:
    # SigV2 signs no region: nothing to compare.
    s3.put_object(Bucket=bucket, Key="k", Body=b"v2")
    request = AWSRequest(method="GET", url=f"{s3box_server.endpoint}/{bucket}/k")
    HmacV1Auth(Credentials(ACCESS_KEY, SECRET_KEY)).add_auth(request)
    headers = dict(request.headers.items())
    status, _, body = send(s3box_server, "GET", f"/{bucket}/k", None, headers)
    assert (status, body) == (200, b"v2")


def test_open_server_checks_no_region(open_server: S3BoxProcess) -> None:
    # auth.enabled false: signatures are not verified, so neither is their region.
    bucket = f"open-region-{uuid.uuid4().hex[:8]}"
    for method, path, data in [("PUT", f"/{bucket}", b""), ("PUT", f"/{bucket}/k", b"open")]:
        assert send_signed(open_server, method, path, data, region=WRONG_REGION)[0] == 200
    status, _, body = send_signed(open_server, "GET", f"/{bucket}/k", region=WRONG_REGION)
    assert (status, body) == (200, b"open")


# --- boto3 configured for another region -------------------------------------------------


@AUTH
def test_boto3_in_another_region_is_redirected_once_per_bucket(
    s3box_server: S3BoxProcess, s3: Any, bucket: str
) -> None:
    client = default_client(s3box_server.endpoint, WRONG_REGION)
    answers = record_answers(client)
    client.put_object(Bucket=bucket, Key="small", Body=b"hello")
    # The first request was refused as S3 refuses it, and botocore retried for REGION.
    first, second = answers[:2]
    assert first == Answer(
        "PutObject",
        400,
        {
            "Code": "AuthorizationHeaderMalformed",
            "Message": HEADER_MESSAGE,
            "Region": REGION,
            "Resource": f"/{bucket}/small",
        },
        None,
    )
    assert (second.operation, second.status) == ("PutObject", 200)

    big = os.urandom(9 << 20)  # over boto3's 8 MiB multipart threshold
    client.upload_fileobj(io.BytesIO(big), bucket, "big")
    assert [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]] == [
        "big",
        "small",
    ]
    assert client.get_object(Bucket=bucket, Key="small")["Body"].read() == b"hello"
    client.delete_object(Bucket=bucket, Key="small")
    # The bucket's region is remembered: nothing after the first request was refused.
    assert [a.status for a in answers].count(400) == 1
    assert s3.get_object(Bucket=bucket, Key="big")["Body"].read() == big


@AUTH
def test_boto3_head_object_in_another_region_learns_the_region_from_head_bucket(
    s3box_server: S3BoxProcess, s3: Any, bucket: str
) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"12345")
    client = default_client(s3box_server.endpoint, WRONG_REGION)
    answers = record_answers(client)
    assert client.head_object(Bucket=bucket, Key="k")["ContentLength"] == 5
    # HeadObject's 400 has no body: botocore asks HeadBucket, whose 400 carries the
    # region in x-amz-bucket-region; both are then retried for REGION.
    assert [(a.operation, a.status, a.bucket_region) for a in answers] == [
        ("HeadBucket", 400, REGION),
        ("HeadBucket", 200, REGION),
        ("HeadObject", 400, None),
        ("HeadObject", 200, None),
    ]
    target = io.BytesIO()
    default_client(s3box_server.endpoint, WRONG_REGION).download_fileobj(bucket, "k", target)
    assert target.getvalue() == b"12345"


@AUTH
def test_boto3_list_buckets_in_another_region_gets_the_error(s3box_server: S3BoxProcess) -> None:
    client = default_client(s3box_server.endpoint, WRONG_REGION)
    answers = record_answers(client)
    with pytest.raises(ClientError) as info:
        client.list_buckets()
    error = info.value.response["Error"]
    assert (error["Code"], error["Message"], error["Region"]) == (
        "AuthorizationHeaderMalformed",
        HEADER_MESSAGE,
        REGION,
    )
    # No bucket to remember a region for: the redirector's one retry is signed the same way.
    assert [(a.operation, a.status) for a in answers] == [("ListBuckets", 400)] * 2


@AUTH
def test_presigned_url_for_another_region(s3box_server: S3BoxProcess, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"shared")
    params = {"Bucket": bucket, "Key": "k"}
    v4 = boto3.client(
        "s3",
        endpoint_url=s3box_server.endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=WRONG_REGION,
        config=BotoConfig(signature_version="s3v4"),
    )
    url = v4.generate_presigned_url("get_object", Params=params, ExpiresIn=300)
    assert f"%2F{WRONG_REGION}%2Fs3%2F" in url
    status, _, body = fetch(url)
    assert_wrong_region_error(status, body, "AuthorizationQueryParametersError", QUERY_MESSAGE)
    assert b"shared" not in body
    # By default botocore presigns SigV2 for a region that still takes it (eu-west-1 does):
    # no region in the URL, nothing to refuse.
    default = default_client(s3box_server.endpoint, WRONG_REGION)
    url = default.generate_presigned_url("get_object", Params=params, ExpiresIn=300)
    assert {"AWSAccessKeyId", "Signature", "Expires"} <= set(dict(parse_qsl(urlsplit(url).query)))
    status, _, body = fetch(url)
    assert (status, body) == (200, b"shared")


# --- the AWS CLI with --region set to another one -------------------------------------------


@AUTH
def test_aws_cli_in_another_region(aws: AwsCli, s3: Any, bucket: str, tmp_path: Path) -> None:
    s3.put_object(Bucket=bucket, Key="there.txt", Body=b"from s3box")
    wrong = ("--region", WRONG_REGION)
    listing = aws.run(*wrong, "s3", "ls", check=False)
    assert listing.returncode != 0
    assert "(AuthorizationHeaderMalformed) when calling the ListBuckets operation" in (
        listing.stderr
    )
    assert HEADER_MESSAGE in listing.stderr

    assert "there.txt" in aws.run(*wrong, "s3", "ls", f"s3://{bucket}").stdout
    src = tmp_path / "up.txt"
    src.write_bytes(b"uploaded")
    aws.run(*wrong, "s3", "cp", str(src), f"s3://{bucket}/up.txt")
    assert s3.get_object(Bucket=bucket, Key="up.txt")["Body"].read() == b"uploaded"
    aws.run(*wrong, "s3", "cp", f"s3://{bucket}/there.txt", str(tmp_path / "down.txt"))
    assert (tmp_path / "down.txt").read_bytes() == b"from s3box"
    url = aws.run(*wrong, "s3", "presign", f"s3://{bucket}/there.txt").stdout.strip()
    assert "X-Amz-Credential" not in url  # SigV2, as boto3's default presigning
    status, _, body = fetch(url)
    assert (status, body) == (200, b"from s3box")


# --- a server configured for another region ------------------------------------------------

SERVER_REGION = "eu-central-1"


@pytest.fixture(scope="module")
def central_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3BoxProcess]:
    server = start_s3box(
        tmp_path_factory.mktemp("s3box-central"),
        auth=True,
        env={"S3BOX_REGION": SERVER_REGION},
    )
    yield server
    server.stop()


def test_the_configured_region_is_the_one_expected(central_server: S3BoxProcess) -> None:
    bucket = "central"
    # A regional endpoint wants its own region named; no constraint is us-east-1's form.
    status, _, body = send_signed(central_server, "PUT", f"/{bucket}", region=SERVER_REGION)
    assert (status, error_of(body)["Code"]) == (400, "IllegalLocationConstraintException")
    assert error_of(body)["Message"] == (
        "The unspecified location constraint is incompatible for the region specific "
        "endpoint this request was sent to."
    )
    constraint = (
        "<CreateBucketConfiguration><LocationConstraint>"
        f"{SERVER_REGION}</LocationConstraint></CreateBucketConfiguration>"
    ).encode()
    assert (
        send_signed(central_server, "PUT", f"/{bucket}", constraint, region=SERVER_REGION)[0] == 200
    )
    status, _, body = send_signed(central_server, "GET", f"/{bucket}", region=REGION)
    assert status == 400, body
    error = error_of(body)
    assert error["Message"] == (
        f"The authorization header is malformed; the region '{REGION}' is wrong; "
        f"expecting '{SERVER_REGION}'"
    )
    assert error["Region"] == SERVER_REGION
    client = default_client(central_server.endpoint, SERVER_REGION)
    assert client.get_bucket_location(Bucket=bucket)["LocationConstraint"] == SERVER_REGION
    # A client left at us-east-1 is redirected like any other.
    elsewhere = default_client(central_server.endpoint, REGION)
    elsewhere.put_object(Bucket=bucket, Key="k", Body=b"c")
    digest = hashlib.md5(b"c").hexdigest()
    assert client.head_object(Bucket=bucket, Key="k")["ETag"] == f'"{digest}"'
