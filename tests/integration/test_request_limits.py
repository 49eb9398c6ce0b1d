"""Request-level limits and timeouts on raw sockets, under uvicorn and granian: hostile
heads, hostile XML bodies, stalled and trickling clients. Each checks the hostile
request's answer, that a boto3 client is served meanwhile, and that nothing is
stored or staged (docs/security.md, "Request-level limits and timeouts")."""

from __future__ import annotations

import select
import socket
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import S3BoxProcess, make_client, start_s3box

# Small enough that the tests wait seconds, large enough that a loaded machine does
# not make a well-behaved request slower than them.
HEAD_TIMEOUT_S = 3
BODY_IDLE_S = 3
MIN_RATE = 100  # bytes/s
GUARD_S = 30  # socket timeout: a hang fails the test instead of blocking it


@dataclass
class Target:
    server: S3BoxProcess
    http_server: str
    s3: Any


@pytest.fixture(scope="module", params=["uvicorn", "granian"])
def target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    server = start_s3box(
        tmp_path_factory.mktemp(f"limits-{request.param}"),
        args=["--http-server", request.param],
        env={
            "S3BOX_LIMITS__HEADER_TIMEOUT_SECS": str(HEAD_TIMEOUT_S),
            "S3BOX_LIMITS__BODY_IDLE_TIMEOUT_SECS": str(BODY_IDLE_S),
            "S3BOX_LIMITS__BODY_MIN_RATE": str(MIN_RATE),
        },
    )
    client = make_client(server.endpoint, retries={"max_attempts": 1}, read_timeout=GUARD_S)
    yield Target(server, request.param, client)
    server.stop()


@pytest.fixture
def bucket(target: Target) -> str:
    name = f"lim-{uuid.uuid4().hex[:12]}"
    target.s3.create_bucket(Bucket=name)
    return name


# --- raw connections ---------------------------------------------------------


class Hostile:
    """One raw connection whose payload is sent from a thread (the server may stop
    reading it), read from the test's thread; always closed and joined."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=GUARD_S)
        self._sender: threading.Thread | None = None

    def send_in_background(self, payload: bytes) -> None:
        def send() -> None:
            try:
                self.sock.sendall(payload)
            except OSError:  # refused and closed before it was all sent
                pass

        self._sender = threading.Thread(target=send, daemon=True)
        self._sender.start()

    def read_to_close(self) -> bytes:
        """Everything the server sends until it closes the connection."""
        data = b""
        try:
            while chunk := self.sock.recv(65536):
                data += chunk
        except ConnectionResetError:  # closed with our bytes unread: data so far
            pass
        return data

    def response(self) -> bytes:
        """One whole response: its head and Content-Length bytes of body."""
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.sock.recv(65536)
            assert chunk, f"closed after {data!r}"
            data += chunk
        head, body = data.split(b"\r\n\r\n", 1)
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(body) < length:
            chunk = self.sock.recv(65536)
            assert chunk, f"closed after {data!r}"
            body += chunk
        return head + b"\r\n\r\n" + body

    def closed_within(self, seconds: float) -> bool:
        """Wait up to `seconds` for the server to send or close; True if it closed."""
        readable, _, _ = select.select([self.sock], [], [], seconds)
        return bool(readable) and self.sock.recv(65536) == b""

    def close(self) -> None:
        self.sock.close()
        if self._sender is not None:
            self._sender.join(timeout=GUARD_S)

    def __enter__(self) -> Hostile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _status(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    return int(answer[9:12])


def _error(answer: bytes) -> ET.Element:
    body = answer.split(b"\r\n\r\n", 1)[1]
    return ET.fromstring(body)


def _served(target: Target, bucket: str) -> None:
    """A well-behaved client's round trip completes."""
    key = f"ok-{uuid.uuid4().hex[:8]}"
    target.s3.put_object(Bucket=bucket, Key=key, Body=b"fine")
    assert target.s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"fine"
    target.s3.delete_object(Bucket=bucket, Key=key)


