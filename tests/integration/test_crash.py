"""Crash safety, proven on a real process.

The fault matrix arms one test-only fault point (S3BOX_TEST_FAULT, see
s3box/storage/faults.py) between two steps of PUT, overwrite, DELETE,
CompleteMultipartUpload or rebuild; the process dies there with os._exit(137)
(no cleanup, like kill -9). A clean restart must then show no partial or torn
object, an index that agrees with what GET finds, and a key that is never
absent after an interrupted overwrite. The kill -9 loop does the same with a
real SIGKILL under concurrent PUTs.
"""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import os
import random
import re
import sqlite3
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from s3box.storage.engine import Engine
from s3box.storage.fsutil import NO_RENAMEAT2_ENV
from tests.integration.conftest import S3BoxProcess, start_s3box
from tests.storage_helpers import put_bytes

BUCKET = "crash"
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


# ---- a tiny raw-HTTP client (no retries: a dead server must surface as an error) ----


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10,
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def list_keys(port: int, bucket: str) -> dict[str, tuple[str, int]]:
    """Every listed key -> (ETag without quotes, size), following continuation tokens."""
    out: dict[str, tuple[str, int]] = {}
    token = ""
    while True:
        query = "list-type=2&max-keys=1000" + (f"&continuation-token={token}" if token else "")
        status, body = request(port, "GET", f"/{bucket}?{query}")
        assert status == 200, body
        root = ET.fromstring(body)
        for item in root.iter(f"{NS}Contents"):
            key = item.findtext(f"{NS}Key") or ""
            etag = (item.findtext(f"{NS}ETag") or "").strip('"')
            out[key] = (etag, int(item.findtext(f"{NS}Size") or "0"))
        token = root.findtext(f"{NS}NextContinuationToken") or ""
        if not token:
            return out


def get_md5(port: int, bucket: str, key: str) -> str | None:
    status, body = request(port, "GET", f"/{bucket}/{key}")
    if status == 404:
        return None
    assert status == 200, (key, status, body[:200])
    return hashlib.md5(body).hexdigest()


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def assert_index_agrees_with_disk(
    port: int, bucket: str, candidates: dict[str, set[str]], only: list[str] | None = None
) -> None:
    """list == what GET finds: every listed key reads back whole with the listed
    ETag and size; every key GET finds is listed; every body is one that some
    PUT of that key sent (never a torn mix). `candidates`: key -> allowed MD5s;
    `only`: GET just these candidates (a sample of a big bucket)."""
    listed = list_keys(port, bucket)
    unexpected = set(listed) - set(candidates)
    assert not unexpected, f"unexpected keys listed: {sorted(unexpected)[:10]}"
    for key in only if only is not None else candidates:
        allowed = candidates[key]
        found = get_md5(port, bucket, key)
        if found is None:
            assert key not in listed, f"{key} is listed but GET says 404"
            continue
        assert found in allowed, f"{key}: torn or foreign body {found}"
        assert key in listed, f"{key} is readable but not listed"
        assert listed[key][0] == found, f"{key}: listing ETag {listed[key][0]} != body {found}"


# ---- the fault matrix ----


def start_faulted(tmp: Path, point: str) -> S3BoxProcess:
    return start_s3box(tmp, env={"S3BOX_TEST_FAULT": point})


def expect_crash(server: S3BoxProcess, method: str, path: str, body: bytes | None = None) -> None:
    """Send the request that hits the armed point: no answer, and the process
    exits 137 (os._exit in faults.hit)."""
    try:
        status, answer = request(server.port, method, path, body)
    except (ConnectionError, http.client.HTTPException, OSError):
        pass
    else:
        pytest.fail(f"{method} {path} answered {status} instead of crashing: {answer[:200]!r}")
    assert server.proc.wait(timeout=15) == 137, server.log_text()
    assert "test fault point" in server.log_text()


def crash_an_overwrite(server: S3BoxProcess) -> None:
    """Store OLD at k, then overwrite it with NEW on a server armed to die on the way."""
    try:
        assert request(server.port, "PUT", f"/{BUCKET}")[0] == 200
        assert request(server.port, "PUT", f"/{BUCKET}/k", OLD)[0] == 200
        expect_crash(server, "PUT", f"/{BUCKET}/k", NEW)
    finally:
        server.stop()


OLD = b"old body " * 1000
NEW = b"new body " * 2000

