"""MultipartHandlers through the ASGI app, in process (the `asgi` fixture):
checksums chosen at CreateMultipartUpload, UploadPartCopy, retried Completes
answered from the completions record, and the order of S3's errors."""

from __future__ import annotations

import base64
import hashlib
import xml.etree.ElementTree as ET
import zlib

from tests.unit.server.conftest import AsgiClient, AsgiResponse

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
SSE_C = {"x-amz-server-side-encryption-customer-algorithm": "AES256"}


def _xml(response: AsgiResponse) -> ET.Element:
    return ET.fromstring(response.body)


def _code(response: AsgiResponse) -> str:
    return _xml(response).findtext("Code") or ""


def _crc32(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def _create(asgi: AsgiClient, key: str, headers: dict[str, str] | None = None) -> str:
    asgi.request("PUT", "/bkt")
    created = asgi.request("POST", f"/bkt/{key}?uploads", headers=headers)
    assert created.status == 200
    return _xml(created).findtext(NS + "UploadId") or ""


def _complete_body(etag: str) -> bytes:
    return (
        f"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag>"
        "</Part></CompleteMultipartUpload>"
    ).encode()


def test_chosen_checksum_is_echoed_per_part_and_on_the_object(asgi: AsgiClient) -> None:
    asgi.request("PUT", "/bkt")
    created = asgi.request("POST", "/bkt/mp?uploads", headers={"x-amz-checksum-algorithm": "CRC32"})
    assert created.headers["x-amz-checksum-algorithm"] == "CRC32"
    assert created.headers["x-amz-checksum-type"] == "COMPOSITE"
    upload_id = _xml(created).findtext(NS + "UploadId")
    part = asgi.request("PUT", f"/bkt/mp?partNumber=1&uploadId={upload_id}", b"hello")
    assert part.headers["x-amz-checksum-crc32"] == _crc32(b"hello")
    done = asgi.request(
        "POST", f"/bkt/mp?uploadId={upload_id}", _complete_body(part.headers["etag"])
    )
    assert done.status == 200
    root = _xml(done)
    assert root.findtext(NS + "ChecksumType") == "COMPOSITE"
    assert (root.findtext(NS + "ChecksumCRC32") or "").endswith("-1")


def test_retried_complete_answers_like_the_first(asgi: AsgiClient) -> None:
    upload_id = _create(asgi, "mp")
    part = asgi.request("PUT", f"/bkt/mp?partNumber=1&uploadId={upload_id}", b"data")
    body = _complete_body(part.headers["etag"])
    first = asgi.request("POST", f"/bkt/mp?uploadId={upload_id}", body)
    again = asgi.request("POST", f"/bkt/mp?uploadId={upload_id}", body)
    assert (first.status, again.status) == (200, 200)
    assert again.body == first.body
    other = asgi.request("POST", f"/bkt/mp?uploadId={upload_id}", _complete_body('"0" '))
    assert (other.status, _code(other)) == (404, "NoSuchUpload")


def test_complete_with_a_wrong_whole_object_checksum_is_bad_digest(asgi: AsgiClient) -> None:
    upload_id = _create(
        asgi,
        "mp",
        {"x-amz-checksum-algorithm": "CRC32", "x-amz-checksum-type": "FULL_OBJECT"},
    )
    part = asgi.request("PUT", f"/bkt/mp?partNumber=1&uploadId={upload_id}", b"abc")
    body = _complete_body(part.headers["etag"])
    wrong = asgi.request(
        "POST", f"/bkt/mp?uploadId={upload_id}", body, {"x-amz-checksum-crc32": _crc32(b"x")}
    )
    assert (wrong.status, _code(wrong)) == (400, "BadDigest")
    right = asgi.request(
        "POST", f"/bkt/mp?uploadId={upload_id}", body, {"x-amz-checksum-crc32": _crc32(b"abc")}
    )
    assert right.status == 200
    assert _xml(right).findtext(NS + "ChecksumCRC32") == _crc32(b"abc")


def test_upload_part_copy_of_a_range(asgi: AsgiClient) -> None:
    upload_id = _create(asgi, "mp")
    asgi.request("PUT", "/bkt/src", b"0123456789")
    copied = asgi.request(
        "PUT",
        f"/bkt/mp?partNumber=1&uploadId={upload_id}",
        headers={"x-amz-copy-source": "/bkt/src", "x-amz-copy-source-range": "bytes=2-5"},
    )
    assert copied.status == 200
    root = _xml(copied)
    assert root.tag == NS + "CopyPartResult"
    assert root.findtext(NS + "ETag") == f'"{hashlib.md5(b"2345").hexdigest()}"'
    parts = _xml(asgi.request("GET", f"/bkt/mp?uploadId={upload_id}"))
    assert [e.text for e in parts.iter(NS + "Size")] == ["4"]


def test_customer_key_on_a_part_comes_after_no_such_upload(asgi: AsgiClient) -> None:
    upload_id = _create(asgi, "mp")
    missing = asgi.request("PUT", "/bkt/mp?partNumber=1&uploadId=nope", b"x", SSE_C)
    assert (missing.status, _code(missing)) == (404, "NoSuchUpload")
    keyed = asgi.request("PUT", f"/bkt/mp?partNumber=1&uploadId={upload_id}", b"x", SSE_C)
    assert (keyed.status, _code(keyed)) == (400, "InvalidRequest")


def test_abort_then_the_upload_is_gone(asgi: AsgiClient) -> None:
    upload_id = _create(asgi, "mp")
    aborted = asgi.request("DELETE", f"/bkt/mp?uploadId={upload_id}")
    assert (aborted.status, aborted.body) == (204, b"")
    gone = asgi.request("GET", f"/bkt/mp?uploadId={upload_id}")
    assert (gone.status, _code(gone)) == (404, "NoSuchUpload")
    listed = _xml(asgi.request("GET", "/bkt?uploads"))
    assert listed.find(NS + "Upload") is None


def test_bad_listing_parameters_are_invalid_arguments(asgi: AsgiClient) -> None:
    upload_id = _create(asgi, "mp")
    uploads = asgi.request("GET", "/bkt?uploads&encoding-type=base64")
    assert (uploads.status, _code(uploads)) == (400, "InvalidArgument")
    parts = asgi.request("GET", f"/bkt/mp?uploadId={upload_id}&max-parts=x")
    assert (parts.status, _code(parts)) == (400, "InvalidArgument")
