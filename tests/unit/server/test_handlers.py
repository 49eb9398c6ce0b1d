"""Handlers through the ASGI app, in process (the `asgi` fixture): each S3
operation family once on its happy path and on the errors S3 gives. The same
behaviours run against a real process with boto3 and the AWS CLI in
tests/integration; these are the fast, socket-free variants."""

from __future__ import annotations

import base64
import hashlib
import xml.etree.ElementTree as ET

from tests.unit.server.conftest import AsgiClient, AsgiResponse

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def _xml(response: AsgiResponse) -> ET.Element:
    return ET.fromstring(response.body)


def _code(response: AsgiResponse) -> str:
    return _xml(response).findtext("Code") or ""


def _texts(root: ET.Element, path: str) -> list[str]:
    return [e.text or "" for e in root.iter(NS + path)]


def test_put_get_head_small_object(asgi: AsgiClient) -> None:
    assert asgi.request("PUT", "/bkt").status == 200
    put = asgi.request("PUT", "/bkt/a/b.txt", b"hello", {"content-type": "text/plain"})
    assert put.status == 200
    assert put.headers["etag"] == f'"{hashlib.md5(b"hello").hexdigest()}"'
    got = asgi.request("GET", "/bkt/a/b.txt")
    assert (got.status, got.body) == (200, b"hello")
    assert got.headers["content-type"] == "text/plain"
    head = asgi.request("HEAD", "/bkt/a/b.txt")
    assert (head.status, head.headers["content-length"], head.body) == (200, "5", b"")


def test_streamed_put_in_many_chunks_round_trips(asgi: AsgiClient) -> None:
    asgi.request("PUT", "/bkt")
    chunks = [bytes([i]) * 65536 for i in range(8)]  # 512 KiB: over the small-PUT limit
    put = asgi.request("PUT", "/bkt/big", chunks)
    whole = b"".join(chunks)
    assert put.headers["etag"] == f'"{hashlib.md5(whole).hexdigest()}"'
    got = asgi.request("GET", "/bkt/big", headers={"range": "bytes=65530-65541"})
    assert (got.status, got.body) == (206, whole[65530:65542])


def test_missing_bucket_and_key_are_s3_errors(asgi: AsgiClient) -> None:
    missing = asgi.request("PUT", "/nope/k", b"x")
    assert (missing.status, _code(missing)) == (404, "NoSuchBucket")
    asgi.request("PUT", "/bkt")
    no_key = asgi.request("GET", "/bkt/absent")
    assert (no_key.status, _code(no_key)) == (404, "NoSuchKey")
    assert no_key.headers["x-amz-request-id"]


def test_wrong_content_md5_stores_nothing(asgi: AsgiClient) -> None:
    asgi.request("PUT", "/bkt")
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    for body in (b"small", b"L" * (300 * 1024)):  # the small and the streamed path
        put = asgi.request("PUT", "/bkt/k", body, {"content-md5": wrong})
        assert (put.status, _code(put)) == (400, "BadDigest")
        assert asgi.request("HEAD", "/bkt/k").status == 404
    malformed = asgi.request("PUT", "/bkt/k", b"x", {"content-md5": "not-base64!"})
    assert (malformed.status, _code(malformed)) == (400, "InvalidDigest")


def test_conditional_create_refuses_the_second_writer(asgi: AsgiClient) -> None:
    asgi.request("PUT", "/bkt")
    first = asgi.request("PUT", "/bkt/k", b"one", {"if-none-match": "*"})
    second = asgi.request("PUT", "/bkt/k", b"two", {"if-none-match": "*"})
    assert first.status == 200
    assert (second.status, _code(second)) == (412, "PreconditionFailed")
    assert asgi.request("GET", "/bkt/k").body == b"one"


def test_list_objects_v2_rolls_up_common_prefixes(asgi: AsgiClient) -> None:
    asgi.request("PUT", "/bkt")
    for key in ("a/1", "a/2", "b", "c/3"):
        asgi.request("PUT", f"/bkt/{key}", b"x")
    page = asgi.request("GET", "/bkt?list-type=2&delimiter=/&max-keys=2")
    root = _xml(page)
    assert page.status == 200
    assert _texts(root, "Key") + _texts(root, "Prefix")[1:] == ["b", "a/"]
    assert root.findtext(NS + "IsTruncated") == "true"
    token = root.findtext(NS + "NextContinuationToken") or ""
    rest = _xml(asgi.request("GET", f"/bkt?list-type=2&delimiter=/&continuation-token={token}"))
    assert _texts(rest, "Prefix")[1:] == ["c/"]
    bad = asgi.request("GET", "/bkt?list-type=2&max-keys=-1")
    assert (bad.status, _code(bad)) == (400, "InvalidArgument")


