"""SigV2 verification (presigned query strings and `AWS AK:sig` headers) against botocore's
HmacV1QueryAuth / HmacV1Auth and the examples of S3's "Signing and authenticating REST
requests" page. Requests go through auth.verify_request, the one entry point."""

from __future__ import annotations

import time
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from botocore.auth import HmacV1Auth, HmacV1QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from s3box.protocol import auth, payload, sigv2, timefmt
from s3box.protocol.errors import S3Error

ACCESS_KEY = "AKIDEXAMPLE"
SECRET = "s3cr3t/with+chars="
SECRETS = {ACCESS_KEY: SECRET, "AKIAIOSFODNN7EXAMPLE": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
HOST = "localhost:9000"
REGION = "us-east-1"  # the server's; SigV2 names no region, so it never decides anything


class RecordingQueryAuth(HmacV1QueryAuth):
    """botocore's presigner, keeping the string it signed."""

    string_to_sign = ""

    def canonical_string(self, *args: Any, **kwargs: Any) -> str:
        self.string_to_sign = super().canonical_string(*args, **kwargs)
        return self.string_to_sign


def url_of(path: str, query: str = "") -> str:
    return f"http://{HOST}{path}" + (f"?{query}" if query else "")


def presign(
    method: str = "GET",
    path: str = "/bucket/key",
    query: str = "",
    headers: dict[str, str] | None = None,
    *,
    expires: int = 60,
    access_key: str = ACCESS_KEY,
    secret: str = SECRET,
) -> tuple[dict[str, Any], RecordingQueryAuth]:
    """A botocore SigV2 presigned URL as the server sees it (no headers sent by the client)."""
    request = AWSRequest(method=method, url=url_of(path, query), headers=dict(headers or {}))
    signer = RecordingQueryAuth(Credentials(access_key, secret), expires=expires)
    signer.add_auth(request)
    parts = urlsplit(request.url)
    return {"raw_path": parts.path, "raw_query": parts.query, "headers": [("host", HOST)]}, signer


def header_sign(
    method: str = "PUT",
    path: str = "/bucket/key",
    query: str = "",
    headers: dict[str, str] | None = None,
    *,
    secret: str = SECRET,
) -> dict[str, Any]:
    """A request signed by botocore's HmacV1Auth (Authorization: AWS AK:sig, Date header)."""
    request = AWSRequest(method=method, url=url_of(path, query), headers=dict(headers or {}))
    HmacV1Auth(Credentials(ACCESS_KEY, secret)).add_auth(request)
    parts = urlsplit(request.url)
    sent = [(k.lower(), v) for k, v in request.headers.items()] + [("host", HOST)]
    return {"raw_path": parts.path, "raw_query": parts.query, "headers": sent}


def verify(
    method: str, seen: dict[str, Any], now: float | None = None, region: str = REGION
) -> auth.AuthResult:
    return auth.verify_request(
        method,
        seen["raw_path"],
        seen["raw_query"],
        seen["headers"],
        SECRETS.get,
        time.time() if now is None else now,
        region=region,
    )


def error_of(method: str, seen: dict[str, Any], now: float | None = None) -> S3Error:
    with pytest.raises(S3Error) as info:
        verify(method, seen, now)
    return info.value


def with_param(seen: dict[str, Any], name: str, value: str) -> dict[str, Any]:
    """The same query with `name`'s value replaced; every other item left byte for byte."""
    items = [
        f"{name}={quote(value, safe='')}" if item.partition("=")[0] == name else item
        for item in seen["raw_query"].split("&")
    ]
    return {**seen, "raw_query": "&".join(items)}


def with_header(seen: dict[str, Any], name: str, value: str | None) -> dict[str, Any]:
    headers = [(k, v) for k, v in seen["headers"] if k != name]
    if value is not None:
        headers.append((name, value))
    return {**seen, "headers": headers}


# --- S3's documented examples ------------------------------------------------------------


def test_doc_query_string_example_verifies() -> None:
    seen = {
        "raw_path": "/johnsmith/photos/puppy.jpg",
        "raw_query": "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620"
        "&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D",
        "headers": [("host", "s3.amazonaws.com")],
    }
    result = verify("GET", seen, now=1175139620 - 10)
    assert (result.access_key, result.presigned) == ("AKIAIOSFODNN7EXAMPLE", True)
    assert result.payload_hash == payload.UNSIGNED_PAYLOAD
    assert result.chunk_verifier is None


@pytest.mark.parametrize(
    ("method", "content_type", "date", "signature"),
    [
        ("GET", None, "Tue, 27 Mar 2007 19:36:42 +0000", "bWq2s1WEIj+Ydj0vQ697zp+IXMU="),
        ("PUT", "image/jpeg", "Tue, 27 Mar 2007 21:15:45 +0000", "MyyxeRY7whkBe+bq8fHCL/2kKUg="),
    ],
)
def test_doc_header_examples_verify(
    method: str, content_type: str | None, date: str, signature: str
) -> None:
    headers = [("date", date), ("authorization", f"AWS AKIAIOSFODNN7EXAMPLE:{signature}")]
    if content_type:
        headers.append(("content-type", content_type))
    seen = {"raw_path": "/johnsmith/photos/puppy.jpg", "raw_query": "", "headers": headers}
    now = timefmt.signed_date_seconds(date)
    assert now is not None
    result = verify(method, seen, now=now + 60)
    assert (result.access_key, result.presigned) == ("AKIAIOSFODNN7EXAMPLE", False)


# --- botocore as the oracle --------------------------------------------------------------

# Keys with unicode and every reserved character; botocore quotes them with safe "/~".
keys = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00"),
    min_size=1,
    max_size=40,
)
subresource_values = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")), min_size=0, max_size=20
)
subresources = st.dictionaries(
    st.sampled_from(sorted(sigv2.SUBRESOURCES)),
    st.none() | subresource_values,
    max_size=4,
)
credentials = st.tuples(
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20).filter(
        lambda k: ":" not in k and k.strip() == k
    ),
    st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=40),
)


