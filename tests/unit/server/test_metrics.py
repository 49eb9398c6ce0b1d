"""Metrics registry and exposition, the app's per-request observation, and the
background lifecycle (bandwidth report, rebuild watcher) driven by fake time."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from s3box.config import load_config
from s3box.server.app import S3App
from s3box.server.bandwidth import BandwidthMeter
from s3box.server.lifecycle import Lifecycle
from s3box.server.metrics import LATENCY_BUCKETS, Metrics
from s3box.storage.engine import Engine


def parse(text: bytes) -> dict[str, Any]:
    return {f.name: f for f in text_string_to_metric_families(text.decode())}


def samples(family: Any, suffix: str = "") -> dict[tuple[tuple[str, str], ...], float]:
    return {
        tuple(sorted(s.labels.items())): s.value
        for s in family.samples
        if s.name == family.name + suffix
    }


def test_requests_bytes_and_latency_are_exposed_by_operation_and_status():
    m = Metrics()
    m.observe("put_object", 200, 1000, 0, 0.002)
    m.observe("put_object", 200, 500, 0, 0.004)
    m.observe("get_object", 404, 0, 250, 12.0)
    families = parse(m.render())

    requests = samples(families["s3box_requests"], "_total")
    assert requests[(("operation", "put_object"), ("status", "200"))] == 2
    assert requests[(("operation", "get_object"), ("status", "404"))] == 1
    assert samples(families["s3box_received_bytes"], "_total") == {
        (("operation", "put_object"),): 1500
    }
    assert samples(families["s3box_sent_bytes"], "_total") == {(("operation", "get_object"),): 250}

    hist = families["s3box_request_duration_seconds"]
    assert hist.type == "histogram"
    buckets = samples(hist, "_bucket")
    assert buckets[(("le", "0.0025"), ("operation", "put_object"))] == 1
    assert buckets[(("le", "0.005"), ("operation", "put_object"))] == 2
    assert buckets[(("le", "10.0"), ("operation", "get_object"))] == 0
    assert buckets[(("le", "+Inf"), ("operation", "get_object"))] == 1
    assert samples(hist, "_count")[(("operation", "put_object"),)] == 2
    assert abs(samples(hist, "_sum")[(("operation", "put_object"),)] - 0.006) < 1e-9


def test_latency_on_a_bucket_bound_counts_in_that_bucket():
    m = Metrics()
    m.observe("head_object", 200, 0, 0, LATENCY_BUCKETS[0])
    buckets = samples(parse(m.render())["s3box_request_duration_seconds"], "_bucket")
    assert buckets[(("le", repr(LATENCY_BUCKETS[0])), ("operation", "head_object"))] == 1


def test_label_values_are_escaped():
    m = Metrics()
    m.observe('we"ird\\op\n', 200, 0, 0, 0.1)
    requests = samples(parse(m.render())["s3box_requests"], "_total")
    assert requests == {(("operation", 'we"ird\\op\n'), ("status", "200")): 1}


def test_counters_and_gauges_render_with_their_help():
    m = Metrics()
    m.inc("s3box_things_total", "Things", 0)
    m.inc("s3box_things_total", "Things", 3)
    m.gauge("s3box_level", "Level", lambda: 2.5)
    families = parse(m.render())
    assert families["s3box_things"].samples[0].value == 3
    assert families["s3box_level"].samples[0].value == 2.5
    assert families["s3box_level"].documentation == "Level"
    assert m.counter_value("s3box_things_total") == 3


# ---- the app, in process ----


async def _call(app: S3App, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(b"host", b"localhost"), (b"content-length", str(len(body)).encode())],
    }
    pending = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_app_observes_every_request_and_counts_bandwidth(tmp_path: Path):
    config = load_config(None, {}, {"base_dir": str(tmp_path)})

    async def main() -> tuple[dict[str, Any], BandwidthMeter, int]:
        app = S3App(config)
        await app.startup()
        try:
            assert (await _call(app, "PUT", "/bkt"))[0] == 200
            assert (await _call(app, "PUT", "/bkt/k", b"x" * 100))[0] == 200
            assert (await _call(app, "GET", "/bkt/k"))[1] == b"x" * 100
            assert (await _call(app, "GET", "/bkt/missing"))[0] == 404
            status, text = await _call(app, "GET", "/_s3box/metrics")
            return parse(text), app.bandwidth, status
        finally:
            await app.shutdown()

    families, meter, status = asyncio.run(main())
    assert status == 200
    requests = samples(families["s3box_requests"], "_total")
    assert requests[(("operation", "put_object"), ("status", "200"))] == 1
    assert requests[(("operation", "get_object"), ("status", "200"))] == 1
    assert requests[(("operation", "get_object"), ("status", "404"))] == 1
    assert requests[(("operation", "create_bucket"), ("status", "200"))] == 1
    assert (
        samples(families["s3box_received_bytes"], "_total")[(("operation", "put_object"),)] == 100
    )
    assert samples(families["s3box_sent_bytes"], "_total")[(("operation", "get_object"),)] >= 100
    assert families["s3box_index_rebuilds_running"].samples[0].value == 0
    assert "s3box_maintenance_passes" in families
    totals = meter.take(0.0)
    assert totals is None or totals.total_written >= 100  # stop() already reported them


# ---- the lifecycle ----


class Ticker:
    """A fake asyncio.sleep: records each requested delay, lets the loop run, and
    cancels the caller after `limit` sleeps so a test ends deterministically."""

    def __init__(self, limit: int) -> None:
        self.delays: list[float] = []
        self.limit = limit
        self.done = asyncio.Event()

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(0)
        if len(self.delays) > self.limit:
            self.done.set()
            await asyncio.Event().wait()  # park until cancelled


def test_bandwidth_report_every_interval_and_quiet_when_idle(tmp_path: Path, caplog):
    config = load_config(None, {}, {"base_dir": str(tmp_path)})
    meter = BandwidthMeter(start=0.0)

    async def main() -> list[float]:
        engine = Engine(tmp_path)
        await engine.start()
        ticker = Ticker(limit=3)
        slow = dataclasses.replace(config.maintenance, interval_secs=10_000)
        life = Lifecycle(engine, slow, config.logging, Metrics(), meter, sleep=ticker)
        meter.add_written(4096)
        life.start()
        await asyncio.wait_for(ticker.done.wait(), 5)
        await life.stop()
        await engine.close()
        return ticker.delays

    with caplog.at_level(logging.INFO, logger="s3box.bandwidth"):
        delays = asyncio.run(main())
    assert 10.0 in delays
    lines = [r.getMessage() for r in caplog.records if r.name == "s3box.bandwidth"]
    assert len(lines) == 1, lines  # one report for the interval that moved bytes; idle ones quiet
    assert "written 4.0 KiB" in lines[0]


def test_rebuild_watcher_counts_started_and_finished(tmp_path: Path):
    config = load_config(None, {}, {"base_dir": str(tmp_path)})

    async def main() -> tuple[int, int, float]:
        engine = Engine(tmp_path)
        await engine.start()
        await engine.create_bucket("b")
        metrics = Metrics()
        life = Lifecycle(engine, config.maintenance, config.logging, metrics, BandwidthMeter())
        await engine.rebuild_index("b")
        life.watch_rebuild("b")
        running = parse(metrics.render())["s3box_index_rebuilds_running"].samples[0].value
        await engine.wait_rebuild("b")
        for _ in range(10):  # let the watcher's continuation run
            await asyncio.sleep(0)
        await life.stop()
        await engine.close()
        return (
            metrics.counter_value("s3box_index_rebuilds_started_total"),
            metrics.counter_value("s3box_index_rebuilds_finished_total"),
            running,
        )

    assert asyncio.run(main()) == (1, 1, 1)
