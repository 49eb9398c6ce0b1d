"""The object headers of S3 requests and responses, as pure rules over a
RequestHead: what a write stores (content headers, user metadata, tags, storage
class), what it refuses (grants, SSE, object lock, bad canned ACLs), and the
headers GET and HEAD answer with."""

from __future__ import annotations

from urllib.parse import parse_qsl

from s3box.protocol.errors import S3Error
from s3box.protocol.names import validate_storage_class
from s3box.protocol.operations.tagging import check_tags
from s3box.protocol.request import RequestHead
from s3box.protocol.timefmt import http_date
from s3box.records import ObjectFields, ObjectMeta

REDIRECT_LOCATION = "x-amz-website-redirect-location"
# Headers S3 stores with an object and returns on GET/HEAD.
STORED_HEADERS = (
    "content-encoding",
    "content-disposition",
    "content-language",
    "cache-control",
    "expires",
    # Where a website endpoint would redirect this object (S3 stores and returns it;
    # s3box serves no website endpoint, so it is only kept and shown).
    REDIRECT_LOCATION,
)
# GET query parameters that override response headers (S3 GetObject).
RESPONSE_OVERRIDES = {
    "response-content-type": "content-type",
    "response-content-language": "content-language",
    "response-expires": "expires",
    "response-cache-control": "cache-control",
    "response-content-disposition": "content-disposition",
    "response-content-encoding": "content-encoding",
}
# S3 limits user-defined metadata to 2 KB (names + values, UTF-8).
MAX_USER_METADATA = 2048


def stored_content_encoding(value: str | None) -> str | None:
    """Content-Encoding minus the aws-chunked token: what the object keeps."""
    if value is None:
        return None
    codings = [c.strip() for c in value.split(",") if c.strip()]
    kept = [c for c in codings if c.lower() != "aws-chunked"]
    return ",".join(kept) if kept else None


def parse_tagging_header(value: str) -> dict[str, str]:
    """x-amz-tagging: URL query form ("k1=v1&k2=v2"), with the same limits as
    a Tagging body (InvalidTag)."""
    return check_tags(parse_qsl(value, keep_blank_values=True))


# Canned ACLs S3 knows (x-amz-acl). s3box has no ACLs: all are accepted and
# ignored on writes (SPEC §8); an unknown name is the client's error.
CANNED_ACLS = frozenset(
    {
        "private",
        "public-read",
        "public-read-write",
        "authenticated-read",
        "aws-exec-read",
        "bucket-owner-read",
        "bucket-owner-full-control",
        "log-delivery-write",
    }
)


def check_canned_acl(req: RequestHead) -> str | None:
    """The x-amz-acl value, if any, after checking it names a canned ACL."""
    value = req.headers.get("x-amz-acl")
    if value is None:
        return None
    if value.strip() not in CANNED_ACLS:
        raise S3Error(
            "InvalidArgument",
            "Invalid canned ACL",
            extra={"ArgumentName": "x-amz-acl", "ArgumentValue": value},
        )
    return value.strip()


def object_fields_from_headers(req: RequestHead) -> ObjectFields:
    headers = req.headers
    fields = ObjectFields()
    content_type = headers.get("content-type")
    if content_type:
        fields.content_type = content_type
    for name in STORED_HEADERS:
        value = headers.get(name)
        if name == "content-encoding":
            value = stored_content_encoding(value)
        if value is not None:
            fields.headers[name] = value
    size = 0
    for name, value in req.header_list:
        if name.startswith("x-amz-meta-"):
            meta_name = name[len("x-amz-meta-") :]
            fields.user_metadata[meta_name] = (
                fields.user_metadata[meta_name] + "," + value
                if meta_name in fields.user_metadata
                else value
            )
            size += len(meta_name.encode()) + len(value.encode())
    if size > MAX_USER_METADATA:
        raise S3Error(
            "MetadataTooLarge",
            "Your metadata headers exceed the maximum allowed metadata size",
            extra={"Size": str(size), "MaxSizeAllowed": str(MAX_USER_METADATA)},
        )
    redirect = fields.headers.get(REDIRECT_LOCATION)
    if redirect is not None and not redirect.startswith(("/", "http://", "https://")):
        raise S3Error(
            "InvalidRedirectLocation",
            "The website redirect location must have a prefix of 'http://' or 'https://' or '/'.",
        )
    storage_class = headers.get("x-amz-storage-class")
    if storage_class:
        fields.storage_class = validate_storage_class(storage_class)
    tagging = headers.get("x-amz-tagging")
    if tagging:
        fields.tags = parse_tagging_header(tagging)
    check_canned_acl(req)
    reject_acl_grants(req)
    reject_unsupported_write_headers(req)
    return fields