def query_of(params: dict[str, str | None], extra: str = "") -> str:
    """A query string as botocore's serializer writes it: `name` or `name=quoted value`."""
    items = [name if v is None else f"{name}={quote(v, safe='-_.~')}" for name, v in params.items()]
    return "&".join([*items, extra] if extra else items)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "PUT", "HEAD", "DELETE", "POST"]),
    key=keys,
    params=subresources,
    amz=st.dictionaries(
        st.sampled_from(["x-amz-security-token", "x-amz-acl", "x-amz-meta-name"]),
        st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=20),
        max_size=2,
    ),
    credential=credentials,
)
def test_botocore_presigned_url_verifies(
    method: str,
    key: str,
    params: dict[str, str | None],
    amz: dict[str, str],
    credential: tuple[str, str],
) -> None:
    access_key, secret = credential
    path = "/bucket/" + quote(key, safe="/~")
    seen, signer = presign(
        method, path, query_of(params), amz, access_key=access_key, secret=secret
    )

    def check(seen: dict[str, Any]) -> auth.AuthResult:
        lookup = {access_key: secret}.get
        headers = seen["headers"]
        return auth.verify_request(
            method, seen["raw_path"], seen["raw_query"], headers, lookup, time.time(), region=REGION
        )

    result = check(seen)
    assert (result.access_key, result.presigned) == (access_key, True)
    # On a mismatch the string reported is exactly the one botocore signed.
    with pytest.raises(S3Error) as info:
        check(with_param(seen, "Signature", "AAAA"))
    assert info.value.extra["StringToSign"] == signer.string_to_sign


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "PUT", "HEAD", "DELETE", "POST"]),
    key=keys,
    params=subresources,
    content_type=st.none() | st.sampled_from(["text/plain", "image/jpeg; q=1"]),
    content_md5=st.none() | st.just("1B2M2Y8AsgTpgAmY7PhCfg=="),
    amz=st.dictionaries(
        st.sampled_from(["x-amz-meta-b", "x-amz-meta-a", "x-amz-acl", "x-amz-date"]),
        st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=20),
        max_size=3,
    ),
)
def test_botocore_header_signed_request_verifies(
    method: str,
    key: str,
    params: dict[str, str | None],
    content_type: str | None,
    content_md5: str | None,
    amz: dict[str, str],
) -> None:
    headers = dict(amz)
    if "x-amz-date" in headers:
        headers["x-amz-date"] = formatdate(usegmt=True)
    if content_type:
        headers["Content-Type"] = content_type
    if content_md5:
        headers["Content-MD5"] = content_md5
    seen = header_sign(method, "/bucket/" + quote(key, safe="/~"), query_of(params), headers)
    result = verify(method, seen)
    assert (result.access_key, result.presigned) == (ACCESS_KEY, False)


