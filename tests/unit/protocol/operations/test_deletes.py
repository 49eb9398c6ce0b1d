"""DeleteObjects: its input (head and Delete body), the Delete document and
the DeleteResult answer."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3box.protocol.errors import S3Error
from s3box.protocol.operations.deletes import (
    DeleteObjectsInput,
    parse_delete_objects,
    parse_delete_objects_xml,
    render_delete_objects,
    render_delete_objects_xml,
)
from s3box.protocol.request import Head
from s3box.protocol.xmlrender import PROLOGUE, S3_NS, escape
from s3box.records import DeleteResult
from tests.unit.protocol.operations.xmltest import NS, parse, q, text, xml_keys


def test_delete_result_verbose_and_errors():
    results = [DeleteResult("k1"), DeleteResult("k2", "AccessDenied", "Access Denied")]
    root = parse(render_delete_objects_xml(results, quiet=False))
    assert text(root, "Deleted/Key") == "k1"
    assert text(root, "Error/Key") == "k2"
    assert text(root, "Error/Code") == "AccessDenied"
    assert text(root, "Error/Message") == "Access Denied"


def test_delete_result_echoes_the_version_ids_the_request_named():
    results = [DeleteResult("k1"), DeleteResult("k2"), DeleteResult("k3", "InvalidArgument", "x")]
    root = parse(render_delete_objects_xml(results, quiet=False, version_ids=["null", None, "v3"]))
    deleted = root.findall(q("Deleted"), NS)
    assert [d.findtext(q("VersionId"), namespaces=NS) for d in deleted] == ["null", None]
    assert text(root, "Error/VersionId") == "v3"


def test_delete_result_quiet_lists_only_errors():
    results = [DeleteResult("k1"), DeleteResult("k2", "InternalError")]
    root = parse(render_delete_objects_xml(results, quiet=True))
    assert root.find(q("Deleted"), NS) is None
    assert text(root, "Error/Key") == "k2"


def delete_body(keys, quiet=None, ns=True):
    xmlns = f' xmlns="{S3_NS}"' if ns else ""
    objects = "".join(f"<Object><Key>{escape(k)}</Key></Object>" for k in keys)
    quiet_xml = f"<Quiet>{quiet}</Quiet>" if quiet is not None else ""
    body = f"<Delete{xmlns}>{quiet_xml}{objects}</Delete>"
    return (PROLOGUE + body).encode()


@pytest.mark.parametrize("ns", [True, False])
def test_parse_delete_objects_with_or_without_namespace(ns):
    assert parse_delete_objects_xml(delete_body(["a", "b c"], "true", ns)) == (
        ["a", "b c"],
        [None, None],
        True,
    )


def test_parse_delete_objects_quiet_defaults_to_false():
    assert parse_delete_objects_xml(delete_body(["a"])) == (["a"], [None], False)


def test_parse_delete_objects_reads_each_version_id():
    body = (
        f'<Delete xmlns="{S3_NS}"><Object><Key>a</Key><VersionId>null</VersionId></Object>'
        "<Object><Key>b</Key></Object>"
        "<Object><Key>c</Key><VersionId>3HL4kqtJlcpXro</VersionId></Object></Delete>"
    ).encode()
    assert parse_delete_objects_xml(body) == (
        ["a", "b", "c"],
        ["null", None, "3HL4kqtJlcpXro"],
        False,
    )


@given(st.lists(xml_keys, min_size=1, max_size=10))
def test_parse_delete_objects_round_trips_escaped_keys(keys):
    assert parse_delete_objects_xml(delete_body(keys))[0] == keys


def test_parse_delete_objects_accepts_exactly_1000():
    keys, _, _ = parse_delete_objects_xml(delete_body([str(i) for i in range(1000)]))
    assert len(keys) == 1000


def test_parse_delete_objects_over_1000_is_malformed():
    with pytest.raises(S3Error) as info:
        parse_delete_objects_xml(delete_body([str(i) for i in range(1001)]))
    assert info.value.code == "MalformedXML"


def test_parse_delete_objects_without_object_is_malformed():
    with pytest.raises(S3Error) as info:
        parse_delete_objects_xml(delete_body([], "true"))
    assert info.value.code == "MalformedXML"


def test_parse_delete_objects_object_without_key_is_malformed():
    with pytest.raises(S3Error):
        parse_delete_objects_xml(b"<Delete><Object><VersionId>1</VersionId></Object></Delete>")


# ---- DeleteObjects: the operation's input and response ----

VERSIONED = (
    b"<Delete><Object><Key>a</Key></Object>"
    b"<Object><Key>b</Key><VersionId>null</VersionId></Object>"
    b"<Object><Key>c</Key><VersionId>v9</VersionId></Object></Delete>"
)


def _md5(body: bytes) -> str:
    return base64.b64encode(hashlib.md5(body).digest()).decode()


def test_parse_delete_objects_reads_the_body_and_the_bucket():
    inp = parse_delete_objects(Head(bucket="bkt"), VERSIONED)
    assert inp == DeleteObjectsInput("bkt", ["a", "b", "c"], [None, "null", "v9"], False)
    assert inp.deletable == ["a", "b"]  # v9 does not exist: c stays


def test_parse_delete_objects_checks_content_md5_first():
    good = Head(bucket="bkt", headers={"content-md5": _md5(VERSIONED)})
    assert parse_delete_objects(good, VERSIONED).keys == ["a", "b", "c"]
    wrong = Head(bucket="bkt", headers={"content-md5": _md5(b"other")})
    with pytest.raises(S3Error) as info:
        parse_delete_objects(wrong, b"not even xml")
    assert info.value.code == "BadDigest"
    garbled = Head(bucket="bkt", headers={"content-md5": "!!"})
    with pytest.raises(S3Error) as info:
        parse_delete_objects(garbled, VERSIONED)
    assert info.value.code == "InvalidDigest"


@pytest.mark.parametrize(
    ("key_xml", "code"),
    [(b"<Key></Key>", "InvalidRequest"), (b"<Key>" + b"k" * 1025 + b"</Key>", "KeyTooLongError")],
)
def test_parse_delete_objects_validates_every_key(key_xml, code):
    body = b"<Delete><Object>" + key_xml + b"</Object></Delete>"
    with pytest.raises(S3Error) as info:
        parse_delete_objects(Head(bucket="bkt"), body)
    assert info.value.code == code


def test_render_delete_objects_answers_every_key_in_request_order():
    inp = parse_delete_objects(Head(bucket="bkt"), VERSIONED)
    deleted = [DeleteResult("a"), DeleteResult("b", "InternalError", "disk")]
    response = render_delete_objects(inp, deleted)
    assert response.headers == [("content-type", "application/xml")]
    root = parse(response.body)
    assert [e.findtext(q("Key"), namespaces=NS) for e in root] == ["a", "b", "c"]
    assert [e.findtext(q("Code"), namespaces=NS) for e in root] == [
        None,
        "InternalError",
        "InvalidArgument",
    ]
    assert root[2].findtext(q("Message"), namespaces=NS) == "Invalid version id specified"
    assert root[2].findtext(q("VersionId"), namespaces=NS) == "v9"


def test_render_delete_objects_quiet_lists_only_errors():
    body = VERSIONED.replace(b"<Delete>", b"<Delete><Quiet>true</Quiet>")
    inp = parse_delete_objects(Head(bucket="bkt"), body)
    root = parse(render_delete_objects(inp, [DeleteResult("a"), DeleteResult("b")]).body)
    assert [e.findtext(q("Key"), namespaces=NS) for e in root] == ["c"]
