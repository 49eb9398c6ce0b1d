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
