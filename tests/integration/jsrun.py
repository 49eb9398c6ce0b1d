"""Shared by the JS SDK tests: install tests/integration/js once (npm, under a
file lock so xdist workers never race) and run one of its scripts with node
against a server. node and npm are required: missing, the tests fail."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import ACCESS_KEY, REGION, SECRET_KEY, S3BoxProcess

JS_DIR = Path(__file__).resolve().parent / "js"
PACKAGES = ("client-s3", "lib-storage")


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is required for the JS SDK tests and is not on PATH")
    return path


def installed_js_dir() -> Path:
    """tests/integration/js with every @aws-sdk package of package.json installed."""
    tool("node")
    modules = JS_DIR / "node_modules" / "@aws-sdk"
    with open(JS_DIR / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not all((modules / name / "package.json").exists() for name in PACKAGES):
            result = subprocess.run(
                [tool("npm"), "install", "--no-audit", "--no-fund"],
                cwd=JS_DIR,
                capture_output=True,
                text=True,
                timeout=600,
            )
            if result.returncode != 0:
                pytest.fail(f"npm install failed:\n{result.stdout}\n{result.stderr}")
    return JS_DIR


def run_node(
    js_dir: Path,
    script: str,
    server: S3BoxProcess,
    bucket: str,
    extra_env: dict[str, str] | None = None,
    timeout: float = 300,
) -> dict[str, Any]:
    """Run `script` with the server's endpoint, region, credentials and bucket in its
    environment; returns the JSON object it prints on its last line."""
    env = dict(os.environ)
    env.update(
        {
            "S3BOX_ENDPOINT": server.endpoint,
            "S3BOX_REGION": REGION,
            "S3BOX_ACCESS_KEY": ACCESS_KEY,
            "S3BOX_SECRET_KEY": SECRET_KEY,
            "S3BOX_BUCKET": bucket,
            **(extra_env or {}),
        }
    )
    result = subprocess.run(
        [tool("node"), script],
        cwd=js_dir,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )
    assert result.returncode == 0, f"node failed:\n{result.stdout}\n{result.stderr}"
    output: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return output
