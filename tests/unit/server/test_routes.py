"""Every operation the router can name has a handler, and every handler is
reachable from a route: an operation added to one side only fails here."""

from __future__ import annotations

from pathlib import Path

from s3box.config import load_config
from s3box.protocol.routing import OPERATIONS
from s3box.server.app import S3App

# Routed but refused before authentication in S3App._dispatch (none today).
REFUSED_BEFORE_AUTH: set[str] = set()


def test_every_route_has_a_handler_and_every_handler_a_route(tmp_path: Path) -> None:
    app = S3App(load_config(None, {}, {"base_dir": str(tmp_path)}))
    assert OPERATIONS - set(app.handlers) == REFUSED_BEFORE_AUTH
    assert set(app.handlers) - OPERATIONS == set()