# point -> what a restart must show for the key: its MD5, or None for absent.
PUT_NEW_KEY = {
    "publish.staged": None,
    "publish.after_meta": None,
    "publish.after_repair_row": None,
    "publish.after_rename": md5(NEW),
    "publish.before_ack": md5(NEW),
}
# The first PUT (OLD) passes each point once; @2 stops the overwrite.
OVERWRITE = {
    "publish.staged@2": md5(OLD),
    "publish.after_meta@2": md5(OLD),
    "publish.after_repair_row@2": md5(OLD),
    "overwrite.after_exchange": md5(NEW),
    "publish.after_rename@2": md5(NEW),
    "publish.before_ack@2": md5(NEW),
}
# The same without renameat2 (S3BOX_TEST_NO_RENAMEAT2): live -> trash, then staged ->
# live. A crash between the two leaves the key absent (docs/storage.md, "Fallback").
OVERWRITE_FALLBACK = {
    "publish.staged@2": md5(OLD),
    "publish.after_repair_row@2": md5(OLD),
    "overwrite.fallback_after_trash": None,
    "publish.after_rename@2": md5(NEW),
    "publish.before_ack@2": md5(NEW),
}
DELETE = {
    "delete.after_repair_row": md5(OLD),
    "delete.after_trash": None,
    "delete.before_ack": None,
}


@pytest.mark.parametrize(("point", "expected"), list(PUT_NEW_KEY.items()))
def test_crash_during_put_of_a_new_key(tmp_path: Path, point: str, expected: str | None):
    server = start_faulted(tmp_path, point)
    try:
        assert request(server.port, "PUT", f"/{BUCKET}")[0] == 200
        expect_crash(server, "PUT", f"/{BUCKET}/k", NEW)
    finally:
        server.stop()
    restarted = start_s3box(tmp_path)
    try:
        assert get_md5(restarted.port, BUCKET, "k") == expected
        assert_index_agrees_with_disk(restarted.port, BUCKET, {"k": {md5(NEW)}})
        # The server still works for that key afterwards.
        assert request(restarted.port, "PUT", f"/{BUCKET}/k", OLD)[0] == 200
        assert get_md5(restarted.port, BUCKET, "k") == md5(OLD)
    finally:
        assert restarted.stop() == 0


@pytest.mark.parametrize(("point", "expected"), list(OVERWRITE.items()))
def test_crash_during_overwrite_never_leaves_the_key_absent(
    tmp_path: Path, point: str, expected: str
):
    crash_an_overwrite(start_faulted(tmp_path, point))
    restarted = start_s3box(tmp_path)
    try:
        assert get_md5(restarted.port, BUCKET, "k") == expected
        assert_index_agrees_with_disk(restarted.port, BUCKET, {"k": {md5(OLD), md5(NEW)}})
    finally:
        assert restarted.stop() == 0


@pytest.mark.parametrize(("point", "expected"), list(OVERWRITE_FALLBACK.items()))
def test_crash_during_overwrite_without_rename_exchange(
    tmp_path: Path, point: str, expected: str | None
):
    no_exchange = {NO_RENAMEAT2_ENV: "1"}
    crash_an_overwrite(start_s3box(tmp_path, env={"S3BOX_TEST_FAULT": point, **no_exchange}))
    restarted = start_s3box(tmp_path, env=no_exchange)
    try:
        assert get_md5(restarted.port, BUCKET, "k") == expected
        assert_index_agrees_with_disk(restarted.port, BUCKET, {"k": {md5(OLD), md5(NEW)}})
        # New keys (rename without replace), overwrites and deletes still work.
        for body in (OLD, NEW):
            assert request(restarted.port, "PUT", f"/{BUCKET}/k", body)[0] == 200
            assert get_md5(restarted.port, BUCKET, "k") == md5(body)
        assert request(restarted.port, "PUT", f"/{BUCKET}/fresh", OLD)[0] == 200
        assert request(restarted.port, "DELETE", f"/{BUCKET}/k")[0] == 204
        assert get_md5(restarted.port, BUCKET, "k") is None
        assert_index_agrees_with_disk(restarted.port, BUCKET, {"fresh": {md5(OLD)}})
    finally:
        assert restarted.stop() == 0


