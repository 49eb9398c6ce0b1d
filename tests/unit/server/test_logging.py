"""Logging: levels, text/json lines, request lines, redaction, rotation, bandwidth."""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import logging

import pytest

from s3box.config import LoggingConfig
from s3box.server.logging import (
    TRACE,
    BandwidthMeter,
    BandwidthReport,
    LoggingHandle,
    build_file_handler,
    configure_logging,
    human_bytes,
    log_request,
    redact_uri,
    run_bandwidth_reporter,
)


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


def test_request_line_text_format(started):
    handle, stream = started(LoggingConfig())
    log_request(
        logging.getLogger("s3box.request"),
        method="GET",
        uri="/bucket/key",
        status=200,
        bytes_in=0,
        bytes_out=1234,
        latency_ms=12.34,
        request_id="REQ1",
        access_key="AKID",
        operation="GetObject",
    )
    handle.stop()
    assert lines(stream)[0].endswith(
        "s3box.request: GET /bucket/key 200 in=0 out=1234 12.3ms id=REQ1 key=AKID op=GetObject"
    )


def test_request_line_without_access_key_omits_it(started):
    handle, stream = started(LoggingConfig())
    log_request(
        logging.getLogger("s3box.request"),
        method="PUT",
        uri="/b/k",
        status=200,
        bytes_in=5,
        bytes_out=0,
        latency_ms=1.0,
        request_id="R",
    )
    handle.stop()
    assert lines(stream)[0].endswith("PUT /b/k 200 in=5 out=0 1.0ms id=R")


def test_request_line_json_format(started):
    handle, stream = started(LoggingConfig(format="json"))
    log_request(
        logging.getLogger("s3box.request"),
        method="GET",
        uri="/b/k?X-Amz-Signature=abc",
        status=404,
        bytes_in=0,
        bytes_out=200,
        latency_ms=0.5,
        request_id="R2",
        access_key="AK",
        operation="GetObject",
    )
    handle.stop()
    record = json.loads(lines(stream)[0])
    assert record["msg"] == "GET /b/k?X-Amz-Signature=REDACTED 404"
    assert record["uri"] == "/b/k?X-Amz-Signature=REDACTED"
    assert (record["status"], record["bytes_in"], record["bytes_out"]) == (404, 0, 200)
    assert (record["latency_ms"], record["request_id"]) == (0.5, "R2")
    assert (record["access_key"], record["operation"]) == ("AK", "GetObject")


def test_request_uri_control_characters_cannot_forge_lines(started):
    handle, stream = started(LoggingConfig())
    log_request(
        logging.getLogger("s3box.request"),
        method="GET",
        uri="/b/k\nFAKE 200",
        status=404,
        bytes_in=0,
        bytes_out=0,
        latency_ms=0.0,
        request_id="R",
    )
    handle.stop()
    assert len(lines(stream)) == 1
    assert "/b/k\\x0aFAKE 200" in lines(stream)[0]


def test_redact_uri_hides_presigned_credentials_and_keeps_the_rest():
    uri = (
        "/bucket/key?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKID%2F20240101%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
        "&X-Amz-Security-Token=TOKEN&X-Amz-Signature=deadbeef&partNumber=1"
    )
    redacted = redact_uri(uri)
    for secret in ("AKID", "TOKEN", "deadbeef"):
        assert secret not in redacted
    assert redacted == (
        "/bucket/key?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=REDACTED"
        "&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
        "&X-Amz-Security-Token=REDACTED&X-Amz-Signature=REDACTED&partNumber=1"
    )


def test_redact_uri_matches_names_case_insensitively_and_encoded():
    assert redact_uri("/b?x-amz-signature=s") == "/b?x-amz-signature=REDACTED"
    assert redact_uri("/b?X%2DAmz%2DSignature=s") == "/b?X%2DAmz%2DSignature=REDACTED"
    assert redact_uri("/b?Signature=s&AWSAccessKeyId=A&Expires=1") == (
        "/b?Signature=REDACTED&AWSAccessKeyId=REDACTED&Expires=1"
    )


def test_redact_uri_leaves_uris_without_secrets_untouched():
    for uri in ("/", "/b/k", "/b?list-type=2&prefix=a%2Fb", "/b?uploads", "/b?"):
        assert redact_uri(uri) == uri


# --- rolling file ----------------------------------------------------------------------


def fill(handler: logging.Handler, count: int, size: int = 40) -> None:
    handler.setFormatter(logging.Formatter("%(message)s"))
    for i in range(count):
        record = logging.LogRecord(
            "s3box", logging.INFO, __file__, 1, f"{i:04d}" + "x" * size, None, None
        )
        handler.handle(record)


