"""CopyObject and UploadPartCopy results."""

from __future__ import annotations

import pytest

from s3box.protocol.operations.copy import copy_part_result, render_copy_object
from s3box.protocol.xmlrender import S3_NS
from tests.unit.protocol.operations.xmltest import ETAG, TS, parse, root_of, text, text_at


@pytest.mark.parametrize(
    ("render", "root_name"),
    [(render_copy_object, "CopyObjectResult"), (copy_part_result, "CopyPartResult")],
)
def test_copy_results(render, root_name):
    root = parse(render(ETAG, TS, {"CRC32": "AAAAAA=="}))
    assert root.tag == f"{{{S3_NS}}}{root_name}"
    assert text(root, "ETag") == f'"{ETAG}"'
    assert text(root, "LastModified") == "2026-11-25T15:57:27.123Z"
    assert text(root, "ChecksumCRC32") == "AAAAAA=="


def test_copy_object_result_carries_checksum_type() -> None:
    root = root_of(render_copy_object("abc", 0.0, {"CRC32C": "AAAAAA=="}, "FULL_OBJECT"))
    assert text_at(root, "ChecksumCRC32C") == "AAAAAA=="
    assert text_at(root, "ChecksumType") == "FULL_OBJECT"
