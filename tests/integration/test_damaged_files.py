"""Damaged files stay local to what they damage: a garbage index in one bucket,
a missing or truncated part file, an unusable base_dir (docs/security.md,
"Damaged files and a full disk")."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError, IncompleteReadError, ResponseStreamingError

from s3box.cli import EXIT_DATA_DIR
from s3box.storage.engine import Engine
from tests.integration.conftest import make_client, start_s3box
from tests.integration.test_crash import _wait_rebuilds_finished, list_keys, request
from tests.storage_helpers import put_bytes

KEYS = [f"k/{i:03d}" for i in range(40)]


def _fill(data: Path) -> None:
    async def main() -> None:
        engine = Engine(data)
        await engine.start()
        for bucket in ("good", "bad"):
            await engine.create_bucket(bucket)
            for key in KEYS:
                body = key.encode()
                await put_bytes(engine, bucket, key, body)
        await engine.close()

    asyncio.run(main())


def _object_dir(data: Path, bucket: str, key: str) -> Path:
    for meta in (data / "buckets" / bucket / "objects").rglob("meta.json"):
        if json.loads(meta.read_bytes())["key"] == key:
            return meta.parent
    raise AssertionError(f"{key} not on disk")


def test_garbage_index_in_one_bucket_is_set_aside_and_rebuilt_while_others_serve(
    tmp_path: Path,
):
    data = tmp_path / "data"
    _fill(data)
    index = data / "buckets" / "bad" / "index.sqlite"
    for suffix in ("-wal", "-shm"):
        Path(f"{index}{suffix}").unlink(missing_ok=True)
    index.write_bytes(b"garbage, not a database\n" * 200)
    server = start_s3box(tmp_path)  # used to fail: "file is not a database"
    try:
        port = server.port
        assert sorted(list_keys(port, "good")) == KEYS
        assert request(port, "GET", "/bad/k/007") == (200, b"k/007")
        _wait_rebuilds_finished(port, 1)
        assert sorted(list_keys(port, "bad")) == KEYS
    finally:
        assert server.stop() == 0
    aside = [n for n in os.listdir(index.parent) if n.startswith("index.sqlite.corrupt-")]
    assert len(aside) == 1
    assert (index.parent / aside[0]).read_bytes().startswith(b"garbage")
    warning = [line for line in server.log_text().splitlines() if str(index) in line]
    assert warning and "WARN" in warning[0] and aside[0] in warning[0]
    assert "Traceback" not in server.log_text()


def test_rebuild_index_command_repairs_a_garbage_index(tmp_path: Path):
    data = tmp_path / "data"
    _fill(data)
    index = data / "buckets" / "bad" / "index.sqlite"
    index.write_bytes(b"\x00garbage" * 1000)
    done = subprocess.run(
        [sys.executable, "-m", "s3box", "rebuild-index", "bad", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert f"rebuilt index of bucket bad: {len(KEYS)} objects" in done.stdout
    assert any(n.startswith("index.sqlite.corrupt-") for n in os.listdir(index.parent))


def _damage(data: Path, bucket: str, key: str, how: str) -> Path:
    part = _object_dir(data, bucket, key) / ("part.2" if key == "big" else "part.1")
    if how == "missing":
        part.unlink()
    else:
        with open(part, "r+b") as f:
            f.truncate(part.stat().st_size // 2)
    return part


@pytest.mark.parametrize("how", ["missing", "truncated"])
def test_damaged_part_file_answers_503_on_get_and_head_and_is_logged(tmp_path: Path, how: str):
    server = start_s3box(tmp_path)
    try:
        s3 = make_client(server.endpoint, retries={"max_attempts": 1})
        s3.create_bucket(Bucket="dmg")
        s3.put_object(Bucket="dmg", Key="small", Body=b"s" * 1000)
        up = s3.create_multipart_upload(Bucket="dmg", Key="big")["UploadId"]
        parts = []
        for n, body in ((1, b"a" * (5 * 1024 * 1024)), (2, b"b" * (1024 * 1024))):
            etag = s3.upload_part(Bucket="dmg", Key="big", UploadId=up, PartNumber=n, Body=body)
            parts.append({"PartNumber": n, "ETag": etag["ETag"]})
        s3.complete_multipart_upload(
            Bucket="dmg", Key="big", UploadId=up, MultipartUpload={"Parts": parts}
        )
        s3.head_object(Bucket="dmg", Key="small")  # both cached now
        s3.head_object(Bucket="dmg", Key="big")
        damaged = [_damage(server.data_dir, "dmg", key, how) for key in ("small", "big")]
        for key in ("small", "big"):
            with pytest.raises(ClientError) as got:
                s3.get_object(Bucket="dmg", Key=key)  # never a 200 with a short body
            assert got.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
            assert got.value.response["Error"]["Code"] == "ServiceUnavailable"
            with pytest.raises(ClientError) as head:
                s3.head_object(Bucket="dmg", Key=key)
            assert head.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
        assert request(server.port, "GET", "/dmg?list-type=2")[0] == 200
    finally:
        assert server.stop() == 0
    log = server.log_text()
    for part in damaged:
        assert re.search(rf"WARN.*{re.escape(str(part))}", log), log
    assert "Traceback" not in log
    restarted = start_s3box(tmp_path)  # a cold HEAD agrees with GET too
    try:
        for key in ("small", "big"):
            assert request(restarted.port, "HEAD", f"/dmg/{key}")[0] == 503
            assert request(restarted.port, "GET", f"/dmg/{key}")[0] == 503
    finally:
        assert restarted.stop() == 0


def _start_exit(base_dir: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "s3box", "--port", "0", "--data-dir", str(base_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        **kwargs,  # type: ignore[call-overload]
    )


def test_base_dir_that_is_a_regular_file_exits_with_one_line(tmp_path: Path):
    regular = tmp_path / "file"
    regular.write_text("not a directory")
    for base_dir in (regular, regular / "under"):
        done = _start_exit(base_dir)
        assert done.returncode == EXIT_DATA_DIR
        assert done.stderr.strip().splitlines() == [
            f"s3box: base_dir {base_dir}: is not a directory "
            "(a component of the path is a regular file)"
        ]


def test_read_only_base_dir_exits_with_one_line(tmp_path: Path):
    ro = tmp_path / "ro"
    ro.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(ro)], check=True)
    try:
        done = _start_exit(ro)
    finally:
        subprocess.run(["umount", str(ro)], check=True)
    assert done.returncode == EXIT_DATA_DIR
    assert done.stderr.strip().splitlines() == [
        f"s3box: base_dir {ro}: is not writable: Read-only file system"
    ]


def test_part_file_lost_mid_stream_cuts_the_connection_without_a_traceback(tmp_path: Path):
    """The headers are out when the second part turns out to be gone: the client must see
    a failed read (never a short body taken for whole), and the log one line, no traceback."""
    server = start_s3box(tmp_path)
    try:
        s3 = make_client(server.endpoint, retries={"max_attempts": 1})
        s3.create_bucket(Bucket="mid")
        first = b"a" * (24 * 1024 * 1024)  # larger than what socket buffers hold ahead
        up = s3.create_multipart_upload(Bucket="mid", Key="big")["UploadId"]
        parts = []
        for n, body in ((1, first), (2, b"b" * 1024 * 1024)):
            etag = s3.upload_part(Bucket="mid", Key="big", UploadId=up, PartNumber=n, Body=body)
            parts.append({"PartNumber": n, "ETag": etag["ETag"]})
        s3.complete_multipart_upload(
            Bucket="mid", Key="big", UploadId=up, MultipartUpload={"Parts": parts}
        )
        stream = s3.get_object(Bucket="mid", Key="big")["Body"]
        assert stream.read(1024) == b"a" * 1024
        (_object_dir(server.data_dir, "mid", "big") / "part.2").unlink()
        # botocore: fewer bytes than Content-Length before the connection closed.
        with pytest.raises((IncompleteReadError, ResponseStreamingError)):
            while stream.read(1024 * 1024):
                pass
    finally:
        assert server.stop() == 0
    log = server.log_text()
    assert re.search(r"WARN.*part\.2", log), log
    assert "Traceback" not in log
