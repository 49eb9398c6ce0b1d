"""Service- and bucket-level operations: ListBuckets, Create/Head/DeleteBucket,
GetBucketLocation, GetBucketAcl, ListObjects v1/v2, DeleteObjects.

Handlers only translate: request values in, engine call, XML out. No file or
SQLite access here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from s3box.protocol.errors import S3Error
from s3box.protocol.names import validate_bucket_name, validate_key
from s3box.protocol.object_headers import (
    GRANT_HEADERS,
    XML_HEADERS,
    check_canned_acl,
)
from s3box.protocol.operations.buckets import (
    parse_create_bucket,
    render_get_bucket_location,
    render_list_buckets,
)
from s3box.protocol.operations.deletes import parse_delete_objects, render_delete_objects
from s3box.protocol.operations.listing import (
    ListObjectsOutput,
    ListObjectsV2Output,
    render_list_objects,
    render_list_objects_v2,
)
from s3box.protocol.payload import verify_content_md5
from s3box.protocol.query import (
    INVALID_VERSION_ID,
    MAX_PAGE_SIZE,
    int_query_param,
    max_keys_echo,
    parse_encoding_type,
)
from s3box.protocol.request import bucket_of
from s3box.protocol.response import Response
from s3box.protocol.xmlrender import OWNER
from s3box.records import DeleteResult
from s3box.server.http import RequestContext, parse_document

MAX_BUCKETS_LIMIT = 10_000  # S3's page size, and the most max-buckets may ask for


async def list_buckets(ctx: RequestContext) -> Response:
    """ListBuckets, with S3's optional prefix, bucket-region, max-buckets and
    continuation-token. Without any of them: every bucket, no token (S3's
    unpaginated form); with any: pages of max-buckets (default 10,000) and a
    ContinuationToken while more remain."""
    q = ctx.query
    prefix = q.get("prefix")
    region = q.get("bucket-region")
    token = q.get("continuation-token")
    limit = MAX_BUCKETS_LIMIT
    raw_max = q.get("max-buckets")
    if raw_max is not None:
        try:
            limit = int(raw_max)
        except ValueError:
            limit = 0
        if not 1 <= limit <= MAX_BUCKETS_LIMIT:
            raise S3Error(
                "InvalidArgument",
                f"Argument max-buckets must be an integer between 1 and {MAX_BUCKETS_LIMIT}",
                extra={"ArgumentName": "max-buckets", "ArgumentValue": raw_max},
            )
    paginated = any(v is not None for v in (prefix, region, token, raw_max))
    after = decode_token(token) if token is not None else ""
    if region is not None and region != ctx.app.region:
        buckets = []  # every s3box bucket is in the server's region: nothing to read
    else:
        buckets = await ctx.app.engine.list_buckets()
    chosen = [b for b in buckets if b.name.startswith(prefix or "") and b.name > after]
    chosen.sort(key=lambda b: b.name)
    next_token = None
    if paginated and len(chosen) > limit:
        chosen = chosen[:limit]
        next_token = encode_token(chosen[-1].name)
    body = render_list_buckets(
        chosen,
        OWNER,
        region=ctx.app.region,
        prefix=prefix,
        continuation_token=next_token,
    )
    return Response(headers=list(XML_HEADERS), body=body)


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


async def create_bucket(ctx: RequestContext) -> Response:
    bucket = bucket_of(ctx, validate=False)
    validate_bucket_name(bucket)
    check_canned_acl(ctx)  # accepted and ignored: s3box has no ACLs
    check_create_bucket_options(ctx)
    body = await ctx.read_body()
    location = await parse_document(parse_create_bucket, body) if body.strip() else None
    check_location_constraint(location, ctx.app.region)
    await ctx.app.engine.create_bucket(bucket)
    return Response(headers=[("location", f"/{bucket}")])


def check_create_bucket_options(ctx: RequestContext) -> None:
    """CreateBucket headers for what s3box buckets cannot be: object lock and
    ACL-enabled ownership are out of scope (501, never a bucket without what
    was asked); grants meet S3's answer for a BucketOwnerEnforced bucket."""
    if ctx.headers.get("x-amz-bucket-object-lock-enabled", "").strip().lower() == "true":
        raise S3Error(
            "NotImplemented",
            "Object Lock is not implemented by s3box.",
            extra={"Header": "x-amz-bucket-object-lock-enabled"},
        )
    ownership = ctx.headers.get("x-amz-object-ownership")
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
    if any(name in ctx.headers for name in GRANT_HEADERS):
        raise S3Error(
            "InvalidBucketAclWithObjectOwnership",
            "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
        )


async def head_bucket(ctx: RequestContext) -> Response:
    bucket = bucket_of(ctx)
    await ctx.app.engine.head_bucket(bucket)
    return Response(headers=[("x-amz-bucket-region", ctx.app.region)])


async def delete_bucket(ctx: RequestContext) -> Response:
    bucket = bucket_of(ctx)
    await ctx.app.engine.delete_bucket(bucket)
    return Response(status=204)