@pytest.mark.parametrize(("point", "expected"), list(DELETE.items()))
def test_crash_during_delete(tmp_path: Path, point: str, expected: str | None):
    server = start_faulted(tmp_path, point)
    try:
        assert request(server.port, "PUT", f"/{BUCKET}")[0] == 200
        assert request(server.port, "PUT", f"/{BUCKET}/k", OLD)[0] == 200
        assert request(server.port, "PUT", f"/{BUCKET}/other", NEW)[0] == 200
        expect_crash(server, "DELETE", f"/{BUCKET}/k")
    finally:
        server.stop()
    restarted = start_s3box(tmp_path)
    try:
        assert get_md5(restarted.port, BUCKET, "k") == expected
        assert get_md5(restarted.port, BUCKET, "other") == md5(NEW)
        assert_index_agrees_with_disk(
            restarted.port, BUCKET, {"k": {md5(OLD)}, "other": {md5(NEW)}}
        )
    finally:
        assert restarted.stop() == 0


PART1 = os.urandom(5 * 1024 * 1024)
PART2 = b"tail" * 100
MULTIPART_ETAG = (
    hashlib.md5(hashlib.md5(PART1).digest() + hashlib.md5(PART2).digest()).hexdigest() + "-2"
)
# Complete passes the publish points once (no other PUT happens in these tests).
COMPLETE = {
    "complete.after_link": False,
    "publish.after_repair_row": False,
    "publish.after_rename": True,
    "complete.before_retire": True,
}


def _complete_body(etags: list[str]) -> bytes:
    parts = "".join(
        f"<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>"
        for n, e in enumerate(etags, start=1)
    )
    return f"<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>".encode()


@pytest.mark.parametrize(("point", "published"), list(COMPLETE.items()))
def test_crash_during_complete_multipart_upload(tmp_path: Path, point: str, published: bool):
    server = start_faulted(tmp_path, point)
    try:
        port = server.port
        assert request(port, "PUT", f"/{BUCKET}")[0] == 200
        status, body = request(port, "POST", f"/{BUCKET}/mp?uploads")
        upload_id = re.search(rb"<UploadId>([^<]+)</UploadId>", body).group(1).decode()  # type: ignore[union-attr]
        etags = []
        for n, data in ((1, PART1), (2, PART2)):
            status, _ = request(
                port, "PUT", f"/{BUCKET}/mp?partNumber={n}&uploadId={upload_id}", data
            )
            assert status == 200
            etags.append(md5(data))
        expect_crash(server, "POST", f"/{BUCKET}/mp?uploadId={upload_id}", _complete_body(etags))
    finally:
        server.stop()
    whole = md5(PART1 + PART2)
    restarted = start_s3box(tmp_path)
    try:
        port = restarted.port
        assert (get_md5(port, BUCKET, "mp") == whole) is published
        listed = list_keys(port, BUCKET)
        assert list(listed) == (["mp"] if published else [])
        if published:
            assert listed["mp"] == (MULTIPART_ETAG, len(PART1) + len(PART2))
            return
        # Not published: the upload is intact, and completing it again works.
        status, body = request(
            port, "POST", f"/{BUCKET}/mp?uploadId={upload_id}", _complete_body(etags)
        )
        assert status == 200, body
        assert get_md5(port, BUCKET, "mp") == whole
        assert list_keys(port, BUCKET)["mp"] == (MULTIPART_ETAG, len(PART1) + len(PART2))
    finally:
        assert restarted.stop() == 0


REBUILD_OBJECTS = 700  # more than one rebuild batch (500)


def _body_of(i: int) -> bytes:
    return f"object {i}\n".encode() * (1 + i % 7)


def _objects_on_disk_with_emptied_index(data_dir: Path, count: int) -> None:
    async def main() -> None:
        engine = Engine(data_dir)
        await engine.start()
        await engine.create_bucket(BUCKET)
        for i in range(count):
            body = _body_of(i)
            await put_bytes(engine, BUCKET, f"obj/{i:05d}", body)
        await engine.close()

    asyncio.run(main())
    # A healthy index file that lost every row (a lost file would be rebuilt
    # by itself at startup, see test_damaged_files.py).
    con = sqlite3.connect(data_dir / "buckets" / BUCKET / "index.sqlite")
    with con:
        con.execute("DELETE FROM objects")
    con.close()


def _wait_rebuilds_finished(port: int, count: int, deadline_s: float = 30.0) -> None:
    deadline = time.monotonic() + deadline_s
    pattern = re.compile(rb"^s3box_index_rebuilds_finished_total (\d+)", re.M)
    while time.monotonic() < deadline:
        _, text = request(port, "GET", "/_s3box/metrics")
        found = pattern.search(text)
        if found and int(found.group(1)) >= count:
            return
        time.sleep(0.05)
    raise AssertionError("the rebuild did not finish in time")


