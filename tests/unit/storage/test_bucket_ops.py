"""Buckets: create, list, delete, their tags in tagging.json and their CORS rules in
bucket.json."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from s3box.storage import layout
from s3box.storage.engine import Engine
from s3box.storage.errors import (
    BucketAlreadyOwnedByYou,
    BucketNotEmpty,
    NoSuchBucket,
)

from .conftest import put


def test_create_bucket_builds_the_v1_layout(run_engine, tmp_path):
    async def t(e: Engine):
        info = await e.create_bucket("photos")
        assert (await e.head_bucket("photos")).creation_date == info.creation_date

    run_engine(t, bucket=None)
    root = tmp_path / "buckets" / "photos"
    meta = json.loads((root / "bucket.json").read_text())
    assert meta["storage_version"] == "v1"
    for sub in ("objects", "staging/put", "staging/multipart", "trash"):
        assert (root / sub).is_dir()
    assert [n for n in os.listdir(tmp_path / "buckets") if n.startswith(".")] == []


def test_create_existing_bucket_raises_already_owned(run_engine):
    async def t(e: Engine):
        await e.create_bucket("x")
        with pytest.raises(BucketAlreadyOwnedByYou):
            await e.create_bucket("x")

    run_engine(t, bucket=None)


def test_list_buckets_is_sorted_by_name(run_engine):
    async def t(e: Engine):
        for name in ("zeta", "alpha", "mid"):
            await e.create_bucket(name)
        return [b.name for b in await e.list_buckets()]

    assert run_engine(t, bucket=None) == ["alpha", "mid", "zeta"]


def test_delete_bucket_refuses_when_not_empty_then_succeeds(run_engine, tmp_path):
    async def t(e: Engine):
        await put(e, "k", b"x")
        with pytest.raises(BucketNotEmpty):
            await e.delete_bucket("b")
        await e.delete_object("b", "k")
        await e.delete_bucket("b")
        with pytest.raises(NoSuchBucket):
            await e.head_bucket("b")
        with pytest.raises(NoSuchBucket):
            await e.delete_bucket("b")
        await e.create_bucket("b")
        with pytest.raises(Exception):  # noqa: B017 - recreated bucket is empty
            await e.head_object("b", "k")

    run_engine(t)
    assert os.listdir(tmp_path / "buckets") == ["b"]


def test_delete_bucket_ignores_index_rows_without_objects(run_engine, tmp_path):
    async def t(e: Engine):
        await put(e, "k", b"x")
        # The object vanishes behind the engine's back; its row stays.
        import shutil

        shutil.rmtree(tmp_path / "buckets" / "b" / "objects")
        os.mkdir(tmp_path / "buckets" / "b" / "objects")
        await e.delete_bucket("b")

    run_engine(t)


def test_bucket_tagging_round_trip_in_tagging_json(run_engine, tmp_path: Path):
    async def t(e: Engine) -> None:
        assert await e.get_bucket_tagging("b") is None
        await e.put_bucket_tagging("b", {"a": "1", "é": "ü"})
        assert await e.get_bucket_tagging("b") == {"a": "1", "é": "ü"}
        await e.delete_bucket_tagging("b")
        assert await e.get_bucket_tagging("b") is None
        await e.delete_bucket_tagging("b")  # deleting nothing is fine
        with pytest.raises(NoSuchBucket):
            await e.get_bucket_tagging("nope")

    run_engine(t)
    root = tmp_path / "buckets" / "b"
    assert not (root / layout.BUCKET_TAGGING).exists()
    assert [p.name for p in root.iterdir() if p.name.startswith(".")] == []


# ---- CORS rules (bucket.json "cors") -----------------------------------------------


def test_bucket_cors_round_trip_kept_in_bucket_json_across_restarts(run_engine, tmp_path: Path):
    from s3box.records import CorsRule

    rules = (
        CorsRule(("http://a", "*"), ("GET", "PUT"), ("*",), ("ETag",), 3000, "r1"),
        CorsRule(("http://b",), ("HEAD",)),
    )

    async def put_rules(e: Engine):
        assert await e.get_bucket_cors("b") is None
        await e.put_bucket_cors("b", rules)
        assert await e.get_bucket_cors("b") == rules

    run_engine(put_rules)
    meta = json.loads((tmp_path / "buckets" / "b" / "bucket.json").read_text())
    assert meta["cors"][0] == {
        "allowed_origins": ["http://a", "*"],
        "allowed_methods": ["GET", "PUT"],
        "allowed_headers": ["*"],
        "expose_headers": ["ETag"],
        "max_age_seconds": 3000,
        "id": "r1",
    }
    assert meta["cors"][1] == {
        "allowed_origins": ["http://b"],
        "allowed_methods": ["HEAD"],
        "allowed_headers": [],
        "expose_headers": [],
    }
    assert meta["name"] == "b" and meta["storage_version"] == "v1"

    async def after_restart(e: Engine):
        assert await e.get_bucket_cors("b") == rules
        await e.delete_bucket_cors("b")
        assert await e.get_bucket_cors("b") is None
        await e.delete_bucket_cors("b")  # nothing to delete: no error

    run_engine(after_restart)
    meta = json.loads((tmp_path / "buckets" / "b" / "bucket.json").read_text())
    assert "cors" not in meta
    assert not [p for p in os.listdir(tmp_path / "buckets" / "b") if p.startswith(".")]


def test_bucket_cors_of_a_missing_bucket_is_no_such_bucket(run_engine):
    from s3box.records import CorsRule

    async def t(e: Engine):
        with pytest.raises(NoSuchBucket):
            await e.get_bucket_cors("absent")
        with pytest.raises(NoSuchBucket):
            await e.put_bucket_cors("absent", (CorsRule(("*",), ("GET",)),))
        with pytest.raises(NoSuchBucket):
            await e.delete_bucket_cors("absent")

    run_engine(t)


def test_a_bucket_json_without_cors_reads_as_none(run_engine, tmp_path: Path):
    async def t(e: Engine):
        return await e.get_bucket_cors("b")

    assert run_engine(t) is None
    assert "cors" not in json.loads((tmp_path / "buckets" / "b" / "bucket.json").read_text())
