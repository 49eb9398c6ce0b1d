"""Fixtures: a real s3box process on a free port with a temp data dir, and
boto3 / AWS CLI clients pointed at it."""

from __future__ import annotations

import itertools
import os
import socket
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


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        return int(self.proc.returncode)


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
    port = free_port()
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
        str(port),
        "--data-dir",
        str(data_dir),
        *(args or []),
    ]
    log_file = open(log_path, "wb")  # noqa: SIM115 - owned by the process
    proc = subprocess.Popen(cmd, stdout=log_file, stderr=subprocess.STDOUT, env=proc_env, cwd=tmp)
    log_file.close()
    server = S3BoxProcess(port, data_dir, proc, log_path, auth=auth)
    try:
        wait_ready(server.endpoint, proc)
    except Exception:
        server.stop()
        raise RuntimeError(f"s3box failed to start:\n{server.log_text()}") from None
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