# Explicit grants (S3 PutObject, CopyObject, CreateMultipartUpload, CreateBucket).
GRANT_HEADERS = (
    "x-amz-grant-full-control",
    "x-amz-grant-read",
    "x-amz-grant-read-acp",
    "x-amz-grant-write",
    "x-amz-grant-write-acp",
)


def reject_acl_grants(req: RequestHead) -> None:
    """An object write with explicit grants: s3box buckets have ACLs disabled
    (BucketOwnerEnforced), and S3 refuses grants on such a bucket. Canned ACLs
    stay accepted and ignored (SPEC §7.3)."""
    if any(name in req.headers for name in GRANT_HEADERS):
        raise S3Error("AccessControlListNotSupported", "The bucket does not allow ACLs")


# Headers that ask for server-side encryption or object lock, out of scope (SPEC §8).
UNSUPPORTED_WRITE_HEADERS = (
    "x-amz-server-side-encryption",
    "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-server-side-encryption-context",
    "x-amz-server-side-encryption-bucket-key-enabled",
    "x-amz-server-side-encryption-customer-algorithm",
    "x-amz-server-side-encryption-customer-key",
    "x-amz-server-side-encryption-customer-key-md5",
    "x-amz-object-lock-mode",
    "x-amz-object-lock-retain-until-date",
    "x-amz-object-lock-legal-hold",
)


_CUSTOMER_KEY_HEADERS = {
    prefix: frozenset(
        f"{prefix}server-side-encryption-customer-{part}"
        for part in ("algorithm", "key", "key-md5")
    )
    for prefix in ("x-amz-", "x-amz-copy-source-")
}


def has_customer_key(req: RequestHead, prefix: str = "x-amz-") -> bool:
    """Whether the request sends SSE-C key headers
    (`x-amz-server-side-encryption-customer-*`, or with prefix
    `x-amz-copy-source-` those naming a copy source's key)."""
    return not _CUSTOMER_KEY_HEADERS[prefix].isdisjoint(req.headers)


def customer_key_refused() -> S3Error:
    """The answer to SSE-C key headers on an object s3box holds: none is stored
    with a customer key, so S3's answer for an object without one (400)."""
    return S3Error("InvalidRequest", "The encryption parameters are not applicable to this object.")


def reject_customer_key(req: RequestHead, prefix: str = "x-amz-") -> None:
    """Raise customer_key_refused() when the request has_customer_key."""
    if has_customer_key(req, prefix):
        raise customer_key_refused()


def reject_unsupported_write_headers(req: RequestHead) -> None:
    """Server-side encryption and object lock are out of scope: say so with
    501 rather than store the object and pretend (SPEC §8)."""
    for name in UNSUPPORTED_WRITE_HEADERS:
        if name in req.headers:
            raise S3Error(
                "NotImplemented",
                f"The {name} header implies functionality that s3box does not implement.",
                extra={"Header": name},
            )


def quote_etag(etag: str) -> str:
    return f'"{etag}"'


def object_headers(meta: ObjectMeta) -> list[tuple[str, str]]:
    """The headers GET and HEAD return for an object (before overrides)."""
    fields = meta.fields
    out = [
        ("etag", quote_etag(meta.etag)),
        ("last-modified", http_date(meta.last_modified)),
        ("accept-ranges", "bytes"),
        ("content-type", fields.content_type),
    ]
    out.extend(fields.headers.items())
    for name, value in fields.user_metadata.items():
        out.append(("x-amz-meta-" + name, value))
    if fields.storage_class != "STANDARD":
        out.append(("x-amz-storage-class", fields.storage_class))
    if fields.tags:
        out.append(("x-amz-tagging-count", str(len(fields.tags))))
    return out
