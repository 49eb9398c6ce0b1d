"""The benchmark load generator: its response parser on raw bytes, and a short real run.

The run drives bench's trivial server (a subprocess on 127.0.0.1) for ~200 requests, well
under a second, so it can live in `make test`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.loadgen import ProtocolError, RequestPlan, ResponseParser, run_load
from bench.servers import RunningServer, running


def _feed_in_pieces(parser: ResponseParser, data: bytes, piece: int):
    response = None
    for start in range(0, len(data), piece):
        assert response is None, "response completed before all its bytes arrived"
        response = parser.feed(data[start : start + piece])
    return response


@pytest.mark.parametrize("piece", [1, 3, 7, 1000])
def test_parser_reads_content_length_body_split_anywhere(piece: int) -> None:
    parser = ResponseParser()
    parser.start(keep_body=True)
    data = b'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: "x"\r\n\r\nhello'
    response = _feed_in_pieces(parser, data, piece)
    assert response is not None
    assert (response.status, response.body, response.body_length) == (200, b"hello", 5)
    assert response.header("etag") == '"x"'
    assert not response.close


@pytest.mark.parametrize("piece", [1, 4, 1000])
def test_parser_decodes_chunked_body_with_trailers(piece: int) -> None:
    parser = ResponseParser()
    parser.start(keep_body=True)
    data = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nx-trailer: 1\r\n\r\n"
    )
    response = _feed_in_pieces(parser, data, piece)
    assert response is not None
    assert response.body == b"hello world"


def test_parser_expects_no_body_after_head_and_204() -> None:
    parser = ResponseParser()
    parser.start(head_only=True)
    response = parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 4096\r\n\r\n")
    assert response is not None and response.body_length == 0
    parser.start()
    response = parser.feed(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
    assert response is not None and response.status == 204


def test_parser_reads_until_close_without_length_and_sees_connection_close() -> None:
    parser = ResponseParser()
    parser.start(keep_body=True)
    assert parser.feed(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nabc") is None
    response = parser.feed_eof()
    assert response is not None and response.body == b"abc" and response.close


def test_parser_rejects_a_truncated_body() -> None:
    parser = ResponseParser()
    parser.start()
    assert parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc") is None
    with pytest.raises(ProtocolError):
        parser.feed_eof()


@pytest.fixture(scope="module")
def trivial() -> Iterator[RunningServer]:
    with running("trivial", timeout=10.0) as server:
        yield server


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT"])
def test_load_run_against_trivial_server_counts_every_request(
    trivial: RunningServer, method: str
) -> None:
    body = b"b" * 4096 if method == "PUT" else b""
    plan = RequestPlan(method, trivial.host, trivial.port, "/bucket/key-{:04d}", 50, body=body)
    result = run_load(plan, connections=8, max_requests=200, time_limit=5.0)
    assert result.requests == 200
    assert result.errors == 0
    assert result.statuses == {200: 200}
    assert len(result.latencies) == 200
    assert all(0 < latency < 2.0 for latency in result.latencies)
    assert 0 < result.percentile_ms(50) <= result.percentile_ms(99)
    assert result.ops_per_s > 100


def test_load_run_reconnects_when_the_server_closes_after_each_response(
    trivial: RunningServer,
) -> None:
    plan = RequestPlan(
        "GET", trivial.host, trivial.port, "/b/k{}", 10, headers=(("Connection", "close"),)
    )
    result = run_load(plan, connections=4, max_requests=100, time_limit=5.0)
    assert (result.requests, result.errors) == (100, 0)
    assert result.reconnects >= 96


def test_load_run_stops_at_the_time_limit(trivial: RunningServer) -> None:
    plan = RequestPlan("GET", trivial.host, trivial.port, "/b/k{}", 10)
    result = run_load(plan, connections=2, max_requests=10_000_000, time_limit=0.2)
    assert 0 < result.requests < 10_000_000
    assert result.elapsed_s < 2.0


def test_load_run_refuses_non_loopback_targets() -> None:
    plan = RequestPlan("GET", "10.0.0.1", 80, "/", 1)
    with pytest.raises(ValueError, match="loopback"):
        run_load(plan, connections=1, max_requests=1, time_limit=1.0)
