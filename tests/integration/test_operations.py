"""Operating a real s3box process: request logs and the log file, metrics and
health, the healthcheck command, self-healing, index rebuild (online and
offline), and graceful shutdown with a transfer in flight."""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import tracemalloc
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from s3box.storage import rebuild as rebuild_mod
from s3box.storage import walk
from s3box.storage.engine import Engine
from tests.integration.conftest import ACCESS_KEY, SECRET_KEY, make_client, start_s3box
from tests.integration.test_crash import get_md5, list_keys, md5, request
from tests.storage_helpers import put_bytes

# ---- request logs and the log file ----


def test_request_log_lines_in_the_file_name_the_access_key_and_never_a_secret(tmp_path: Path):
    log_file = tmp_path / "logs" / "s3box.log"
    server = start_s3box(
        tmp_path,
        auth=True,
        env={
            "S3BOX_LOG_LEVEL": "info",
            "S3BOX_LOG_FORMAT": "json",
            "S3BOX_LOGGING__FILE": str(log_file),
        },
    )
    try:
        s3 = make_client(server.endpoint, signature_version="s3v4")
        s3.create_bucket(Bucket="logs")
        s3.put_object(Bucket="logs", Key="a b", Body=b"hello")
        url = s3.generate_presigned_url(
            "get_object", Params={"Bucket": "logs", "Key": "a b"}, ExpiresIn=300
        )
        with urllib.request.urlopen(url, timeout=10) as resp:
            assert resp.read() == b"hello"
        signature = re.search(r"X-Amz-Signature=([0-9a-f]+)", url).group(1)  # type: ignore[union-attr]
    finally:
        assert server.stop() == 0
    text = log_file.read_text()
    records = [json.loads(line) for line in text.splitlines()]
    access = [r for r in records if r["logger"] == "s3box.access"]
    by_op = {r["operation"]: r for r in access}
    put = by_op["put_object"]
    assert put["status"] == 200 and put["bytes_in"] == 5 and put["access_key"] == ACCESS_KEY
    assert put["method"] == "PUT" and put["uri"] == "/logs/a%20b" and put["request_id"]
    assert put["latency_ms"] >= 0
    presigned = by_op["get_object"]
    assert presigned["bytes_out"] == 5 and presigned["access_key"] == ACCESS_KEY
    assert "X-Amz-Signature=REDACTED" in presigned["uri"]
    assert "X-Amz-Credential=REDACTED" in presigned["uri"]
    # The same lines went to stdout; no secret, signature or credential anywhere.
    for output in (text, server.log_text()):
        assert signature not in output
        assert SECRET_KEY not in output
        assert f"{ACCESS_KEY}%2F" not in output and f"{ACCESS_KEY}/" not in output
    assert "s3box.access" in server.log_text()
    # Shutdown reports the bytes moved since the last 10 s report.
    assert any(r["logger"] == "s3box.bandwidth" and r["written_bytes"] >= 5 for r in records)


def test_logging_level_warn_writes_no_request_lines(tmp_path: Path):
    log_file = tmp_path / "s3box.log"
    server = start_s3box(
        tmp_path, env={"S3BOX_LOG_LEVEL": "warn", "S3BOX_LOGGING__FILE": str(log_file)}
    )
    try:
        assert request(server.port, "PUT", "/quiet")[0] == 200
        assert request(server.port, "PUT", "/quiet/k", b"x")[0] == 200
    finally:
        assert server.stop() == 0
    assert log_file.exists()
    assert "s3box.access" not in log_file.read_text()
    assert "s3box.access" not in server.log_text()


# ---- metrics, health, healthcheck ----


def test_metrics_health_and_healthcheck_against_a_real_process(tmp_path: Path):
    server = start_s3box(tmp_path)
    healthcheck = [sys.executable, "-m", "s3box", "healthcheck", "--address", "127.0.0.1"]
    try:
        port = server.port
        assert request(port, "GET", "/_s3box/health/live") == (200, b"ok\n")
        assert request(port, "GET", "/_s3box/health/ready") == (200, b"ready\n")
        assert request(port, "PUT", "/met")[0] == 200
        assert request(port, "PUT", "/met/k", b"z" * 1000)[0] == 200
        assert request(port, "GET", "/met/k")[0] == 200
        missing_status, missing_body = request(port, "GET", "/met/nope")
        assert missing_status == 404
        status, text = request(port, "GET", "/_s3box/metrics")
        assert status == 200
        families = {f.name: f for f in text_string_to_metric_families(text.decode())}
        requests = {
            (s.labels["operation"], s.labels["status"]): s.value
            for s in families["s3box_requests"].samples
        }
        assert requests[("put_object", "200")] == 1
        assert requests[("get_object", "200")] == 1
        assert requests[("get_object", "404")] == 1
        received = {
            s.labels["operation"]: s.value for s in families["s3box_received_bytes"].samples
        }
        assert received["put_object"] == 1000
        sent = {s.labels["operation"]: s.value for s in families["s3box_sent_bytes"].samples}
        assert sent["get_object"] == 1000 + len(missing_body)  # error bodies count too
        latency = families["s3box_request_duration_seconds"]
        counts = {
            s.labels["operation"]: s.value for s in latency.samples if s.name.endswith("_count")
        }
        assert counts["get_object"] == 2
        ok = subprocess.run([*healthcheck, "--port", str(port)], capture_output=True, timeout=30)
        assert ok.returncode == 0, ok.stdout
    finally:
        assert server.stop() == 0
    down = subprocess.run([*healthcheck, "--port", str(port)], capture_output=True, timeout=30)
    assert down.returncode == 1 and b"unhealthy" in down.stdout


