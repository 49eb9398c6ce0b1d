"""Service and bucket operations: ListBuckets, CreateBucket, HeadBucket,
DeleteBucket and GetBucketLocation (typed input, parse and render of each;
GetBucketVersioning and the empty bucket configurations are in unconfigured.py).

Pure code over a RequestHead and bytes; the bucket's existence is the engine's
answer, passed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from s3box.protocol.errors import S3Error
from s3box.protocol.names import validate_bucket_name
from s3box.protocol.object_headers import GRANT_HEADERS, check_canned_acl
from s3box.protocol.query import decode_continuation_token, encode_continuation_token
from s3box.protocol.request import RequestHead, bucket_of
from s3box.protocol.response import Response, xml_response
from s3box.protocol.timefmt import iso8601_ms
from s3box.protocol.xmlparse import child, parse_root, text_of
from s3box.protocol.xmlrender import PROLOGUE, S3_NS, Owner, document, el, escape, owner_el
from s3box.records import BucketInfo

MAX_BUCKETS = 10_000  # S3's page size, and the most max-buckets may ask for


# ---- ListBuckets ----


@dataclass(frozen=True, slots=True)
class ListBucketsInput:
    prefix: str | None
    bucket_region: str | None
    continuation_token: str | None  # as the client sent it
    start_after: str  # the bucket name the token stands for ("" from the start)
    max_buckets: int
    # S3 pages only when one of prefix, bucket-region, max-buckets or
    # continuation-token is given; without them every bucket is listed.
    paginated: bool


def parse_list_buckets(req: RequestHead) -> ListBucketsInput:
    """ListBuckets' optional prefix, bucket-region, max-buckets (1..10,000, default
    10,000) and continuation-token; a bad max-buckets or token is InvalidArgument."""
    q = req.query
    token = q.get("continuation-token")
    raw_max = q.get("max-buckets")
    limit = MAX_BUCKETS
    if raw_max is not None:
        try:
            limit = int(raw_max)
        except ValueError:
            limit = 0
        if not 1 <= limit <= MAX_BUCKETS:
            raise S3Error(
                "InvalidArgument",
                f"Argument max-buckets must be an integer between 1 and {MAX_BUCKETS}",
                extra={"ArgumentName": "max-buckets", "ArgumentValue": raw_max},
            )
    prefix = q.get("prefix")
    region = q.get("bucket-region")
    return ListBucketsInput(
        prefix=prefix,
        bucket_region=region,
        continuation_token=token,
        start_after=decode_continuation_token(token) if token is not None else "",
        max_buckets=limit,
        paginated=any(v is not None for v in (prefix, region, token, raw_max)),
    )


@dataclass(frozen=True, slots=True)
class BucketsPage:
    buckets: list[BucketInfo]
    continuation_token: str | None  # while more remain


def page_list_buckets(
    inp: ListBucketsInput, buckets: Iterable[BucketInfo], region: str
) -> BucketsPage:
    """The page of `buckets` the request asks for, in name order. Every s3box
    bucket is in the server's `region`: asking for another one lists none."""
    if inp.bucket_region is not None and inp.bucket_region != region:
        return BucketsPage([], None)
    prefix = inp.prefix or ""
    chosen = [b for b in buckets if b.name.startswith(prefix) and b.name > inp.start_after]
    chosen.sort(key=lambda b: b.name)
    if not inp.paginated or len(chosen) <= inp.max_buckets:
        return BucketsPage(chosen, None)
    chosen = chosen[: inp.max_buckets]
    return BucketsPage(chosen, encode_continuation_token(chosen[-1].name))


def render_list_buckets(
    inp: ListBucketsInput, buckets: Iterable[BucketInfo], *, region: str, owner: Owner
) -> Response:
    """ListAllMyBucketsResult of the page `inp` selects from every bucket."""
    page = page_list_buckets(inp, buckets, region)
    body = render_list_buckets_xml(
        page.buckets,
        owner,
        region=region,
        prefix=inp.prefix,
        continuation_token=page.continuation_token,
    )
    return xml_response(body)


def render_list_buckets_xml(
    buckets: Iterable[BucketInfo],
    owner: Owner,
    *,
    region: str = "us-east-1",
    prefix: str | None = None,
    continuation_token: str | None = None,
) -> bytes:
    """ListAllMyBucketsResult: each bucket with its BucketRegion, then the
    ContinuationToken while more remain and the Prefix when one was asked for."""
    bucket_region = el("BucketRegion", region)
    items = "".join(
        f"<Bucket>{el('Name', b.name)}"
        f"<CreationDate>{iso8601_ms(b.creation_date)}</CreationDate>{bucket_region}</Bucket>"
        for b in buckets
    )
    owner_xml = owner_el("Owner", owner)
    tail = ""
    if continuation_token is not None:
        tail += el("ContinuationToken", continuation_token)
    if prefix is not None:
        tail += el("Prefix", prefix)
    return document("ListAllMyBucketsResult", f"{owner_xml}<Buckets>{items}</Buckets>{tail}")


