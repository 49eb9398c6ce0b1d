"""Object and bucket tagging, GetObjectAttributes, and the answers that keep
common tools working for features s3box leaves out (SPEC §7.3 and §8):
versioning reads, ACL writes that change nothing, and the "not configured"
404s of policy, lifecycle, encryption and object lock.

Handlers translate only; tags live in meta.json (objects) and tagging.json
(buckets) through the engine. Never a fake success for a real change: a Put
that would configure an out-of-scope feature answers 501 from the router.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from s3box.protocol.errors import S3Error
from s3box.protocol.object_headers import (
    XML_HEADERS,
)
from s3box.protocol.operations.acl import (
    Grant,
    parse_put_bucket_acl,
    parse_put_object_acl,
    render_get_bucket_acl,
    render_get_object_acl,
)
from s3box.protocol.operations.buckets import (
    render_empty_configuration,
    render_get_bucket_versioning,
)
from s3box.protocol.operations.listing import (
    ListObjectVersionsOutput,
    render_list_object_versions,
)
from s3box.protocol.operations.objects import object_attributes, render_get_object_attributes
from s3box.protocol.operations.tagging import (
    parse_put_bucket_tagging,
    parse_put_object_tagging,
    render_get_bucket_tagging,
    render_get_object_tagging,
)
from s3box.protocol.query import (
    MAX_PAGE_SIZE,
    check_version_id,
    int_query_param,
    max_keys_echo,
    parse_encoding_type,
)
from s3box.protocol.request import bucket_of, key_of
from s3box.protocol.response import Response
from s3box.protocol.timefmt import http_date
from s3box.protocol.xmlrender import OWNER, OWNER_ID
from s3box.server.http import RequestContext

# Values of x-amz-object-attributes (GetObjectAttributes reference).
OBJECT_ATTRIBUTES = frozenset({"ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"})
# Size cap on request documents of these operations (a TagSet of 50 tags or an
# ACL fits in a few KiB; S3 refuses larger bodies too).
MAX_BODY = 64 * 1024


async def _small_body(ctx: RequestContext) -> bytes:
    declared = ctx.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise S3Error("MaxMessageLengthExceeded", "Your request was too big.")
    body = await ctx.read_body()
    if len(body) > MAX_BODY:
        raise S3Error("MaxMessageLengthExceeded", "Your request was too big.")
    return body


# ---- object tagging -------------------------------------------------------


async def get_object_tagging(ctx: RequestContext) -> Response:
    bucket, key = bucket_of(ctx), key_of(ctx)
    check_version_id(ctx.query.get("versionId"))
    tags = await ctx.app.engine.get_object_tagging(bucket, key)
    return Response(headers=list(XML_HEADERS), body=render_get_object_tagging(tags))


async def put_object_tagging(ctx: RequestContext) -> Response:
    bucket, key = bucket_of(ctx), key_of(ctx)
    check_version_id(ctx.query.get("versionId"))
    tags = parse_put_object_tagging(await _small_body(ctx))
    await ctx.app.engine.head_bucket(bucket)
    await ctx.app.engine.put_object_tagging(bucket, key, tags)
    return Response(headers=[("x-amz-version-id", "null")])


async def delete_object_tagging(ctx: RequestContext) -> Response:
    bucket, key = bucket_of(ctx), key_of(ctx)
    check_version_id(ctx.query.get("versionId"))
    await ctx.app.engine.head_bucket(bucket)
    await ctx.app.engine.delete_object_tagging(bucket, key)
    return Response(status=204, headers=[("x-amz-version-id", "null")])


# ---- bucket tagging -------------------------------------------------------


async def get_bucket_tagging(ctx: RequestContext) -> Response:
    bucket = bucket_of(ctx)
    tags = await ctx.app.engine.get_bucket_tagging(bucket)
    if tags is None:
        raise S3Error("NoSuchTagSet", "The TagSet does not exist", extra={"BucketName": bucket})
    return Response(headers=list(XML_HEADERS), body=render_get_bucket_tagging(tags))


async def put_bucket_tagging(ctx: RequestContext) -> Response:
    bucket = bucket_of(ctx)
    tags = parse_put_bucket_tagging(await _small_body(ctx))
    await ctx.app.engine.put_bucket_tagging(bucket, tags)
    return Response(status=204)


async def delete_bucket_tagging(ctx: RequestContext) -> Response:
    bucket = bucket_of(ctx)
    await ctx.app.engine.delete_bucket_tagging(bucket)
    return Response(status=204)


# ---- GetObjectAttributes --------------------------------------------------


def _requested_attributes(ctx: RequestContext) -> set[str]:
    raw = ctx.headers.get("x-amz-object-attributes", "")
    names = {n.strip() for n in raw.split(",") if n.strip()}
    if not names:
        raise S3Error(
            "InvalidRequest",
            "The x-amz-object-attributes header specifying the attributes to be retrieved "
            "is either missing or empty",
        )
    unknown = sorted(names - OBJECT_ATTRIBUTES)
    if unknown:
        raise S3Error(
            "InvalidArgument",
            "Invalid attribute name specified.",
            extra={"ArgumentName": "x-amz-object-attributes", "ArgumentValue": unknown[0]},
        )
    return names


def _header_int(ctx: RequestContext, name: str, default: int) -> int:
    raw = ctx.headers.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip()
    if not value.isdigit():
        raise S3Error(
            "InvalidArgument",
            f"Provided {name} not an integer or within integer range",
            extra={"ArgumentName": name, "ArgumentValue": raw},
        )
    return int(value)


async def get_object_attributes(ctx: RequestContext) -> Response:
    bucket, key = bucket_of(ctx), key_of(ctx)
    check_version_id(ctx.query.get("versionId"))
    names = _requested_attributes(ctx)
    max_parts = min(_header_int(ctx, "x-amz-max-parts", MAX_PAGE_SIZE), MAX_PAGE_SIZE)
    marker = _header_int(ctx, "x-amz-part-number-marker", 0)
    meta = await ctx.app.engine.head_object(bucket, key)
    body = render_get_object_attributes(object_attributes(meta, names, max_parts, marker))
    headers = [*XML_HEADERS, ("last-modified", http_date(meta.last_modified))]
    return Response(headers=headers, body=body)


# ---- versioning (read-only answers) ---------------------------------------


async def get_bucket_versioning(ctx: RequestContext) -> Response:
    """Never enabled: an empty VersioningConfiguration (no Status)."""
    bucket = bucket_of(ctx)
    await ctx.app.engine.head_bucket(bucket)
    return Response(headers=list(XML_HEADERS), body=render_get_bucket_versioning())


async def list_object_versions(ctx: RequestContext) -> Response:
    """ListObjectVersions of an unversioned bucket: each current object once,
    VersionId "null". key-marker lists keys after it; version-id-marker
    "null" (the only version) means the same, any other is InvalidArgument."""
    bucket = bucket_of(ctx)
    q = ctx.query
    prefix = q.get("prefix", "")
    delimiter = q.get("delimiter", "")
    key_marker = q.get("key-marker", "")
    version_id_marker = q.get("version-id-marker", "")
    encoding_type = parse_encoding_type(q)
    if version_id_marker and not key_marker:
        raise S3Error(
            "InvalidArgument",
            "A version-id marker cannot be specified without a key marker.",
            extra={"ArgumentName": "version-id-marker", "ArgumentValue": version_id_marker},
        )
    check_version_id(version_id_marker or None, "version-id-marker")
    max_keys = int_query_param(q, "max-keys", MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    page = await ctx.app.engine.list_object_versions(
        bucket, prefix=prefix, delimiter=delimiter, key_marker=key_marker, max_keys=max_keys
    )
    next_key = page.next_marker if page.is_truncated else None
    # A page ending on a version continues after that version ("null"); one
    # ending on a common prefix continues after the prefix alone.
    last_is_version = bool(page.entries) and next_key == page.entries[-1].key
    body = render_list_object_versions(
        ListObjectVersionsOutput(
            bucket=bucket,
            prefix=prefix,
            key_marker=key_marker,
            version_id_marker=version_id_marker,
            next_key_marker=next_key,
            next_version_id_marker="null" if last_is_version else None,
            max_keys=max_keys_echo(q),
            delimiter=delimiter or None,
            encoding_type=encoding_type,
            entries=page.entries,
            common_prefixes=page.common_prefixes,
            is_truncated=page.is_truncated,
            owner=OWNER,
        )
    )
    return Response(headers=list(XML_HEADERS), body=body)


# ---- ACL writes -------------------------------------------------------------


async def _check_private_acl(
    ctx: RequestContext, parse: Callable[[bytes], tuple[str | None, list[Grant]]]
) -> None:
    """Accept only what s3box already is: the owner with FULL_CONTROL and no
    one else, as x-amz-acl: private or an AccessControlPolicy saying so.
    Anything else (public-read, grants to others, x-amz-grant-* headers)
    would be a fake success: 501."""
    grant_headers = [n for n in ctx.headers if n.startswith("x-amz-grant-")]
    canned = ctx.headers.get("x-amz-acl")
    body = await _small_body(ctx)
    if canned is not None:
        if canned.strip() != "private" or grant_headers or body.strip():
            raise _acl_not_implemented()
        return
    if grant_headers or not body.strip():
        raise _acl_not_implemented()
    _owner, grants = parse(body)
    only_owner = len(grants) == 1 and grants[0] == Grant("CanonicalUser", OWNER_ID, "FULL_CONTROL")
    if not only_owner:
        raise _acl_not_implemented()


def _acl_not_implemented() -> S3Error:
    return S3Error(
        "NotImplemented",
        "s3box has no ACLs: only the private ACL (the owner with FULL_CONTROL) is accepted.",
    )


async def put_bucket_acl(ctx: RequestContext) -> Response:
    bucket = bucket_of(ctx)
    await ctx.app.engine.head_bucket(bucket)
    await _check_private_acl(ctx, parse_put_bucket_acl)
    return Response()


async def put_object_acl(ctx: RequestContext) -> Response:
    bucket, key = bucket_of(ctx), key_of(ctx)
    check_version_id(ctx.query.get("versionId"))
    await ctx.app.engine.head_object(bucket, key)
    await _check_private_acl(ctx, parse_put_object_acl)
    return Response()


# ---- "not configured" answers ---------------------------------------------


def _not_configured(code: str, message: str) -> Callable[[RequestContext], Awaitable[Response]]:
    """A Get of a configuration s3box never has: the bucket must exist, then
    the 404 S3 gives a bucket without that configuration."""

    async def handler(ctx: RequestContext) -> Response:
        bucket = bucket_of(ctx)
        await ctx.app.engine.head_bucket(bucket)
        raise S3Error(code, message, extra={"BucketName": bucket})

    handler.__name__ = f"not_configured_{code}"
    return handler


get_bucket_policy = _not_configured("NoSuchBucketPolicy", "The bucket policy does not exist")
get_bucket_lifecycle = _not_configured(
    "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist"
)
get_bucket_encryption = _not_configured(
    "ServerSideEncryptionConfigurationNotFoundError",
    "The server side encryption configuration was not found",
)
get_object_lock_configuration = _not_configured(
    "ObjectLockConfigurationNotFoundError",
    "Object Lock configuration does not exist for this bucket",
)


get_bucket_cors = _not_configured(
    "NoSuchCORSConfiguration", "The CORS configuration does not exist"
)
get_bucket_website = _not_configured(
    "NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration"
)
get_bucket_replication = _not_configured(
    "ReplicationConfigurationNotFoundError", "The replication configuration was not found"
)
get_public_access_block = _not_configured(
    "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found"
)


def _empty_configuration(
    root: str, inner: str = ""
) -> Callable[[RequestContext], Awaitable[Response]]:
    """A Get that S3 answers with 200 and an empty (or default) document for a
    bucket where it was never set."""
    body = render_empty_configuration(root, inner)

    async def handler(ctx: RequestContext) -> Response:
        await ctx.app.engine.head_bucket(bucket_of(ctx))
        return Response(headers=list(XML_HEADERS), body=body)

    handler.__name__ = f"empty_{root}"
    return handler


get_bucket_logging = _empty_configuration("BucketLoggingStatus")
get_bucket_notification = _empty_configuration("NotificationConfiguration")
get_bucket_accelerate = _empty_configuration("AccelerateConfiguration")
get_bucket_request_payment = _empty_configuration(
    "RequestPaymentConfiguration", "<Payer>BucketOwner</Payer>"
)
# ACLs are disabled and the bucket owner owns every object: S3 calls that
# BucketOwnerEnforced (the default for buckets created since April 2023).
get_bucket_ownership_controls = _empty_configuration(
    "OwnershipControls", "<Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule>"
)


async def delete_absent_configuration(ctx: RequestContext) -> Response:
    """Delete{Policy,Cors,Lifecycle,Website,Replication,Encryption}: s3box never
    has one, so, as S3 does for a bucket without it, 204 once the bucket exists."""
    await ctx.app.engine.head_bucket(bucket_of(ctx))
    return Response(status=204)


async def object_lock_not_enabled(ctx: RequestContext) -> Response:
    """GetObjectRetention / GetObjectLegalHold: buckets never have Object Lock,
    and S3 answers this for a bucket without it."""
    await ctx.app.engine.head_bucket(bucket_of(ctx))
    raise S3Error("InvalidRequest", "Bucket is missing Object Lock Configuration")


# Classes whose objects S3 must restore before a GET; s3box keeps every object readable.
_ARCHIVE_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})


async def restore_object(ctx: RequestContext) -> Response:
    """RestoreObject: S3 refuses it for an object that is not archived; s3box does
    not emulate archives, so it cannot honour it for one that is (501)."""
    bucket, key = bucket_of(ctx), key_of(ctx)
    check_version_id(ctx.query.get("versionId"))
    meta = await ctx.app.engine.head_object(bucket, key)
    if meta.fields.storage_class in _ARCHIVE_CLASSES:
        raise S3Error(
            "NotImplemented",
            "RestoreObject is not implemented by s3box: objects of every storage class "
            "stay readable without it.",
            resource=f"/{bucket}/{key}",
        )
    raise S3Error(
        "InvalidObjectState", "Restore is not allowed for the object's current storage class"
    )


async def get_bucket_acl(ctx: RequestContext) -> Response:
    bucket = bucket_of(ctx)
    await ctx.app.engine.head_bucket(bucket)
    return Response(headers=list(XML_HEADERS), body=render_get_bucket_acl(OWNER))


async def get_object_acl(ctx: RequestContext) -> Response:
    bucket = bucket_of(ctx)
    key = key_of(ctx)
    check_version_id(ctx.query.get("versionId"))
    await ctx.app.engine.head_object(bucket, key)
    return Response(headers=list(XML_HEADERS), body=render_get_object_acl(OWNER))


HANDLERS = {
    "get_bucket_acl": get_bucket_acl,
    "get_object_acl": get_object_acl,
    "get_object_tagging": get_object_tagging,
    "put_object_tagging": put_object_tagging,
    "delete_object_tagging": delete_object_tagging,
    "get_bucket_tagging": get_bucket_tagging,
    "put_bucket_tagging": put_bucket_tagging,
    "delete_bucket_tagging": delete_bucket_tagging,
    "get_object_attributes": get_object_attributes,
    "get_bucket_versioning": get_bucket_versioning,
    "list_object_versions": list_object_versions,
    "put_bucket_acl": put_bucket_acl,
    "put_object_acl": put_object_acl,
    "get_bucket_policy": get_bucket_policy,
    "get_bucket_lifecycle": get_bucket_lifecycle,
    "get_bucket_encryption": get_bucket_encryption,
    "get_object_lock_configuration": get_object_lock_configuration,
    "get_bucket_cors": get_bucket_cors,
    "get_bucket_website": get_bucket_website,
    "get_bucket_replication": get_bucket_replication,
    "get_bucket_logging": get_bucket_logging,
    "get_bucket_notification": get_bucket_notification,
    "get_bucket_accelerate": get_bucket_accelerate,
    "get_bucket_request_payment": get_bucket_request_payment,
    "get_bucket_ownership_controls": get_bucket_ownership_controls,
    "get_public_access_block": get_public_access_block,
    "delete_bucket_policy": delete_absent_configuration,
    "delete_bucket_cors": delete_absent_configuration,
    "delete_bucket_lifecycle": delete_absent_configuration,
    "delete_bucket_website": delete_absent_configuration,
    "delete_bucket_replication": delete_absent_configuration,
    "delete_bucket_encryption": delete_absent_configuration,
    "get_object_retention": object_lock_not_enabled,
    "get_object_legal_hold": object_lock_not_enabled,
    "restore_object": restore_object,
}
