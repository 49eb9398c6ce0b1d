"""Fixtures: a real s3box process with a temp data dir, and boto3 / AWS CLI clients
pointed at it.

Each server binds port 0 and the port is read from its startup line, so two test
workers can never race for a port. Every server runs in its own process group and is
stopped when the test that started it ends, whether it passed, failed or timed out."""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config as BotoConfig

ACCESS_KEY = "s3boxtestkey"
SECRET_KEY = "s3boxtestsecret/abc+def"
REGION = "us-east-1"
REPO = Path(__file__).resolve().parents[2]


@dataclass
class S3BoxProcess:
    port: int
    data_dir: Path
    proc: subprocess.Popen[bytes]
    log_path: Path
    auth: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> int:
        """SIGTERM (a graceful stop), then SIGKILL to the whole process group: nothing
        it started (granian's worker) outlives it. Returns s3box's exit code."""
        try:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=10)
        finally:
            _kill_group(self.proc.pid)
        return int(self.proc.returncode)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # the group is already gone


# Servers started by start_s3box and not yet stopped by the per-test teardown below.
_started: list[S3BoxProcess] = []


@pytest.fixture(autouse=True)
def _stop_servers_the_test_started() -> Iterator[None]:
    """Stops every server a test started and left running (a failed assert, a
    timeout). Session and module fixtures start theirs before this runs (pytest sets
    up wider scopes first), so theirs are left to their own teardown."""
    before = len(_started)
    yield
    mine = _started[before:]
    del _started[before:]
    for server in mine:
        server.stop()


_BANNER = re.compile(rb"listening on http://[^ ]*:(\d+) ")


def wait_for_port(log_path: Path, proc: subprocess.Popen[bytes], deadline_s: float = 20.0) -> int:
    """The port s3box bound, read from its startup line in its log."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        found = _BANNER.search(log_path.read_bytes())
        if found:
            return int(found.group(1))
        if proc.poll() is not None:
            raise RuntimeError(f"s3box exited early with code {proc.returncode}")
        time.sleep(0.02)
    raise RuntimeError("s3box printed no startup line in time")


def wait_ready(endpoint: str, proc: subprocess.Popen[bytes], deadline_s: float = 20.0) -> None:
    deadline = time.monotonic() + deadline_s
    url = endpoint + "/_s3box/health/ready"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"s3box exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError("s3box did not become ready in time")


def start_s3box(
    tmp: Path,
    *,
    auth: bool = False,
    args: list[str] | None = None,
    env: dict[str, str] | None = None,
) -> S3BoxProcess:
    data_dir = tmp / "data"
    log_path = tmp / "s3box.log"
    proc_env = dict(os.environ)
    # REGION is what every test client signs for: the server must be in it, whatever the
    # shell running the tests exports (a credential scope for another region is refused).
    proc_env.update({"S3BOX_LOG_LEVEL": "warn", "PYTHONUNBUFFERED": "1", "S3BOX_REGION": REGION})
    if auth:
        proc_env.update(
            {
                "S3BOX_AUTH_ENABLED": "true",
                "S3BOX_ACCESS_KEY": ACCESS_KEY,
                "S3BOX_SECRET_KEY": SECRET_KEY,
            }
        )
    proc_env.update(env or {})
    cmd = [
        sys.executable,
        "-m",
        "s3box",
        "--address",
        "127.0.0.1",
        "--port",
        "0",
        "--data-dir",
        str(data_dir),
        *(args or []),
    ]
    log_file = open(log_path, "wb")  # noqa: SIM115 - owned by the process
    proc = subprocess.Popen(
        cmd,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        env=proc_env,
        cwd=tmp,
        start_new_session=True,  # its own process group, for _kill_group
    )
    log_file.close()
    server = S3BoxProcess(0, data_dir, proc, log_path, auth=auth)
    _started.append(server)
    try:
        server.port = wait_for_port(log_path, proc)
        wait_ready(server.endpoint, proc)
    except Exception:
        server.stop()
        raise RuntimeError(f"s3box failed to start:\n{server.log_text()}") from None
    except BaseException:  # interrupted while waiting: still leave nothing running
        server.stop()
        raise
    return server


@pytest.fixture(scope="session", params=["open", "auth"])
def s3box_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[S3BoxProcess]:
    """The shared server, once open and once with SigV4 required: every test that uses
    it (through s3, bucket, aws) runs in both modes, so every operation is proven signed."""
    auth = request.param == "auth"
    server = start_s3box(tmp_path_factory.mktemp(f"s3box-{request.param}"), auth=auth)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def open_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3BoxProcess]:
    """An open-access server for tests that send unsigned raw requests."""
    server = start_s3box(tmp_path_factory.mktemp("s3box-open-raw"))
    yield server
    server.stop()


def make_client(endpoint: str, **config: object) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
        config=BotoConfig(**config) if config else None,
    )


@pytest.fixture(scope="session")
def s3(s3box_server: S3BoxProcess):
    return make_client(s3box_server.endpoint)


_counter = itertools.count()


@pytest.fixture
def bucket(s3) -> str:
    name = f"t{next(_counter)}-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


@dataclass
class AwsCli:
    endpoint: str
    home: Path

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ)
        env.update(
            {
                "AWS_ACCESS_KEY_ID": ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
                "AWS_DEFAULT_REGION": REGION,
                "AWS_CONFIG_FILE": str(self.home / "config"),
                "AWS_SHARED_CREDENTIALS_FILE": str(self.home / "credentials"),
                "HOME": str(self.home),
            }
        )
        aws = Path(sys.executable).with_name("aws")
        cmd = [str(aws), "--endpoint-url", self.endpoint, *args]
        result = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
        if check and result.returncode != 0:
            raise AssertionError(
                f"aws {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result


@pytest.fixture(scope="session")
def aws(s3box_server: S3BoxProcess, tmp_path_factory: pytest.TempPathFactory) -> AwsCli:
    return AwsCli(s3box_server.endpoint, tmp_path_factory.mktemp("awshome"))
