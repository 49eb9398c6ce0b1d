"""ListObjects and ListObjectsV2 as operations: the input each parses from a
request head, and the response each renders from an engine page (the XML
itself is test_listing.py's)."""

from __future__ import annotations

import pytest

from s3box.protocol.errors import S3Error
from s3box.protocol.operations.listing import (
    ListObjectsInput,
    ListObjectsV2Input,
    parse_list_objects,
    parse_list_objects_v2,
    render_list_objects,
    render_list_objects_v2,
)
from s3box.protocol.query import encode_continuation_token
from s3box.protocol.request import Head
from s3box.records import ListPage
from tests.unit.protocol.operations.xmltest import NS, OWNER, entry, parse, q, text


def _error(fn, req) -> S3Error:
    with pytest.raises(S3Error) as info:
        fn(req)
    return info.value


# ---- ListObjects (v1) ----


def test_parse_list_objects_defaults():
    assert parse_list_objects(Head(bucket="b")) == ListObjectsInput(
        bucket="b",
        prefix="",
        delimiter="",
        marker="",
        max_keys=1000,
        max_keys_shown=1000,
        encoding_type=None,
    )


def test_parse_list_objects_reads_every_parameter_and_caps_the_page():
    query = {
        "prefix": "a/",
        "delimiter": "/",
        "marker": "a/b",
        "max-keys": "5000",
        "encoding-type": "URL",
    }
    inp = parse_list_objects(Head(bucket="b", query=query))
    assert (inp.prefix, inp.delimiter, inp.marker) == ("a/", "/", "a/b")
    assert (inp.max_keys, inp.max_keys_shown, inp.encoding_type) == (1000, 5000, "url")


@pytest.mark.parametrize(
    ("query", "argument"),
    [({"max-keys": "x"}, "max-keys"), ({"max-keys": "-1"}, "max-keys"),
     ({"encoding-type": "base64"}, "encoding-type")],
)  # fmt: skip
def test_parse_list_objects_bad_parameters_are_invalid_argument(query, argument):
    err = _error(parse_list_objects, Head(bucket="b", query=query))
    assert (err.code, err.extra["ArgumentName"]) == ("InvalidArgument", argument)


def test_parse_list_objects_without_bucket_is_invalid_bucket_name():
    assert _error(parse_list_objects, Head()).code == "InvalidBucketName"


def _v1(query: dict[str, str], page: ListPage):
    response = render_list_objects(parse_list_objects(Head(bucket="b", query=query)), page, OWNER)
    assert response.headers == [("content-type", "application/xml")]
    return parse(response.body)


def test_render_list_objects_next_marker_only_with_a_delimiter():
    page = ListPage([entry("a")], ["b/"], True, "b/")
    assert text(_v1({"delimiter": "/"}, page), "NextMarker") == "b/"
    assert _v1({}, page).find(q("NextMarker"), NS) is None


def test_render_list_objects_echoes_the_asked_max_keys_and_the_marker():
    root = _v1({"max-keys": "2000", "marker": "m"}, ListPage([entry("n")], [], False, None))
    assert (text(root, "MaxKeys"), text(root, "Marker")) == ("2000", "m")
    assert text(root, "Contents/Owner/ID") == OWNER.id


# ---- ListObjectsV2 ----


def test_parse_list_objects_v2_defaults():
    assert parse_list_objects_v2(Head(bucket="b", query={"list-type": "2"})) == ListObjectsV2Input(
        bucket="b",
        prefix="",
        delimiter="",
        continuation_token=None,
        continuation=None,
        start_after="",
        max_keys=1000,
        max_keys_shown=1000,
        encoding_type=None,
        fetch_owner=False,
    )


def test_parse_list_objects_v2_decodes_the_token_and_reads_fetch_owner():
    token = encode_continuation_token("k/é")
    query = {
        "list-type": "2",
        "continuation-token": token,
        "start-after": "a",
        "fetch-owner": "TRUE",
        "max-keys": "0",
    }
    inp = parse_list_objects_v2(Head(bucket="b", query=query))
    assert (inp.continuation_token, inp.continuation) == (token, "k/é")
    assert (inp.start_after, inp.fetch_owner, inp.max_keys, inp.max_keys_shown) == (
        "a",
        True,
        0,
        0,
    )


@pytest.mark.parametrize(
    ("query", "argument"),
    [
        ({}, "list-type"),
        ({"list-type": "1"}, "list-type"),
        ({"list-type": "2", "continuation-token": ""}, "continuation-token"),
        ({"list-type": "2", "max-keys": "many"}, "max-keys"),
        ({"list-type": "2", "encoding-type": "x"}, "encoding-type"),
    ],
)
def test_parse_list_objects_v2_bad_parameters_are_invalid_argument(query, argument):
    err = _error(parse_list_objects_v2, Head(bucket="b", query=query))
    assert (err.code, err.extra["ArgumentName"]) == ("InvalidArgument", argument)


def _v2(query: dict[str, str], page: ListPage):
    inp = parse_list_objects_v2(Head(bucket="b", query={"list-type": "2", **query}))
    response = render_list_objects_v2(inp, page, OWNER)
    assert response.headers == [("content-type", "application/xml")]
    return parse(response.body)


def test_render_list_objects_v2_truncated_page_carries_the_next_token_and_key_count():
    root = _v2({"max-keys": "2"}, ListPage([entry("a")], ["b/"], True, "b/"))
    assert text(root, "NextContinuationToken") == encode_continuation_token("b/")
    assert (text(root, "KeyCount"), text(root, "MaxKeys")) == ("2", "2")
    assert root.find(q("ContinuationToken"), NS) is None


def test_render_list_objects_v2_echoes_the_token_sent_and_start_after():
    token = encode_continuation_token("a")
    root = _v2({"continuation-token": token, "start-after": "s"}, ListPage([], [], False, None))
    assert (text(root, "ContinuationToken"), text(root, "StartAfter")) == (token, "s")
    assert root.find(q("NextContinuationToken"), NS) is None


def test_render_list_objects_v2_owner_only_with_fetch_owner():
    page = ListPage([entry("a")], [], False, None)
    assert _v2({}, page).find(q("Contents/Owner"), NS) is None
    assert text(_v2({"fetch-owner": "true"}, page), "Contents/Owner/ID") == OWNER.id
