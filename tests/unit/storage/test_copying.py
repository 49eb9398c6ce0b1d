"""CopyObject, the object tagging operations (an in-place copy: ETag,
Last-Modified and bytes kept, a concurrent overwrite never clobbered) and
UploadPartCopy."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
from collections.abc import Callable
from typing import Any

import pytest

from s3box.records import ChecksumRecord, ObjectFields, ObjectMeta
from s3box.storage import copying
from s3box.storage.engine import Engine
from s3box.storage.errors import (
    ConditionalRequestConflict,
    DamagedObject,
    NoSuchBucket,
    NoSuchKey,
    NoSuchUpload,
    PreconditionFailed,
)
from tests.storage_helpers import no_checksum

from .conftest import get, object_dir, put


def test_copy_object_links_parts_and_keeps_or_replaces_fields(run_engine, tmp_path):
    async def t(e: Engine):
        src = await put(e, "src", b"payload", fields=ObjectFields(content_type="a/b"))
        seen: list[ObjectMeta] = []
        c1 = await e.copy_object("b", "src", "b", "dst", fields=None, check_source=seen.append)
        assert seen[0].etag == src.etag
        assert c1.etag == src.etag and c1.fields.content_type == "a/b"
        c2 = await e.copy_object("b", "src", "b", "src", fields=ObjectFields(content_type="x/y"))
        assert c2.fields.content_type == "x/y" and c2.seq == src.seq + 1
        assert await get(e, "dst") == b"payload"
        assert await get(e, "src") == b"payload"

        def refuse(meta):
            raise PreconditionFailed("no")

        with pytest.raises(PreconditionFailed):
            await e.copy_object("b", "src", "b", "never", fields=None, check_source=refuse)
        with pytest.raises(NoSuchKey):
            await e.copy_object("b", "nope", "b", "x", fields=None)

    run_engine(t)
    assert os.stat(object_dir(tmp_path, "dst") / "part.1").st_nlink >= 2


def test_put_object_tagging_keeps_etag_last_modified_and_data(run_engine, tmp_path):
    async def t(e: Engine) -> tuple[ObjectMeta, ObjectMeta]:
        fields = ObjectFields(user_metadata={"m": "1"}, tags={"old": "x"})
        fields.checksum = ChecksumRecord("CRC32", "FULL_OBJECT", "AAAAAA==")
        before = await put(e, "k", b"tagged bytes", fields=fields)
        after = await e.put_object_tagging("b", "k", {"new": "y"})
        assert await get(e, "k") == b"tagged bytes"
        head = await e.head_object("b", "k")
        assert head.fields.tags == {"new": "y"}
        return before, after

    before, after = run_engine(t)
    assert after.etag == before.etag
    assert after.last_modified == before.last_modified
    assert after.seq == before.seq + 1
    assert after.fields.user_metadata == {"m": "1"}
    assert after.fields.checksum == before.fields.checksum
    assert after.parts[0].checksum == "AAAAAA=="
    # The new directory links the very same data file (no copy).
    part = object_dir(tmp_path, "k") / "part.1"
    assert os.stat(part).st_nlink == 2  # the old directory, now in trash, holds the other
    assert part.read_bytes() == b"tagged bytes"


def test_put_object_tagging_of_absent_key_is_no_such_key(run_engine):
    async def t(e: Engine) -> None:
        with pytest.raises(NoSuchKey):
            await e.put_object_tagging("b", "absent", {"a": "b"})

    run_engine(t)


def test_in_place_copy_refuses_an_object_overwritten_since_it_was_read(run_engine):
    async def t(e: Engine) -> None:
        await put(e, "k", b"first")
        pending: list[asyncio.Task[ObjectMeta]] = []

        def overwrite_meanwhile(meta: ObjectMeta) -> ObjectFields:
            # Runs after the source was read, before the publish: a PUT starts.
            pending.append(asyncio.ensure_future(put(e, "k", b"second")))
            return meta.fields

        original = copying.publish

        async def publish_after_the_put(*args: Any, **kwargs: Any) -> ObjectMeta:
            waiting = list(pending)
            pending.clear()  # the PUT's own publish must not wait for itself
            await asyncio.gather(*waiting)
            return await original(*args, **kwargs)

        copying.publish = publish_after_the_put
        try:
            with pytest.raises(ConditionalRequestConflict):
                await copying.copy_object(
                    e.core, "b", "k", "b", "k", fields=overwrite_meanwhile, in_place=True
                )
        finally:
            copying.publish = original
        assert await get(e, "k") == b"second"

    run_engine(t)


def _sha256_record(hasher: hashlib._Hash) -> Callable[[bytes], ChecksumRecord]:
    def verify(_md5: bytes) -> ChecksumRecord:
        return ChecksumRecord("SHA256", "FULL_OBJECT", hasher.hexdigest())

    return verify


def test_upload_part_copy_copies_a_byte_range_of_the_source_into_a_part(run_engine, tmp_path):
    source = os.urandom(300_000)

    async def t(e: Engine) -> bytes:
        await put(e, "src", source)
        uid = await e.create_multipart_upload("b", "dst", ObjectFields())
        sizes: list[int] = []

        def byte_range(size: int) -> tuple[int, int]:
            sizes.append(size)
            return 1000, 200_999

        sha = hashlib.sha256()
        part = await e.upload_part_copy(
            "b",
            "dst",
            uid,
            1,
            "b",
            "src",
            byte_range=byte_range,
            hashers=[sha],
            verify=_sha256_record(sha),
        )
        assert sizes == [len(source)]
        assert part.number == 1 and part.size == 200_000
        assert part.etag == hashlib.md5(source[1000:201_000]).hexdigest()
        assert part.checksum == hashlib.sha256(source[1000:201_000]).hexdigest()
        whole = hashlib.sha256()
        second = await e.upload_part_copy(
            "b", "dst", uid, 2, "b", "src", hashers=[whole], verify=_sha256_record(whole)
        )
        assert second.size == len(source)
        _, parts = await e.list_parts("b", "dst", uid)
        assert [(p.number, p.etag) for p in parts] == [(1, part.etag), (2, second.etag)]
        await e.complete_multipart_upload(
            "b", "dst", uid, [(1, part.etag), (2, second.etag)], min_part_size=1
        )
        return await get(e, "dst", prefetch_limit=0)

    assert run_engine(t) == source[1000:201_000] + source
    assert os.listdir(tmp_path / "buckets" / "b" / "staging" / "multipart") == []


def test_upload_part_copy_checks_source_and_upload_and_leaves_no_part_behind(run_engine):
    class Refused(Exception):
        pass

    def refuse(meta: ObjectMeta) -> None:
        raise Refused(meta.key)

    async def t(e: Engine) -> None:
        await put(e, "src", b"data")
        await put(e, "empty", b"")
        uid = await e.create_multipart_upload("b", "dst", ObjectFields())
        with pytest.raises(Refused):
            await e.upload_part_copy(
                "b", "dst", uid, 1, "b", "src", check_source=refuse, hashers=(), verify=no_checksum
            )
        with pytest.raises(NoSuchKey):
            await e.upload_part_copy(
                "b", "dst", uid, 1, "b", "absent", hashers=(), verify=no_checksum
            )
        with pytest.raises(NoSuchUpload):
            await e.upload_part_copy(
                "b", "dst", "0" * 32, 1, "b", "src", hashers=(), verify=no_checksum
            )
        with pytest.raises(ValueError):  # a failing verify aborts the part's data file
            await e.upload_part_copy(
                "b", "dst", uid, 1, "b", "src", hashers=(), verify=_fail_verify
            )
        upload_dir = os.path.join(e.core.bucket("b").staging_multipart, uid)
        assert os.listdir(upload_dir) == ["upload.json"]
        empty = await e.upload_part_copy(
            "b", "dst", uid, 3, "b", "empty", hashers=(), verify=no_checksum
        )
        assert empty.size == 0 and empty.etag == hashlib.md5(b"").hexdigest()
        _, parts = await e.list_parts("b", "dst", uid)
        assert [p.number for p in parts] == [3]

    run_engine(t)


def _fail_verify(_md5: bytes) -> ChecksumRecord:
    raise ValueError("bad digest")


def test_copy_object_recomputes_the_checksum_from_the_version_copied(run_engine, tmp_path):
    data = bytes(range(256)) * 5000  # over a megabyte: hashed in several reads
    expected = base64.b64encode(hashlib.sha256(data).digest()).decode()

    async def t(e: Engine):
        source_checksum = ChecksumRecord("CRC32", "FULL_OBJECT", "AAAAAA==")
        await put(e, "src", data, fields=ObjectFields(checksum=source_checksum))
        copied = await e.copy_object(
            "b", "src", "b", "dst", fields=None, recompute_checksum=("SHA256", hashlib.sha256())
        )
        assert copied.fields.checksum == ChecksumRecord("SHA256", "FULL_OBJECT", expected)
        assert copied.parts[0].checksum == expected  # a single part takes the new value
        source = await e.head_object("b", "src")
        assert source.fields.checksum == source_checksum  # the source's record is untouched
        assert await get(e, "dst") == data

    run_engine(t)


def test_copy_object_checks_the_destination_bucket_first(run_engine):
    async def t(e: Engine):
        with pytest.raises(NoSuchBucket):
            await e.copy_object("b", "absent", "nope", "dst", fields=None)

    run_engine(t)


def test_recomputing_a_checksum_of_a_damaged_source_is_damaged_object(run_engine, tmp_path):
    async def t(e: Engine):
        await put(e, "src", b"0123456789")
        os.truncate(object_dir(tmp_path, "src") / "part.1", 4)
        with pytest.raises(DamagedObject):
            await e.copy_object(
                "b", "src", "b", "dst", fields=None, recompute_checksum=("SHA256", hashlib.sha256())
            )
        with pytest.raises(NoSuchKey):
            await e.head_object("b", "dst")

    run_engine(t)