def test_multipart_upload_completes_and_lists(asgi: AsgiClient) -> None:
    asgi.request("PUT", "/bkt")
    created = _xml(asgi.request("POST", "/bkt/mp?uploads"))
    upload_id = created.findtext(NS + "UploadId")
    part1 = b"1" * (5 * 1024 * 1024)
    etags = []
    for number, data in ((1, part1), (2, b"tail")):
        put = asgi.request("PUT", f"/bkt/mp?partNumber={number}&uploadId={upload_id}", data)
        assert put.status == 200
        etags.append(put.headers["etag"])
    uploads = _xml(asgi.request("GET", "/bkt?uploads"))
    assert _texts(uploads, "UploadId") == [upload_id]
    parts = _xml(asgi.request("GET", f"/bkt/mp?uploadId={upload_id}"))
    assert _texts(parts, "PartNumber") == ["1", "2"]
    doc = "".join(
        f"<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>" for n, e in enumerate(etags, 1)
    )
    done = asgi.request(
        "POST",
        f"/bkt/mp?uploadId={upload_id}",
        f"<CompleteMultipartUpload>{doc}</CompleteMultipartUpload>".encode(),
    )
    assert done.status == 200
    assert (_xml(done).findtext(NS + "ETag") or "").endswith('-2"')
    assert asgi.request("GET", "/bkt/mp").body == part1 + b"tail"
    gone = asgi.request("GET", f"/bkt/mp?uploadId={upload_id}")
    assert (gone.status, _code(gone)) == (404, "NoSuchUpload")


def test_delete_objects_reports_each_key(asgi: AsgiClient) -> None:
    asgi.request("PUT", "/bkt")
    asgi.request("PUT", "/bkt/k1", b"x")
    doc = b"<Delete><Object><Key>k1</Key></Object><Object><Key>k2</Key></Object></Delete>"
    md5 = base64.b64encode(hashlib.md5(doc).digest()).decode()
    result = asgi.request("POST", "/bkt?delete", doc, {"content-md5": md5})
    assert result.status == 200
    assert sorted(_texts(_xml(result), "Key")) == ["k1", "k2"]
    assert asgi.request("HEAD", "/bkt/k1").status == 404


def test_object_tagging_put_get_delete(asgi: AsgiClient) -> None:
    asgi.request("PUT", "/bkt")
    asgi.request("PUT", "/bkt/k", b"x")
    doc = b"<Tagging><TagSet><Tag><Key>env</Key><Value>dev</Value></Tag></TagSet></Tagging>"
    assert asgi.request("PUT", "/bkt/k?tagging", doc).status == 200
    assert _texts(_xml(asgi.request("GET", "/bkt/k?tagging")), "Value") == ["dev"]
    assert asgi.request("DELETE", "/bkt/k?tagging").status == 204
    assert _texts(_xml(asgi.request("GET", "/bkt/k?tagging")), "Value") == []


def test_copy_object_and_delete_bucket_rules(asgi: AsgiClient) -> None:
    asgi.request("PUT", "/bkt")
    asgi.request("PUT", "/bkt/src", b"payload", {"x-amz-meta-colour": "blue"})
    copy = asgi.request("PUT", "/bkt/dst", headers={"x-amz-copy-source": "/bkt/src"})
    assert copy.status == 200
    got = asgi.request("GET", "/bkt/dst")
    assert (got.body, got.headers["x-amz-meta-colour"]) == (b"payload", "blue")
    full = asgi.request("DELETE", "/bkt")
    assert (full.status, _code(full)) == (409, "BucketNotEmpty")
    for key in ("src", "dst"):
        assert asgi.request("DELETE", f"/bkt/{key}").status == 204
    assert asgi.request("DELETE", "/bkt").status == 204
    assert asgi.request("HEAD", "/bkt").status == 404
