"""Access log: request lines in both formats, URI redaction and escaping."""

from __future__ import annotations

import json
import logging

from s3box.config import LoggingConfig
from s3box.server.access_log import log_request, redact_uri
from tests.unit.server.conftest import lines


def test_request_line_text_format(started):
    handle, stream = started(LoggingConfig())
    log_request(
        logging.getLogger("s3box.request"),
        method="GET",
        uri="/bucket/key",
        status=200,
        bytes_in=0,
        bytes_out=1234,
        latency_ms=12.34,
        request_id="REQ1",
        access_key="AKID",
        operation="GetObject",
    )
    handle.stop()
    assert lines(stream)[0].endswith(
        "s3box.request: GET /bucket/key 200 in=0 out=1234 12.3ms id=REQ1 key=AKID op=GetObject"
    )


def test_request_line_without_access_key_omits_it(started):
    handle, stream = started(LoggingConfig())
    log_request(
        logging.getLogger("s3box.request"),
        method="PUT",
        uri="/b/k",
        status=200,
        bytes_in=5,
        bytes_out=0,
        latency_ms=1.0,
        request_id="R",
    )
    handle.stop()
    assert lines(stream)[0].endswith("PUT /b/k 200 in=5 out=0 1.0ms id=R")


def test_request_line_json_format(started):
    handle, stream = started(LoggingConfig(format="json"))
    log_request(
        logging.getLogger("s3box.request"),
        method="GET",
        uri="/b/k?X-Amz-Signature=abc",
        status=404,
        bytes_in=0,
        bytes_out=200,
        latency_ms=0.5,
        request_id="R2",
        access_key="AK",
        operation="GetObject",
    )
    handle.stop()
    record = json.loads(lines(stream)[0])
    assert record["msg"] == "GET /b/k?X-Amz-Signature=REDACTED 404"
    assert record["uri"] == "/b/k?X-Amz-Signature=REDACTED"
    assert (record["status"], record["bytes_in"], record["bytes_out"]) == (404, 0, 200)
    assert (record["latency_ms"], record["request_id"]) == (0.5, "R2")
    assert (record["access_key"], record["operation"]) == ("AK", "GetObject")


def test_request_uri_control_characters_cannot_forge_lines(started):
    handle, stream = started(LoggingConfig())
    log_request(
        logging.getLogger("s3box.request"),
        method="GET",
        uri="/b/k\nFAKE 200",
        status=404,
        bytes_in=0,
        bytes_out=0,
        latency_ms=0.0,
        request_id="R",
    )
    handle.stop()
    assert len(lines(stream)) == 1
    assert "/b/k\\x0aFAKE 200" in lines(stream)[0]


def test_redact_uri_hides_presigned_credentials_and_keeps_the_rest():
    uri = (
        "/bucket/key?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKID%2F20240101%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
        "&X-Amz-Security-Token=TOKEN&X-Amz-Signature=deadbeef&partNumber=1"
    )
    redacted = redact_uri(uri)
    for secret in ("AKID", "TOKEN", "deadbeef"):
        assert secret not in redacted
    assert redacted == (
        "/bucket/key?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=REDACTED"
        "&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
        "&X-Amz-Security-Token=REDACTED&X-Amz-Signature=REDACTED&partNumber=1"
    )


def test_redact_uri_matches_names_case_insensitively_and_encoded():
    assert redact_uri("/b?x-amz-signature=s") == "/b?x-amz-signature=REDACTED"
    assert redact_uri("/b?X%2DAmz%2DSignature=s") == "/b?X%2DAmz%2DSignature=REDACTED"
    assert redact_uri("/b?Signature=s&AWSAccessKeyId=A&Expires=1") == (
        "/b?Signature=REDACTED&AWSAccessKeyId=REDACTED&Expires=1"
    )


def test_redact_uri_leaves_uris_without_secrets_untouched():
    for uri in ("/", "/b/k", "/b?list-type=2&prefix=a%2Fb", "/b?uploads", "/b?"):
        assert redact_uri(uri) == uri
