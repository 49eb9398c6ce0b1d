"""Virtual-hosted-style requests through the app in process: the Host names the bucket,
the whole path is the key, path style keeps working beside it."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.unit.server.conftest import AsgiClient

HOST = {"host": "photos.localhost:8002"}


def test_bucket_and_objects_on_the_bucket_host(asgi: AsgiClient) -> None:
    assert asgi.request("PUT", "/", headers=HOST).status == 200
    assert asgi.request("PUT", "/a/b.txt", b"hello", headers=HOST).status == 200
    got = asgi.request("GET", "/a/b.txt", headers=HOST)
    assert (got.status, got.body) == (200, b"hello")
    # The same object in path style, on the same server.
    assert asgi.request("GET", "/photos/a/b.txt").body == b"hello"
    listing = asgi.request("GET", "/?list-type=2", headers=HOST)
    assert b"<Key>a/b.txt</Key>" in listing.body
    assert b"<Name>photos</Name>" in listing.body
    assert asgi.request("DELETE", "/a/b.txt", headers=HOST).status == 204
    assert asgi.request("DELETE", "/", headers=HOST).status == 204


def test_dotted_bucket_name(asgi: AsgiClient) -> None:
    host = {"host": "my.bucket.localhost"}
    assert asgi.request("PUT", "/", headers=host).status == 200
    assert asgi.request("HEAD", "/my.bucket").status == 200
    assert asgi.request("PUT", "/k", b"x", headers=host).status == 200
    assert asgi.request("GET", "/my.bucket/k").body == b"x"


def test_a_missing_bucket_on_its_host_is_no_such_bucket(asgi: AsgiClient) -> None:
    got = asgi.request("GET", "/k", headers={"host": "nothere.localhost"})
    assert got.status == 404
    assert b"<Code>NoSuchBucket</Code>" in got.body
    assert b"<BucketName>nothere</BucketName>" in got.body
    listing = asgi.request("GET", "/", headers={"host": "nothere.localhost"})
    assert b"<Code>NoSuchBucket</Code>" in listing.body


def test_error_resource_names_the_bucket(asgi: AsgiClient) -> None:
    asgi.request("PUT", "/", headers=HOST)
    got = asgi.request("GET", "/missing", headers=HOST)
    assert b"<Code>NoSuchKey</Code>" in got.body
    assert b"<Resource>/photos/missing</Resource>" in got.body


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:8002", "[::1]:8002", "example.com"])
def test_other_hosts_are_path_style(asgi: AsgiClient, host: str) -> None:
    assert asgi.request("PUT", "/pathb", headers={"host": host}).status == 200
    assert asgi.request("GET", "/", headers={"host": host}).body.count(b"<Name>pathb</Name>")
    assert asgi.request("DELETE", "/pathb", headers={"host": host}).status == 204


def test_admin_paths_are_keys_on_a_bucket_host(asgi: AsgiClient) -> None:
    assert asgi.request("GET", "/_s3box/health/ready").status == 200
    asgi.request("PUT", "/", headers=HOST)
    assert asgi.request("PUT", "/_s3box/health/ready", b"k", headers=HOST).status == 200
    assert asgi.request("GET", "/photos/_s3box/health/ready").body == b"k"


def test_post_to_the_bucket_host_root_is_post_object(asgi: AsgiClient) -> None:
    asgi.request("PUT", "/", headers=HOST)
    got = asgi.request(
        "POST", "/", b"", headers={**HOST, "content-type": "multipart/form-data; boundary=x"}
    )
    assert got.status != 404  # routed to post_object, as `POST /photos` is
    path_style = asgi.request(
        "POST", "/photos", b"", headers={"content-type": "multipart/form-data; boundary=x"}
    )
    assert got.status == path_style.status


def test_complete_multipart_location_is_the_objects_path_on_its_host(asgi: AsgiClient) -> None:
    asgi.request("PUT", "/", headers=HOST)
    created = asgi.request("POST", "/big?uploads", headers=HOST)
    upload_id = created.body.split(b"<UploadId>")[1].split(b"</UploadId>")[0].decode()
    part = asgi.request("PUT", f"/big?partNumber=1&uploadId={upload_id}", b"data", headers=HOST)
    etag = part.headers["etag"]
    doc = (
        f"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag>"
        "</Part></CompleteMultipartUpload>"
    ).encode()
    done = asgi.request("POST", f"/big?uploadId={upload_id}", doc, headers=HOST)
    assert done.status == 200, done.body
    assert b"<Location>/big</Location>" in done.body
    assert b"<Bucket>photos</Bucket>" in done.body
    assert asgi.request("GET", "/photos/big").body == b"data"


def test_access_log_shows_the_bucket(asgi: AsgiClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="s3box.access"):
        asgi.request("PUT", "/", headers=HOST)
        asgi.request("GET", "/k?x=1", headers=HOST)
    messages = [r.getMessage() for r in caplog.records if r.name == "s3box.access"]
    assert any(m.startswith("PUT /photos/ 200") for m in messages), messages
    assert any(m.startswith("GET /photos/k?x=1 404") for m in messages), messages


def test_signed_host_behind_a_public_hostname() -> None:
    from types import SimpleNamespace

    from s3box.server.auth import Authenticator

    authenticator = Authenticator(lambda _key: None, "mys3.company.com:8443", "us-east-1")
    vhost: Any = SimpleNamespace(host_bucket="photos")
    path: Any = SimpleNamespace(host_bucket=None)
    assert authenticator._signed_host(vhost) == "photos.mys3.company.com:8443"
    assert authenticator._signed_host(path) == "mys3.company.com:8443"
    assert Authenticator(lambda _key: None, None, "us-east-1")._signed_host(vhost) is None


def test_domain_flag_replaces_the_list() -> None:
    from s3box.cli import _overrides, build_parser
    from s3box.config import load_config

    args = build_parser().parse_args(["--domain", "s3.test", "--domain", "localhost"])
    assert load_config(None, {}, _overrides(args)).domains == ("s3.test", "localhost")
    assert load_config(None, {"S3BOX_DOMAINS": "a.test,b.test"}).domains == ("a.test", "b.test")
    assert load_config(None, {}).domains == ("localhost",)


@pytest.mark.parametrize(
    "domain", ["127.0.0.1", "[::1]", "http://x.test", "x.test:80", "a.0", "-a.test"]
)
def test_a_domain_that_is_not_a_host_name_is_a_config_error(domain: str) -> None:
    from s3box.config import ConfigError, load_config

    with pytest.raises(ConfigError) as caught:
        load_config(None, {}, {"domains": [domain]})
    assert str(caught.value).startswith("domains[0]: ")
