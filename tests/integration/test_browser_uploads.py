"""Real-browser uploads: headless Chromium loads tests/integration/web/upload.html from
a page server on another port (another origin) and, with presigned URLs and forms made
by boto3 here, (a) PUTs a file through a CORS preflight, (b) posts a presigned POST form
built with FormData, (c) reads the object and its exposed ETag back with fetch, and
(d) is refused when the bucket's CORS rules do not allow the page's origin. Every
outcome is read out of the page and asserted here, and checked against what the server
stored. One Chromium and one page server per module; each test gets a fresh page."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.browser import chromium, page_server
from tests.integration.conftest import AwsCli, S3BoxProcess, make_client, start_s3box

TEXT = "uploaded from a real browser\n" * 64


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    with page_server() as served_at:
        yield served_at


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3BoxProcess]:
    # Access log on (INFO), so a test can see the preflight the browser sent.
    server = start_s3box(
        tmp_path_factory.mktemp("s3box-browser"), auth=True, env={"S3BOX_LOG_LEVEL": "info"}
    )
    yield server
    server.stop()


def signing_client(server: S3BoxProcess) -> Any:
    return make_client(server.endpoint, signature_version="s3v4")


@pytest.fixture
def page(browser: Any, origin: str) -> Iterator[Any]:
    page = browser.new_page()
    try:
        page.goto(f"{origin}/upload.html")
        yield page
    finally:
        page.close()


def new_bucket(server: S3BoxProcess, allowed_origin: str | None) -> str:
    s3 = signing_client(server)
    name = f"web-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    if allowed_origin is not None:
        s3.put_bucket_cors(
            Bucket=name,
            CORSConfiguration={
                "CORSRules": [
                    {
                        "AllowedOrigins": [allowed_origin],
                        "AllowedMethods": ["GET", "PUT", "POST", "HEAD"],
                        "AllowedHeaders": ["*"],
                        "ExposeHeaders": ["ETag"],
                        "MaxAgeSeconds": 60,
                    }
                ]
            },
        )
    return name


def call(page: Any, function: str, *args: Any) -> dict[str, Any]:
    """Run one of upload.html's functions in the page; its result as a dict."""
    result: dict[str, Any] = page.evaluate(
        "([name, args]) => attempt(name, ...args)", [function, list(args)]
    )
    return result


def presigned(server: S3BoxProcess, method: str, bucket: str, key: str) -> str:
    url: str = signing_client(server).generate_presigned_url(
        method, Params={"Bucket": bucket, "Key": key}, ExpiresIn=300
    )
    return url


def stored_keys(server: S3BoxProcess, bucket: str) -> list[str]:
    listed = signing_client(server).list_objects_v2(Bucket=bucket)
    return [item["Key"] for item in listed.get("Contents", [])]


def access_log_methods(server: S3BoxProcess, path: str, until: str) -> list[str]:
    """The methods and statuses of the access-log lines for `path`, once a line for
    `until` (e.g. "PUT") has been written: the log is written by a background thread."""
    line = re.compile(rf"s3box\.access: (\w+) {re.escape(path)}[? ](?:\S* )?(\d{{3}}) ")
    deadline = time.monotonic() + 10
    while True:
        found = [f"{m[0]} {m[1]}" for m in line.findall(server.log_text())]
        if any(entry.startswith(until) for entry in found) or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_browser_puts_through_a_preflight_and_reads_back_with_etag(
    page: Any, origin: str, server: S3BoxProcess
) -> None:
    bucket = new_bucket(server, origin)
    # PUT with a non-safelisted Content-Type: Chromium preflights it (OPTIONS) first.
    put = call(
        page,
        "putPresigned",
        presigned(server, "put_object", bucket, "a.bin"),
        TEXT,
        "application/octet-stream",
    )
    head = signing_client(server).head_object(Bucket=bucket, Key="a.bin")
    assert put == {"status": 200, "etag": head["ETag"]}
    assert head["ContentLength"] == len(TEXT)
    # Chromium asked first: a preflight, answered 200, then the PUT.
    sent = access_log_methods(server, f"/{bucket}/a.bin", "PUT")
    assert [entry for entry in sent if entry.split()[0] in ("OPTIONS", "PUT")] == [
        "OPTIONS 200",
        "PUT 200",
    ]

    got = call(page, "readBack", presigned(server, "get_object", bucket, "a.bin"))
    assert got == {"status": 200, "text": TEXT, "etag": head["ETag"]}


