"""The answers S3 gives for configurations s3box never has (SPEC §7.3 and §8),
so common tools keep working: GetBucketVersioning (never enabled), the 404
"not configured" errors of policy, lifecycle, encryption and the rest,
the empty documents of logging or notification, the Deletes that find nothing
to delete, the object-lock reads, and RestoreObject.

Pure: each answer is a fixed function of the operation, given that the bucket
(or object) exists, which is the caller's check. A Put that would configure
one of these features is refused by the router (501), never faked here.
"""

from __future__ import annotations

from dataclasses import dataclass

from s3box.protocol.errors import S3Error
from s3box.protocol.query import check_version_id
from s3box.protocol.request import RequestHead, bucket_of, key_of
from s3box.protocol.response import Response, xml_response
from s3box.protocol.xmlrender import PROLOGUE, S3_NS
from s3box.records import ObjectMeta

# Gets of a configuration a bucket without it answers with 404: operation ->
# (S3 error code, message); the error carries the BucketName.
NOT_CONFIGURED: dict[str, tuple[str, str]] = {
    "get_bucket_policy": ("NoSuchBucketPolicy", "The bucket policy does not exist"),
    "get_bucket_lifecycle": (
        "NoSuchLifecycleConfiguration",
        "The lifecycle configuration does not exist",
    ),
    "get_bucket_encryption": (
        "ServerSideEncryptionConfigurationNotFoundError",
        "The server side encryption configuration was not found",
    ),
    "get_object_lock_configuration": (
        "ObjectLockConfigurationNotFoundError",
        "Object Lock configuration does not exist for this bucket",
    ),
    "get_bucket_website": (
        "NoSuchWebsiteConfiguration",
        "The specified bucket does not have a website configuration",
    ),
    "get_bucket_replication": (
        "ReplicationConfigurationNotFoundError",
        "The replication configuration was not found",
    ),
    "get_public_access_block": (
        "NoSuchPublicAccessBlockConfiguration",
        "The public access block configuration was not found",
    ),
}

# Gets S3 answers with 200 and an empty (or default) document for a bucket
# where it was never set: operation -> (root element, fixed content).
EMPTY_CONFIGURATIONS: dict[str, tuple[str, str]] = {
    "get_bucket_logging": ("BucketLoggingStatus", ""),
    "get_bucket_notification": ("NotificationConfiguration", ""),
    "get_bucket_accelerate": ("AccelerateConfiguration", ""),
    "get_bucket_request_payment": ("RequestPaymentConfiguration", "<Payer>BucketOwner</Payer>"),
    # ACLs are disabled and the bucket owner owns every object: S3 calls that
    # BucketOwnerEnforced (the default for buckets created since April 2023).
    "get_bucket_ownership_controls": (
        "OwnershipControls",
        "<Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule>",
    ),
}

# Deletes of a configuration s3box never has: 204, as S3 answers for a bucket
# without it.
ABSENT_CONFIGURATION_DELETES = frozenset(
    {
        "delete_bucket_policy",
        "delete_bucket_lifecycle",
        "delete_bucket_website",
        "delete_bucket_replication",
        "delete_bucket_encryption",
    }
)

# GetObjectRetention / GetObjectLegalHold: buckets never have Object Lock.
OBJECT_LOCK_READS = frozenset({"get_object_retention", "get_object_legal_hold"})

UNCONFIGURED_OPERATIONS = (
    NOT_CONFIGURED.keys() | EMPTY_CONFIGURATIONS.keys() | ABSENT_CONFIGURATION_DELETES
) | OBJECT_LOCK_READS


def render_empty_configuration(root: str, inner: str = "") -> bytes:
    """The document of an EMPTY_CONFIGURATIONS answer: `root` empty, or with its
    fixed default inside (`inner`)."""
    if inner:
        return f'{PROLOGUE}<{root} xmlns="{S3_NS}">{inner}</{root}>'.encode()
    return f'{PROLOGUE}<{root} xmlns="{S3_NS}"/>'.encode()


@dataclass(frozen=True, slots=True)
class UnconfiguredInput:
    operation: str  # one of UNCONFIGURED_OPERATIONS
    bucket: str


def parse_unconfigured(req: RequestHead, operation: str) -> UnconfiguredInput:
    if operation not in UNCONFIGURED_OPERATIONS:
        raise ValueError(f"{operation} is not an unconfigured-subresource operation")
    return UnconfiguredInput(operation, bucket_of(req))


def render_unconfigured(inp: UnconfiguredInput) -> Response:
    """The answer for a bucket known to exist: the 404 of NOT_CONFIGURED, the
    200 document of EMPTY_CONFIGURATIONS, 204 for a Delete, and for the
    object-lock reads the 400 InvalidRequest S3 gives a bucket without Object
    Lock. Errors are raised as S3Error."""
    op = inp.operation
    if op in NOT_CONFIGURED:
        code, message = NOT_CONFIGURED[op]
        raise S3Error(code, message, extra={"BucketName": inp.bucket})
    if op in EMPTY_CONFIGURATIONS:
        return xml_response(render_empty_configuration(*EMPTY_CONFIGURATIONS[op]))
    if op in ABSENT_CONFIGURATION_DELETES:
        return Response(status=204)
    raise S3Error("InvalidRequest", "Bucket is missing Object Lock Configuration")


# ---- GetBucketVersioning ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GetBucketVersioningInput:
    bucket: str


def parse_get_bucket_versioning(req: RequestHead) -> GetBucketVersioningInput:
    return GetBucketVersioningInput(bucket_of(req))


def render_get_bucket_versioning(inp: GetBucketVersioningInput) -> Response:
    """Never enabled: an empty VersioningConfiguration (no Status)."""
    return xml_response(f'{PROLOGUE}<VersioningConfiguration xmlns="{S3_NS}"/>'.encode())


# ---- RestoreObject ------------------------------------------------------------

# Classes whose objects S3 must restore before a GET; s3box keeps every object readable.
ARCHIVE_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})


@dataclass(frozen=True, slots=True)
class RestoreObjectInput:
    bucket: str
    key: str


def parse_restore_object(req: RequestHead) -> RestoreObjectInput:
    inp = RestoreObjectInput(bucket_of(req), key_of(req))
    check_version_id(req.query.get("versionId"))
    return inp


def render_restore_object(inp: RestoreObjectInput, meta: ObjectMeta) -> Response:
    """Always an error: S3 refuses RestoreObject for an object that is not
    archived (InvalidObjectState); s3box does not emulate archives, so it
    cannot honour it for one that is (NotImplemented)."""
    if meta.fields.storage_class in ARCHIVE_CLASSES:
        raise S3Error(
            "NotImplemented",
            "RestoreObject is not implemented by s3box: objects of every storage class "
            "stay readable without it.",
            resource=f"/{inp.bucket}/{inp.key}",
        )
    raise S3Error(
        "InvalidObjectState", "Restore is not allowed for the object's current storage class"
    )
