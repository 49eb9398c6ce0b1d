"""Collect per-round values, reduce them to medians, print the comparison table, save JSON.

The ratio column reads "how many times better s3box is than moto" whatever the metric's
direction (throughput: s3box/moto, latency or size: moto/s3box), so > 1 always favours s3box.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.scenarios import Metric, Value

RESULTS_DIR = Path(__file__).resolve().parent / "results"


class Collector:
    """Values per metric and target, in the order they were measured."""

    def __init__(self, targets: list[str]) -> None:
        self.targets = targets
        self.metrics: dict[str, Metric] = {}
        self.values: dict[str, dict[str, list[Value]]] = {}

    def declare(self, metric: Metric) -> None:
        self.metrics.setdefault(metric.key, metric)

    def add(self, target: str, key: str, value: Value) -> None:
        if isinstance(value, float) and math.isnan(value):
            value = "no data"
        self.values.setdefault(key, {}).setdefault(target, []).append(value)

    def value(self, key: str, target: str) -> Value | None:
        values = self.values.get(key, {}).get(target)
        return reduce(values) if values else None


def reduce(values: list[Value]) -> Value:
    """Median of the numeric values; a failure text only when no round produced a number."""
    numbers = [v for v in values if isinstance(v, float | int) and not math.isnan(v)]
    if numbers:
        return float(statistics.median(numbers))
    return next((v for v in values if isinstance(v, str)), "n/a")


def format_value(value: Value | None, unit: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if unit == "ms" and value < 100:
        return f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms"
    return f"{value:,.0f} {unit}"


def ratio(metric: Metric, s3box: Value | None, moto: Value | None) -> str:
    if not metric.compare:
        return "—"
    if not isinstance(s3box, float | int) or not isinstance(moto, float | int):
        return "—"
    if s3box <= 0 or moto <= 0:
        return "—"
    times = s3box / moto if metric.higher_is_better else moto / s3box
    return f"{times:.1f}x" if times < 100 else f"{times:,.0f}x"


def table(collector: Collector) -> str:
    """Markdown table: scenario | one column per target | s3box vs moto."""
    targets = collector.targets
    compare = "s3box" in targets and "moto" in targets
    header = ["scenario", *targets] + (["s3box vs moto"] if compare else [])
    rows = [header, ["---"] * len(header)]
    for key, metric in collector.metrics.items():
        if key not in collector.values:
            continue
        cells = [metric.label]
        for target in targets:
            cell = format_value(collector.value(key, target), metric.unit)
            errors = _errors(collector, key, target)
            cells.append(f"{cell} ({errors:.0f} errors)" if errors else cell)
        if compare:
            cells.append(ratio(metric, collector.value(key, "s3box"), collector.value(key, "moto")))
        rows.append(cells)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for row in rows:
        if row[0] == "---":
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        else:
            padded = [row[0].ljust(widths[0])] + [
                c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
            ]
            lines.append("| " + " | ".join(padded) + " |")
    return "\n".join(lines)


def _errors(collector: Collector, key: str, target: str) -> float:
    prefix = key.rsplit(".", 1)[0]
    values = collector.values.get(f"{prefix}.errors", {}).get(target, [])
    return float(sum(v for v in values if isinstance(v, float | int)))


def environment() -> dict[str, Any]:
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
    }


def write_json(collector: Collector, extra: dict[str, Any], directory: Path = RESULTS_DIR) -> Path:
    """Write bench/results/<UTC timestamp>.json with every round's values and the medians."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{stamp}.json"
    results = {
        key: {
            target: {"rounds": values, "median": reduce(values)}
            for target, values in per_target.items()
        }
        for key, per_target in collector.values.items()
    }
    payload = {
        "created": stamp,
        "environment": environment(),
        "targets": collector.targets,
        "metrics": {
            key: {"label": m.label, "unit": m.unit, "higher_is_better": m.higher_is_better}
            for key, m in collector.metrics.items()
        },
        "results": results,
        **extra,
    }
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return path
