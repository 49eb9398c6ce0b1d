"""The S3 error document: no namespace, extra fields before Resource."""

from __future__ import annotations

from s3box.protocol.errors import render_error
from tests.unit.protocol.operations.xmltest import parse


def test_error_has_no_namespace_and_extra_fields_before_resource():
    body = render_error(
        "NoSuchKey", "The specified key does not exist.", "/b/k", "req", "host", {"Key": "k&"}
    )
    root = parse(body)
    assert root.tag == "Error"
    assert [c.tag for c in root] == ["Code", "Message", "Key", "Resource", "RequestId", "HostId"]
    assert root.findtext("Key") == "k&"


def test_error_without_resource_omits_it():
    root = parse(render_error("AccessDenied", "Access Denied", None, "r", "h"))
    assert root.find("Resource") is None
