"""PostObject's form reading (fed in pieces, as a socket delivers them), its input, its
answers, and the SigV4 / SigV2 form signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from s3box.protocol.errors import S3Error
from s3box.protocol.operations.post_object import (
    MAX_PRE_DATA,
    FormReader,
    form_boundary,
    parse_post_object,
    post_key,
)
from s3box.protocol.post_auth import verify_post_signature
from s3box.protocol.signing import sign, signing_key


def _part(name: str, value: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    return f"--B\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + value + b"\r\n"


def _read(body: bytes, piece: int = 7) -> tuple[FormReader, bytes]:
    reader = FormReader(b"B")
    out = b""
    for i in range(0, len(body), piece):
        out += b"".join(reader.feed(body[i : i + piece]))
    reader.finish()
    return reader, out


def test_fields_then_file_then_ignored_fields() -> None:
    body = (
        _part("Key", b"k/${filename}")
        + _part("X-Amz-Meta-A", b"1")
        + _part("file", b"file\r\nbytes--B", "pic.png")
        + _part("after", b"ignored")
        + b"--B--\r\n"
    )
    for piece in (1, 7, len(body)):
        reader, data = _read(body, piece)
        assert data == b"file\r\nbytes--B"
        assert reader.fields == {
            "key": ("Key", "k/${filename}"),
            "x-amz-meta-a": ("X-Amz-Meta-A", "1"),
        }
        assert reader.filename == "pic.png"
        assert post_key(reader.fields, reader.filename) == "k/pic.png"


def test_filename_absent_keeps_the_placeholder() -> None:
    reader, _ = _read(_part("key", b"a${filename}") + _part("file", b"x") + b"--B--\r\n")
    assert post_key(reader.fields, reader.filename) == "a${filename}"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (_part("key", b"k") + _part("file", b"x", "f"), "MalformedPOSTRequest"),  # no end
        (b"garbage", "MalformedPOSTRequest"),
        (_part("key", b"k") + b"--B--\r\n", "InvalidArgument"),  # no file
        (_part("key", b"1") + _part("KEY", b"2") + b"--B--\r\n", "InvalidArgument"),
        (_part("big", b"a" * (MAX_PRE_DATA + 1)), "MaxPostPreDataLengthExceeded"),
        (
            b'--B\r\nContent-Disposition: file; name="file"\r\n\r\nx\r\n--B--\r\n',
            "MalformedPOSTRequest",
        ),
    ],
)
def test_bad_forms(body: bytes, code: str) -> None:
    with pytest.raises(S3Error) as caught:
        reader, _ = _read(body)
        reader.check_file()
    assert caught.value.code == code


def test_missing_key_names_the_field() -> None:
    with pytest.raises(S3Error) as caught:
        post_key({}, None)
    assert caught.value.message == (
        "Bucket POST must contain a field named 'key'.  If it is specified, please check the "
        "order of the fields."
    )
    assert caught.value.extra == {"ArgumentName": "key", "ArgumentValue": ""}


def test_content_type_must_be_multipart_form_data() -> None:
    assert form_boundary("multipart/form-data; boundary=abc") == b"abc"
    with pytest.raises(S3Error) as caught:
        form_boundary("text/html")
    assert (caught.value.code, caught.value.status) == ("PreconditionFailed", 412)
    with pytest.raises(S3Error, match="MalformedPOSTRequest"):
        form_boundary("multipart/form-data")


def test_fields_become_object_fields() -> None:
    form = {
        "content-type": ("Content-Type", "text/plain"),
        "cache-control": ("Cache-Control", "no-cache"),
        "x-amz-meta-a": ("x-amz-meta-a", "1"),
        "tagging": (
            "tagging",
            "<Tagging><TagSet><Tag><Key>t</Key><Value>v</Value></Tag></TagSet></Tagging>",
        ),
        "success_action_status": ("success_action_status", "201"),
        "content-md5": ("Content-MD5", "abc="),
    }
    inp = parse_post_object("b", "k", form)
    assert inp.fields.content_type == "text/plain"
    assert inp.fields.headers["cache-control"] == "no-cache"
    assert inp.fields.user_metadata == {"a": "1"}
    assert inp.fields.tags == {"t": "v"}
    assert inp.status == 201 and inp.redirect is None
    assert inp.payload_headers == {"content-md5": "abc="}


SECRET = "secret"


def _lookup(access_key: str) -> str | None:
    return SECRET if access_key == "AK" else None


def _v4_fields(policy: str = "cG9saWN5") -> dict[str, str]:
    key = signing_key(SECRET, "20261204", "us-east-1", "s3")
    return {
        "policy": policy,
        "x-amz-algorithm": "AWS4-HMAC-SHA256",
        "x-amz-credential": "AK/20261204/us-east-1/s3/aws4_request",
        "x-amz-date": "20261204T000000Z",
        "x-amz-signature": sign(key, policy),
    }


def test_sigv4_form_signature() -> None:
    assert verify_post_signature(_v4_fields(), _lookup, "us-east-1") == "AK"
    bad = {**_v4_fields(), "x-amz-signature": "0" * 64}
    with pytest.raises(S3Error, match="SignatureDoesNotMatch"):
        verify_post_signature(bad, _lookup, "us-east-1")
    unknown = {**_v4_fields(), "x-amz-credential": "XX/20261204/us-east-1/s3/aws4_request"}
    with pytest.raises(S3Error, match="InvalidAccessKeyId"):
        verify_post_signature(unknown, _lookup, "us-east-1")
    with pytest.raises(S3Error, match="is wrong; expecting 'eu-west-1'"):
        verify_post_signature(_v4_fields(), _lookup, "eu-west-1")


def test_sigv2_form_signature() -> None:
    policy = "cG9saWN5"
    good = base64.b64encode(hmac.digest(SECRET.encode(), policy.encode(), hashlib.sha1)).decode()
    fields = {"policy": policy, "awsaccesskeyid": "AK", "signature": good}
    assert verify_post_signature(fields, _lookup, "us-east-1") == "AK"
    with pytest.raises(S3Error, match="SignatureDoesNotMatch"):
        verify_post_signature({**fields, "signature": "AAAA"}, _lookup, "us-east-1")


def test_incomplete_or_absent_signature() -> None:
    with pytest.raises(S3Error) as caught:
        verify_post_signature({"policy": "p"}, _lookup, "us-east-1")
    assert caught.value.code == "AccessDenied"
    fields = _v4_fields()
    del fields["x-amz-signature"]
    with pytest.raises(S3Error) as missing:
        verify_post_signature(fields, _lookup, "us-east-1")
    assert missing.value.extra["ArgumentName"] == "X-Amz-Signature"
