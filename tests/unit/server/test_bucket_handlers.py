"""The bucket, listing, delete and admin handler families through the ASGI
app, in process (the `asgi` fixture): what each answers on the wire,
including the error paths the protocol unit tests cannot see (order of checks
against reading the body, the engine's NoSuchBucket)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tests.unit.server.conftest import AsgiClient, AsgiResponse

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def _xml(response: AsgiResponse) -> ET.Element:
    return ET.fromstring(response.body)


def _code(response: AsgiResponse) -> str:
    return _xml(response).findtext("Code") or ""


def _texts(root: ET.Element, name: str) -> list[str]:
    return [e.text or "" for e in root.iter(NS + name)]


def test_list_buckets_pages_with_max_buckets_and_the_token(asgi: AsgiClient) -> None:
    for name in ("bkt-c", "bkt-a", "bkt-b", "other"):
        assert asgi.request("PUT", f"/{name}").status == 200
    every = asgi.request("GET", "/")
    assert every.headers["content-type"] == "application/xml"
    assert _texts(_xml(every), "Name") == ["bkt-a", "bkt-b", "bkt-c", "other"]
    assert _texts(_xml(every), "ContinuationToken") == []
    first = _xml(asgi.request("GET", "/?prefix=bkt-&max-buckets=2"))
    assert _texts(first, "Name") == ["bkt-a", "bkt-b"]
    token = first.findtext(NS + "ContinuationToken")
    rest = _xml(asgi.request("GET", f"/?prefix=bkt-&max-buckets=2&continuation-token={token}"))
    assert (_texts(rest, "Name"), _texts(rest, "ContinuationToken")) == (["bkt-c"], [])
    elsewhere = _xml(asgi.request("GET", "/?bucket-region=eu-west-3"))
    assert _texts(elsewhere, "Name") == []
    bad = asgi.request("GET", "/?max-buckets=0")
    assert (bad.status, _code(bad)) == (400, "InvalidArgument")


def test_create_bucket_refuses_its_headers_before_reading_the_body(asgi: AsgiClient) -> None:
    body = b"<CreateBucketConfiguration/>"
    locked = asgi.request("PUT", "/bkt", body, {"x-amz-bucket-object-lock-enabled": "true"})
    assert (locked.status, _code(locked)) == (501, "NotImplemented")
    assert locked.headers["connection"] == "close"  # the body was left unread
    assert asgi.request("HEAD", "/bkt").status == 404


def test_create_bucket_judges_the_location_constraint_and_names_the_location(
    asgi: AsgiClient,
) -> None:
    elsewhere = (
        b"<CreateBucketConfiguration><LocationConstraint>eu-west-3"
        b"</LocationConstraint></CreateBucketConfiguration>"
    )
    refused = asgi.request("PUT", "/bkt", elsewhere)
    assert (refused.status, _code(refused)) == (400, "IllegalLocationConstraintException")
    created = asgi.request("PUT", "/bkt", headers={"x-amz-acl": "private"})
    assert (created.status, created.headers["location"]) == (200, "/bkt")
    again = asgi.request("PUT", "/bkt")
    assert (again.status, _code(again)) == (409, "BucketAlreadyOwnedByYou")


def test_head_bucket_and_location_name_the_region(asgi: AsgiClient) -> None:
    missing = asgi.request("GET", "/bkt?location")
    assert (missing.status, _code(missing)) == (404, "NoSuchBucket")
    asgi.request("PUT", "/bkt")
    head = asgi.request("HEAD", "/bkt")
    assert (head.status, head.headers["x-amz-bucket-region"]) == (200, "us-east-1")
    location = _xml(asgi.request("GET", "/bkt?location"))
    assert (location.tag, location.text) == (f"{NS}LocationConstraint", None)


def test_list_objects_v1_shows_next_marker_with_a_delimiter(asgi: AsgiClient) -> None:
    asgi.request("PUT", "/bkt")
    for key in ("a/1", "b", "c"):
        asgi.request("PUT", f"/bkt/{key}", b"x")
    page = _xml(asgi.request("GET", "/bkt?delimiter=/&max-keys=2"))
    assert (_texts(page, "Key"), page.findtext(NS + "NextMarker")) == (["b"], "b")
    plain = _xml(asgi.request("GET", "/bkt?max-keys=2&marker=a/1"))
    assert (_texts(plain, "Key"), plain.findtext(NS + "NextMarker")) == (["b", "c"], None)
    assert plain.findtext(NS + "MaxKeys") == "2"


def test_delete_objects_of_versions_only_still_checks_the_bucket(asgi: AsgiClient) -> None:
    doc = b"<Delete><Object><Key>k</Key><VersionId>v1</VersionId></Object></Delete>"
    missing = asgi.request("POST", "/bkt?delete", doc)
    assert (missing.status, _code(missing)) == (404, "NoSuchBucket")
    asgi.request("PUT", "/bkt")
    asgi.request("PUT", "/bkt/k", b"x")
    result = _xml(asgi.request("POST", "/bkt?delete", doc))
    assert (_texts(result, "Code"), _texts(result, "VersionId")) == (["InvalidArgument"], ["v1"])
    assert asgi.request("HEAD", "/bkt/k").status == 200  # a missing version deletes nothing
    wrong = asgi.request("POST", "/bkt?delete", doc, {"content-md5": "1B2M2Y8AsgTpgAmY7PhCfg=="})
    assert (wrong.status, _code(wrong)) == (400, "BadDigest")


def test_admin_health_metrics_and_rebuild_index(asgi: AsgiClient) -> None:
    live = asgi.request("GET", "/_s3box/health/live")
    assert (live.status, live.body) == (200, b"ok\n")
    assert asgi.request("HEAD", "/_s3box/health/ready").status == 200
    metrics = asgi.request("GET", "/_s3box/metrics")
    assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
    missing = asgi.request("POST", "/bkt?rebuildIndex")
    assert (missing.status, _code(missing)) == (404, "NoSuchBucket")
    asgi.request("PUT", "/bkt")
    assert asgi.request("POST", "/bkt?rebuildIndex").status == 202
    asgi.app.started = False  # stopping: no longer ready
    not_ready = asgi.request("GET", "/_s3box/health/ready")
    assert (not_ready.status, _code(not_ready)) == (503, "ServiceUnavailable")
    asgi.app.started = True  # so the fixture's shutdown stops the engine