def test_mismatch_reports_the_string_botocore_signed() -> None:
    seen, signer = presign(
        "GET", "/bucket/a%20b", "response-content-type=text%2Fplain&versionId=3&uploads"
    )
    err = error_of("GET", with_param(seen, "Signature", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="))
    assert err.code == "SignatureDoesNotMatch"
    assert list(err.extra) == [
        "AWSAccessKeyId",
        "StringToSign",
        "SignatureProvided",
        "StringToSignBytes",
    ]
    assert err.extra["StringToSign"] == signer.string_to_sign
    assert err.extra["StringToSign"].endswith(
        "/bucket/a%20b?response-content-type=text/plain&uploads&versionId=3"
    )
    assert err.extra["StringToSignBytes"].startswith("47 45 54 0a")  # "GET\n"
    assert SECRET not in str(err.extra)


def test_subresources_sort_by_name_and_other_parameters_are_not_signed() -> None:
    resource = sigv2.canonical_resource(
        "/b/k", "versionId=2&prefix=x&acl&tagging=&response-expires=a%20b"
    )
    assert resource == "/b/k?acl&response-expires=a b&tagging=&versionId=2"
    assert sigv2.canonical_resource("", "foo=1") == "/"


def test_parameters_outside_the_subresource_list_can_change_without_breaking_it() -> None:
    # S3's SigV2 covers only sub-resources; a list prefix, say, is not part of the signature.
    seen, _ = presign("GET", "/bucket", "prefix=a")
    verify("GET", with_param(seen, "prefix", "b"))


# --- one byte changed ---------------------------------------------------------------------


def _flip(text: str, index: int) -> str:
    char = text[index]
    return text[:index] + ("B" if char != "B" else "C") + text[index + 1 :]


PRESIGNED_TAMPERS = {
    "path": lambda s: {**s, "raw_path": s["raw_path"].replace("/key", "/kez")},
    "subresource": lambda s: with_param(s, "versionId", "v2"),
    "expires": lambda s: with_param(
        s, "Expires", str(int(dict(parse_qsl(s["raw_query"]))["Expires"]) + 1)
    ),
    "signature": lambda s: with_param(
        s, "Signature", _flip(dict(parse_qsl(s["raw_query"]))["Signature"], 3)
    ),
    "hoisted header": lambda s: with_param(s, "x-amz-acl", "public-read"),
    "content-type": lambda s: with_header(s, "content-type", "text/html"),
    "content-md5": lambda s: with_header(s, "content-md5", "1B2M2Y8AsgTpgAmY7PhCfg=="),
    "amz header": lambda s: with_header(s, "x-amz-meta-new", "1"),
}


@pytest.mark.parametrize("tamper", sorted(PRESIGNED_TAMPERS))
def test_changed_presigned_url_is_signature_does_not_match(tamper: str) -> None:
    seen, _ = presign("PUT", "/bucket/key", "versionId=v1", {"x-amz-acl": "private"})
    verify("PUT", seen)
    assert error_of("PUT", PRESIGNED_TAMPERS[tamper](seen)).code == "SignatureDoesNotMatch"


@pytest.mark.parametrize("index", range(27))
def test_any_byte_of_the_signature_matters(index: int) -> None:
    seen, _ = presign()
    signature = dict(parse_qsl(seen["raw_query"]))["Signature"]
    err = error_of("GET", with_param(seen, "Signature", _flip(signature, index)))
    assert err.code == "SignatureDoesNotMatch"


def test_presigned_url_requires_the_content_type_it_was_signed_with() -> None:
    seen, _ = presign("PUT", headers={"Content-Type": "text/plain"})
    assert error_of("PUT", seen).code == "SignatureDoesNotMatch"
    verify("PUT", with_header(seen, "content-type", "text/plain"))


HEADER_TAMPERS = {
    "method": ("GET", lambda s: s),
    "path": ("PUT", lambda s: {**s, "raw_path": "/bucket/other"}),
    "subresource": ("PUT", lambda s: {**s, "raw_query": "acl"}),
    "content-type": ("PUT", lambda s: with_header(s, "content-type", "text/html")),
    "amz header": ("PUT", lambda s: with_header(s, "x-amz-meta-a", "c")),
    "date": (
        "PUT",
        lambda s: with_header(s, "date", formatdate(time.time() + 1, usegmt=True)),
    ),
}


@pytest.mark.parametrize("tamper", sorted(HEADER_TAMPERS))
def test_changed_header_signed_request_is_signature_does_not_match(tamper: str) -> None:
    seen = header_sign("PUT", headers={"Content-Type": "text/plain", "x-amz-meta-a": "b"})
    verify("PUT", seen)
    method, change = HEADER_TAMPERS[tamper]
    assert error_of(method, change(seen)).code == "SignatureDoesNotMatch"


# --- refusals -------------------------------------------------------------------------------


def test_expired_presigned_url_is_access_denied() -> None:
    seen, _ = presign(expires=60)
    expires = int(dict(parse_qsl(seen["raw_query"]))["Expires"])
    verify("GET", seen, now=expires)
    err = error_of("GET", seen, now=expires + 1)
    assert (err.code, err.message) == ("AccessDenied", "Request has expired")
    assert set(err.extra) == {"Expires", "ServerTime"}


def test_expiry_is_checked_before_the_signature() -> None:
    seen, _ = presign(expires=60)
    seen = with_param(seen, "Signature", "AAAA")
    assert error_of("GET", seen, now=time.time() + 3600).message == "Request has expired"


def test_unknown_access_key_is_invalid_access_key_id() -> None:
    seen, _ = presign(access_key="NOPE")
    err = error_of("GET", seen)
    assert (err.code, err.extra) == ("InvalidAccessKeyId", {"AWSAccessKeyId": "NOPE"})


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "ap-southeast-2"])
def test_sigv2_is_accepted_whatever_the_server_region(region: str) -> None:
    # SigV2 signs no region: the check SigV4 scopes get has nothing to compare here.
    presigned, _ = presign()
    assert verify("GET", presigned, region=region).presigned
    signed = header_sign("GET", "/bucket/key")
    assert verify("GET", signed, region=region).access_key == ACCESS_KEY