def _keys(target: Target, bucket: str) -> list[str]:
    listing = target.s3.list_objects_v2(Bucket=bucket)
    return [o["Key"] for o in listing.get("Contents", [])]


def _staged_files(target: Target, bucket: str) -> list[Path]:
    root = target.server.data_dir / "buckets" / bucket / "staging"
    return [p for p in root.rglob("*") if p.is_file()]


def _head(method: str, path: str, fields: list[bytes], length: int | None = 0) -> bytes:
    lines = [f"{method} {path} HTTP/1.1".encode(), b"Host: 127.0.0.1"]
    if length is not None:
        lines.append(f"Content-Length: {length}".encode())
    return b"\r\n".join(lines + fields) + b"\r\n\r\n"


def _assert_head_refused(target: Target, answer: bytes, *, hyper_bound: bool) -> None:
    """uvicorn answers with S3's error; granian's hyper answers 431 itself past its own
    bounds (100 fields, a 400 KiB head) before s3box sees the request."""
    if target.http_server == "granian" and hyper_bound:
        assert _status(answer) == 431
        return
    assert _status(answer) == 400
    error = _error(answer)
    assert error.findtext("Code") == "RequestHeaderSectionTooLarge"
    assert error.findtext("Message") == (
        "Your request header section exceeds the maximum allowed size."
    )
    assert error.findtext("MaxSizeAllowed") == "8192"


# --- hostile heads -------------------------------------------------------------


HUGE_HEADS = {
    # One name 400,000 times (4 MB): joined by quadratic concatenation it froze every
    # client for minutes.
    "repeated-header": [b"x-amz-meta-r: aaaa"] * 400_000,
    "huge-line": [b"x-amz-meta-big: " + b"a" * (4 << 20)],
}


@pytest.mark.parametrize("shape", sorted(HUGE_HEADS))
def test_a_4_mb_head_is_refused_while_others_are_served(
    target: Target, bucket: str, shape: str
) -> None:
    key = f"huge-{shape}"
    with Hostile(target.server.port) as hostile:
        hostile.send_in_background(_head("PUT", f"/{bucket}/{key}", HUGE_HEADS[shape]))
        _served(target, bucket)
        answer = hostile.read_to_close()
    _assert_head_refused(target, answer, hyper_bound=True)
    _served(target, bucket)
    assert key not in _keys(target, bucket)


@pytest.mark.parametrize("size", [9_000, 40_000])
def test_a_header_section_over_8_kib_gets_s3s_error(target: Target, bucket: str, size: int) -> None:
    field = b"x-note: " + b"a" * size
    with Hostile(target.server.port) as hostile:
        hostile.sock.sendall(_head("PUT", f"/{bucket}/big", [field], length=None))
        answer = hostile.response()
    _assert_head_refused(target, answer, hyper_bound=False)
    assert "big" not in _keys(target, bucket)


def test_a_header_section_within_8_kib_is_served(target: Target, bucket: str) -> None:
    # Names and values of all fields: 7,900 bytes of one value plus the rest.
    field = b"x-note: " + b"a" * 7_900
    with Hostile(target.server.port) as hostile:
        hostile.sock.sendall(_head("PUT", f"/{bucket}/near", [field]))
        answer = hostile.response()
    assert _status(answer) == 200
    assert "near" in _keys(target, bucket)


def test_more_than_100_header_fields_are_refused(target: Target, bucket: str) -> None:
    # Host and Content-Length are two: 98 more make 100 (served), 99 more 101.
    fields = [f"x-amz-meta-f{i}: v".encode() for i in range(99)]
    with Hostile(target.server.port) as hostile:
        hostile.sock.sendall(_head("PUT", f"/{bucket}/many", fields[:98]))
        assert _status(hostile.response()) == 200
    with Hostile(target.server.port) as hostile:
        hostile.sock.sendall(_head("PUT", f"/{bucket}/toomany", fields))
        answer = hostile.read_to_close()
    _assert_head_refused(target, answer, hyper_bound=True)
    assert _keys(target, bucket) == ["many"]


