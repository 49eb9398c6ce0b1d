"""Prometheus metrics for GET /_s3box/metrics, in the text exposition format.

Hand-written (see docs/decisions/metrics.md): one observation per request is a few
dict updates and a bisect on the event loop, with no locks, because every
observation and every render happens on the server's event loop thread. Never call
`observe` from a worker thread, and never put unbounded values (keys, URIs, access
keys) into a label: operations and status codes are small closed sets.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from s3box import __version__

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Request latency buckets in seconds: sub-millisecond warm HEADs up to slow uploads.
LATENCY_BUCKETS: tuple[float, ...] = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
)


@dataclass(slots=True)
class _Histogram:
    # counts[i] = observations <= LATENCY_BUCKETS[i] and > the bucket before;
    # the last slot holds those above every bound (+Inf). Made cumulative on render.
    counts: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BUCKETS) + 1))
    total: float = 0.0
    count: int = 0


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(**labels: str) -> str:
    inner = ",".join(f'{name}="{_escape(value)}"' for name, value in labels.items())
    return "{" + inner + "}"


def _number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def _bound(bound: float) -> str:
    return repr(float(bound))


class Metrics:
    """Counters and the latency histogram of one server process."""

    def __init__(self) -> None:
        self._requests: dict[tuple[str, int], int] = {}
        self._bytes_in: dict[str, int] = {}
        self._bytes_out: dict[str, int] = {}
        self._latency: dict[str, _Histogram] = {}
        self._counters: dict[str, tuple[str, int]] = {}
        self._gauges: dict[str, tuple[str, Callable[[], float]]] = {}

    # ---- per request (hot path) ----
    def observe(
        self, operation: str, status: int, bytes_in: int, bytes_out: int, seconds: float
    ) -> None:
        """Record one finished request."""
        key = (operation, status)
        self._requests[key] = self._requests.get(key, 0) + 1
        if bytes_in:
            self._bytes_in[operation] = self._bytes_in.get(operation, 0) + bytes_in
        if bytes_out:
            self._bytes_out[operation] = self._bytes_out.get(operation, 0) + bytes_out
        hist = self._latency.get(operation)
        if hist is None:
            hist = self._latency[operation] = _Histogram()
        hist.counts[bisect_left(LATENCY_BUCKETS, seconds)] += 1
        hist.total += seconds
        hist.count += 1

    # ---- everything else ----
    def inc(self, name: str, help_text: str, amount: int = 1) -> None:
        """Add to an unlabelled counter (created on first use); `name` ends in _total."""
        _, value = self._counters.get(name, (help_text, 0))
        self._counters[name] = (help_text, value + amount)

    def gauge(self, name: str, help_text: str, read: Callable[[], float]) -> None:
        """Register a gauge whose value is read when the metrics are rendered."""
        self._gauges[name] = (help_text, read)

    def counter_value(self, name: str) -> int:
        return self._counters.get(name, ("", 0))[1]

    # ---- exposition ----
    def render(self) -> bytes:
        """The whole registry in the Prometheus text format (version 0.0.4)."""
        lines: list[str] = []
        lines += _family(
            "s3box_build_info", "gauge", "s3box version", [(_labels(version=__version__), 1)]
        )
        lines += _family(
            "s3box_requests_total",
            "counter",
            "Requests answered, by S3 operation and HTTP status",
            [
                (_labels(operation=op, status=str(status)), n)
                for (op, status), n in sorted(self._requests.items())
            ],
        )
        lines += _family(
            "s3box_received_bytes_total",
            "counter",
            "Request body bytes received, by S3 operation",
            [(_labels(operation=op), n) for op, n in sorted(self._bytes_in.items())],
        )
        lines += _family(
            "s3box_sent_bytes_total",
            "counter",
            "Response body bytes sent, by S3 operation",
            [(_labels(operation=op), n) for op, n in sorted(self._bytes_out.items())],
        )
        lines += self._render_latency()
        for name, (help_text, value) in sorted(self._counters.items()):
            lines += _family(name, "counter", help_text, [("", value)])
        for name, (help_text, read) in sorted(self._gauges.items()):
            lines += _family(name, "gauge", help_text, [("", read())])
        lines.append("")
        return "\n".join(lines).encode("utf-8")

    def _render_latency(self) -> list[str]:
        name = "s3box_request_duration_seconds"
        lines = [
            f"# HELP {name} Time from request start to the last response byte, by S3 operation",
            f"# TYPE {name} histogram",
        ]
        for op, hist in sorted(self._latency.items()):
            running = 0
            for bound, count in zip(LATENCY_BUCKETS, hist.counts, strict=False):
                running += count
                lines.append(f"{name}_bucket{_labels(operation=op, le=_bound(bound))} {running}")
            lines.append(f"{name}_bucket{_labels(operation=op, le='+Inf')} {hist.count}")
            lines.append(f"{name}_sum{_labels(operation=op)} {hist.total!r}")
            lines.append(f"{name}_count{_labels(operation=op)} {hist.count}")
        return lines


def _family(
    name: str, kind: str, help_text: str, samples: Iterable[tuple[str, float]]
) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    lines += [f"{name}{labels} {_number(value)}" for labels, value in samples]
    return lines
