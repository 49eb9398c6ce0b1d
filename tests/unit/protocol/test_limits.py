"""Request head bounds, header folding, the body deadline rule, and the XML shape
bounds, without a server."""

from __future__ import annotations

import asyncio
import threading

import pytest

from s3box.protocol import xmlbounds
from s3box.protocol.errors import S3Error
from s3box.protocol.limits import (
    MAX_HEADER_FIELDS,
    MAX_HEADER_SECTION_BYTES,
    BodyDeadline,
    BodyTimeouts,
    check_request_head,
    fold_headers,
)
from s3box.protocol.operations.deletes import parse_delete_objects_xml
from s3box.protocol.operations.multipart_documents import parse_completed_parts
from s3box.server.http import XML_INLINE_BYTES, parse_document

# --- the head ---


def test_repeated_names_are_joined_in_order_and_marked():
    headers, unique = fold_headers([("a", "1"), ("b", "x"), ("a", "2"), ("a", "3")])
    assert headers == {"a": "1,2,3", "b": "x"}
    assert unique is False
    assert fold_headers([("a", "1"), ("b", "2")]) == ({"a": "1", "b": "2"}, True)


def test_400000_repeats_of_one_name_fold_into_one_value():
    headers, unique = fold_headers([("x-r", "aaaa")] * 400_000)
    assert headers["x-r"] == ",".join(["aaaa"] * 400_000)
    assert unique is False


def _section(size: int) -> list[tuple[bytes, bytes]]:
    return [(b"host", b"h"), (b"x-note", b"a" * (size - len(b"host") - 1 - len(b"x-note")))]


def test_a_header_section_of_8192_bytes_passes_and_8193_is_s3s_error():
    check_request_head(_section(MAX_HEADER_SECTION_BYTES), b"")
    with pytest.raises(S3Error) as info:
        check_request_head(_section(MAX_HEADER_SECTION_BYTES + 1), b"")
    assert info.value.code == "RequestHeaderSectionTooLarge"
    assert info.value.status == 400
    assert info.value.extra == {"MaxSizeAllowed": "8192"}


def test_the_query_string_counts_toward_the_section():
    with pytest.raises(S3Error):
        check_request_head(_section(MAX_HEADER_SECTION_BYTES), b"x")


def test_more_than_100_fields_are_refused():
    fields = [(b"x-%d" % i, b"") for i in range(MAX_HEADER_FIELDS)]
    check_request_head(fields, b"")
    with pytest.raises(S3Error) as info:
        check_request_head([*fields, (b"one-more", b"")], b"")
    assert info.value.code == "RequestHeaderSectionTooLarge"


# --- the body deadline ---


def test_a_1_gib_upload_at_1_mb_per_s_never_times_out():
    deadline = BodyDeadline(BodyTimeouts(idle_secs=20, min_rate=500), started=0.0)
    chunk, received, now = 64 * 1024, 0, 0.0
    while received < 1 << 30:
        assert deadline.wait_allowed(now, received) == 20
        received += chunk
        now += chunk / 1_000_000


def test_a_trickle_below_the_rate_times_out_after_the_grace():
    deadline = BodyDeadline(BodyTimeouts(idle_secs=20, min_rate=500), started=0.0)
    # One byte every 5 s: each wait is within the idle bound, the average is not.
    assert deadline.wait_allowed(5.0, 1) == pytest.approx(15.002)
    with pytest.raises(S3Error) as info:
        deadline.wait_allowed(25.0, 5)
    assert info.value.code == "RequestTimeout"
    assert info.value.status == 400


def test_the_idle_wait_is_capped_and_a_zero_rate_leaves_only_it():
    busy = BodyDeadline(BodyTimeouts(idle_secs=2, min_rate=500), started=0.0)
    assert busy.wait_allowed(1.0, 10_000_000) == 2
    idle_only = BodyDeadline(BodyTimeouts(idle_secs=2, min_rate=0), started=0.0)
    assert idle_only.wait_allowed(1_000_000.0, 1) == 2


# --- XML bounds ---


def _nested(depth: int) -> bytes:
    return (
        b"<Delete><Object><Key>k</Key>" + b"<X>" * depth + b"</X>" * depth + b"</Object></Delete>"
    )


def test_documents_nested_to_the_depth_bound_parse_and_deeper_are_malformed():
    allowed = xmlbounds.MAX_DEPTH - 2  # Delete and Object are two levels
    assert parse_delete_objects_xml(_nested(allowed))[0] == ["k"]
    with pytest.raises(S3Error) as info:
        parse_delete_objects_xml(_nested(allowed + 1))
    assert info.value.code == "MalformedXML"


def test_a_million_deep_document_stops_at_the_bound():
    body = b"<a>" * 1_000_000 + b"</a>" * 1_000_000
    with pytest.raises(xmlbounds.DocumentTooComplex):
        xmlbounds.parse_bounded(body)


def test_too_many_elements_are_malformed():
    one = b"<Object><Key>k</Key></Object>"
    body = b"<Delete>" + one * (xmlbounds.MAX_ELEMENTS // 2) + b"</Delete>"
    with pytest.raises(S3Error) as info:
        parse_delete_objects_xml(body)
    assert info.value.code == "MalformedXML"


def test_a_tag_longer_than_the_token_bound_is_refused():
    attrs = b"".join(b' a%d=""' % i for i in range(20_000))  # ~180 KB in one tag
    with pytest.raises(xmlbounds.DocumentTooComplex):
        xmlbounds.parse_bounded(b"<Delete" + attrs + b"></Delete>")
    # A long text of character references (a 1,024-character key) is fine.
    key = b"&#233;" * 1024
    root = xmlbounds.parse_bounded(b"<Delete><Object><Key>" + key + b"</Key></Object></Delete>")
    assert root[0][0].text == "\u00e9" * 1024


def test_a_complete_multipart_of_10000_parts_with_every_checksum_parses():
    checksums = "".join(
        f"<Checksum{a}>x</Checksum{a}>" for a in ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")
    )
    parts = "".join(
        f"<Part><PartNumber>{n}</PartNumber><ETag>&quot;{n:032x}&quot;</ETag>{checksums}</Part>"
        for n in range(1, 10_001)
    )
    body = f"<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>".encode()
    assert len(body) > XML_INLINE_BYTES
    parsed = parse_completed_parts(body)
    assert len(parsed) == 10_000
    assert parsed[-1].part_number == 10_000


def test_dtds_stay_forbidden():
    with pytest.raises(S3Error) as info:
        parse_delete_objects_xml(
            b'<!DOCTYPE d [<!ENTITY e "x">]><Delete><Object><Key>&e;</Key></Object></Delete>'
        )
    assert info.value.code == "MalformedXML"


def test_large_documents_are_parsed_in_a_worker_thread():
    def where(body: bytes) -> int:
        return threading.get_ident()

    async def run() -> tuple[int, int, int]:
        small = await parse_document(where, b"x" * XML_INLINE_BYTES)
        large = await parse_document(where, b"x" * (XML_INLINE_BYTES + 1))
        return threading.get_ident(), small, large

    loop_thread, small, large = asyncio.run(run())
    assert small == loop_thread
    assert large != loop_thread
