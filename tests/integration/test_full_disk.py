"""A real full disk: s3box on a 16 MiB tmpfs (docs/security.md, "Damaged files
and a full disk"). Writes that do not fit answer 507 XMinioStorageFull and store
nothing; space freed by DELETE is usable at once, not after trash_expiry_secs."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import S3BoxProcess, make_client, start_s3box

MIB = 1024 * 1024


@pytest.fixture
def small_disk_server(tmp_path: Path) -> Iterator[S3BoxProcess]:
    data = tmp_path / "data"
    data.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(data)], check=True)
    try:
        server = start_s3box(tmp_path)
        try:
            yield server
        finally:
            server.stop()
    finally:
        subprocess.run(["umount", "-l", str(data)], check=True)


def _status(err: ClientError) -> tuple[int, str]:
    return err.response["ResponseMetadata"]["HTTPStatusCode"], err.response["Error"]["Code"]


def test_full_disk_answers_507_stores_nothing_and_delete_frees_space_at_once(
    small_disk_server: S3BoxProcess,
):
    server = small_disk_server
    s3 = make_client(server.endpoint, retries={"max_attempts": 1})
    s3.create_bucket(Bucket="full")
    stored = []
    with pytest.raises(ClientError) as full:
        for i in range(64):  # 16 MiB cannot hold 64 of them
            s3.put_object(Bucket="full", Key=f"o{i}", Body=os.urandom(MIB))
            stored.append(f"o{i}")
    assert _status(full.value) == (507, "XMinioStorageFull")
    failed = f"o{len(stored)}"
    with pytest.raises(ClientError) as head:
        s3.head_object(Bucket="full", Key=failed)
    assert _status(head.value)[0] == 404
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket="full").get("Contents", [])]
    assert sorted(listed) == sorted(stored)
    root = server.data_dir / "buckets" / "full"
    assert os.listdir(root / "staging" / "put") == []

    upload = s3.create_multipart_upload(Bucket="full", Key="mp")["UploadId"]
    with pytest.raises(ClientError) as part:
        s3.upload_part(
            Bucket="full", Key="mp", UploadId=upload, PartNumber=1, Body=os.urandom(5 * MIB)
        )
    assert _status(part.value) == (507, "XMinioStorageFull")
    assert s3.list_parts(Bucket="full", Key="mp", UploadId=upload).get("Parts", []) == []
    s3.abort_multipart_upload(Bucket="full", Key="mp", UploadId=upload)

    for key in stored[:4]:  # frees 4 MiB, which moves to trash first
        s3.delete_object(Bucket="full", Key=key)
    s3.put_object(Bucket="full", Key="after", Body=os.urandom(3 * MIB))  # fits at once
    assert s3.head_object(Bucket="full", Key="after")["ContentLength"] == 3 * MIB
    log = server.log_text()
    assert " 500 " not in log and "Traceback" not in log
