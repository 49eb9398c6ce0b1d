"""Log line formats: text and JSON lines, fields, tracebacks."""

from __future__ import annotations

import json
import logging

from s3box.config import LoggingConfig
from tests.unit.server.conftest import lines


def test_text_line_has_time_level_logger_message_and_fields(started):
    handle, stream = started(LoggingConfig())
    logging.getLogger("s3box.engine").info("bucket %s created", "b1", extra={"fields": {"n": 2}})
    handle.stop()
    (line,) = lines(stream)
    stamp, rest = line.split(" ", 1)
    assert stamp.endswith("Z") and "T" in stamp
    assert rest == "INFO  s3box.engine: bucket b1 created n=2"


def test_text_field_values_with_spaces_are_quoted(started):
    handle, stream = started(LoggingConfig())
    logging.getLogger("s3box").info("x", extra={"fields": {"key": "a b"}})
    handle.stop()
    assert lines(stream)[0].endswith('x key="a b"')


def test_json_line_is_one_object_with_structured_fields(started):
    handle, stream = started(LoggingConfig(format="json"))
    logging.getLogger("s3box.x").warning("hello\nworld", extra={"fields": {"bucket": "b"}})
    handle.stop()
    (line,) = lines(stream)
    record = json.loads(line)
    assert record["level"] == "warn"
    assert record["logger"] == "s3box.x"
    assert record["msg"] == "hello\nworld"
    assert record["bucket"] == "b"
    assert set(record) == {"ts", "level", "logger", "msg", "bucket"}


def test_json_field_named_like_a_core_key_does_not_replace_it(started):
    handle, stream = started(LoggingConfig(format="json"))
    logging.getLogger("s3box").info("real", extra={"fields": {"msg": "fake"}})
    handle.stop()
    record = json.loads(lines(stream)[0])
    assert (record["msg"], record["field.msg"]) == ("real", "fake")


def test_exceptions_are_logged_with_their_traceback(started):
    handle, stream = started(LoggingConfig(format="json"))
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("s3box").exception("failed")
    handle.stop()
    record = json.loads(lines(stream)[0])
    assert "ValueError: boom" in record["exc"]
