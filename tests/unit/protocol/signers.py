"""Requests signed by botocore's SigV4 signers as s3box sees them, and verify(), which runs
auth.verify_request on both its fast path and its general path and requires the same outcome."""

from __future__ import annotations

import calendar
import time
from urllib.parse import urlsplit

import pytest
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from s3box.protocol import auth
from s3box.protocol.errors import S3Error

ACCESS_KEY = "AKIDEXAMPLE"

SECRET = "s3cr3t/with+chars"

HOST = "localhost:9000"

# The server's region in these tests; not us-east-1, so a default cannot pass for it.
REGION = "eu-west-1"

SECRETS = {ACCESS_KEY: SECRET, "AKIAIOSFODNN7EXAMPLE": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}

DOC_TIME = calendar.timegm((2013, 5, 24, 0, 0, 0))


def lookup(access_key: str) -> str | None:
    return SECRETS.get(access_key)


class RecordingAuth(S3SigV4Auth):
    """botocore's header signer, keeping the canonical request it signed."""

    canonical = ""

    def canonical_request(self, request: AWSRequest) -> str:
        self.canonical = super().canonical_request(request)
        return self.canonical


def wire(request: AWSRequest, host: str = HOST) -> dict:
    """What the server sees: raw path, raw query and header list (Host added by the client)."""
    parts = urlsplit(request.url)
    headers = [(k.lower(), v) for k, v in request.headers.items()]
    headers.append(("host", host))
    return {"raw_path": parts.path, "raw_query": parts.query, "headers": headers}


def sign(
    method: str = "PUT",
    path: str = "/bucket/key",
    query: str = "",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    *,
    presign_expires: int | None = None,
    token: str | None = None,
    host: str = HOST,
    payload: str | None = None,
    region: str = REGION,
    access_key: str = ACCESS_KEY,
) -> tuple[AWSRequest, RecordingAuth | S3SigV4QueryAuth]:
    url = f"http://{host}{path}" + (f"?{query}" if query else "")
    request = AWSRequest(method=method, url=url, headers=dict(headers or {}), data=body)
    credentials = Credentials(access_key, SECRET, token)
    signer: RecordingAuth | S3SigV4QueryAuth
    if presign_expires is None:
        signer = RecordingAuth(credentials, "s3", region)
        if payload is not None:
            signer.payload = lambda request: payload
    else:
        signer = S3SigV4QueryAuth(credentials, "s3", region, expires=presign_expires)
    signer.add_auth(request)
    return request, signer


def verify(
    method: str,
    seen: dict,
    now: float | None = None,
    host_override: str | None = None,
    region: str = REGION,
):
    """verify_request as the server calls it: with the name -> value map when no header
    repeats (its fast path for plain header-signed requests), and checked against the
    general path without it, which must give the same result or the same error."""
    headers = seen["headers"]
    at = time.time() if now is None else now
    names = [name.lower() for name, _ in headers]
    unique = dict(zip(names, (v for _, v in headers), strict=True))
    outcomes: list[auth.AuthResult | S3Error] = []
    for single in (unique if len(unique) == len(names) else None, None):
        try:
            outcomes.append(
                auth.verify_request(
                    method,
                    seen["raw_path"],
                    seen["raw_query"],
                    headers,
                    lookup,
                    at,
                    host_override,
                    single,
                    region=region,
                )
            )
        except S3Error as exc:
            outcomes.append(exc)
    served, general = outcomes
    if isinstance(served, S3Error) or isinstance(general, S3Error):
        assert isinstance(served, S3Error) and isinstance(general, S3Error), outcomes
        assert (served.code, served.message, served.extra) == (
            general.code,
            general.message,
            general.extra,
        )
        raise served
    assert served == general
    return served


def error_of(method: str, seen: dict, **kwargs) -> S3Error:
    with pytest.raises(S3Error) as info:
        verify(method, seen, **kwargs)
    return info.value


def replace_header(seen: dict, name: str, value: str) -> dict:
    seen["headers"] = [(k, value if k == name else v) for k, v in seen["headers"]]
    return seen
