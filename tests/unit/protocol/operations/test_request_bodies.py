"""Every request-body parser against hostile or malformed input: MalformedXML,
never another exception, never a DTD or an entity."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3box.protocol.errors import S3Error
from s3box.protocol.operations.buckets import parse_create_bucket_xml
from s3box.protocol.operations.deletes import parse_delete_objects_xml
from s3box.protocol.operations.multipart_documents import parse_completed_parts
from s3box.protocol.operations.tagging import parse_bucket_tags, parse_object_tags

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<Delete><Object><Key>&lol2;</Key></Object></Delete>"""


EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Delete><Object><Key>&x;</Key></Object></Delete>"""


HOSTILE = [
    b"",
    b"<Delete>",
    b"<Delete><Object><Key>a</Key></Object>",
    b"not xml",
    b"<Wrong><Object><Key>a</Key></Object></Wrong>",
    b"<Delete><Object><Key>a</Key></Object></Delete><Delete/>",
    b"<!DOCTYPE Delete><Delete><Object><Key>a</Key></Object></Delete>",
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    b"\xff\xfe<\x00D\x00",
    b"<Delete><Object><Key>\x01</Key></Object></Delete>",
    b'<?xml version="1.0" encoding="bogus"?><Delete/>',
]


@pytest.mark.parametrize(
    "parser",
    [
        parse_delete_objects_xml,
        parse_completed_parts,
        parse_object_tags,
        parse_bucket_tags,
        parse_create_bucket_xml,
    ],
)
@pytest.mark.parametrize("body", HOSTILE)
def test_hostile_or_malformed_bodies_are_malformed_xml(parser, body):
    if parser is parse_create_bucket_xml and body == b"":
        assert parser(body) is None
        return
    with pytest.raises(S3Error) as info:
        parser(body)
    assert (info.value.code, info.value.status) == ("MalformedXML", 400)


@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_raise_anything_but_s3_errors(body):
    for parser in (
        parse_delete_objects_xml,
        parse_completed_parts,
        parse_object_tags,
        parse_bucket_tags,
        parse_create_bucket_xml,
    ):
        try:
            parser(body)
        except S3Error as err:
            assert err.code in ("MalformedXML", "InvalidTag")
