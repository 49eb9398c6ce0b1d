"""Shared by the browser tests: a headless Chromium (Debian's `chromium`, driven by
Playwright, never a browser Playwright downloads) and a static page server on its own
port, so the page's origin is not s3box's. Both are context managers that stop what
they started whatever the test did. With S3BOX_REQUIRE_BROWSER set (CI) a missing
Chromium fails; unset, it is a skip that names the install command."""

from __future__ import annotations

import functools
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.integration.jsrun import missing

WEB_DIR = Path(__file__).resolve().parent / "web"
# What works on a machine with no outside network: no GPU, no QUIC, nothing fetched in
# the background (each such connection is refused here, and slows the start).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = os.environ.get("S3BOX_CHROMIUM") or shutil.which("chromium")
    if not path:
        missing("Chromium", "apt-get install -y chromium")
    return path


@contextmanager
def chromium(user_data_dir: Path) -> Iterator[Any]:
    """One headless Chromium with a fresh profile; closed (and its process reaped by
    Playwright) on exit, a failed test included."""
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright", "pip install -e '.[test]'")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(user_data_dir),
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
        )
        try:
            yield context
        finally:
            context.close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def page_server() -> Iterator[str]:
    """tests/integration/web served on 127.0.0.1 at a port of its own (port 0: never a
    race); yields its origin, e.g. http://127.0.0.1:40123."""
    handler = functools.partial(_QuietHandler, directory=str(WEB_DIR))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
