"""The benchmark scenarios: what is measured on each target, and with which sizes.

A scenario takes a running target and a `Profile` (full or quick sizes) and returns metric
values; setup (creating keys) is never timed. Unsupported operations yield "n/a", bounded
operations that run out of time yield "timeout", never a partial figure.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from bench.loadgen import BenchTimeout, LoadResult, RequestPlan, SyncConnection, run_load
from bench.memstat import reclaimed_mib
from bench.servers import S3_TARGETS, TARGETS, RunningServer, TargetError, start_target

MiB = 1 << 20
MB = 1_000_000
Value = float | str
Results = dict[str, Value]

# Both servers run with auth off, but moto treats a request without Authorization as anonymous
# and answers 403 to GETs of private objects; a well-formed (never verified) SigV4 header with
# UNSIGNED-PAYLOAD makes it serve them. s3box with auth off accepts signed or unsigned alike.
FAKE_SIGV4_HEADERS: tuple[tuple[str, str], ...] = (
    ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"),
    ("x-amz-date", "20260101T000000Z"),
    (
        "Authorization",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + "0" * 64,
    ),
)


@dataclass(frozen=True)
class Profile:
    """Sizes and bounds of one benchmark run (`FULL` by default, `QUICK` for smoke tests)."""

    name: str
    rounds: int
    small_keys: int
    small_requests: int
    small_time_limit_s: float
    concurrencies: tuple[int, ...]
    big_bytes: int
    big_time_limit_s: float
    list_keys: int
    list_prefixes: int
    list_time_limit_s: float
    delete_keys: int
    startup_runs: int
    multipart_bytes: int
    multipart_part_bytes: int
    multipart_in_flight: int
    complete_part_counts: tuple[int, ...]
    setup_time_limit_s: float


FULL = Profile(
    name="full",
    rounds=3,
    small_keys=2_000,
    small_requests=50_000,
    small_time_limit_s=10.0,
    concurrencies=(16, 64),
    big_bytes=1 << 30,
    big_time_limit_s=180.0,
    list_keys=100_000,
    list_prefixes=100,
    list_time_limit_s=120.0,
    delete_keys=20_000,
    startup_runs=3,
    multipart_bytes=1 << 30,
    multipart_part_bytes=16 * MiB,
    multipart_in_flight=4,
    complete_part_counts=(64,),
    setup_time_limit_s=600.0,
)

QUICK = Profile(
    name="quick",
    rounds=1,
    small_keys=500,
    small_requests=3_000,
    small_time_limit_s=2.0,
    concurrencies=(16, 64),
    big_bytes=64 * MiB,
    big_time_limit_s=30.0,
    list_keys=3_000,
    list_prefixes=30,
    list_time_limit_s=30.0,
    delete_keys=2_000,
    startup_runs=1,
    multipart_bytes=64 * MiB,
    multipart_part_bytes=16 * MiB,
    multipart_in_flight=4,
    complete_part_counts=(8,),
    setup_time_limit_s=60.0,
)


@dataclass(frozen=True)
class Metric:
    """One reported figure; `higher_is_better` orients the s3box/moto ratio, and
    `compare=False` marks a figure about the machine, not the target (no ratio)."""

    key: str
    label: str
    unit: str
    higher_is_better: bool
    compare: bool = True


@dataclass(frozen=True)
class Scenario:
    """A named measurement: which metrics it yields, on which targets, and how to run it."""

    name: str
    metrics: tuple[Metric, ...]
    run: Callable[[RunningServer, Profile], Results]
    targets: tuple[str, ...] = S3_TARGETS
    repeat: bool = True  # run once per round (else once per target)


# --------------------------------------------------------------------------- helpers


def _plan(server: RunningServer, method: str, template: str, keys: int, body: bytes = b""):
    return RequestPlan(
        method, server.host, server.port, template, keys, body=body, headers=FAKE_SIGV4_HEADERS
    )


def _request(conn: SyncConnection, method: str, path: str, body: bytes = b"", headers=()):
    return conn.request(method, path, body, (*FAKE_SIGV4_HEADERS, *headers))


def ensure_bucket(server: RunningServer, bucket: str) -> None:
    with server.connect() as conn:
        response = _request(conn, "PUT", f"/{bucket}")
    # 409 BucketAlreadyOwnedByYou is fine: the bucket is ours from an earlier round.
    if response.status not in (200, 409):
        raise TargetError(f"{server.name}: CreateBucket {bucket} -> {response.status}")


def populate(server: RunningServer, template: str, keys: int, profile: Profile, body=b"") -> None:
    """Create keys 0..keys-1 with the fast PUT path (untimed setup); all must succeed."""
    result = run_load(
        _plan(server, "PUT", template, keys, body), 64, keys, profile.setup_time_limit_s
    )
    if result.requests != keys or result.errors:
        raise TargetError(
            f"{server.name}: setup PUT of {keys} keys made {result.requests} "
            f"with {result.errors} errors ({result.statuses})"
        )


def _load_metrics(prefix: str, result: LoadResult) -> Results:
    out: Results = {
        f"{prefix}.ops_per_s": result.ops_per_s,
        f"{prefix}.p50_ms": result.percentile_ms(50),
        f"{prefix}.p99_ms": result.percentile_ms(99),
        f"{prefix}.errors": float(result.errors),
    }
    return out


def settle_page_cache() -> None:
    """Untimed: write back the dirty pages earlier scenarios left (sync), so a large
    write is not throttled by another scenario's (or another target's) backlog. On a
    small VM, 1-2 GB of dirty data left over slowed a 1 GiB PUT by up to a third."""
    os.sync()


def content_md5(body: bytes) -> str:
    return base64.b64encode(hashlib.md5(body).digest()).decode()


# --------------------------------------------------------------------------- small objects

SMALL_BODY = os.urandom(4096)
SMALL_BUCKET = "bench-small"
SMALL_TEMPLATE = "/" + SMALL_BUCKET + "/obj-{:06d}"


def _ensure_small_keys(server: RunningServer, profile: Profile) -> None:
    if server.state.get("small_keys") == profile.small_keys or server.name == "trivial":
        return
    ensure_bucket(server, SMALL_BUCKET)
    populate(server, SMALL_TEMPLATE, profile.small_keys, profile, SMALL_BODY)
    server.state["small_keys"] = profile.small_keys


def small_object_scenario(method: str, concurrency: int) -> Scenario:
    prefix = f"{method.lower()}_4k_c{concurrency}"
    label = f"{method} 4 KiB c={concurrency}"

    def run(server: RunningServer, profile: Profile) -> Results:
        _ensure_small_keys(server, profile)
        body = SMALL_BODY if method == "PUT" else b""
        plan = _plan(server, method, SMALL_TEMPLATE, profile.small_keys, body)
        result = run_load(plan, concurrency, profile.small_requests, profile.small_time_limit_s)
        return _load_metrics(prefix, result)

    return Scenario(
        name=prefix,
        metrics=(
            Metric(f"{prefix}.ops_per_s", f"{label} throughput", "ops/s", True),
            Metric(f"{prefix}.p50_ms", f"{label} p50", "ms", False),
            Metric(f"{prefix}.p99_ms", f"{label} p99", "ms", False),
        ),
        run=run,
        targets=TARGETS,
    )


# --------------------------------------------------------------------------- large objects

BIG_BUCKET = "bench-big"
PIECE = os.urandom(MiB)  # reused for every MiB sent: bodies are never held whole in memory


def _size_label(size: int) -> str:
    return f"{size >> 30} GiB" if size >= 1 << 30 else f"{size >> 20} MiB"


def big_put(server: RunningServer, profile: Profile) -> Results:
    ensure_bucket(server, BIG_BUCKET)
    settle_page_cache()
    deadline = time.monotonic() + profile.big_time_limit_s
    reclaimed_before = reclaimed_mib()
    with server.connect() as conn, server.sampler.window() as window:
        started = time.perf_counter()
        try:
            response = conn.put_stream(
                f"/{BIG_BUCKET}/big", profile.big_bytes, PIECE, deadline, FAKE_SIGV4_HEADERS
            )
        except BenchTimeout:
            return {"big_put.mb_per_s": "timeout", "big_put.peak_rss_mib": window.peak_mib}
        elapsed = time.perf_counter() - started
    if response.status != 200:
        return {"big_put.mb_per_s": f"error {response.status}"}
    server.state["big_object"] = True
    return {
        "big_put.mb_per_s": profile.big_bytes / elapsed / MB,
        "big_put.peak_rss_mib": window.peak_mib,
        # Pages the kernel took back from older page cache while this PUT wrote, as a
        # share of its size: near 0 means the PUT ran on free memory, which costs more
        # on a VM that backs memory lazily (docs/decisions/large-writes.md).
        "big_put.reclaimed_pct": 100.0
        * min(reclaimed_mib() - reclaimed_before, profile.big_bytes >> 20)
        / max(1, profile.big_bytes >> 20),
    }


def big_get(server: RunningServer, profile: Profile) -> Results:
    if not server.state.get("big_object"):
        big_put(server, profile)
    deadline = time.monotonic() + profile.big_time_limit_s
    path = f"/{BIG_BUCKET}/big"
    with server.connect() as conn:
        with server.sampler.window() as window:
            started = time.perf_counter()
            try:
                response = conn.get_stream(path, deadline, FAKE_SIGV4_HEADERS)
            except BenchTimeout:
                return {"big_get.mb_per_s": "timeout", "big_get.peak_rss_mib": window.peak_mib}
            elapsed = time.perf_counter() - started
        # Free the server's memory (moto keeps objects in RAM) before the next scenario.
        _request(conn, "DELETE", path)
    server.state["big_object"] = False
    if response.status != 200 or response.body_length != profile.big_bytes:
        return {"big_get.mb_per_s": f"error {response.status} ({response.body_length} bytes)"}
    return {
        "big_get.mb_per_s": profile.big_bytes / elapsed / MB,
        "big_get.peak_rss_mib": window.peak_mib,
    }


# --------------------------------------------------------------------------- listing

LIST_BUCKET = "bench-list"
_TOKEN_RE = re.compile(rb"<NextContinuationToken>([^<]+)</NextContinuationToken>")
_TRUNCATED = b"<IsTruncated>true</IsTruncated>"


def _prefixed_key(index: int, prefixes: int) -> str:
    return f"p{index % prefixes:03d}/k{index:07d}"


def _ensure_list_keys(server: RunningServer, profile: Profile) -> None:
    if server.state.get("list_keys") == profile.list_keys:
        return
    ensure_bucket(server, LIST_BUCKET)
    # Key i lives under prefix p<i mod prefixes>/, so the top level has `list_prefixes` entries.
    keys = tuple(_prefixed_key(i, profile.list_prefixes) for i in range(profile.list_keys))
    plan = RequestPlan(
        "PUT",
        server.host,
        server.port,
        "/" + LIST_BUCKET + "/{}",
        len(keys),
        headers=FAKE_SIGV4_HEADERS,
        keys=keys,
    )
    result = run_load(plan, 64, len(keys), profile.setup_time_limit_s)
    if result.requests != len(keys) or result.errors:
        raise TargetError(
            f"{server.name}: listing setup made {result.requests} keys, {result.errors} errors"
        )
    server.state["list_keys"] = profile.list_keys


def _paginate(
    server: RunningServer, query: str, deadline: float, marker: bytes
) -> tuple[int, int, float]:
    """Follow NextContinuationToken to the end; returns (pages, count of `marker`, seconds)."""
    from urllib.parse import quote

    pages = found = 0
    token = b""
    with server.connect(timeout=120.0) as conn:
        started = time.perf_counter()
        while True:
            path = f"/{LIST_BUCKET}?list-type=2&{query}"
            if token:
                path += "&continuation-token=" + quote(token.decode(), safe="")
            response = _request(conn, "GET", path)
            if response.status != 200:
                raise TargetError(f"{server.name}: ListObjectsV2 -> {response.status}")
            pages += 1
            found += response.body.count(marker)
            if _TRUNCATED not in response.body:
                break
            match = _TOKEN_RE.search(response.body)
            if match is None:
                raise TargetError(f"{server.name}: truncated page without a continuation token")
            token = match.group(1)
            if time.monotonic() > deadline:
                raise BenchTimeout(f"listing stopped after {pages} pages")
        return pages, found, time.perf_counter() - started


def list_full(server: RunningServer, profile: Profile) -> Results:
    _ensure_list_keys(server, profile)
    deadline = time.monotonic() + profile.list_time_limit_s
    try:
        pages, keys, elapsed = _paginate(server, "max-keys=1000", deadline, b"<Key>")
    except BenchTimeout:
        return {"list_full.ms": "timeout"}
    if keys != profile.list_keys:
        return {"list_full.ms": f"wrong count {keys}"}
    return {"list_full.ms": elapsed * 1000, "list_full.pages": float(pages)}


def list_delimiter(server: RunningServer, profile: Profile) -> Results:
    _ensure_list_keys(server, profile)
    deadline = time.monotonic() + profile.list_time_limit_s
    try:
        _, prefixes, elapsed = _paginate(server, "delimiter=%2F", deadline, b"<CommonPrefixes>")
    except BenchTimeout:
        return {"list_delimiter.ms": "timeout"}
    if prefixes != profile.list_prefixes:
        return {"list_delimiter.ms": f"wrong count {prefixes}"}
    return {"list_delimiter.ms": elapsed * 1000}


# --------------------------------------------------------------------------- DeleteObjects

DELETE_BUCKET = "bench-delete"
DELETE_BATCH = 1000


def delete_objects(server: RunningServer, profile: Profile) -> Results:
    ensure_bucket(server, DELETE_BUCKET)
    template = "/" + DELETE_BUCKET + "/d{:07d}"
    populate(server, template, profile.delete_keys, profile)
    bodies = []
    for start in range(0, profile.delete_keys, DELETE_BATCH):
        stop = min(start + DELETE_BATCH, profile.delete_keys)
        objects = "".join(f"<Object><Key>d{i:07d}</Key></Object>" for i in range(start, stop))
        bodies.append((stop - start, f"<Delete>{objects}</Delete>".encode()))
    deleted = 0
    with server.connect(timeout=120.0) as conn:
        started = time.perf_counter()
        for expected, body in bodies:
            response = _request(
                conn, "POST", f"/{DELETE_BUCKET}?delete", body, [("Content-MD5", content_md5(body))]
            )
            if response.status != 200 or b"<Error>" in response.body:
                return {"delete_objects.keys_per_s": f"error {response.status}"}
            deleted += response.body.count(b"<Deleted>")
            if deleted == 0 and expected:
                break
        elapsed = time.perf_counter() - started
    if deleted != profile.delete_keys:
        return {"delete_objects.keys_per_s": f"deleted {deleted}"}
    return {"delete_objects.keys_per_s": deleted / elapsed}


# --------------------------------------------------------------------------- startup


def startup_time(server: RunningServer, profile: Profile) -> Results:
    """Median of fresh starts (Popen to first answered GET /); the running server is idle."""
    samples = []
    for _ in range(profile.startup_runs):
        fresh = start_target(server.name)
        try:
            samples.append(fresh.startup_s)
        finally:
            fresh.stop()
    return {
        "startup.ms": statistics.median(samples) * 1000,
        "startup.idle_rss_mib": server.sampler.sample() / MiB,
    }


# --------------------------------------------------------------------------- multipart

MP_BUCKET = "bench-multipart"
_UPLOAD_ID_RE = re.compile(rb"<UploadId>([^<]+)</UploadId>")


def _create_upload(conn: SyncConnection, key: str) -> str | None:
    response = _request(conn, "POST", f"/{MP_BUCKET}/{key}?uploads")
    match = _UPLOAD_ID_RE.search(response.body) if response.status == 200 else None
    return match.group(1).decode() if match else None


def _upload_parts(
    server: RunningServer, key: str, upload_id: str, sizes: list[int], in_flight: int, deadline
) -> list[str]:
    """UploadPart for each size, `in_flight` at a time (one connection per thread)."""
    etags: list[str] = [""] * len(sizes)
    errors: list[str] = []
    next_part = iter(range(len(sizes)))
    lock = threading.Lock()

    def worker() -> None:
        with server.connect(timeout=120.0) as conn:
            while not errors:
                with lock:
                    index = next(next_part, None)
                if index is None:
                    return
                path = f"/{MP_BUCKET}/{key}?partNumber={index + 1}&uploadId={upload_id}"
                try:
                    response = conn.put_stream(
                        path, sizes[index], PIECE, deadline, FAKE_SIGV4_HEADERS
                    )
                except (BenchTimeout, OSError) as exc:
                    errors.append(repr(exc))
                    return
                etag = response.header("ETag")
                if response.status != 200 or not etag:
                    errors.append(f"UploadPart {index + 1} -> {response.status}")
                    return
                etags[index] = etag

    threads = [threading.Thread(target=worker) for _ in range(in_flight)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise TargetError(errors[0])
    return etags


def _complete(conn: SyncConnection, key: str, upload_id: str, etags: list[str]) -> None:
    parts = "".join(
        f"<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag></Part>"
        for n, etag in enumerate(etags, start=1)
    )
    body = f"<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>".encode()
    response = _request(conn, "POST", f"/{MP_BUCKET}/{key}?uploadId={upload_id}", body)
    # S3 may answer 200 with an <Error> body when completion fails late.
    if response.status != 200 or b"<Error>" in response.body:
        raise TargetError(f"CompleteMultipartUpload -> {response.status} {response.body[:200]!r}")


def _part_sizes(total: int, part: int) -> list[int]:
    sizes = [part] * (total // part)
    if total % part:
        sizes.append(total % part)
    return sizes


def multipart_upload(server: RunningServer, profile: Profile) -> Results:
    ensure_bucket(server, MP_BUCKET)
    settle_page_cache()
    deadline = time.monotonic() + profile.big_time_limit_s
    sizes = _part_sizes(profile.multipart_bytes, profile.multipart_part_bytes)
    with server.connect(timeout=120.0) as conn, server.sampler.window() as window:
        started = time.perf_counter()
        upload_id = _create_upload(conn, "mp-big")
        if upload_id is None:
            return {"multipart.mb_per_s": "n/a"}
        try:
            etags = _upload_parts(
                server, "mp-big", upload_id, sizes, profile.multipart_in_flight, deadline
            )
            _complete(conn, "mp-big", upload_id, etags)
        except TargetError as exc:
            return {"multipart.mb_per_s": f"error: {exc}"[:60]}
        elapsed = time.perf_counter() - started
        _request(conn, "DELETE", f"/{MP_BUCKET}/mp-big")
    return {
        "multipart.mb_per_s": profile.multipart_bytes / elapsed / MB,
        "multipart.peak_rss_mib": window.peak_mib,
    }


def complete_scenario(parts: int) -> Scenario:
    prefix = f"complete_{parts}"

    def run(server: RunningServer, profile: Profile) -> Results:
        ensure_bucket(server, MP_BUCKET)
        key = f"mp-{parts}"
        deadline = time.monotonic() + max(profile.big_time_limit_s, parts * 0.5)
        with server.connect(timeout=300.0) as conn:
            upload_id = _create_upload(conn, key)
            if upload_id is None:
                return {f"{prefix}.ms": "n/a"}
            try:
                # S3 requires >= 5 MiB for every part but the last; setup is untimed.
                etags = _upload_parts(server, key, upload_id, [5 * MiB] * parts, 4, deadline)
                started = time.perf_counter()
                _complete(conn, key, upload_id, etags)
                elapsed = time.perf_counter() - started
            except TargetError as exc:
                return {f"{prefix}.ms": f"error: {exc}"[:60]}
            _request(conn, "DELETE", f"/{MP_BUCKET}/{key}")
        return {f"{prefix}.ms": elapsed * 1000}

    return Scenario(
        name=prefix,
        metrics=(Metric(f"{prefix}.ms", f"CompleteMultipartUpload, {parts} parts", "ms", False),),
        run=run,
        repeat=False,
    )


# --------------------------------------------------------------------------- registry


def build_scenarios(profile: Profile) -> list[Scenario]:
    """All scenarios in run order (PUT before GET/HEAD so reads hit existing keys)."""
    big = _size_label(profile.big_bytes)
    mp = _size_label(profile.multipart_bytes)
    part = _size_label(profile.multipart_part_bytes)
    scenarios = [
        small_object_scenario(method, concurrency)
        for method in ("PUT", "GET", "HEAD")
        for concurrency in profile.concurrencies
    ]
    scenarios += [
        Scenario(
            "big_put",
            (
                Metric("big_put.mb_per_s", f"PUT {big} streamed", "MB/s", True),
                Metric("big_put.peak_rss_mib", f"PUT {big} server peak RSS", "MiB", False),
                Metric(
                    "big_put.reclaimed_pct",
                    f"PUT {big} pages from reclaimed cache",
                    "%",
                    True,
                    compare=False,
                ),
            ),
            big_put,
        ),
        Scenario(
            "big_get",
            (
                Metric("big_get.mb_per_s", f"GET {big} streamed", "MB/s", True),
                Metric("big_get.peak_rss_mib", f"GET {big} server peak RSS", "MiB", False),
            ),
            big_get,
        ),
        Scenario(
            "list_full",
            (
                Metric(
                    "list_full.ms",
                    f"ListObjectsV2 all {profile.list_keys:,} keys (1000/page)",
                    "ms",
                    False,
                ),
            ),
            list_full,
        ),
        Scenario(
            "list_delimiter",
            (
                Metric(
                    "list_delimiter.ms",
                    f"ListObjectsV2 delimiter=/ ({profile.list_prefixes} prefixes)",
                    "ms",
                    False,
                ),
            ),
            list_delimiter,
        ),
        Scenario(
            "delete_objects",
            (
                Metric(
                    "delete_objects.keys_per_s",
                    f"DeleteObjects {profile.delete_keys:,} keys (1000/request)",
                    "keys/s",
                    True,
                ),
            ),
            delete_objects,
            repeat=False,
        ),
        Scenario(
            "startup",
            (
                Metric("startup.ms", "startup to first answered request (median)", "ms", False),
                Metric("startup.idle_rss_mib", "idle RSS after the run so far", "MiB", False),
            ),
            startup_time,
            targets=TARGETS,
            repeat=False,
        ),
        Scenario(
            "multipart",
            (
                Metric(
                    "multipart.mb_per_s",
                    f"multipart {mp} in {part} parts, {profile.multipart_in_flight} in flight",
                    "MB/s",
                    True,
                ),
                Metric("multipart.peak_rss_mib", "multipart server peak RSS", "MiB", False),
            ),
            multipart_upload,
        ),
    ]
    scenarios += [complete_scenario(parts) for parts in profile.complete_part_counts]
    return scenarios


def profile_summary(profile: Profile) -> dict[str, Any]:
    return asdict(profile)