# ---- self-healing and rebuild ----


def _object_dir(data_dir: Path, bucket: str, key: str) -> Path:
    for meta in (data_dir / "buckets" / bucket / "objects").rglob("meta.json"):
        if json.loads(meta.read_text())["key"] == key:
            return meta.parent
    raise AssertionError(f"no object directory for {key}")


def _wait_rebuilds_finished(port: int, count: int, deadline_s: float = 60.0) -> None:
    deadline = time.monotonic() + deadline_s
    pattern = re.compile(rb"^s3box_index_rebuilds_finished_total (\d+)", re.M)
    while time.monotonic() < deadline:
        found = pattern.search(request(port, "GET", "/_s3box/metrics")[1])
        if found and int(found.group(1)) >= count:
            return
        time.sleep(0.05)
    raise AssertionError("the rebuild did not finish in time")


def test_self_healing_drops_a_removed_object_and_rebuild_finds_it_back(tmp_path: Path):
    server = start_s3box(tmp_path)
    try:
        port = server.port
        assert request(port, "PUT", "/heal")[0] == 200
        for key in ("gone", "kept"):
            assert request(port, "PUT", f"/heal/{key}", key.encode() * 10)[0] == 200
        live = _object_dir(server.data_dir, "heal", "gone")
        aside = tmp_path / "aside"
        shutil.move(live, aside)  # an operator (or a bad disk) removes it by hand
        assert request(port, "GET", "/heal/gone")[0] == 404
        assert list(list_keys(port, "heal")) == ["kept"]
        shutil.move(aside, live)  # and puts it back
        assert request(port, "POST", "/heal?rebuildIndex")[0] == 202
        _wait_rebuilds_finished(port, 1)
        assert list(list_keys(port, "heal")) == ["gone", "kept"]
        assert get_md5(port, "heal", "gone") == md5(b"gone" * 10)
    finally:
        assert server.stop() == 0


def test_head_after_an_object_directory_was_removed_by_hand_answers_404(tmp_path: Path):
    server = start_s3box(tmp_path)
    try:
        port = server.port
        assert request(port, "PUT", "/heal")[0] == 200
        assert request(port, "PUT", "/heal/gone", b"x")[0] == 200
        shutil.rmtree(_object_dir(server.data_dir, "heal", "gone"))
        assert request(port, "GET", "/heal/gone")[0] == 404
        assert request(port, "HEAD", "/heal/gone")[0] == 404
    finally:
        server.stop()


def _fill_bucket_on_disk(data_dir: Path, bucket: str, count: int) -> None:
    async def main() -> None:
        engine = Engine(data_dir)
        await engine.start()
        await engine.create_bucket(bucket)
        for i in range(count):
            body = f"{i}".encode()
            await put_bytes(engine, bucket, f"k/{i:06d}", body)
        await engine.close()

    asyncio.run(main())


REBUILD_OBJECTS = 2000