@pytest.mark.parametrize("point", ["rebuild.after_batch", "rebuild.before_sweep"])
def test_crash_during_rebuild_then_rebuild_again(tmp_path: Path, point: str):
    _objects_on_disk_with_emptied_index(tmp_path / "data", REBUILD_OBJECTS)
    expected = {f"obj/{i:05d}": md5(_body_of(i)) for i in range(REBUILD_OBJECTS)}
    server = start_faulted(tmp_path, point)
    try:
        assert list_keys(server.port, BUCKET) == {}  # the index was lost
        status, _ = request(server.port, "POST", f"/{BUCKET}?rebuildIndex")
        assert status == 202
        assert server.proc.wait(timeout=30) == 137, server.log_text()
    finally:
        server.stop()
    restarted = start_s3box(tmp_path)
    try:
        port = restarted.port
        # Interrupted: the index holds a part of the truth and nothing else.
        partial = list_keys(port, BUCKET)
        assert len(partial) >= 500
        for key, (etag, _size) in partial.items():
            assert etag == expected[key]
        assert request(port, "POST", f"/{BUCKET}?rebuildIndex")[0] == 202
        _wait_rebuilds_finished(port, 1)
        listed = list_keys(port, BUCKET)
        assert {k: e for k, (e, _) in listed.items()} == expected
        sample = random.Random(7).sample(sorted(expected), 20)
        assert_index_agrees_with_disk(port, BUCKET, {k: {v} for k, v in expected.items()}, sample)
    finally:
        assert restarted.stop() == 0


# ---- kill -9 under concurrent load ----


@dataclass
class Writer:
    """One client thread: PUTs fresh keys until the server dies under it."""

    port: int
    prefix: str
    attempted: dict[str, str] = field(default_factory=dict)  # key -> MD5 sent
    acknowledged: dict[str, str] = field(default_factory=dict)  # key -> ETag returned

    def run(self) -> None:
        rng = random.Random(self.prefix)
        for i in range(100_000):
            key = f"{self.prefix}/{i:06d}"
            body = rng.randbytes(rng.choice((100, 4_000, 70_000, 400_000)))
            self.attempted[key] = md5(body)
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            try:
                conn.request("PUT", f"/{BUCKET}/{key}", body=body)
                resp = conn.getresponse()
                resp.read()
            except (ConnectionError, http.client.HTTPException, OSError):
                return  # the server was killed mid-request
            finally:
                conn.close()
            if resp.status != 200:
                return
            self.acknowledged[key] = (resp.getheader("etag") or "").strip('"')


def _rounds(tmp_path: Path, rounds: int, threads: int, seconds: float) -> Iterator[list[Writer]]:
    for r in range(rounds):
        server = start_s3box(tmp_path)
        try:
            if r == 0:
                assert request(server.port, "PUT", f"/{BUCKET}")[0] == 200
            writers = [Writer(server.port, f"r{r}t{t}") for t in range(threads)]
            workers = [threading.Thread(target=w.run) for w in writers]
            for worker in workers:
                worker.start()
            time.sleep(seconds)  # load duration, not synchronisation
            server.proc.kill()  # SIGKILL while PUTs are in flight
            server.proc.wait(timeout=10)
            for worker in workers:
                worker.join(timeout=30)
        finally:
            server.stop()
        yield writers


@pytest.mark.slow
def test_kill_9_under_concurrent_puts_loses_nothing_acknowledged(tmp_path: Path):
    acknowledged: dict[str, str] = {}
    candidates: dict[str, set[str]] = {}
    for writers in _rounds(tmp_path, rounds=3, threads=4, seconds=1.0):
        for w in writers:
            acknowledged.update(w.acknowledged)
            for key, digest in w.attempted.items():
                candidates[key] = {digest}
        assert all(w.acknowledged for w in writers), "a writer never got a PUT through"
    print(f"kill -9 loop: {len(acknowledged)} acknowledged of {len(candidates)} PUTs")
    server = start_s3box(tmp_path)
    try:
        port = server.port
        listed = list_keys(port, BUCKET)
        for key, etag in acknowledged.items():
            assert etag in candidates[key], key  # the ETag answered is the MD5 sent
            assert get_md5(port, BUCKET, key) == etag, key
            assert listed.get(key, ("", 0))[0] == etag, key
        # Unacknowledged PUTs: absent, or complete with the body that was sent,
        # and listed exactly when readable.
        unacked = [k for k in candidates if k not in acknowledged]
        assert_index_agrees_with_disk(port, BUCKET, candidates, only=unacked)
    finally:
        assert server.stop() == 0
