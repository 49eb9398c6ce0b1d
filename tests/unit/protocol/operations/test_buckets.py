"""ListBuckets, CreateBucket (head and body), HeadBucket, DeleteBucket and
GetBucketLocation."""

from __future__ import annotations

import pytest

from s3box.protocol.errors import S3Error
from s3box.protocol.operations.buckets import (
    MAX_BUCKETS,
    CreateBucketInput,
    ListBucketsInput,
    check_create_bucket_configuration,
    check_location_constraint,
    page_list_buckets,
    parse_create_bucket,
    parse_create_bucket_xml,
    parse_delete_bucket,
    parse_get_bucket_location,
    parse_head_bucket,
    parse_list_buckets,
    render_create_bucket,
    render_delete_bucket,
    render_get_bucket_location,
    render_head_bucket,
    render_list_buckets,
    render_list_buckets_xml,
)
from s3box.protocol.query import encode_continuation_token
from s3box.protocol.request import Head
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


# ---- ListBuckets: parse, page, render ----


def _s3_error(fn, *args) -> S3Error:
    with pytest.raises(S3Error) as info:
        fn(*args)
    return info.value


def test_parse_list_buckets_without_parameters_is_unpaginated():
    assert parse_list_buckets(Head()) == ListBucketsInput(
        prefix=None,
        bucket_region=None,
        continuation_token=None,
        start_after="",
        max_buckets=MAX_BUCKETS,
        paginated=False,
    )


@pytest.mark.parametrize(
    "query",
    [{"prefix": ""}, {"bucket-region": "x"}, {"max-buckets": "5"}, {"continuation-token": "Yg"}],
)
def test_parse_list_buckets_any_paging_parameter_paginates(query):
    assert parse_list_buckets(Head(query=query)).paginated


def test_parse_list_buckets_reads_every_parameter_and_decodes_the_token():
    token = encode_continuation_token("b1")
    inp = parse_list_buckets(
        Head(
            query={
                "prefix": "b",
                "bucket-region": "eu-west-3",
                "max-buckets": "2",
                "continuation-token": token,
            }
        )
    )
    assert (inp.prefix, inp.bucket_region, inp.max_buckets) == ("b", "eu-west-3", 2)
    assert (inp.continuation_token, inp.start_after) == (token, "b1")


@pytest.mark.parametrize("raw", ["0", "10001", "-1", "x", ""])
def test_parse_list_buckets_max_buckets_out_of_range_is_invalid_argument(raw):
    err = _s3_error(parse_list_buckets, Head(query={"max-buckets": raw}))
    assert err.code == "InvalidArgument"
    assert err.extra == {"ArgumentName": "max-buckets", "ArgumentValue": raw}


def test_parse_list_buckets_bad_token_is_invalid_argument():
    err = _s3_error(parse_list_buckets, Head(query={"continuation-token": ""}))
    assert (err.code, err.extra["ArgumentName"]) == ("InvalidArgument", "continuation-token")


BUCKETS = [BucketInfo(name, TS) for name in ("c1", "a1", "b2", "b1")]


def _names(page) -> list[str]:
    return [b.name for b in page.buckets]


def test_page_list_buckets_unpaginated_is_every_bucket_in_order_without_token():
    page = page_list_buckets(parse_list_buckets(Head()), BUCKETS, "us-east-1")
    assert (_names(page), page.continuation_token) == (["a1", "b1", "b2", "c1"], None)


def test_page_list_buckets_pages_by_max_buckets_and_continues_after_the_token():
    first = page_list_buckets(
        parse_list_buckets(Head(query={"max-buckets": "2"})), BUCKETS, "us-east-1"
    )
    assert _names(first) == ["a1", "b1"]
    assert first.continuation_token == encode_continuation_token("b1")
    query = {"max-buckets": "2", "continuation-token": first.continuation_token}
    second = page_list_buckets(parse_list_buckets(Head(query=query)), BUCKETS, "us-east-1")
    assert (_names(second), second.continuation_token) == (["b2", "c1"], None)


def test_page_list_buckets_filters_by_prefix_and_region():
    by_prefix = parse_list_buckets(Head(query={"prefix": "b"}))
    assert _names(page_list_buckets(by_prefix, BUCKETS, "us-east-1")) == ["b1", "b2"]
    same = parse_list_buckets(Head(query={"bucket-region": "eu-west-3"}))
    assert len(page_list_buckets(same, BUCKETS, "eu-west-3").buckets) == 4
    other = parse_list_buckets(Head(query={"bucket-region": "us-east-1"}))
    assert page_list_buckets(other, BUCKETS, "eu-west-3").buckets == []


