"""Request routing: method + path + query subresource -> S3 operation name.

Pure code over strings, no I/O. Strategy: split the raw (percent-encoded)
path into bucket and key, then look the operation up in a table keyed by
(level, method), whose rows are tried in order and name the query parameter
or header that selects them. Subresources s3box does not implement answer
NotImplemented from one table, never a wrong success.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from s3box.protocol.errors import S3Error

# Path prefix of s3box's own endpoints (metrics, health, admin). A bucket name
# can never start with "_", so this never clashes with a bucket.
ADMIN_PREFIX = "/_s3box/"


@dataclass(frozen=True, slots=True)
class Route:
    operation: str
    bucket: str | None
    key: str | None


@dataclass(frozen=True, slots=True)
class _Row:
    operation: str
    query: str | None = None  # query parameter that must be present
    header: str | None = None  # header that must be present
    also_query: str | None = None  # second query parameter that must be present


# Rows are tried in order; the first whose conditions hold wins. A row with no
# condition is the level's plain operation.
_TABLE: dict[tuple[str, str], tuple[_Row, ...]] = {
    ("service", "GET"): (_Row("list_buckets"),),
    ("bucket", "GET"): (
        _Row("get_bucket_location", query="location"),
        _Row("list_multipart_uploads", query="uploads"),
        _Row("get_bucket_acl", query="acl"),
        _Row("get_bucket_versioning", query="versioning"),
        _Row("list_object_versions", query="versions"),
        _Row("get_bucket_tagging", query="tagging"),
        _Row("get_bucket_policy", query="policy"),
        _Row("get_bucket_lifecycle", query="lifecycle"),
        _Row("get_bucket_encryption", query="encryption"),
        _Row("get_object_lock_configuration", query="object-lock"),
        _Row("get_bucket_cors", query="cors"),
        _Row("get_bucket_website", query="website"),
        _Row("get_bucket_replication", query="replication"),
        _Row("get_bucket_logging", query="logging"),
        _Row("get_bucket_notification", query="notification"),
        _Row("get_bucket_request_payment", query="requestPayment"),
        _Row("get_bucket_accelerate", query="accelerate"),
        _Row("get_bucket_ownership_controls", query="ownershipControls"),
        _Row("get_public_access_block", query="publicAccessBlock"),
        _Row("list_objects_v2", query="list-type"),
        _Row("list_objects"),
    ),
    ("bucket", "HEAD"): (_Row("head_bucket"),),
    ("bucket", "PUT"): (
        _Row("put_bucket_acl", query="acl"),
        _Row("put_bucket_cors", query="cors"),
        _Row("put_bucket_tagging", query="tagging"),
        _Row("create_bucket"),
    ),
    ("bucket", "DELETE"): (
        _Row("delete_bucket_tagging", query="tagging"),
        _Row("delete_bucket_policy", query="policy"),
        _Row("delete_bucket_cors", query="cors"),
        _Row("delete_bucket_lifecycle", query="lifecycle"),
        _Row("delete_bucket_website", query="website"),
        _Row("delete_bucket_replication", query="replication"),
        _Row("delete_bucket_encryption", query="encryption"),
        _Row("delete_bucket"),
    ),
    # A browser's CORS preflight, whatever the path's subresource (S3's "OPTIONS object").
    ("bucket", "OPTIONS"): (_Row("options_object"),),
    ("object", "OPTIONS"): (_Row("options_object"),),
    ("bucket", "POST"): (
        _Row("delete_objects", query="delete"),
        _Row("rebuild_index", query="rebuildIndex"),
        # Any other POST to a bucket is S3's browser-form upload (PostObject).
        _Row("post_object"),
    ),
    ("object", "GET"): (
        _Row("list_parts", query="uploadId"),
        _Row("get_object_acl", query="acl"),
        _Row("get_object_tagging", query="tagging"),
        _Row("get_object_attributes", query="attributes"),
        _Row("get_object_retention", query="retention"),
        _Row("get_object_legal_hold", query="legal-hold"),
        _Row("get_object"),
    ),
    ("object", "HEAD"): (_Row("head_object"),),
    ("object", "PUT"): (
        _Row(
            "upload_part_copy",
            query="partNumber",
            also_query="uploadId",
            header="x-amz-copy-source",
        ),
        _Row("upload_part", query="partNumber", also_query="uploadId"),
        _Row("put_object_acl", query="acl"),
        _Row("put_object_tagging", query="tagging"),
        _Row("copy_object", header="x-amz-copy-source"),
        _Row("put_object"),
    ),
    ("object", "POST"): (
        _Row("restore_object", query="restore"),
        _Row("create_multipart_upload", query="uploads"),
        _Row("complete_multipart_upload", query="uploadId"),
    ),
    ("object", "DELETE"): (
        _Row("abort_multipart_upload", query="uploadId"),
        _Row("delete_object_tagging", query="tagging"),
        _Row("delete_object"),
    ),
}

# Every operation a request can be routed to: each has a handler (tested).
OPERATIONS: frozenset[str] = frozenset(row.operation for rows in _TABLE.values() for row in rows)

# Subresources S3 has and s3box does not implement (yet): any request naming
# one answers 501 NotImplemented, whatever the method, unless a row above
# claimed it first for an operation s3box does implement.
NOT_IMPLEMENTED_SUBRESOURCES: frozenset[str] = frozenset(
    {
        "accelerate",
        "analytics",
        "attributes",
        "encryption",
        "intelligent-tiering",
        "inventory",
        "legal-hold",
        "lifecycle",
        "logging",
        "metadataConfiguration",
        "metadataTable",
        "metrics",
        "notification",
        "object-lock",
        "ownershipControls",
        "policy",
        "policyStatus",
        "publicAccessBlock",
        "renameObject",
        "replication",
        "requestPayment",
        "restore",
        "retention",
        "select",
        "session",
        "tagging",
        "torrent",
        "versioning",
        "versions",
        "website",
    }
)


def split_path(raw_path: str) -> tuple[str | None, str | None]:
    """Split a raw request path into (bucket, key), percent-decoding each.

    `/` -> (None, None); `/b` and `/b/` -> ("b", None); `/b/k/x` -> ("b", "k/x").
    The key is decoded with unquote (not unquote_plus: '+' in a path is a
    literal plus). Keys keep `//`, `..` and trailing slashes exactly.
    """
    path = raw_path[1:] if raw_path.startswith("/") else raw_path
    if not path:
        return None, None
    bucket_raw, sep, key_raw = path.partition("/")
    bucket = unquote(bucket_raw, errors="strict") if bucket_raw else None
    if not sep or key_raw == "":
        return bucket, None
    try:
        key = unquote(key_raw, errors="strict")
    except UnicodeDecodeError as exc:
        raise S3Error("InvalidURI", "Couldn't parse the specified URI.") from exc
    return bucket, key


def route(
    method: str,
    bucket: str | None,
    key: str | None,
    query: Mapping[str, str],
    headers: Mapping[str, str],
) -> Route:
    """Name the operation for a request, or raise S3Error (405 / 501)."""
    level = "service" if bucket is None else ("bucket" if key is None else "object")
    rows = _TABLE.get((level, method))
    if rows is None:
        raise S3Error(
            "MethodNotAllowed",
            resource=_resource(bucket, key),
            extra={"Method": method, "ResourceType": level.upper()},
        )
    for row in rows:
        if row.query is not None and row.query not in query:
            continue
        if row.also_query is not None and row.also_query not in query:
            continue
        if row.header is not None and row.header not in headers:
            continue
        if row.query is None and method != "OPTIONS":
            _reject_unimplemented(query, bucket, key)
        return Route(row.operation, bucket, key)
    _reject_unimplemented(query, bucket, key)
    raise S3Error(
        "MethodNotAllowed",
        resource=_resource(bucket, key),
        extra={"Method": method, "ResourceType": level.upper()},
    )


def _reject_unimplemented(query: Mapping[str, str], bucket: str | None, key: str | None) -> None:
    for name in query:
        if name in NOT_IMPLEMENTED_SUBRESOURCES:
            raise S3Error(
                "NotImplemented",
                f"The ?{name} subresource is not implemented by s3box.",
                resource=_resource(bucket, key),
            )


def _resource(bucket: str | None, key: str | None) -> str:
    if bucket is None:
        return "/"
    if key is None:
        return f"/{bucket}"
    return f"/{bucket}/{key}"
