"""Logging setup: levels, routing other loggers, stop, and the configured file."""

from __future__ import annotations

import logging

from s3box.config import LoggingConfig
from s3box.server.log_format import TRACE
from tests.unit.server.conftest import lines


def test_level_filters_records(started):
    handle, stream = started(LoggingConfig(level="warn"))
    log = logging.getLogger("s3box.y")
    log.info("hidden")
    log.warning("shown")
    handle.stop()
    assert [line.split(" ", 1)[1] for line in lines(stream)] == ["WARN  s3box.y: shown"]


def test_trace_level_is_below_debug(started):
    handle, stream = started(LoggingConfig(level="trace"))
    logging.getLogger("s3box").log(TRACE, "tiny detail")
    handle.stop()
    assert " TRACE s3box: tiny detail" in lines(stream)[0]


def test_stop_restores_the_logger_and_is_idempotent(started):
    before = logging.getLogger("s3box")
    level, propagate, handlers = before.level, before.propagate, list(before.handlers)
    handle, _ = started(LoggingConfig(level="debug"))
    assert before.propagate is False
    handle.stop()
    handle.stop()
    assert (before.level, before.propagate, before.handlers) == (level, propagate, handlers)


def test_route_sends_another_logger_through_the_same_output(started):
    handle, stream = started(LoggingConfig())
    handle.route("uvicorn.error")
    logging.getLogger("uvicorn.error").warning("bind failed")
    handle.stop()
    assert lines(stream)[0].endswith("WARN  uvicorn.error: bind failed")
    assert logging.getLogger("uvicorn.error").propagate is True


def test_configured_file_gets_the_same_lines_as_stdout(started, tmp_path):
    cfg = LoggingConfig(file=tmp_path / "logs" / "s3box.log", keep_files=1)
    handle, stream = started(cfg, file_max_bytes=10_000)
    logging.getLogger("s3box").info("to both")
    handle.stop()
    assert (tmp_path / "logs" / "s3box.log").read_text().splitlines() == lines(stream)


def test_configured_file_rotation_size_is_in_mib(started, tmp_path):
    cfg = LoggingConfig(file=tmp_path / "s3box.log", rotation_size_mb=3)
    handle, _ = started(cfg)
    file_handlers = [h for h in handle.handlers if isinstance(h, logging.FileHandler)]
    assert file_handlers[0].maxBytes == 3 * 1024 * 1024  # type: ignore[attr-defined]