def test_render_list_buckets_is_an_xml_response_of_the_page():
    inp = parse_list_buckets(Head(query={"max-buckets": "1", "prefix": "b"}))
    response = render_list_buckets(inp, BUCKETS, region="eu-west-3", owner=Owner("id", "nm"))
    assert (response.status, response.headers) == (200, [("content-type", "application/xml")])
    root = parse(response.body)
    assert [e.text for e in root.iter(f"{{{S3_NS}}}Name")] == ["b1"]
    assert text(root, "Buckets/Bucket/BucketRegion") == "eu-west-3"
    assert text(root, "ContinuationToken") == encode_continuation_token("b1")
    assert text(root, "Prefix") == "b"


# ---- CreateBucket ----


def test_parse_create_bucket_reads_name_acl_and_ownership():
    head = Head(
        bucket="my-bucket",
        headers={"x-amz-acl": "private", "x-amz-object-ownership": "BucketOwnerEnforced"},
    )
    assert parse_create_bucket(head) == CreateBucketInput(
        bucket="my-bucket", acl="private", object_ownership="BucketOwnerEnforced"
    )
    assert parse_create_bucket(Head(bucket="b12")) == CreateBucketInput("b12", None, None)


@pytest.mark.parametrize(
    ("headers", "code", "status"),
    [
        ({"x-amz-acl": "nobody-read"}, "InvalidArgument", 400),
        ({"x-amz-bucket-object-lock-enabled": " TRUE "}, "NotImplemented", 501),
        ({"x-amz-object-ownership": "ObjectWriter"}, "NotImplemented", 501),
        ({"x-amz-object-ownership": "BucketOwnerPreferred"}, "NotImplemented", 501),
        ({"x-amz-object-ownership": "Whatever"}, "InvalidArgument", 400),
        ({"x-amz-grant-read": "id=x"}, "InvalidBucketAclWithObjectOwnership", 400),
    ],
)
def test_parse_create_bucket_refuses_what_s3box_buckets_cannot_be(headers, code, status):
    err = _s3_error(parse_create_bucket, Head(bucket="bkt", headers=headers))
    assert (err.code, err.status) == (code, status)


def test_parse_create_bucket_object_lock_false_is_accepted():
    head = Head(bucket="bkt", headers={"x-amz-bucket-object-lock-enabled": "false"})
    assert parse_create_bucket(head).bucket == "bkt"


@pytest.mark.parametrize("name", ["ab", "Upper", "a_b", "-ab"])
def test_parse_create_bucket_invalid_name_is_invalid_bucket_name(name):
    assert _s3_error(parse_create_bucket, Head(bucket=name)).code == "InvalidBucketName"


def test_parse_create_bucket_without_bucket_is_invalid_bucket_name():
    assert _s3_error(parse_create_bucket, Head()).code == "InvalidBucketName"


def _configuration(location: str) -> bytes:
    return (
        f'<CreateBucketConfiguration xmlns="{S3_NS}">'
        f"<LocationConstraint>{location}</LocationConstraint></CreateBucketConfiguration>"
    ).encode()


@pytest.mark.parametrize(
    ("body", "region"),
    [(b"", "us-east-1"), (_configuration("eu-west-3"), "eu-west-3")],
)
def test_check_create_bucket_configuration_accepts_the_endpoint_region(body, region):
    check_create_bucket_configuration(body, region)


@pytest.mark.parametrize(
    ("location", "region", "code"),
    [
        ("us-east-1", "us-east-1", "InvalidLocationConstraint"),
        ("eu-west-1", "us-east-1", "IllegalLocationConstraintException"),
        ("eu-west-1", "eu-west-3", "IllegalLocationConstraintException"),
        (None, "eu-west-3", "IllegalLocationConstraintException"),
    ],
)
def test_check_location_constraint_refusals(location, region, code):
    assert _s3_error(check_location_constraint, location, region).code == code


def test_check_create_bucket_configuration_malformed_body_is_malformed_xml():
    err = _s3_error(check_create_bucket_configuration, b"<Nope/>", "us-east-1")
    assert err.code == "MalformedXML"


def test_render_create_bucket_names_the_location():
    response = render_create_bucket(CreateBucketInput("bkt", None, None))
    assert (response.status, response.headers, response.body) == (200, [("location", "/bkt")], b"")


# ---- HeadBucket, DeleteBucket, GetBucketLocation ----


@pytest.mark.parametrize(
    "parse_op", [parse_head_bucket, parse_delete_bucket, parse_get_bucket_location]
)
def test_bucket_operations_read_the_bucket(parse_op):
    assert parse_op(Head(bucket="bkt")).bucket == "bkt"
    assert _s3_error(parse_op, Head()).code == "InvalidBucketName"


def test_render_head_bucket_names_the_region():
    assert render_head_bucket("eu-west-3").headers == [("x-amz-bucket-region", "eu-west-3")]


def test_render_delete_bucket_is_204_without_body():
    response = render_delete_bucket()
    assert (response.status, response.body) == (204, b"")


def test_render_get_bucket_location_is_xml():
    assert render_get_bucket_location("eu-west-3").headers == [("content-type", "application/xml")]
