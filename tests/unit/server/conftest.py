"""Fixtures for the server unit tests: logging set up on a captured stream."""

from __future__ import annotations

import io

import pytest

from s3box.config import LoggingConfig
from s3box.server.logging import LoggingHandle, configure_logging


@pytest.fixture
def started():
    """configure_logging with a captured stream; always stopped, even on failure."""
    handles: list[LoggingHandle] = []

    def start(cfg: LoggingConfig, **kwargs) -> tuple[LoggingHandle, io.StringIO]:
        stream = io.StringIO()
        handle = configure_logging(cfg, stream=stream, **kwargs)
        handles.append(handle)
        return handle, stream

    yield start
    for handle in handles:
        handle.stop()


def lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()