async def get_bucket_location(ctx: RequestContext) -> Response:
    bucket = bucket_of(ctx)
    await ctx.app.engine.head_bucket(bucket)
    return Response(headers=list(XML_HEADERS), body=render_get_bucket_location(ctx.app.region))


async def list_objects(ctx: RequestContext) -> Response:
    bucket = bucket_of(ctx)
    prefix = ctx.query.get("prefix", "")
    delimiter = ctx.query.get("delimiter", "")
    marker = ctx.query.get("marker", "")
    max_keys = int_query_param(ctx.query, "max-keys", MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    encoding_type = parse_encoding_type(ctx.query)
    page = await ctx.app.engine.list_objects(
        bucket, prefix=prefix, delimiter=delimiter, marker=marker, max_keys=max_keys
    )
    body = render_list_objects(
        ListObjectsOutput(
            bucket=bucket,
            prefix=prefix,
            marker=marker,
            delimiter=delimiter,
            max_keys=max_keys_echo(ctx.query),
            encoding_type=encoding_type,
            entries=page.entries,
            common_prefixes=page.common_prefixes,
            is_truncated=page.is_truncated,
            next_marker=page.next_marker if (page.is_truncated and delimiter) else None,
            owner=OWNER,
        )
    )
    return Response(headers=list(XML_HEADERS), body=body)


def encode_token(marker: str) -> str:
    return base64.urlsafe_b64encode(marker.encode("utf-8")).decode("ascii")


def decode_token(token: str) -> str:
    """The marker a continuation token stands for; an empty or undecodable token is
    S3's InvalidArgument."""
    try:
        if not token:
            raise ValueError("empty token")
        padded = token + "=" * (-len(token) % 4)
        return base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise S3Error(
            "InvalidArgument",
            "The continuation token provided is incorrect",
            extra={"ArgumentName": "continuation-token", "ArgumentValue": token},
        ) from None


async def list_objects_v2(ctx: RequestContext) -> Response:
    bucket = bucket_of(ctx)
    if ctx.query.get("list-type") != "2":
        raise S3Error(
            "InvalidArgument",
            "Invalid List Type specified in Request",
            extra={"ArgumentName": "list-type", "ArgumentValue": ctx.query.get("list-type", "")},
        )
    prefix = ctx.query.get("prefix", "")
    delimiter = ctx.query.get("delimiter", "")
    token = ctx.query.get("continuation-token")
    start_after = ctx.query.get("start-after", "")
    max_keys = int_query_param(ctx.query, "max-keys", MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    encoding_type = parse_encoding_type(ctx.query)
    page = await ctx.app.engine.list_objects_v2(
        bucket,
        prefix=prefix,
        delimiter=delimiter,
        continuation=decode_token(token) if token is not None else None,
        start_after=start_after,
        max_keys=max_keys,
    )
    fetch_owner = ctx.query.get("fetch-owner", "").lower() == "true"
    body = render_list_objects_v2(
        ListObjectsV2Output(
            bucket=bucket,
            prefix=prefix,
            delimiter=delimiter,
            max_keys=max_keys_echo(ctx.query),
            encoding_type=encoding_type,
            entries=page.entries,
            common_prefixes=page.common_prefixes,
            is_truncated=page.is_truncated,
            key_count=len(page.entries) + len(page.common_prefixes),
            continuation_token=token,
            next_continuation_token=(
                encode_token(page.next_marker) if page.is_truncated and page.next_marker else None
            ),
            start_after=start_after or None,
            fetch_owner=fetch_owner,
            owner=OWNER,
        )
    )
    return Response(headers=list(XML_HEADERS), body=body)


def _md5(body: bytes) -> bytes:
    return hashlib.md5(body).digest()


async def delete_objects(ctx: RequestContext) -> Response:
    bucket = bucket_of(ctx)
    body = await ctx.read_body()
    verify_content_md5(ctx.headers, await parse_document(_md5, body))
    keys, version_ids, quiet = await parse_document(parse_delete_objects, body)
    for key in keys:
        validate_key(key)
    await ctx.app.engine.head_bucket(bucket)
    # Buckets are unversioned: VersionId "null" names the current object, any
    # other version does not exist and that key is left alone (as DeleteObject
    # answers it, per key).
    deletable = [k for k, v in zip(keys, version_ids, strict=True) if v in (None, "null")]
    done = (
        {r.key: r for r in await ctx.app.engine.delete_objects(bucket, deletable)}
        if deletable
        else {}
    )
    results = [
        done[k] if v in (None, "null") else DeleteResult(k, "InvalidArgument", INVALID_VERSION_ID)
        for k, v in zip(keys, version_ids, strict=True)
    ]
    body = render_delete_objects(results, quiet, version_ids)
    return Response(headers=list(XML_HEADERS), body=body)


HANDLERS = {
    "list_buckets": list_buckets,
    "create_bucket": create_bucket,
    "head_bucket": head_bucket,
    "delete_bucket": delete_bucket,
    "get_bucket_location": get_bucket_location,
    "list_objects": list_objects,
    "list_objects_v2": list_objects_v2,
    "delete_objects": delete_objects,
}