# ---- CreateBucket ----


@dataclass(frozen=True, slots=True)
class CreateBucketInput:
    bucket: str
    acl: str | None  # a canned ACL: accepted and ignored, s3box has no ACLs
    object_ownership: str | None  # None or BucketOwnerEnforced, what every bucket is


def parse_create_bucket(req: RequestHead) -> CreateBucketInput:
    """The CreateBucket request head: the bucket name, the canned ACL, and the
    headers for what s3box buckets cannot be. Object lock and ACL-enabled
    ownership are out of scope (501, never a bucket without what was asked);
    grants meet S3's answer for a BucketOwnerEnforced bucket. Checked before the
    body is read (the body is check_create_bucket_configuration's)."""
    bucket = bucket_of(req)
    validate_bucket_name(bucket)
    acl = check_canned_acl(req)
    headers = req.headers
    if headers.get("x-amz-bucket-object-lock-enabled", "").strip().lower() == "true":
        raise S3Error(
            "NotImplemented",
            "Object Lock is not implemented by s3box.",
            extra={"Header": "x-amz-bucket-object-lock-enabled"},
        )
    ownership = headers.get("x-amz-object-ownership")
    if ownership is not None and ownership != "BucketOwnerEnforced":
        if ownership in ("BucketOwnerPreferred", "ObjectWriter"):
            raise S3Error(
                "NotImplemented",
                f"Object ownership {ownership} needs ACLs, which s3box does not implement.",
                extra={"Header": "x-amz-object-ownership"},
            )
        raise S3Error(
            "InvalidArgument",
            f"Invalid x-amz-object-ownership header: {ownership}",
            extra={"ArgumentName": "x-amz-object-ownership", "ArgumentValue": ownership},
        )
    if any(name in headers for name in GRANT_HEADERS):
        raise S3Error(
            "InvalidBucketAclWithObjectOwnership",
            "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
        )
    return CreateBucketInput(bucket=bucket, acl=acl, object_ownership=ownership)


def check_create_bucket_configuration(body: bytes, region: str) -> None:
    """The CreateBucket body (empty, or a CreateBucketConfiguration): its
    LocationConstraint must suit this endpoint's region (check_location_constraint)."""
    check_location_constraint(parse_create_bucket_xml(body), region)


def parse_create_bucket_xml(body: bytes) -> str | None:
    """CreateBucketConfiguration -> LocationConstraint, or None (empty body or
    no constraint, meaning us-east-1)."""
    if not body.strip():
        return None
    root = parse_root(body, "CreateBucketConfiguration")
    location = child(root, "LocationConstraint")
    if location is None:
        return None
    return text_of(location).strip() or None


def check_location_constraint(location: str | None, region: str) -> None:
    """CreateBucket's LocationConstraint as a regional S3 endpoint judges it: it must
    name the endpoint's region, except in us-east-1, where it must be absent (naming
    us-east-1 is itself invalid), and only there may it be absent."""
    if location == "us-east-1":
        raise S3Error("InvalidLocationConstraint", "The specified location-constraint is not valid")
    if location:
        if location != region:
            raise S3Error(
                "IllegalLocationConstraintException",
                f"The {location} location constraint is incompatible for the region "
                f"specific endpoint this request was sent to.",
            )
        return
    if region != "us-east-1":
        raise S3Error(
            "IllegalLocationConstraintException",
            "The unspecified location constraint is incompatible for the region specific "
            "endpoint this request was sent to.",
        )


def render_create_bucket(inp: CreateBucketInput) -> Response:
    return Response(headers=[("location", f"/{inp.bucket}")])


# ---- HeadBucket, DeleteBucket, GetBucketLocation ----


@dataclass(frozen=True, slots=True)
class HeadBucketInput:
    bucket: str


def parse_head_bucket(req: RequestHead) -> HeadBucketInput:
    return HeadBucketInput(bucket_of(req))


def render_head_bucket(region: str) -> Response:
    return Response(headers=[("x-amz-bucket-region", region)])


@dataclass(frozen=True, slots=True)
class DeleteBucketInput:
    bucket: str


def parse_delete_bucket(req: RequestHead) -> DeleteBucketInput:
    return DeleteBucketInput(bucket_of(req))


def render_delete_bucket() -> Response:
    return Response(status=204)


@dataclass(frozen=True, slots=True)
class GetBucketLocationInput:
    bucket: str


def parse_get_bucket_location(req: RequestHead) -> GetBucketLocationInput:
    return GetBucketLocationInput(bucket_of(req))


def render_get_bucket_location(region: str) -> Response:
    """GetBucketLocation: us-east-1 is an empty LocationConstraint (S3 reference)."""
    if region in ("", "us-east-1"):
        return xml_response(f'{PROLOGUE}<LocationConstraint xmlns="{S3_NS}"/>'.encode())
    return xml_response(document("LocationConstraint", escape(region)))
