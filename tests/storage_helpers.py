"""Helpers for tests that drive the storage engine directly (no server)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

from s3box.records import ChecksumRecord, ObjectFields, ObjectMeta, WriteCondition
from s3box.storage.engine import Engine


async def chunks(pieces: Iterable[bytes]) -> AsyncIterator[bytes]:
    """An async body of the given pieces."""
    for piece in pieces:
        yield piece


def no_checksum(_md5: bytes) -> ChecksumRecord | None:
    """A verify callback that accepts any body and stores no checksum (like an
    object written before flexible checksums)."""
    return None


async def put_bytes(
    engine: Engine,
    bucket: str,
    key: str,
    data: bytes,
    fields: ObjectFields | None = None,
    condition: WriteCondition | None = None,
) -> ObjectMeta:
    """A PutObject of `data` with its size declared; the checksum stored is the
    one `fields` names (if any)."""
    fields = fields or ObjectFields()
    checksum = fields.checksum
    return await engine.put_object(
        bucket,
        key,
        chunks([data]),
        size=len(data),
        fields=fields,
        condition=condition,
        hashers=(),
        verify=lambda _md5: checksum,
    )
