"""s3box's own operations: the health answers and rebuildIndex's input,
conflict error and 202."""

from __future__ import annotations

import pytest

from s3box.protocol.errors import S3Error
from s3box.protocol.operations.admin import (
    RebuildIndexInput,
    parse_rebuild_index,
    rebuild_index_conflict,
    render_health_live,
    render_health_ready,
    render_rebuild_index,
)
from s3box.protocol.request import Head

TEXT = [("content-type", "text/plain; charset=utf-8")]


def test_health_live_is_ok_text():
    response = render_health_live()
    assert (response.status, response.headers, response.body) == (200, TEXT, b"ok\n")


def test_health_ready_once_started_else_service_unavailable():
    response = render_health_ready(True)
    assert (response.status, response.headers, response.body) == (200, TEXT, b"ready\n")
    with pytest.raises(S3Error) as info:
        render_health_ready(False)
    assert (info.value.code, info.value.status) == ("ServiceUnavailable", 503)


def test_parse_rebuild_index_reads_the_bucket():
    assert parse_rebuild_index(Head(bucket="bkt")) == RebuildIndexInput("bkt")
    with pytest.raises(S3Error) as info:
        parse_rebuild_index(Head())
    assert info.value.code == "InvalidBucketName"


def test_rebuild_index_conflict_is_409_operation_aborted_naming_the_bucket():
    err = rebuild_index_conflict(RebuildIndexInput("bkt"))
    assert (err.code, err.status, err.extra) == ("OperationAborted", 409, {"BucketName": "bkt"})


def test_render_rebuild_index_is_202_accepted():
    response = render_rebuild_index()
    assert (response.status, response.body) == (202, b"")
