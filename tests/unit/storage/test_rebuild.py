"""Rebuilding the index from objects/."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from s3box.records import ChecksumRecord, ObjectFields, ObjectMeta, PartRecord
from s3box.storage.engine import Engine
from s3box.storage.errors import NoSuchBucket
from s3box.storage.index import BucketIndex
from s3box.storage.meta import meta_from_json, meta_to_json
from s3box.storage.rebuild import Cancelled, rebuild, rebuild_batch, rebuild_index_offline
from s3box.storage.walk import ListingFields, iter_objects, listing_fields

from .conftest import put


def test_offline_rebuild_restores_missing_rows_and_drops_stale_ones(run_engine, tmp_path):
    async def t(e: Engine):
        for k in ("a", "b/c", "日本"):
            await put(e, k, b"x" * len(k))

    run_engine(t)
    db = tmp_path / "buckets" / "b" / "index.sqlite"
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DELETE FROM objects WHERE key = ?", (b"a",))
        conn.execute(
            "INSERT INTO objects(key, size, etag, last_modified) VALUES (?, 1, 'e', 0)", (b"ghost",)
        )
    conn.close()
    assert rebuild_index_offline(tmp_path, "b") == 3

    async def listing(e: Engine):
        return [(x.key, x.size) for x in (await e.list_objects("b")).entries]

    assert run_engine(listing) == [("a", 1), ("b/c", 3), ("日本", 2)]


def test_rebuild_fills_the_checksum_columns_of_rows_written_without_them(run_engine, tmp_path):
    crc = ChecksumRecord("CRC32C", "FULL_OBJECT", "AAAAAA==")

    async def t(e: Engine):
        await put(e, "k", b"x", fields=ObjectFields(checksum=crc))
        await put(e, "plain", b"y")

    run_engine(t)
    db = tmp_path / "buckets" / "b" / "index.sqlite"
    conn = sqlite3.connect(db)
    with conn:  # as an index written by a version without the columns left them
        conn.execute("UPDATE objects SET checksum_algorithm = NULL, checksum_type = NULL")
    conn.close()
    assert rebuild_index_offline(tmp_path, "b") == 2

    async def listing(e: Engine):
        entries = (await e.list_objects("b")).entries
        return [(x.key, x.checksum_algorithm, x.checksum_type) for x in entries]

    assert run_engine(listing) == [("k", "CRC32C", "FULL_OBJECT"), ("plain", None, None)]


def test_offline_rebuild_of_unknown_bucket_raises(tmp_path):
    with pytest.raises(NoSuchBucket):
        rebuild_index_offline(tmp_path, "nope")


def test_rebuild_stops_when_cancelled(run_engine, tmp_path):
    run_engine(lambda e: put(e, "k", b"x"))
    idx = BucketIndex(str(tmp_path / "buckets" / "b" / "index.sqlite"))
    cancel = threading.Event()
    cancel.set()
    try:
        with pytest.raises(Cancelled):
            rebuild(idx, str(tmp_path / "buckets" / "b" / "objects"), "b", cancel)
    finally:
        idx.close()


def test_online_rebuild_runs_in_background_and_refuses_a_second_one(run_engine, tmp_path):
    from s3box.storage.errors import RebuildInProgress

    run_engine(lambda e: put(e, "k", b"x"))
    conn = sqlite3.connect(tmp_path / "buckets" / "b" / "index.sqlite")
    with conn:
        conn.execute("DELETE FROM objects")
        conn.execute(
            "INSERT INTO objects(key, size, etag, last_modified) VALUES (?, 1, 'e', 0)", (b"ghost",)
        )
    conn.close()

    async def t(e: Engine):
        await e.rebuild_index("b")
        with pytest.raises(RebuildInProgress):
            await e.rebuild_index("b")
        await e.wait_rebuild("b")
        assert "b" not in e.core.rebuilds
        return [x.key for x in (await e.list_objects("b")).entries]

    assert run_engine(t) == ["k"]


# ---- the light meta.json parse ----

_json_scalar = (
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(0, 10) | st.text("ab1", max_size=3)
)
_json_value = st.recursive(
    _json_scalar,
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.text("ab", max_size=2), inner, max_size=2)
    ),
    max_leaves=4,
)
_part = st.fixed_dictionaries(
    {"number": st.integers(1, 3), "size": st.integers(0, 9), "etag": st.text("0af", max_size=4)},
    optional={"checksum": st.none() | st.text("xy", max_size=2), "last_modified": st.floats(0, 9)},
)
_checksum = st.fixed_dictionaries(
    {
        "algorithm": st.just("CRC32"),
        "type": st.just("FULL_OBJECT"),
        "value": st.text("AQ=", max_size=4),
    }
)
# Documents close to what a writer produces, then up to two fields dropped or
# replaced by an arbitrary JSON value.
_meta_fields = {
    "key": st.text(max_size=4),
    "size": st.integers(0, 99) | st.text("12", max_size=2),
    "etag": st.text("0af", max_size=4),
    "last_modified": st.floats(0, 2e9) | st.integers(0, 9) | st.just("1.5"),
    "seq": st.integers(0, 9),
    "content_type": st.text(max_size=3),
    "headers": st.dictionaries(st.text("ab", max_size=2), st.text(max_size=2), max_size=2),
    "user_metadata": st.dictionaries(st.text("ab", max_size=2), st.text(max_size=2), max_size=2),
    "storage_class": st.sampled_from(["STANDARD", "GLACIER", ""]),
    "tags": st.dictionaries(st.text("ab", max_size=2), st.text(max_size=2), max_size=2),
    "checksum": st.none() | _checksum,
    "parts": st.lists(_part, max_size=2),
}
_DROP = object()


def _mutated(doc: dict, changes: list) -> dict:
    for name, value in changes:
        if value is _DROP:
            doc.pop(name, None)
        else:
            doc[name] = value
    return doc


_meta_doc = st.builds(
    _mutated,
    st.fixed_dictionaries(_meta_fields),
    st.lists(
        st.tuples(st.sampled_from(sorted(_meta_fields)), st.just(_DROP) | _json_value), max_size=2
    ),
)


def _expected_fields(raw: bytes) -> ListingFields | None:
    try:
        m = meta_from_json(raw)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if not isinstance(m.key, str):
        return None  # never found by a lookup: not listed
    c = m.fields.checksum
    # Listed with both its algorithm and type only when both are strings.
    listed = c is not None and isinstance(c.algorithm, str) and isinstance(c.type, str)
    return ListingFields(
        m.key,
        m.size,
        m.etag,
        m.last_modified,
        m.fields.storage_class,
        c.algorithm if listed and c else None,
        c.type if listed and c else None,
    )


@settings(max_examples=400, deadline=None)
@given(st.one_of(_meta_doc, _json_value))
def test_light_parse_agrees_with_object_meta_from_json(doc):
    raw = json.dumps(doc).encode()
    assert listing_fields(raw) == _expected_fields(raw)


def test_light_parse_of_what_the_engine_writes():
    meta = ObjectMeta(
        key="a/日本",
        size=12,
        etag="abc-2",
        last_modified=1_700_000_000.25,
        fields=ObjectFields(
            storage_class="GLACIER",
            headers={"cache-control": "no"},
            checksum=ChecksumRecord("CRC32", "COMPOSITE", "AAAA-2"),
        ),
        parts=[PartRecord(1, 5, "e1", "c1"), PartRecord(2, 7, "e2", None, 3.5)],
        seq=4,
    )
    raw = meta_to_json(meta)
    assert listing_fields(raw) == (
        "a/日本",
        12,
        "abc-2",
        1_700_000_000.25,
        "GLACIER",
        "CRC32",
        "COMPOSITE",
    )
    assert listing_fields(b"not json") is None
    assert listing_fields(b"[1, 2]") is None


# ---- the walk ----


def _objects_dir(tmp_path) -> str:
    return str(tmp_path / "buckets" / "b" / "objects")


def test_walk_sees_every_object_once_with_its_directory_and_inode(run_engine, tmp_path):
    keys = [f"k/{i:03d}" for i in range(300)]

    async def t(e: Engine):
        for k in keys:
            await put(e, k, k.encode())

    run_engine(t)
    objects = _objects_dir(tmp_path)
    seen = list(iter_objects(objects))
    assert sorted(x.key for x in seen) == keys
    for x in seen:
        assert x.size == len(x.key) and x.etag == hashlib.md5(x.key.encode()).hexdigest()
        assert x.storage_class == "STANDARD"
        assert os.stat(x.path).st_ino == x.ino
        assert json.loads(Path(x.path, "meta.json").read_bytes())["key"] == x.key


def test_walk_finds_collision_suffixes_and_skips_what_is_not_an_object(run_engine, tmp_path):
    run_engine(lambda e: put(e, "k", b"x"))
    objects = _objects_dir(tmp_path)
    (only,) = iter_objects(objects)
    leaf = os.path.dirname(only.path)
    # A second key with the same 6 digits lives under a suffixed name.
    twin = os.path.join(leaf, os.path.basename(only.path) + "_0A1B")
    shutil.copytree(only.path, twin)
    meta = json.loads(Path(twin, "meta.json").read_bytes())
    meta["key"] = "twin"
    with open(os.path.join(twin, "meta.json"), "w") as f:
        json.dump(meta, f)
    # Not objects: a bad name, a directory without meta.json, a broken
    # meta.json, stray files at every level.
    shutil.copytree(only.path, os.path.join(leaf, "V1zzzzzz"))
    os.mkdir(os.path.join(leaf, "V1000000"))
    os.mkdir(os.path.join(leaf, "V1000001"))
    with open(os.path.join(leaf, "V1000001", "meta.json"), "w") as f:
        f.write('{"key": "half')
    for d in (objects, os.path.dirname(leaf), leaf):
        with open(os.path.join(d, "stray"), "w") as f:
            f.write("x")
    assert sorted(x.key for x in iter_objects(objects)) == ["k", "twin"]


def test_walk_reads_a_meta_json_larger_than_one_read(run_engine, tmp_path):
    run_engine(lambda e: put(e, "big-meta", b"x"))
    (only,) = iter_objects(_objects_dir(tmp_path))
    path = os.path.join(only.path, "meta.json")
    meta = json.loads(Path(path).read_bytes())
    meta["user_metadata"] = {f"m{i}": "v" * 100 for i in range(2000)}  # ~220 KB
    with open(path, "w") as f:
        json.dump(meta, f)
    (again,) = iter_objects(_objects_dir(tmp_path))
    assert again == only


# ---- SQLite settings and the online re-check ----


def _pragmas(index: BucketIndex) -> tuple[int, int]:
    return index.write(
        lambda c: (
            c.execute("PRAGMA cache_size").fetchone()[0],
            c.execute("PRAGMA wal_autocheckpoint").fetchone()[0],
        )
    )


@pytest.mark.parametrize("cancelled", [False, True])
def test_rebuild_restores_the_writer_settings_it_changed(run_engine, tmp_path, cancelled):
    run_engine(lambda e: put(e, "k", b"x"))
    idx = BucketIndex(str(tmp_path / "buckets" / "b" / "index.sqlite"))
    try:
        before = _pragmas(idx)
        cancel = threading.Event()
        if cancelled:
            cancel.set()
        try:
            rebuild(idx, _objects_dir(tmp_path), "b", cancel)
        except Cancelled:
            assert cancelled
        assert _pragmas(idx) == before
    finally:
        idx.close()


def test_online_batch_write_rechecks_only_keys_changed_since_the_walk(run_engine, tmp_path):
    """The walk read four objects; before its batch is written one is
    overwritten, one deleted, one deleted and put again. Those three are looked
    up again (and indexed as they are now); the untouched one is not."""

    async def t(e: Engine):
        for k in ("same", "over", "gone", "again"):
            await put(e, k, b"old " + k.encode())
        listed = sorted(iter_objects(_objects_dir(tmp_path)))
        await put(e, "over", b"new body")
        await e.delete_object("b", "gone")
        await e.delete_object("b", "again")
        await put(e, "again", b"back")
        b = e.core.bucket("b")
        await e.core.run(b.index().write, lambda c: c.execute("DELETE FROM objects"))
        looked_up: list[str] = []
        real_find = e.core.find

        def counting_find(bucket, key, **kw):
            looked_up.append(key)
            return real_find(bucket, key, **kw)

        e.core.find = counting_find  # type: ignore[method-assign, assignment]
        await rebuild_batch(e.core, b, listed)
        rows = {x.key: x.etag for x in (await e.list_objects("b")).entries}
        return sorted(looked_up), rows

    looked_up, rows = run_engine(t)
    assert looked_up == ["again", "gone", "over"]
    assert rows == {
        "same": hashlib.md5(b"old same").hexdigest(),
        "over": hashlib.md5(b"new body").hexdigest(),
        "again": hashlib.md5(b"back").hexdigest(),
    }


def test_online_rebuild_with_concurrent_writes_ends_with_the_index_equal_to_the_truth(
    run_engine, tmp_path
):
    """Deletes, overwrites and new keys land while the rebuild walks (its
    batches interleave with them on the loop); whatever the interleaving, the
    listing afterwards is exactly what objects/ holds."""

    async def t(e: Engine):
        expected = {}
        for i in range(1200):
            body = f"v1 {i}".encode()
            await put(e, f"k/{i:04d}", body)
            expected[f"k/{i:04d}"] = hashlib.md5(body).hexdigest()
        b = e.core.bucket("b")
        await e.core.run(b.index().write, lambda c: c.execute("DELETE FROM objects"))
        await e.rebuild_index("b")
        for i in range(0, 1200, 4):
            key = f"k/{i:04d}"
            if i % 12 == 0:
                await e.delete_object("b", key)
                del expected[key]
            elif i % 12 == 4:
                body = f"v2 {i}".encode()
                await put(e, key, body)
                expected[key] = hashlib.md5(body).hexdigest()
            else:
                body = f"new {i}".encode()
                await put(e, f"new/{i:04d}", body)
                expected[f"new/{i:04d}"] = hashlib.md5(body).hexdigest()
        await e.wait_rebuild("b")
        listed = {}
        marker = ""
        while True:
            page = await e.list_objects("b", marker=marker)
            listed.update({x.key: x.etag for x in page.entries})
            if not page.is_truncated:
                break
            marker = page.next_marker or ""
        return listed, expected

    listed, expected = run_engine(t)
    assert listed == expected
