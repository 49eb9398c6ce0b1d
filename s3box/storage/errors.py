"""Typed errors raised by the storage engine.

Each carries the S3 error code it corresponds to, so the server maps them in
one place; the engine itself knows nothing of HTTP statuses or XML.
"""

from __future__ import annotations


class StorageError(Exception):
    """Base class. `code` names the S3 error this condition corresponds to."""

    code = "InternalError"

    def __init__(self, message: str = "", **fields: str) -> None:
        super().__init__(message or self.code)
        self.message = message
        self.fields = fields


class NoSuchBucket(StorageError):
    code = "NoSuchBucket"


class BucketAlreadyOwnedByYou(StorageError):
    code = "BucketAlreadyOwnedByYou"


class BucketNotEmpty(StorageError):
    code = "BucketNotEmpty"


class NoSuchKey(StorageError):
    code = "NoSuchKey"


class NoSuchUpload(StorageError):
    code = "NoSuchUpload"


class InvalidPart(StorageError):
    code = "InvalidPart"


class InvalidPartOrder(StorageError):
    code = "InvalidPartOrder"


class EntityTooSmall(StorageError):
    code = "EntityTooSmall"


class PreconditionFailed(StorageError):
    code = "PreconditionFailed"


class ConditionalRequestConflict(StorageError):
    code = "ConditionalRequestConflict"


class RebuildInProgress(StorageError):
    code = "RebuildInProgress"


class InvalidStorageState(StorageError):
    """objects/ holds something the engine cannot read (e.g. a part file
    shorter than meta.json says). Maps to InternalError."""

    code = "InternalError"


class InvalidArgument(StorageError):
    code = "InvalidArgument"


class IndexUnavailable(StorageError):
    """The bucket's index was found damaged (or incomplete) and is being
    rebuilt from objects/: listings would be incomplete, so they wait.
    S3's 503 ServiceUnavailable: SDKs retry it with backoff."""

    code = "ServiceUnavailable"


class DamagedObject(StorageError):
    """A part file of the object is missing or shorter than meta.json says:
    the object cannot be served whole. 503, like MinIO's "unable to
    reconstruct data" (XMinioReadQuorum); never a 200 with a short body."""

    code = "ServiceUnavailable"


class StorageFull(StorageError):
    """A write failed for lack of space (ENOSPC, EDQUOT, SQLITE_FULL) even
    after the trash was purged. MinIO's 507 XMinioStorageFull: S3 itself
    is never full, so it has no code for this."""

    code = "XMinioStorageFull"
