"""Shared by the JS SDK tests: find tests/integration/js installed (`npm ci` from its
committed package-lock.json; `make test` and `.ci/run` do it) and run one of its scripts
with node against a server. With S3BOX_REQUIRE_BROWSER set (CI) a missing node or
node_modules fails the test; unset (a local run), it is a skip that names the command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests.integration.conftest import ACCESS_KEY, REGION, SECRET_KEY, S3BoxProcess

JS_DIR = Path(__file__).resolve().parent / "js"
PACKAGES = (
    "client-s3",
    "lib-storage",
    "s3-presigned-post",
    "s3-request-presigner",
)
REQUIRE_ENV = "S3BOX_REQUIRE_BROWSER"
NPM_CI = f"cd {JS_DIR} && npm ci"


def missing(what: str, install: str) -> NoReturn:
    """A tool the test needs is not installed: a failure where it is required (CI sets
    S3BOX_REQUIRE_BROWSER=1, so these tests can never skip there), a skip otherwise."""
    message = f"{what} is not installed; install it with: {install}"
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{message} ({REQUIRE_ENV} is set)")
    pytest.skip(message)


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing(name, "apt-get install -y nodejs npm")
    return path


def installed_js_dir() -> Path:
    """tests/integration/js with every @aws-sdk package of package.json installed."""
    tool("node")
    modules = JS_DIR / "node_modules" / "@aws-sdk"
    if not all((modules / name / "package.json").exists() for name in PACKAGES):
        missing("The JS SDK (tests/integration/js/node_modules)", NPM_CI)
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
