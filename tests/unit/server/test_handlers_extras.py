"""The tagging, ACL, GetObjectAttributes, versioning and unconfigured-subresource
handlers through the ASGI app, in process (the `asgi` fixture): the response
heads and error codes S3 gives, as tests/integration checks them with real
clients."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tests.unit.server.conftest import AsgiClient, AsgiResponse

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"

TAGGING = (
    b"<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag>"
    b"<Tag><Key>b</Key><Value></Value></Tag></TagSet></Tagging>"
)


def _code(response: AsgiResponse) -> str:
    return ET.fromstring(response.body).findtext("Code") or ""


def _tags(response: AsgiResponse) -> dict[str, str]:
    root = ET.fromstring(response.body)
    return {
        tag.findtext(NS + "Key") or "": tag.findtext(NS + "Value") or ""
        for tag in root.iter(NS + "Tag")
    }


def test_object_tagging_round_trip(asgi: AsgiClient) -> None:
    asgi.request("PUT", "/bkt")
    asgi.request("PUT", "/bkt/k", b"data")
    put = asgi.request("PUT", "/bkt/k?tagging", TAGGING)
    assert (put.status, put.headers["x-amz-version-id"]) == (200, "null")
    got = asgi.request("GET", "/bkt/k?tagging")
    assert (got.status, got.headers["content-type"]) == (200, "application/xml")
    assert _tags(got) == {"a": "1", "b": ""}
    deleted = asgi.request("DELETE", "/bkt/k?tagging")
    assert (deleted.status, deleted.headers["x-amz-version-id"]) == (204, "null")
    assert _tags(asgi.request("GET", "/bkt/k?tagging")) == {}


def test_object_tagging_errors(asgi: AsgiClient) -> None:
    asgi.request("PUT", "/bkt")
    missing = asgi.request("PUT", "/nope/k?tagging", TAGGING)
    assert (missing.status, _code(missing)) == (404, "NoSuchBucket")
    no_key = asgi.request("PUT", "/bkt/absent?tagging", TAGGING)
    assert (no_key.status, _code(no_key)) == (404, "NoSuchKey")
    asgi.request("PUT", "/bkt/k", b"data")
    version = asgi.request("GET", "/bkt/k?tagging&versionId=v1")
    assert (version.status, _code(version)) == (400, "InvalidArgument")
    too_big = asgi.request("PUT", "/bkt/k?tagging", b" " * (64 * 1024 + 1))
    assert (too_big.status, _code(too_big)) == (400, "MaxMessageLengthExceeded")


def test_bucket_tagging_round_trip_and_no_such_tag_set(asgi: AsgiClient) -> None:
    asgi.request("PUT", "/bkt")
    absent = asgi.request("GET", "/bkt?tagging")
    assert (absent.status, _code(absent)) == (404, "NoSuchTagSet")
    assert asgi.request("PUT", "/bkt?tagging", TAGGING).status == 204
    assert _tags(asgi.request("GET", "/bkt?tagging")) == {"a": "1", "b": ""}
    assert asgi.request("DELETE", "/bkt?tagging").status == 204
    assert _code(asgi.request("GET", "/bkt?tagging")) == "NoSuchTagSet"


def test_acls_accept_only_private(asgi: AsgiClient) -> None:
    asgi.request("PUT", "/bkt")
    asgi.request("PUT", "/bkt/k", b"data")
    got = asgi.request("GET", "/bkt/k?acl")
    assert (got.status, got.headers["content-type"]) == (200, "application/xml")
    assert b"<Permission>FULL_CONTROL</Permission>" in got.body
    assert asgi.request("PUT", "/bkt?acl", headers={"x-amz-acl": "private"}).status == 200
    public = asgi.request("PUT", "/bkt/k?acl", headers={"x-amz-acl": "public-read"})
    assert (public.status, _code(public)) == (501, "NotImplemented")
    # The bucket is looked up before the ACL is judged.
    missing = asgi.request("PUT", "/nope?acl", headers={"x-amz-acl": "public-read"})
    assert (missing.status, _code(missing)) == (404, "NoSuchBucket")


def test_get_object_attributes(asgi: AsgiClient) -> None:
    asgi.request("PUT", "/bkt")
    asgi.request("PUT", "/bkt/k", b"data")
    got = asgi.request(
        "GET", "/bkt/k?attributes", headers={"x-amz-object-attributes": "ObjectSize"}
    )
    assert got.status == 200
    assert got.headers["last-modified"].endswith(" GMT")
    assert ET.fromstring(got.body).findtext(NS + "ObjectSize") == "4"
    bad = asgi.request("GET", "/bkt/k?attributes")
    assert (bad.status, _code(bad)) == (400, "InvalidRequest")


def test_versioning_reads(asgi: AsgiClient) -> None:
    asgi.request("PUT", "/bkt")
    asgi.request("PUT", "/bkt/k", b"data")
    versioning = asgi.request("GET", "/bkt?versioning")
    assert versioning.status == 200 and b"<VersioningConfiguration" in versioning.body
    listed = asgi.request("GET", "/bkt?versions")
    root = ET.fromstring(listed.body)
    assert [v.findtext(NS + "VersionId") for v in root.iter(NS + "Version")] == ["null"]
    marker = asgi.request("GET", "/bkt?versions&version-id-marker=null")
    assert (marker.status, _code(marker)) == (400, "InvalidArgument")


def test_unconfigured_subresources(asgi: AsgiClient) -> None:
    missing = asgi.request("GET", "/nope?policy")
    assert (missing.status, _code(missing)) == (404, "NoSuchBucket")
    asgi.request("PUT", "/bkt")
    policy = asgi.request("GET", "/bkt?policy")
    assert (policy.status, _code(policy)) == (404, "NoSuchBucketPolicy")
    assert b"<BucketName>bkt</BucketName>" in policy.body
    logging = asgi.request("GET", "/bkt?logging")
    assert logging.status == 200 and b"BucketLoggingStatus" in logging.body
    assert asgi.request("DELETE", "/bkt?cors").status == 204
    asgi.request("PUT", "/bkt/k", b"data")
    retention = asgi.request("GET", "/bkt/k?retention")
    assert (retention.status, _code(retention)) == (400, "InvalidRequest")
    restore = asgi.request("POST", "/bkt/k?restore", b"<RestoreRequest/>")
    assert (restore.status, _code(restore)) == (403, "InvalidObjectState")