def test_file_rotates_by_size_and_keeps_only_keep_files_archives(tmp_path):
    path = tmp_path / "s3box.log"
    handler = build_file_handler(path, max_bytes=200, keep_files=2, compress=False)
    fill(handler, 40)
    handler.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["s3box.log", "s3box.log.1", "s3box.log.2"]
    assert all(p.stat().st_size <= 200 for p in tmp_path.iterdir())
    # the newest lines are in the active file, the next older ones in .1
    assert "0039" in path.read_text()
    last_in_1 = (tmp_path / "s3box.log.1").read_text().splitlines()[-1][:4]
    first_in_active = path.read_text().splitlines()[0][:4]
    assert int(last_in_1) + 1 == int(first_in_active)


def test_compressed_archives_are_gzip_with_gz_suffix(tmp_path):
    path = tmp_path / "s3box.log"
    handler = build_file_handler(path, max_bytes=200, keep_files=3, compress=True)
    fill(handler, 40)
    handler.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["s3box.log", "s3box.log.1.gz", "s3box.log.2.gz", "s3box.log.3.gz"]
    archived = gzip.decompress((tmp_path / "s3box.log.1.gz").read_bytes()).decode()
    assert archived.splitlines()[0].endswith("x" * 40)


def test_archives_beyond_keep_files_from_an_earlier_run_are_deleted(tmp_path):
    path = tmp_path / "s3box.log"
    for stale in ("s3box.log.7", "s3box.log.9.gz"):
        (tmp_path / stale).write_text("old")
    (tmp_path / "other.log.9").write_text("not ours")
    handler = build_file_handler(path, max_bytes=200, keep_files=2, compress=False)
    fill(handler, 10)
    handler.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["other.log.9", "s3box.log", "s3box.log.1", "s3box.log.2"]


def test_keep_files_zero_truncates_instead_of_growing(tmp_path):
    path = tmp_path / "s3box.log"
    handler = build_file_handler(path, max_bytes=200, keep_files=0, compress=False)
    fill(handler, 40)
    handler.close()
    assert [p.name for p in tmp_path.iterdir()] == ["s3box.log"]
    assert path.stat().st_size <= 200


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


# --- bandwidth -------------------------------------------------------------------------


def test_meter_reports_interval_bytes_rates_and_totals():
    meter = BandwidthMeter(start=100.0)
    meter.add_read(10 * 1024 * 1024)
    meter.add_written(512)
    meter.add_written(512)
    first = meter.take(110.0)
    assert first == BandwidthReport(
        read=10 * 1024 * 1024, written=1024, seconds=10.0, total_read=10485760, total_written=1024
    )
    assert first.read_rate == 1024 * 1024
    assert first.write_rate == 102.4
    meter.add_read(1024)
    second = meter.take(115.0)
    assert second is not None
    assert (second.read, second.written, second.seconds) == (1024, 0, 5.0)
    assert (second.total_read, second.total_written) == (10 * 1024 * 1024 + 1024, 1024)


def test_meter_report_text():
    meter = BandwidthMeter(start=0.0)
    meter.add_read(10 * 1024 * 1024)
    assert meter.report(10.0) == (
        "bandwidth: read 10.0 MiB (1.0 MiB/s) written 0 B (0 B/s) in 10.0s; "
        "total read 10.0 MiB written 0 B"
    )


def test_meter_reports_nothing_when_no_byte_moved_but_restarts_the_interval():
    meter = BandwidthMeter(start=0.0)
    assert meter.report(10.0) is None
    meter.add_written(100)
    taken = meter.take(15.0)
    assert taken is not None and taken.seconds == 5.0


def test_human_bytes_units():
    assert [human_bytes(n) for n in (0, 1023, 1024, 1536 * 1024, 3 * 1024**3, 5 * 1024**4)] == [
        "0 B",
        "1023 B",
        "1.0 KiB",
        "1.5 MiB",
        "3.0 GiB",
        "5120.0 GiB",
    ]


def test_reporter_logs_each_interval_with_structured_fields(caplog):
    meter = BandwidthMeter(start=0.0)
    now = [0.0]
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 1:
            meter.add_read(2048)
        if len(sleeps) == 4:
            raise asyncio.CancelledError
        now[0] += seconds

    logger = logging.getLogger("test.bandwidth")
    with (
        caplog.at_level(logging.INFO, logger="test.bandwidth"),
        pytest.raises(asyncio.CancelledError),
    ):
        asyncio.run(
            run_bandwidth_reporter(meter, logger, 10.0, clock=lambda: now[0], sleep=fake_sleep)
        )
    assert sleeps == [10.0, 10.0, 10.0, 10.0]
    (record,) = caplog.records  # the idle intervals logged nothing
    assert record.getMessage().startswith("bandwidth: read 2.0 KiB (205 B/s)")
    assert record.fields["read_bytes"] == 2048
