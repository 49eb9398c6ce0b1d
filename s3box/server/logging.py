"""Logging setup: the "s3box" logger tree, its level, its formatter and outputs (stdout, and
the rolling file when configured), and the handle that flushes and undoes it all.

Formats are in log_format.py, the file and the writer thread in log_writer.py.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from typing import TextIO

from s3box.config import LoggingConfig
from s3box.server.log_format import LEVELS, TRACE, JsonFormatter, TextFormatter
from s3box.server.log_writer import (
    BatchWriter,
    RecordBuffer,
    RecordQueueHandler,
    build_file_handler,
)

ROOT_LOGGER = "s3box"
MIB = 1024 * 1024


@dataclass
class LoggingHandle:
    """What configure_logging set up; stop() flushes every queued line and undoes it."""

    listener: BatchWriter
    queue_handler: logging.Handler
    handlers: list[logging.Handler]
    _saved: list[tuple[logging.Logger, int, bool]] = field(default_factory=list)
    _stopped: bool = False

    def route(self, name: str) -> None:
        """Send another logger tree (e.g. "uvicorn.error") through the same queue."""
        logger = logging.getLogger(name)
        self._saved.append((logger, logger.level, logger.propagate))
        logger.addHandler(self.queue_handler)
        logger.propagate = False

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.listener.stop()  # processes what is still queued, then joins the thread
        for logger, level, propagate in reversed(self._saved):
            logger.removeHandler(self.queue_handler)
            logger.setLevel(level)
            logger.propagate = propagate
        for handler in self.handlers:
            handler.flush()
            handler.close()


def configure_logging(
    cfg: LoggingConfig,
    *,
    stream: TextIO | None = None,
    file_max_bytes: int | None = None,
) -> LoggingHandle:
    """Set up the "s3box" logger tree as `cfg` says and start the writer thread.

    `stream` defaults to sys.stdout; `file_max_bytes` overrides rotation_size_mb (tests).
    """
    logging.addLevelName(TRACE, "TRACE")
    # No formatter here shows the caller, thread or process: skip computing
    # them for every record (stack walk and two calls per request line).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    formatter: logging.Formatter = JsonFormatter() if cfg.format == "json" else TextFormatter()
    handlers: list[logging.Handler] = [logging.StreamHandler(stream or sys.stdout)]
    if cfg.file is not None:
        max_bytes = file_max_bytes or cfg.rotation_size_mb * MIB
        handlers.append(
            build_file_handler(
                cfg.file, max_bytes=max_bytes, keep_files=cfg.keep_files, compress=cfg.compress
            )
        )
    for handler in handlers:
        handler.setFormatter(formatter)

    records = RecordBuffer()
    queue_handler = RecordQueueHandler(records)  # type: ignore[arg-type]
    listener = BatchWriter(records, handlers)
    handle = LoggingHandle(listener=listener, queue_handler=queue_handler, handlers=handlers)
    handle.route(ROOT_LOGGER)
    logging.getLogger(ROOT_LOGGER).setLevel(LEVELS[cfg.level])
    listener.start()
    return handle