@pytest.mark.parametrize(
    ("name", "value"), [("Expires", ""), ("Expires", "soon"), ("Expires", "1" * 40)]
)
def test_missing_or_invalid_expires_is_access_denied(name: str, value: str) -> None:
    seen, _ = presign()
    assert error_of("GET", with_param(seen, name, value)).code == "AccessDenied"


def test_v2_query_with_an_authorization_header_is_invalid_argument() -> None:
    seen, _ = presign()
    seen = with_header(seen, "authorization", "AWS AKIDEXAMPLE:abc=")
    assert error_of("GET", seen).code == "InvalidArgument"


def test_v2_and_v4_query_together_is_invalid_argument() -> None:
    seen, _ = presign()
    seen = {**seen, "raw_query": seen["raw_query"] + "&X-Amz-Algorithm=AWS4-HMAC-SHA256"}
    assert error_of("GET", seen).code == "InvalidArgument"


@pytest.mark.parametrize("offset", [-16 * 60, 16 * 60])
def test_header_auth_clock_skew_over_15_minutes_is_request_time_too_skewed(offset: int) -> None:
    seen = header_sign()
    err = error_of("PUT", seen, now=time.time() + offset)
    assert err.code == "RequestTimeTooSkewed"
    assert err.extra["MaxAllowedSkewMilliseconds"] == "900000"
    verify("PUT", seen, now=time.time() + offset * 14 / 16)


def test_header_auth_without_a_date_is_access_denied() -> None:
    seen = with_header(header_sign(), "date", None)
    assert error_of("PUT", seen).code == "AccessDenied"


def test_x_amz_date_signs_an_empty_date_line_as_s3cmd_does() -> None:
    amz_date = formatdate(usegmt=True)
    to_sign = sigv2.string_to_sign("GET", "", "", "", {"x-amz-date": [amz_date]}, "/b/k")
    assert to_sign == f"GET\n\n\n\nx-amz-date:{amz_date}\n/b/k"
    signature = sigv2.sign(SECRET, to_sign)
    seen = {
        "raw_path": "/b/k",
        "raw_query": "",
        "headers": [
            ("x-amz-date", amz_date),
            ("date", "Mon, 01 Jan 2001 00:00:00 GMT"),  # ignored, x-amz-date wins
            ("authorization", f"AWS {ACCESS_KEY}:{signature}"),
        ],
    }
    assert verify("GET", seen).access_key == ACCESS_KEY


@pytest.mark.parametrize("authorization", ["AWS ", "AWS AKIDEXAMPLE", "AWS :sig", "AWS AK:"])
def test_malformed_v2_header_is_invalid_argument(authorization: str) -> None:
    seen = with_header(header_sign(), "authorization", authorization)
    assert error_of("PUT", seen).code == "InvalidArgument"


printable = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=80)


@settings(max_examples=300, deadline=None)
@given(
    authorization=st.none() | printable.map(lambda v: "AWS " + v),
    query=printable.map(lambda v: "AWSAccessKeyId=AKIDEXAMPLE&Signature=x&" + v),
    path=printable,
    headers=st.lists(
        st.tuples(st.sampled_from(["date", "x-amz-date", "content-type", "x-amz-a"]), printable),
        max_size=4,
    ),
)
def test_arbitrary_v2_requests_only_ever_raise_s3_errors(
    authorization: str | None, query: str, path: str, headers: list[tuple[str, str]]
) -> None:
    if authorization is not None:
        headers = [*headers, ("authorization", authorization)]
        query = ""
    with pytest.raises(S3Error):
        auth.verify_request("GET", path, query, headers, SECRETS.get, time.time(), region=REGION)
