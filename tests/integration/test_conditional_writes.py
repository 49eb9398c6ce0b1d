"""Conditional writes (SPEC §5): PutObject and CompleteMultipartUpload with
If-None-Match: * and If-Match, DeleteObject with If-Match, evaluated under the
key's lock, so of racing conditional creates exactly one wins."""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import S3BoxProcess, make_client

RACERS = 20


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def _status(exc: pytest.ExceptionInfo[ClientError]) -> int:
    return int(exc.value.response["ResponseMetadata"]["HTTPStatusCode"])


def _race(calls: list[Any]) -> list[tuple[int, Any]]:
    """Run the calls at once (released together by a barrier); returns
    (HTTP status, response or error) per call, in call order."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[int, Any]] = [(0, None)] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            r = calls[i]()
            results[i] = (int(r["ResponseMetadata"]["HTTPStatusCode"]), r)
        except ClientError as err:
            results[i] = (int(err.response["ResponseMetadata"]["HTTPStatusCode"]), err)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.parametrize("size", [1000, 700_000], ids=["small-body", "streamed-body"])
def test_racing_if_none_match_creates_have_exactly_one_winner(
    s3box_server: S3BoxProcess, bucket: str, size: int
) -> None:
    bodies = [os.urandom(size) for _ in range(RACERS)]
    clients = [make_client(s3box_server.endpoint) for _ in range(RACERS)]
    results = _race(
        [
            lambda c=c, b=b: c.put_object(Bucket=bucket, Key="once", Body=b, IfNoneMatch="*")
            for c, b in zip(clients, bodies, strict=True)
        ]
    )
    statuses = [status for status, _ in results]
    assert statuses.count(200) == 1, statuses
    assert statuses.count(412) == RACERS - 1, statuses
    for status, err in results:
        if status == 412:
            assert err.response["Error"]["Code"] == "PreconditionFailed"
    winner = statuses.index(200)
    got = clients[0].get_object(Bucket=bucket, Key="once")
    assert got["ETag"] == results[winner][1]["ETag"]
    assert got["Body"].read() == bodies[winner]


def test_if_none_match_on_existing_key_is_412(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"first")
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="k", Body=b"second", IfNoneMatch="*")
    assert (_status(exc), _code(exc)) == (412, "PreconditionFailed")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"first"


def test_put_if_match(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", IfMatch='"0123"')
    assert (_status(exc), _code(exc)) == (404, "NoSuchKey")
    first = s3.put_object(Bucket=bucket, Key="k", Body=b"one")
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="k", Body=b"two", IfMatch='"0123"')
    assert (_status(exc), _code(exc)) == (412, "PreconditionFailed")
    second = s3.put_object(Bucket=bucket, Key="k", Body=b"two", IfMatch=first["ETag"])
    assert s3.get_object(Bucket=bucket, Key="k")["ETag"] == second["ETag"]
    # The old ETag no longer matches: exactly one of two writers that read
    # the same version can replace it.
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="k", Body=b"three", IfMatch=first["ETag"])
    assert _code(exc) == "PreconditionFailed"
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"two"


def test_other_if_none_match_values_are_not_implemented(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="k", Body=b"y", IfNoneMatch='"abc"')
    assert (_status(exc), _code(exc)) == (501, "NotImplemented")


def _upload(s3: Any, bucket: str, key: str, body: bytes) -> tuple[str, list[dict[str, Any]]]:
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1, Body=body)[
        "ETag"
    ]
    return upload_id, [{"PartNumber": 1, "ETag": etag}]


def test_complete_multipart_with_if_none_match(s3: Any, bucket: str) -> None:
    upload_id, parts = _upload(s3, bucket, "mp", b"multipart body")
    s3.put_object(Bucket=bucket, Key="mp", Body=b"already here")
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="mp",
            UploadId=upload_id,
            MultipartUpload={"Parts": parts},
            IfNoneMatch="*",
        )
    assert (_status(exc), _code(exc)) == (412, "PreconditionFailed")
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"already here"
    # The upload survives a failed condition and completes once the key is free.
    s3.delete_object(Bucket=bucket, Key="mp")
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=upload_id,
        MultipartUpload={"Parts": parts},
        IfNoneMatch="*",
    )
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"multipart body"


def test_complete_multipart_with_if_match(s3: Any, bucket: str) -> None:
    upload_id, parts = _upload(s3, bucket, "mp", b"new")
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="mp",
            UploadId=upload_id,
            MultipartUpload={"Parts": parts},
            IfMatch='"abc"',
        )
    assert (_status(exc), _code(exc)) == (404, "NoSuchKey")
    old = s3.put_object(Bucket=bucket, Key="mp", Body=b"old")
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="mp",
            UploadId=upload_id,
            MultipartUpload={"Parts": parts},
            IfMatch='"abc"',
        )
    assert _code(exc) == "PreconditionFailed"
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=upload_id,
        MultipartUpload={"Parts": parts},
        IfMatch=old["ETag"],
    )
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"new"


def test_racing_conditional_completes_have_exactly_one_winner(
    s3box_server: S3BoxProcess, bucket: str
) -> None:
    s3 = make_client(s3box_server.endpoint)
    uploads = [_upload(s3, bucket, "mp", f"body {i}".encode()) for i in range(8)]
    clients = [make_client(s3box_server.endpoint) for _ in uploads]
    results = _race(
        [
            lambda c=c, u=u: c.complete_multipart_upload(
                Bucket=bucket,
                Key="mp",
                UploadId=u[0],
                MultipartUpload={"Parts": u[1]},
                IfNoneMatch="*",
            )
            for c, u in zip(clients, uploads, strict=True)
        ]
    )
    statuses = [status for status, _ in results]
    assert statuses.count(200) == 1, statuses
    assert statuses.count(412) == len(uploads) - 1, statuses
    winner = statuses.index(200)
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == f"body {winner}".encode()


def test_delete_if_match(s3: Any, bucket: str) -> None:
    put = s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as exc:
        s3.delete_object(Bucket=bucket, Key="k", IfMatch='"0123"')
    assert (_status(exc), _code(exc)) == (412, "PreconditionFailed")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"
    s3.delete_object(Bucket=bucket, Key="k", IfMatch=put["ETag"])
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="k")
    assert _status(exc) == 404
    with pytest.raises(ClientError) as exc:
        s3.delete_object(Bucket=bucket, Key="k", IfMatch=put["ETag"])
    assert (_status(exc), _code(exc)) == (404, "NoSuchKey")
