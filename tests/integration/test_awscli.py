"""The `aws s3` and `aws s3api` commands of the original description, run
from the AWS CLI (PyPI awscli) against a real s3box."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from tests.integration.conftest import AwsCli


def _bucket() -> str:
    return f"cli-{uuid.uuid4().hex[:12]}"


def test_mb_cp_ls_rm(aws: AwsCli, tmp_path: Path) -> None:
    bucket = _bucket()
    aws.run("s3", "mb", f"s3://{bucket}")
    src = tmp_path / "file.bin"
    data = os.urandom(200_000)
    src.write_bytes(data)
    aws.run("s3", "cp", str(src), f"s3://{bucket}/path/file.bin")
    listing = aws.run("s3", "ls", f"s3://{bucket}/path/").stdout
    assert "file.bin" in listing and "200000" in listing
    top = aws.run("s3", "ls", f"s3://{bucket}/").stdout
    assert "PRE path/" in top
    dst = tmp_path / "down.bin"
    aws.run("s3", "cp", f"s3://{bucket}/path/file.bin", str(dst))
    assert dst.read_bytes() == data
    aws.run("s3", "cp", f"s3://{bucket}/path/file.bin", f"s3://{bucket}/copy.bin")
    dst2 = tmp_path / "copy.bin"
    aws.run("s3", "cp", f"s3://{bucket}/copy.bin", str(dst2))
    assert dst2.read_bytes() == data
    aws.run("s3", "rm", f"s3://{bucket}/path/file.bin")
    assert "file.bin" not in aws.run("s3", "ls", f"s3://{bucket}/path/", check=False).stdout
    buckets = aws.run("s3", "ls").stdout
    assert bucket in buckets


def test_mv_in_all_three_directions_and_cp_with_object_options(aws: AwsCli, tmp_path: Path) -> None:
    bucket = _bucket()
    aws.run("s3", "mb", f"s3://{bucket}")
    src = tmp_path / "a.txt"
    src.write_text("moved around")
    aws.run("s3", "mv", str(src), f"s3://{bucket}/a.txt")
    assert not src.exists()
    aws.run("s3", "mv", f"s3://{bucket}/a.txt", f"s3://{bucket}/moved/a.txt")
    aws.run("s3", "mv", f"s3://{bucket}/moved/a.txt", str(tmp_path / "back.txt"))
    assert (tmp_path / "back.txt").read_text() == "moved around"
    assert "Contents" not in aws.run("s3api", "list-objects-v2", "--bucket", bucket).stdout
    # cp's object options arrive as the headers S3 stores and returns.
    aws.run(
        "s3", "cp", str(tmp_path / "back.txt"), f"s3://{bucket}/opts.txt",
        "--content-type", "text/x-test", "--metadata", "k1=v1,k2=v2",
        "--cache-control", "no-cache", "--content-disposition", "attachment",
        "--content-language", "fr", "--website-redirect", "/elsewhere",
        "--storage-class", "STANDARD_IA",
    )  # fmt: skip
    head = json.loads(
        aws.run("s3api", "head-object", "--bucket", bucket, "--key", "opts.txt").stdout
    )
    assert head["ContentType"] == "text/x-test"
    assert head["Metadata"] == {"k1": "v1", "k2": "v2"}
    assert (head["CacheControl"], head["ContentDisposition"], head["ContentLanguage"]) == (
        "no-cache",
        "attachment",
        "fr",
    )
    assert head["WebsiteRedirectLocation"] == "/elsewhere"
    assert head["StorageClass"] == "STANDARD_IA"


def test_rm_recursive_and_rb(aws: AwsCli, tmp_path: Path) -> None:
    bucket = _bucket()
    aws.run("s3", "mb", f"s3://{bucket}")
    src = tmp_path / "src"
    src.mkdir()
    for i in range(12):
        (src / f"f{i}.txt").write_text(f"file {i}")
    aws.run("s3", "cp", str(src), f"s3://{bucket}/dir/sub", "--recursive")
    listed = json.loads(aws.run("s3api", "list-objects-v2", "--bucket", bucket).stdout)
    assert sorted(o["Key"] for o in listed["Contents"]) == sorted(
        f"dir/sub/f{i}.txt" for i in range(12)
    )
    aws.run("s3", "rm", f"s3://{bucket}/dir/", "--recursive")
    out = aws.run("s3api", "list-objects-v2", "--bucket", bucket).stdout
    assert "Contents" not in out
    aws.run("s3", "rb", f"s3://{bucket}")
    assert bucket not in aws.run("s3", "ls").stdout


def test_sync_twice_transfers_nothing_the_second_time(aws: AwsCli, tmp_path: Path) -> None:
    bucket = _bucket()
    aws.run("s3", "mb", f"s3://{bucket}")
    src = tmp_path / "tree"
    (src / "a" / "b").mkdir(parents=True)
    for rel in ["x.txt", "a/y.txt", "a/b/z.bin"]:
        (src / rel).write_bytes(os.urandom(1000))
    first = aws.run("s3", "sync", str(src), f"s3://{bucket}/tree").stdout
    assert first.count("upload:") == 3
    second = aws.run("s3", "sync", str(src), f"s3://{bucket}/tree").stdout
    assert "upload:" not in second
    back = tmp_path / "back"
    aws.run("s3", "sync", f"s3://{bucket}/tree", str(back))
    for rel in ["x.txt", "a/y.txt", "a/b/z.bin"]:
        assert (back / rel).read_bytes() == (src / rel).read_bytes()


def test_s3api_calls(aws: AwsCli, tmp_path: Path) -> None:
    bucket = _bucket()
    aws.run("s3api", "create-bucket", "--bucket", bucket)
    aws.run("s3api", "head-bucket", "--bucket", bucket)
    body = tmp_path / "b.txt"
    body.write_text("hello")
    put = json.loads(
        aws.run(
            "s3api",
            "put-object",
            "--bucket",
            bucket,
            "--key",
            "k",
            "--body",
            str(body),
            "--metadata",
            "a=1",
        ).stdout
    )
    assert put["ETag"] == '"5d41402abc4b2a76b9719d911017c592"'
    head = json.loads(aws.run("s3api", "head-object", "--bucket", bucket, "--key", "k").stdout)
    assert head["ContentLength"] == 5
    assert head["Metadata"] == {"a": "1"}
    out = tmp_path / "out.txt"
    aws.run("s3api", "get-object", "--bucket", bucket, "--key", "k", str(out))
    assert out.read_text() == "hello"
    listing = json.loads(aws.run("s3api", "list-objects", "--bucket", bucket).stdout)
    assert [o["Key"] for o in listing["Contents"]] == ["k"]
    aws.run(
        "s3api", "copy-object", "--bucket", bucket, "--key", "k2", "--copy-source", f"{bucket}/k"
    )
    deleted = json.loads(
        aws.run(
            "s3api",
            "delete-objects",
            "--bucket",
            bucket,
            "--delete",
            '{"Objects":[{"Key":"k"},{"Key":"k2"}]}',
        ).stdout
    )
    assert sorted(d["Key"] for d in deleted["Deleted"]) == ["k", "k2"]
    loc = json.loads(aws.run("s3api", "get-bucket-location", "--bucket", bucket).stdout)
    assert loc["LocationConstraint"] is None
    aws.run("s3api", "delete-bucket", "--bucket", bucket)
    missing = aws.run("s3api", "head-bucket", "--bucket", bucket, check=False)
    assert missing.returncode != 0
