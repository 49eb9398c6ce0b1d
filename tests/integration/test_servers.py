"""The ASGI app under the non-default server: s3box must not depend on one
server's quirks, so the same requests work under granian and uvicorn."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import S3BoxProcess, make_client, start_s3box


@pytest.fixture(scope="module", params=["granian", "uvicorn"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[S3BoxProcess]:
    proc = start_s3box(
        tmp_path_factory.mktemp(f"srv-{request.param}"), args=["--http-server", request.param]
    )
    yield proc
    assert proc.stop() == 0


def test_put_get_list_and_multipart(server: S3BoxProcess) -> None:
    s3: Any = make_client(server.endpoint)
    s3.create_bucket(Bucket="srv-bucket")
    body = os.urandom(2 * 1024 * 1024 + 5)
    s3.put_object(Bucket="srv-bucket", Key="a/big", Body=body)
    s3.put_object(Bucket="srv-bucket", Key="a/small", Body=b"small")
    assert s3.get_object(Bucket="srv-bucket", Key="a/big")["Body"].read() == body
    got = s3.get_object(Bucket="srv-bucket", Key="a/big", Range="bytes=10-19")
    assert got["Body"].read() == body[10:20]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="srv-bucket")["Contents"]]
    assert keys == ["a/big", "a/small"]
    up = s3.create_multipart_upload(Bucket="srv-bucket", Key="mp")
    part = s3.upload_part(
        Bucket="srv-bucket", Key="mp", UploadId=up["UploadId"], PartNumber=1, Body=b"p" * 100
    )
    s3.complete_multipart_upload(
        Bucket="srv-bucket",
        Key="mp",
        UploadId=up["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    assert s3.get_object(Bucket="srv-bucket", Key="mp")["Body"].read() == b"p" * 100
    s3.delete_object(Bucket="srv-bucket", Key="a/small")
    with pytest.raises(s3.exceptions.ClientError):
        s3.head_object(Bucket="srv-bucket", Key="a/small")


def test_expect_100_continue_answered_at_once(server: S3BoxProcess) -> None:
    s3: Any = make_client(server.endpoint)
    s3.create_bucket(Bucket="expect-bucket")
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(
            b"PUT /expect-bucket/e HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
            b"Expect: 100-Continue\r\n\r\n"
        )
        assert sock.recv(4096).startswith(b"HTTP/1.1 100")
        sock.sendall(b"hello")
        rest = b""
        while b"\r\n\r\n" not in rest:
            rest += sock.recv(4096)
        assert b" 200 " in rest.split(b"\r\n", 1)[0]
    assert s3.get_object(Bucket="expect-bucket", Key="e")["Body"].read() == b"hello"


def test_startup_banner_names_the_server(server: S3BoxProcess) -> None:
    text = Path(server.log_path).read_text()
    assert "listening on http://127.0.0.1:" in text
    assert "server=" in text
    # Started with --port 0: the line names the port actually bound, which answers.
    assert server.port != 0
    assert f"listening on http://127.0.0.1:{server.port} " in text


def _thread_cpu_sets(pid: int) -> list[frozenset[int]]:
    """The CPU set of every thread of pid and of its child processes (granian's workers)."""
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    sets = []
    for p in pids:
        for task in Path(f"/proc/{p}/task").iterdir():
            try:
                status = (task / "status").read_text()
            except OSError:
                continue  # the thread ended meanwhile
            line = next(x for x in status.splitlines() if x.startswith("Cpus_allowed_list:"))
            cpus: set[int] = set()
            for part in line.split(":", 1)[1].strip().split(","):
                lo, _, hi = part.partition("-")
                cpus.update(range(int(lo), int(hi or lo) + 1))
            sets.append(frozenset(cpus))
    return sets


def _exercise(endpoint: str) -> None:
    s3 = make_client(endpoint)
    s3.create_bucket(Bucket="pin")
    s3.put_object(Bucket="pin", Key="small", Body=b"x" * 100)
    s3.put_object(Bucket="pin", Key="big", Body=os.urandom(3 * 1024 * 1024))
    assert s3.get_object(Bucket="pin", Key="small")["Body"].read() == b"x" * 100
    s3.delete_object(Bucket="pin", Key="small")
    s3.delete_object(Bucket="pin", Key="big")
    s3.delete_bucket(Bucket="pin")


def test_event_loop_threads_are_pinned_to_one_cpu_by_default(server: S3BoxProcess) -> None:
    _exercise(server.endpoint)
    allowed = frozenset(os.sched_getaffinity(0))
    sets = _thread_cpu_sets(server.proc.pid)
    narrowed = {s for s in sets if s != allowed}
    if len(allowed) < 2:
        assert not narrowed
        return
    # The event loop thread and the small-step workers share one CPU; the large-body
    # threads (and the server's own) keep every CPU.
    assert len(narrowed) == 1, sets
    (pinned,) = narrowed
    assert len(pinned) == 1 and pinned <= allowed
    assert sum(s == pinned for s in sets) >= 2  # the loop thread and at least one worker
    assert allowed in sets


def test_pin_event_loop_false_leaves_every_thread_on_every_cpu(tmp_path: Path) -> None:
    proc = start_s3box(tmp_path, env={"S3BOX_PIN_EVENT_LOOP": "false"})
    try:
        _exercise(proc.endpoint)
        allowed = frozenset(os.sched_getaffinity(0))
        assert set(_thread_cpu_sets(proc.proc.pid)) == {allowed}
    finally:
        assert proc.stop() == 0