def test_browser_posts_a_presigned_form_built_with_formdata(
    page: Any, origin: str, server: S3BoxProcess, tmp_path: Path
) -> None:
    bucket = new_bucket(server, None)
    # This bucket's rule comes from the AWS CLI (s3api put-bucket-cors), as a user sets it.
    rule = {"AllowedOrigins": [origin], "AllowedMethods": ["POST"], "AllowedHeaders": ["*"]}
    cli = AwsCli(server.endpoint, tmp_path)
    cors = json.dumps({"CORSRules": [rule]})
    cli.run("s3api", "put-bucket-cors", "--bucket", bucket, "--cors-configuration", cors)
    got_rules = json.loads(cli.run("s3api", "get-bucket-cors", "--bucket", bucket).stdout)
    assert got_rules["CORSRules"] == [rule]
    post = signing_client(server).generate_presigned_post(
        bucket,
        "forms/${filename}",
        Fields={"Content-Type": "text/plain"},
        Conditions=[
            ["starts-with", "$key", "forms/"],
            {"Content-Type": "text/plain"},
            ["content-length-range", 1, 1 << 20],
        ],
        ExpiresIn=300,
    )
    posted = call(page, "postForm", post["url"], post["fields"], TEXT, "note.txt")
    assert posted == {"status": 204, "body": ""}
    stored = signing_client(server).get_object(Bucket=bucket, Key="forms/note.txt")
    assert stored["Body"].read().decode() == TEXT
    assert stored["ContentType"] == "text/plain"


def test_browser_is_refused_when_its_origin_is_not_allowed(
    page: Any, origin: str, server: S3BoxProcess
) -> None:
    # One bucket allows another origin only, one has no CORS configuration at all.
    for allowed in ("http://allowed.example", None):
        bucket = new_bucket(server, allowed)
        put = call(
            page,
            "putPresigned",
            presigned(server, "put_object", bucket, "no.bin"),
            TEXT,
            "application/octet-stream",
        )
        assert "error" in put, put  # fetch rejected: the preflight was refused
        assert "Failed to fetch" in put["error"]
        assert stored_keys(server, bucket) == []  # the PUT itself was never sent
        # S3 answers such a preflight 403 (CORSResponse); only the OPTIONS reached it.
        assert access_log_methods(server, f"/{bucket}/no.bin", "OPTIONS") == ["OPTIONS 403"]

        signing_client(server).put_object(Bucket=bucket, Key="there.txt", Body=b"x")
        got = call(page, "readBack", presigned(server, "get_object", bucket, "there.txt"))
        assert "Failed to fetch" in got.get("error", ""), got


def test_browser_puts_to_a_virtual_hosted_presigned_url(
    page: Any, origin: str, server: S3BoxProcess
) -> None:
    # Chromium resolves every *.localhost name to loopback itself, so a URL signed for
    # http://BUCKET.localhost:PORT (boto3 in virtual-hosted style) reaches s3box.
    bucket = new_bucket(server, origin)
    vhost = make_client(
        f"http://localhost:{server.port}",
        signature_version="s3v4",
        s3={"addressing_style": "virtual"},
    )
    params = {"Bucket": bucket, "Key": "v.bin"}
    put_url = vhost.generate_presigned_url("put_object", Params=params, ExpiresIn=300)
    assert put_url.startswith(f"http://{bucket}.localhost:{server.port}/v.bin?")
    put = call(page, "putPresigned", put_url, TEXT, "application/octet-stream")
    etag = signing_client(server).head_object(Bucket=bucket, Key="v.bin")["ETag"]
    assert put == {"status": 200, "etag": etag}
    got = call(page, "readBack", vhost.generate_presigned_url("get_object", Params=params))
    assert got == {"status": 200, "text": TEXT, "etag": etag}


def test_server_wide_cors_flag_lets_a_page_upload_with_no_bucket_cors(
    browser: Any, origin: str, tmp_path: Path
) -> None:
    flagged = start_s3box(tmp_path, auth=True, args=["--cors", origin])
    bucket = new_bucket(flagged, None)  # no PutBucketCors: the server-wide rule applies
    page = browser.new_page()
    try:
        page.goto(f"{origin}/upload.html")
        put = call(
            page,
            "putPresigned",
            presigned(flagged, "put_object", bucket, "f.bin"),
            TEXT,
            "application/octet-stream",
        )
        assert put.get("status") == 200, put
        got = call(page, "readBack", presigned(flagged, "get_object", bucket, "f.bin"))
        assert got.get("status") == 200, got
        assert got["text"] == TEXT
        # The server-wide rule exposes ETag (docs/configuration.md, `cors.expose_headers`).
        etag = signing_client(flagged).head_object(Bucket=bucket, Key="f.bin")["ETag"]
        assert put["etag"] == got["etag"] == etag
    finally:
        page.close()
        flagged.stop()
