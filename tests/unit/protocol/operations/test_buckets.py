"""ListBuckets, the CreateBucket body, GetBucketLocation, GetBucketVersioning
and the empty bucket configurations."""

from __future__ import annotations

import pytest

from s3box.protocol.operations.buckets import (
    parse_create_bucket_xml,
    render_empty_configuration,
    render_get_bucket_location,
    render_get_bucket_versioning,
    render_list_buckets_xml,
)
from s3box.protocol.xmlrender import S3_NS, Owner
from s3box.records import BucketInfo
from tests.unit.protocol.operations.xmltest import NS, TS, parse, q, text


def test_list_buckets():
    root = parse(
        render_list_buckets_xml([BucketInfo("b1", TS), BucketInfo("b2", 0.0)], Owner("id", "nm"))
    )
    assert root.tag == f"{{{S3_NS}}}ListAllMyBucketsResult"
    assert text(root, "Owner/ID") == "id"
    assert [
        b.findtext(q("Name"), namespaces=NS) for b in root.findall(q("Buckets/Bucket"), NS)
    ] == [
        "b1",
        "b2",
    ]
    assert text(root, "Buckets/Bucket/CreationDate") == "2026-11-25T15:57:27.123Z"


def test_list_buckets_empty_still_has_buckets_element():
    root = parse(render_list_buckets_xml([], Owner("id", "nm")))
    assert root.find(q("Buckets"), NS) is not None


def test_list_buckets_page_carries_region_token_and_prefix():
    root = parse(
        render_list_buckets_xml(
            [BucketInfo("a&b", TS)],
            Owner("id", "nm"),
            region="eu-west-3",
            prefix="a&",
            continuation_token="YSZi",
        )
    )
    assert text(root, "Buckets/Bucket/Name") == "a&b"
    assert text(root, "Buckets/Bucket/BucketRegion") == "eu-west-3"
    assert text(root, "ContinuationToken") == "YSZi"
    assert text(root, "Prefix") == "a&"
    plain = parse(render_list_buckets_xml([BucketInfo("b", TS)], Owner("id", "nm")))
    assert plain.find(q("ContinuationToken"), NS) is None
    assert plain.find(q("Prefix"), NS) is None


def test_location_us_east_1_is_empty():
    root = parse(render_get_bucket_location("us-east-1").body)
    assert root.tag == f"{{{S3_NS}}}LocationConstraint"
    assert root.text is None


def test_location_other_region():
    assert parse(render_get_bucket_location("eu-west-3").body).text == "eu-west-3"


def test_versioning_is_empty_configuration():
    root = parse(render_get_bucket_versioning())
    assert root.tag == f"{{{S3_NS}}}VersioningConfiguration"
    assert len(root) == 0


def test_empty_configurations_have_only_their_default_inside():
    root = parse(render_empty_configuration("BucketLoggingStatus"))
    assert root.tag == f"{{{S3_NS}}}BucketLoggingStatus"
    assert len(root) == 0
    root = parse(
        render_empty_configuration("RequestPaymentConfiguration", "<Payer>BucketOwner</Payer>")
    )
    assert [(c.tag, c.text) for c in root] == [(f"{{{S3_NS}}}Payer", "BucketOwner")]


def test_parse_create_bucket_location():
    body = (
        f'<CreateBucketConfiguration xmlns="{S3_NS}">'
        "<LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>"
    ).encode()
    assert parse_create_bucket_xml(body) == "eu-west-1"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"  \n",
        b"<CreateBucketConfiguration/>",
        b"<CreateBucketConfiguration>"
        b"<LocationConstraint></LocationConstraint></CreateBucketConfiguration>",
    ],
)
def test_parse_create_bucket_without_constraint_is_none(body):
    assert parse_create_bucket_xml(body) is None