@pytest.fixture(scope="module")
def filled_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir whose bucket "big" holds REBUILD_OBJECTS objects; tests copy it."""
    data = tmp_path_factory.mktemp("filled") / "data"
    _fill_bucket_on_disk(data, "big", REBUILD_OBJECTS)
    return data


def _copy_with_emptied_index(template: Path, tmp_path: Path) -> Path:
    """A copy whose index is a healthy file that lost every row (a lost or
    damaged index file is rebuilt by itself at startup: test_damaged_files.py)."""
    data = tmp_path / "data"
    shutil.copytree(template, data)
    con = sqlite3.connect(data / "buckets" / "big" / "index.sqlite")
    with con:
        con.execute("DELETE FROM objects")
    con.close()
    return data


def test_online_rebuild_answers_202_then_409_while_running_and_logs_progress(
    tmp_path: Path, filled_data_dir: Path
):
    _copy_with_emptied_index(filled_data_dir, tmp_path)
    server = start_s3box(tmp_path, env={"S3BOX_LOG_LEVEL": "info"})
    try:
        port = server.port
        assert list_keys(port, "big") == {}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("POST", "/big?rebuildIndex")
        first = conn.getresponse()
        first.read()
        conn.request("POST", "/big?rebuildIndex")  # at once, on the same connection
        second = conn.getresponse()
        body = second.read()
        conn.close()
        assert first.status == 202
        assert second.status == 409
        assert b"<Code>OperationAborted</Code>" in body
        assert request(port, "POST", "/nosuchbucket?rebuildIndex")[0] == 404
        _wait_rebuilds_finished(port, 1)
        assert len(list_keys(port, "big")) == REBUILD_OBJECTS
    finally:
        assert server.stop() == 0
    progress = re.findall(r"rebuild big: (\d+) objects indexed", server.log_text())
    assert [int(n) for n in progress] == list(range(100, REBUILD_OBJECTS + 1, 100))
    assert f"rebuild big: done, {REBUILD_OBJECTS} objects" in server.log_text()


def test_offline_rebuild_index_command_restores_a_lost_index(tmp_path: Path, filled_data_dir: Path):
    data = _copy_with_emptied_index(filled_data_dir, tmp_path)
    # VmHWM is the peak RSS of this process image; ru_maxrss would include the
    # pytest worker it was forked from.
    script = (
        "import re, sys\n"
        "from s3box.cli import main\n"
        "rc = main(sys.argv[1:])\n"
        "status = open('/proc/self/status').read()\n"
        "print('maxrss_kib', re.search(r'VmHWM:\\s+(\\d+)', status).group(1))\n"
        "sys.exit(rc)\n"
    )
    args = ["rebuild-index", "big", "--data-dir", str(data)]
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert f"rebuilt index of bucket big: {REBUILD_OBJECTS} objects" in done.stdout
    rss_kib = int(re.search(r"maxrss_kib (\d+)", done.stdout).group(1))  # type: ignore[union-attr]
    assert rss_kib < 150 * 1024
    missing = subprocess.run(
        [sys.executable, "-m", "s3box", "rebuild-index", "nope", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 1 and "nope" in missing.stderr
    server = start_s3box(tmp_path)
    try:
        assert len(list_keys(server.port, "big")) == REBUILD_OBJECTS
    finally:
        assert server.stop() == 0


def test_rebuild_walk_memory_does_not_grow_with_the_bucket(tmp_path: Path, filled_data_dir: Path):
    """The walker holds one directory listing per level and one batch: the peak
    for 2,000 objects is about the peak for 600."""
    peaks = []
    small = tmp_path / "small"
    _fill_bucket_on_disk(small, "big", 600)
    for count, data in ((600, small), (REBUILD_OBJECTS, filled_data_dir)):
        objects = str(data / "buckets" / "big" / "objects")
        tracemalloc.start()
        try:
            batch: list[object] = []
            seen = 0
            for meta in walk.iter_objects(objects):
                batch.append(meta)
                seen += 1
                if len(batch) >= rebuild_mod.BATCH:
                    batch.clear()
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        assert seen == count
    assert peaks[1] < peaks[0] * 1.5 + 256 * 1024, peaks


# ---- graceful shutdown ----

UPLOAD_SIZE = 100 * 1024 * 1024
CHUNK = 1024 * 1024


def _refuses_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except OSError:
        return True


@pytest.mark.slow
@pytest.mark.parametrize("http_server", ["uvicorn", "granian"])
def test_sigterm_lets_a_100_mb_upload_in_flight_finish_then_exits_0(
    tmp_path: Path, http_server: str
):
    server = start_s3box(tmp_path, args=["--http-server", http_server])
    port = server.port
    assert request(port, "PUT", "/drain")[0] == 200
    halfway = threading.Event()
    result: dict[str, object] = {}
    digest = hashlib.md5()
    chunk = os.urandom(CHUNK)

    def body():
        for i in range(UPLOAD_SIZE // CHUNK):
            if i == 10:
                halfway.set()
            if i >= 10:
                time.sleep(0.005)  # slow enough that SIGTERM lands mid-upload
            digest.update(chunk)
            yield chunk

    def upload() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request(
                "PUT", "/drain/big", body=body(), headers={"Content-Length": str(UPLOAD_SIZE)}
            )
            resp = conn.getresponse()
            result["status"] = resp.status
            result["etag"] = (resp.getheader("etag") or "").strip('"')
            resp.read()
        except Exception as exc:  # reported through result, checked below
            result["error"] = repr(exc)
        finally:
            conn.close()

    uploader = threading.Thread(target=upload)
    uploader.start()
    try:
        assert halfway.wait(30)
        server.proc.send_signal(signal.SIGTERM)
        # It stops accepting new connections while the upload still streams in.
        deadline = time.monotonic() + 10
        while not _refuses_connections(port):
            assert time.monotonic() < deadline, "still accepting connections after SIGTERM"
            time.sleep(0.01)
        assert uploader.is_alive(), "the upload ended before the listener closed"
        uploader.join(timeout=60)
        assert server.proc.wait(timeout=60) == 0, server.log_text()
    finally:
        server.stop()
        uploader.join(timeout=5)
    assert result.get("status") == 200, result
    assert result["etag"] == digest.hexdigest()
    restarted = start_s3box(tmp_path, args=["--http-server", http_server])
    try:
        listed = list_keys(restarted.port, "drain")
        assert listed["big"] == (digest.hexdigest(), UPLOAD_SIZE)
    finally:
        assert restarted.stop() == 0
