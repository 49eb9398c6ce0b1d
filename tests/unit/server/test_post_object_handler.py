"""PostObject through the ASGI app in process (auth off): the policy is still enforced,
the body may arrive in any pieces, a refused upload leaves nothing behind."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from tests.unit.server.conftest import AsgiClient

CT = {"content-type": "multipart/form-data; boundary=B"}


def _part(name: str, value: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    return f"--B\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + value + b"\r\n"


def _policy(*conditions: object) -> bytes:
    document = {"expiration": "2099-01-01T00:00:00Z", "conditions": list(conditions)}
    return base64.b64encode(json.dumps(document).encode())


def _pieces(body: bytes, size: int) -> list[bytes]:
    return [body[i : i + size] for i in range(0, len(body), size)]


def _staging(tmp_path: Path) -> list[Path]:
    return [p for p in (tmp_path / "data").rglob("staging/*") if p.is_file()]


def test_upload_in_small_pieces_without_policy(asgi: AsgiClient, tmp_path: Path) -> None:
    assert asgi.request("PUT", "/bkt").status == 200
    data = bytes(range(256)) * 1000
    body = _part("key", b"obj") + _part("file", data, "f.bin") + b"--B--\r\n"
    response = asgi.request("POST", "/bkt", _pieces(body, 1000), CT)
    assert response.status == 204
    assert response.headers["etag"].startswith('"')
    assert response.headers["location"] == "http://localhost/bkt/obj"
    assert asgi.request("GET", "/bkt/obj").body == data


def test_policy_enforced_with_auth_off(asgi: AsgiClient, tmp_path: Path) -> None:
    asgi.request("PUT", "/bkt")
    policy = _policy(
        {"bucket": "bkt"}, ["starts-with", "$key", "ok/"], ["content-length-range", 0, 10]
    )
    body = (
        _part("key", b"bad/x") + _part("policy", policy) + _part("file", b"x", "f") + b"--B--\r\n"
    )
    response = asgi.request("POST", "/bkt", body, CT)
    assert response.status == 403
    assert b"Policy Condition failed: [" in response.body
    body = (
        _part("key", b"ok/x")
        + _part("policy", policy)
        + _part("file", b"x" * 11, "f")
        + b"--B--\r\n"
    )
    response = asgi.request("POST", "/bkt", _pieces(body, 64), CT)
    assert response.status == 400 and b"EntityTooLarge" in response.body
    assert asgi.request("HEAD", "/bkt/ok/x").status == 404
    assert _staging(tmp_path) == []
    assert asgi.request("GET", "/bkt").status == 200  # still answering


def test_truncated_body_stores_nothing(asgi: AsgiClient, tmp_path: Path) -> None:
    asgi.request("PUT", "/bkt")
    body = _part("key", b"cut") + _part("file", b"y" * 300_000, "f")
    response = asgi.request("POST", "/bkt", _pieces(body, 65536), CT)
    assert response.status == 400 and b"MalformedPOSTRequest" in response.body
    assert asgi.request("HEAD", "/bkt/cut").status == 404
    assert _staging(tmp_path) == []


def test_201_post_response_and_no_such_bucket(asgi: AsgiClient) -> None:
    asgi.request("PUT", "/bkt")
    body = _part("key", b"k") + _part("success_action_status", b"201") + _part("file", b"z", "f")
    response = asgi.request("POST", "/bkt", body + b"--B--\r\n", CT)
    assert response.status == 201
    assert (
        b"<PostResponse><Location>http://localhost/bkt/k</Location><Bucket>bkt</Bucket>"
        in response.body
    )
    response = asgi.request("POST", "/nobucket", body + b"--B--\r\n", CT)
    assert response.status == 404 and b"NoSuchBucket" in response.body


def test_checksum_field_is_verified(asgi: AsgiClient, tmp_path: Path) -> None:
    asgi.request("PUT", "/bkt")
    good = base64.b64encode(hashlib.sha256(b"sum").digest())
    for value, status in ((good, 204), (base64.b64encode(b"\0" * 32), 400)):
        body = _part("key", b"c") + _part("x-amz-checksum-sha256", value)
        body += _part("file", b"sum", "f") + b"--B--\r\n"
        response = asgi.request("POST", "/bkt", body, CT)
        assert response.status == status, response.body
        if status == 204:
            assert response.headers["x-amz-checksum-sha256"] == good.decode()
            asgi.request("DELETE", "/bkt/c")
    assert asgi.request("HEAD", "/bkt/c").status == 404
    assert _staging(tmp_path) == []
