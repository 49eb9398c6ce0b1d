"""Log line formats: text (`<ts> <LEVEL> <logger>: <msg> k=v ...`) and JSON (one object
per line), and the level names of the config's vocabulary ("warn", not "WARNING").

Pure formatting of records already made: no handlers, no threads, no I/O.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import traceback
from datetime import UTC, datetime
from typing import Any

TRACE = 5

LEVELS: dict[str, int] = {
    "trace": TRACE,
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
}


def _level_name(levelno: int) -> str:
    """Our vocabulary (the config's), not the stdlib's: "warn", not "WARNING"."""
    for name, number in sorted(LEVELS.items(), key=lambda item: -item[1]):
        if levelno >= number:
            return "critical" if levelno >= logging.CRITICAL else name
    return "trace"


def _timestamp(created: float) -> str:
    moment = datetime.fromtimestamp(created, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _fields_of(record: logging.LogRecord) -> dict[str, Any]:
    fields = getattr(record, "fields", None)
    return dict(fields) if isinstance(fields, dict) else {}


def _text_value(value: Any) -> str:
    text = str(value)
    if text and not any(c.isspace() or c in '"=' for c in text):
        return text
    return json.dumps(text, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`<ts> <LEVEL> <logger>: <msg> k=v ...`, then the traceback if any.

    A record with a `brief` attribute already shows its fields in the message (request
    lines), so they are not repeated.
    """

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        line = f"{_timestamp(record.created)} {_level_name(record.levelno).upper():<5} "
        line += f"{record.name}: {message}"
        if not hasattr(record, "brief"):
            for key, value in _fields_of(record).items():
                line += f" {key}={_text_value(value)}"
        exc_text = exception_text(record)
        return f"{line}\n{exc_text}" if exc_text else line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, then the structured fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": _timestamp(record.created),
            "level": _level_name(record.levelno),
            "logger": record.name,
            "msg": getattr(record, "brief", None) or record.getMessage(),
        }
        for key, value in _fields_of(record).items():
            out[f"field.{key}" if key in out else key] = value
        exc_text = exception_text(record)
        if exc_text:
            out["exc"] = exc_text
        return json.dumps(out, ensure_ascii=False, default=str)


def exception_text(record: logging.LogRecord) -> str:
    if record.exc_text:
        return record.exc_text
    if record.exc_info:
        return "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
    return ""