def test_a_partial_head_is_cut_off_after_the_head_timeout(target: Target, bucket: str) -> None:
    with Hostile(target.server.port) as hostile:
        hostile.sock.sendall(b"PUT /" + bucket.encode() + b"/stalled HTTP/1.1\r\nHost: x\r\n")
        _served(target, bucket)  # while the head is stalled
        assert hostile.read_to_close() == b""  # closed, with no answer
    assert "stalled" not in _keys(target, bucket)


def test_a_connection_that_sends_nothing_is_closed(target: Target, bucket: str) -> None:
    with Hostile(target.server.port) as hostile:
        _served(target, bucket)
        assert hostile.read_to_close() == b""


def test_a_head_sent_a_byte_at_a_time_is_cut_off(target: Target, bucket: str) -> None:
    # Every byte arrives well within any idle bound, but the head as a whole never
    # completes within the head timeout. Sending all of it would take 60 s.
    head = _head("PUT", f"/{bucket}/trickle-head", [b"x-amz-meta-a: " + b"b" * 40])[:120]
    with Hostile(target.server.port) as hostile:
        closed = False
        for byte in head:
            hostile.sock.sendall(bytes([byte]))
            if hostile.closed_within(0.5):
                closed = True
                break
        assert closed
    assert "trickle-head" not in _keys(target, bucket)


# --- hostile XML bodies --------------------------------------------------------------


def _post(bucket: str, query: str, body: bytes) -> bytes:
    return _head("POST", f"/{bucket}?{query}", [], length=len(body)) + body


def test_a_7_mb_million_deep_delete_body_is_malformed_xml(target: Target, bucket: str) -> None:
    target.s3.put_object(Bucket=bucket, Key="keep", Body=b"x")
    depth = 1_000_000
    body = b"<Delete>" + b"<a>" * depth + b"</a>" * depth + b"</Delete>"
    with Hostile(target.server.port) as hostile:
        hostile.send_in_background(_post(bucket, "delete", body))
        _served(target, bucket)
        answer = hostile.response()
    assert _status(answer) == 400
    assert _error(answer).findtext("Code") == "MalformedXML"
    assert _keys(target, bucket) == ["keep"]


def test_a_delete_body_nested_past_the_depth_bound_deletes_nothing(
    target: Target, bucket: str
) -> None:
    # Well-formed, and its <Object> names a real key: only the depth bound refuses it.
    target.s3.put_object(Bucket=bucket, Key="keep", Body=b"x")
    deep = b"<X>" * 40 + b"</X>" * 40
    body = b"<Delete><Object><Key>keep</Key>" + deep + b"</Object></Delete>"
    with Hostile(target.server.port) as hostile:
        hostile.sock.sendall(_post(bucket, "delete", body))
        answer = hostile.response()
    assert _status(answer) == 400
    assert _error(answer).findtext("Code") == "MalformedXML"
    assert _keys(target, bucket) == ["keep"]


def test_delete_objects_within_the_bounds_still_works(target: Target, bucket: str) -> None:
    keys = [f"k{i:04d}" for i in range(1000)]
    for key in keys[:3]:
        target.s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    answer = target.s3.delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True}
    )
    assert answer.get("Errors", []) == []
    assert _keys(target, bucket) == []


# --- stalled and trickling bodies ------------------------------------------------------


def _assert_request_timeout(answer: bytes) -> None:
    assert _status(answer) == 400
    head, _ = answer.split(b"\r\n\r\n", 1)
    assert b"connection: close" in head.lower()
    error = _error(answer)
    assert error.findtext("Code") == "RequestTimeout"
    assert error.findtext("Message") == (
        "Your socket connection to the server was not read from or written to within the "
        "timeout period. Idle connections will be closed."
    )


