"""Bandwidth: interval and total counts, rates, report text, the reporter task."""

from __future__ import annotations

import asyncio
import logging

import pytest

from s3box.server.bandwidth import (
    BandwidthMeter,
    BandwidthReport,
    human_bytes,
    run_bandwidth_reporter,
)


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
