"""Listing from the SQLite index, checked against a brute-force reference."""

from __future__ import annotations

import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from s3box.records import ListPage
from s3box.storage.engine import Engine
from s3box.storage.index import _SCHEMA, list_page, successor

from .conftest import put


def make_conn(keys: list[str]) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    for stmt in _SCHEMA:
        conn.execute(stmt)
    conn.executemany(
        "INSERT OR REPLACE INTO objects(key, size, etag, last_modified) VALUES (?, 1, 'e', 0.0)",
        [(k.encode("utf-8"),) for k in keys],
    )
    return conn


def reference(keys, prefix, delimiter, marker, max_keys):
    """Every key/common prefix in binary UTF-8 order, naively; then one page."""
    items: list[tuple[str, str]] = []
    seen: set[str] = set()
    mb = marker.encode()
    for k in sorted(set(keys), key=lambda s: s.encode()):
        if not k.startswith(prefix):
            continue
        if delimiter:
            i = k.find(delimiter, len(prefix))
            if i >= 0:
                cp = k[: i + len(delimiter)]
                if cp not in seen and cp.encode() > mb:
                    seen.add(cp)
                    items.append(("cp", cp))
                continue
        if k.encode() > mb:
            items.append(("key", k))
    if max_keys == 0:  # the engine's contract: empty and not truncated
        return [], False, None
    page = items[:max_keys]
    truncated = len(items) > max_keys
    return page, truncated, (page[-1][1] if truncated and page else None)


def flatten(page: ListPage) -> list[tuple[str, str]]:
    """Merge entries and common prefixes back into one key-ordered sequence."""
    items = [("key", e.key) for e in page.entries] + [("cp", p) for p in page.common_prefixes]
    return sorted(items, key=lambda it: it[1].encode())


alphabet = st.sampled_from(["a", "b", "/", "-", "é", "日", "本", "\x00", "z"])
key_text = st.text(alphabet, min_size=1, max_size=6)
keys_st = st.lists(key_text, max_size=40)
small_text = st.text(alphabet, max_size=3)


@settings(max_examples=300, deadline=None)
@given(keys_st, small_text, small_text, small_text, st.integers(0, 12))
def test_list_page_matches_brute_force(keys, prefix, delimiter, marker, max_keys):
    conn = make_conn(keys)
    page = list_page(conn, prefix, delimiter, marker, max_keys)
    want, truncated, next_marker = reference(keys, prefix, delimiter, marker, max_keys)
    assert flatten(page) == want
    assert page.is_truncated == truncated
    assert page.next_marker == next_marker


@settings(max_examples=200, deadline=None)
@given(keys_st, small_text, small_text, st.integers(1, 5))
def test_paging_with_next_marker_reproduces_the_full_listing(keys, prefix, delimiter, max_keys):
    conn = make_conn(keys)
    full, _, _ = reference(keys, prefix, delimiter, "", 10**9)
    got: list[tuple[str, str]] = []
    marker = ""
    for _ in range(len(full) + 2):
        page = list_page(conn, prefix, delimiter, marker, max_keys)
        got.extend(flatten(page))
        if not page.is_truncated:
            break
        assert page.next_marker is not None
        marker = page.next_marker
    assert got == full


def test_max_keys_zero_is_an_empty_untruncated_page():
    page = list_page(make_conn(["a", "b"]), "", "", "", 0)
    assert page == ListPage([], [], False, None)


def test_marker_inside_a_common_prefix_skips_the_whole_prefix():
    conn = make_conn(["a/1", "a/2", "a/3", "b"])
    page = list_page(conn, "", "/", "a/1", 10)
    assert page.common_prefixes == [] and [e.key for e in page.entries] == ["b"]


def test_multi_character_delimiter_rolls_up_keys():
    conn = make_conn(["x--1", "x--2", "x-3", "y"])
    page = list_page(conn, "", "--", "", 10)
    assert page.common_prefixes == ["x--"]
    assert [e.key for e in page.entries] == ["x-3", "y"]


def test_delimiter_listing_runs_one_query_per_common_prefix():
    keys = [f"p{i:02d}/{j:04d}" for i in range(20) for j in range(500)]
    conn = make_conn(keys)
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    page = list_page(conn, "", "/", "", 1000)
    assert page.common_prefixes == [f"p{i:02d}/" for i in range(20)]
    assert len(statements) <= 21


def test_successor_increments_last_byte_with_carry():
    assert successor(b"a/") == b"a0"
    assert successor(b"a\xff") == b"b"
    assert successor(b"\xff\xff") is None
    assert successor(b"") is None


def test_index_orders_keys_by_binary_utf8(run_engine):
    async def t(e: Engine):
        for k in ["日本", "é", "b", "a", "Z", "a/b"]:
            await put(e, k, b"x")
        return [x.key for x in (await e.list_objects("b")).entries]

    assert run_engine(t) == ["Z", "a", "a/b", "b", "é", "日本"]


def test_engine_listing_with_prefix_delimiter_and_paging(run_engine):
    async def t(e: Engine):
        for k in ["docs/a", "docs/b", "img/1", "img/2", "readme"]:
            await put(e, k, b"x")
        p1 = await e.list_objects("b", delimiter="/", max_keys=2)
        assert p1.common_prefixes == ["docs/", "img/"] and p1.is_truncated
        assert p1.next_marker == "img/"
        p2 = await e.list_objects("b", delimiter="/", max_keys=2, marker="img/")
        assert [x.key for x in p2.entries] == ["readme"] and not p2.is_truncated
        p3 = await e.list_objects("b", prefix="img/")
        assert [x.key for x in p3.entries] == ["img/1", "img/2"]

    run_engine(t)


def test_listing_names_each_objects_checksum_algorithm_and_type(run_engine):
    from s3box.records import ChecksumRecord, ObjectFields

    async def t(e: Engine):
        crc = ChecksumRecord("CRC64NVME", "FULL_OBJECT", "AAAAAAAAAAA=")
        await put(e, "with", b"x", fields=ObjectFields(checksum=crc))
        await put(e, "without", b"y")
        return [
            (x.key, x.checksum_algorithm, x.checksum_type)
            for x in (await e.list_objects("b")).entries
        ]

    assert run_engine(t) == [("with", "CRC64NVME", "FULL_OBJECT"), ("without", None, None)]


def test_index_of_an_earlier_version_gains_the_checksum_columns(run_engine, tmp_path):
    """An index.sqlite without the checksum columns opens, lists its rows without
    checksums, and a lookup of the key fills them in (the row is healed)."""
    from s3box.records import ChecksumRecord, ObjectFields

    crc = ChecksumRecord("CRC32", "FULL_OBJECT", "AAAAAA==")

    async def write(e: Engine):
        await put(e, "k", b"x", fields=ObjectFields(checksum=crc))

    run_engine(write)
    db = tmp_path / "buckets" / "b" / "index.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("ALTER TABLE objects DROP COLUMN checksum_algorithm")
    conn.execute("ALTER TABLE objects DROP COLUMN checksum_type")
    conn.commit()
    conn.close()

    async def read(e: Engine):
        before = (await e.list_objects("b")).entries
        await e.head_object("b", "k")
        after = (await e.list_objects("b")).entries
        return [(x.key, x.checksum_algorithm) for x in before + after]

    assert run_engine(read) == [("k", None), ("k", "CRC32")]