@pytest.mark.parametrize("sent", [23, 0], ids=["short-body", "headers-then-nothing"])
def test_a_body_shorter_than_its_length_gets_request_timeout(
    target: Target, bucket: str, sent: int
) -> None:
    with Hostile(target.server.port) as hostile:
        hostile.sock.sendall(_head("PUT", f"/{bucket}/short", [], length=33) + b"a" * sent)
        _served(target, bucket)  # while the body is stalled
        answer = hostile.read_to_close()
    _assert_request_timeout(answer)
    assert "short" not in _keys(target, bucket)
    assert _staged_files(target, bucket) == []


def test_a_large_put_that_stalls_leaves_no_staging(target: Target, bucket: str) -> None:
    # Past the in-memory small-PUT path: the body is staged on disk as it arrives.
    with Hostile(target.server.port) as hostile:
        hostile.sock.sendall(_head("PUT", f"/{bucket}/big", [], length=8 << 20) + b"a" * 300_000)
        answer = hostile.read_to_close()
    _assert_request_timeout(answer)
    assert "big" not in _keys(target, bucket)
    assert _staged_files(target, bucket) == []


def test_an_upload_part_that_stalls_leaves_no_part(target: Target, bucket: str) -> None:
    upload_id = target.s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    staged = _staged_files(target, bucket)  # the upload's own record
    path = f"/{bucket}/mp?partNumber=1&uploadId={upload_id}"
    with Hostile(target.server.port) as hostile:
        hostile.sock.sendall(_head("PUT", path, [], length=6 << 20) + b"a" * 300_000)
        answer = hostile.read_to_close()
    _assert_request_timeout(answer)
    parts = target.s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload_id)
    assert parts.get("Parts", []) == []
    assert _staged_files(target, bucket) == staged
    target.s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload_id)


def test_boto3_put_with_a_content_length_larger_than_its_body(target: Target, bucket: str) -> None:
    # The fidelity issue's case: it never got an answer.
    with pytest.raises(ClientError) as info:
        target.s3.put_object(Bucket=bucket, Key="short", Body=b"a" * 23, ContentLength=33)
    assert info.value.response["Error"]["Code"] == "RequestTimeout"
    assert "short" not in _keys(target, bucket)


def test_a_body_trickling_below_the_minimum_rate_is_cut_off(target: Target, bucket: str) -> None:
    # One byte every 0.2 s keeps under the idle timeout but averages 5 bytes/s; the
    # whole body would take 60 s.
    length = 300
    with Hostile(target.server.port) as hostile:
        hostile.sock.sendall(_head("PUT", f"/{bucket}/trickle", [], length=length))
        answered = False
        for _ in range(length):
            hostile.sock.sendall(b"a")
            readable, _, _ = select.select([hostile.sock], [], [], 0.2)
            if readable:
                answered = True
                break
        assert answered
        answer = hostile.read_to_close()
    _assert_request_timeout(answer)
    assert "trickle" not in _keys(target, bucket)
    assert _staged_files(target, bucket) == []


def test_a_slow_but_steady_body_outlasting_the_idle_timeout_is_stored(
    target: Target, bucket: str
) -> None:
    # 100 bytes every 0.05 s (about 2,000 bytes/s, 20 times the minimum rate) for about
    # 4 s: longer than the idle timeout, never idle, never behind the rate.
    piece, pieces = b"s" * 100, 80
    with Hostile(target.server.port) as hostile:
        hostile.sock.sendall(_head("PUT", f"/{bucket}/steady", [], length=len(piece) * pieces))
        for _ in range(pieces - 1):
            hostile.sock.sendall(piece)
            readable, _, _ = select.select([hostile.sock], [], [], 0.05)
            assert not readable, hostile.sock.recv(65536)  # no early answer
        hostile.sock.sendall(piece)
        answer = hostile.response()
    assert _status(answer) == 200
    body = target.s3.get_object(Bucket=bucket, Key="steady")["Body"].read()
    assert body == piece * pieces
