"""ObjectHandlers through the ASGI app, in process (the `asgi` fixture):
PutObject, GetObject, HeadObject, DeleteObject and CopyObject on the paths
where the handler joins parse, engine and render."""

from __future__ import annotations

import base64
import hashlib
import xml.etree.ElementTree as ET

from tests.unit.server.conftest import AsgiClient, AsgiResponse

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def _code(response: AsgiResponse) -> str:
    return ET.fromstring(response.body).findtext("Code") or ""


def _with_object(asgi: AsgiClient, body: bytes = b"0123456789") -> None:
    assert asgi.request("PUT", "/bkt").status == 200
    put = asgi.request("PUT", "/bkt/src", body, {"x-amz-meta-a": "1", "content-type": "text/plain"})
    assert put.status == 200


def test_get_range_with_overrides_and_head_with_checksum_mode(asgi: AsgiClient) -> None:
    asgi.request("PUT", "/bkt")
    body = b"0123456789"
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    put = asgi.request("PUT", "/bkt/k", body, {"x-amz-checksum-sha256": digest})
    assert put.headers["x-amz-checksum-sha256"] == digest
    got = asgi.request("GET", "/bkt/k?response-content-type=a%2Fb", headers={"range": "bytes=2-4"})
    assert (got.status, got.body) == (206, b"234")
    assert got.headers["content-type"] == "a/b"
    assert got.headers["content-range"] == "bytes 2-4/10"
    assert "x-amz-checksum-sha256" not in got.headers
    head = asgi.request("HEAD", "/bkt/k", headers={"x-amz-checksum-mode": "ENABLED"})
    assert (head.status, head.headers["content-length"]) == (200, "10")
    assert head.headers["x-amz-checksum-sha256"] == digest
    assert head.headers["x-amz-checksum-type"] == "FULL_OBJECT"


def test_get_if_none_match_is_304_and_missing_key_comes_first(asgi: AsgiClient) -> None:
    _with_object(asgi)
    etag = asgi.request("HEAD", "/bkt/src").headers["etag"]
    not_modified = asgi.request("GET", "/bkt/src", headers={"if-none-match": etag})
    assert (not_modified.status, not_modified.headers["etag"]) == (304, etag)
    # A bad override on a missing key: S3 answers NoSuchKey before checking it.
    missing = asgi.request("GET", "/bkt/absent?response-expires=a%0Ab")
    assert (missing.status, _code(missing)) == (404, "NoSuchKey")
    both = asgi.request("GET", "/bkt/src?partNumber=1", headers={"range": "bytes=0-1"})
    assert (both.status, _code(both)) == (400, "InvalidRequest")


def test_empty_object_get_and_part_number(asgi: AsgiClient) -> None:
    asgi.request("PUT", "/bkt")
    asgi.request("PUT", "/bkt/empty", b"")
    got = asgi.request("GET", "/bkt/empty")
    assert (got.status, got.body, got.headers["content-length"]) == (200, b"", "0")
    part = asgi.request("GET", "/bkt/empty?partNumber=1")
    assert (part.status, part.body) == (206, b"")


def test_delete_object_answers_204_and_checks_if_match(asgi: AsgiClient) -> None:
    _with_object(asgi)
    assert asgi.request("DELETE", "/bkt/absent").status == 204
    wrong = asgi.request("DELETE", "/bkt/src", headers={"if-match": '"nope"'})
    assert (wrong.status, _code(wrong)) == (412, "PreconditionFailed")
    etag = asgi.request("HEAD", "/bkt/src").headers["etag"]
    assert asgi.request("DELETE", "/bkt/src", headers={"if-match": etag}).status == 204
    assert asgi.request("HEAD", "/bkt/src").status == 404
    no_bucket = asgi.request("DELETE", "/nope/k")
    assert (no_bucket.status, _code(no_bucket)) == (404, "NoSuchBucket")


def test_copy_object_copies_metadata_and_recomputes_a_checksum(asgi: AsgiClient) -> None:
    body = b"x" * (300 * 1024)  # large enough to be hashed from the part files in chunks
    _with_object(asgi, body)
    copied = asgi.request(
        "PUT",
        "/bkt/dst",
        headers={"x-amz-copy-source": "/bkt/src", "x-amz-checksum-algorithm": "sha256"},
    )
    assert (copied.status, copied.headers["content-type"]) == (200, "application/xml")
    root = ET.fromstring(copied.body)
    expected = base64.b64encode(hashlib.sha256(body).digest()).decode()
    assert root.findtext(NS + "ChecksumSHA256") == expected
    assert root.findtext(NS + "ChecksumType") == "FULL_OBJECT"
    assert root.findtext(NS + "ETag") == f'"{hashlib.md5(body).hexdigest()}"'
    head = asgi.request("HEAD", "/bkt/dst", headers={"x-amz-checksum-mode": "ENABLED"})
    assert head.headers["x-amz-meta-a"] == "1"
    assert head.headers["x-amz-checksum-sha256"] == expected
    assert asgi.request("GET", "/bkt/dst").body == body


def test_copy_object_errors_in_s3_order(asgi: AsgiClient) -> None:
    _with_object(asgi)
    # The destination bucket is checked before the source is looked at.
    no_bucket = asgi.request("PUT", "/nope/dst", headers={"x-amz-copy-source": "/bkt/absent"})
    assert (no_bucket.status, _code(no_bucket)) == (404, "NoSuchBucket")
    no_source = asgi.request("PUT", "/bkt/dst", headers={"x-amz-copy-source": "/bkt/absent"})
    assert (no_source.status, _code(no_source)) == (404, "NoSuchKey")
    onto_itself = asgi.request("PUT", "/bkt/src", headers={"x-amz-copy-source": "/bkt/src"})
    assert (onto_itself.status, _code(onto_itself)) == (400, "InvalidRequest")
    failed = asgi.request(
        "PUT",
        "/bkt/dst",
        headers={"x-amz-copy-source": "/bkt/src", "x-amz-copy-source-if-match": '"nope"'},
    )
    assert (failed.status, _code(failed)) == (412, "PreconditionFailed")
    assert asgi.request("HEAD", "/bkt/dst").status == 404


def test_copy_object_replace_directive_takes_the_request_metadata(asgi: AsgiClient) -> None:
    _with_object(asgi)
    copied = asgi.request(
        "PUT",
        "/bkt/src",
        headers={
            "x-amz-copy-source": "/bkt/src",
            "x-amz-metadata-directive": "REPLACE",
            "x-amz-meta-b": "2",
            "content-type": "image/png",
        },
    )
    assert copied.status == 200
    head = asgi.request("HEAD", "/bkt/src")
    assert (head.headers["content-type"], head.headers["x-amz-meta-b"]) == ("image/png", "2")
    assert "x-amz-meta-a" not in head.headers
