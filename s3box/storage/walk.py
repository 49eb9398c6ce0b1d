"""Walking the objects/ tree (the truth) for the rebuild: every live object's
listing fields, read straight from its meta.json.

Streams the fanout tree depth first with os.scandir (memory bounded by one
open directory iterator per level) and reads only the listing fields of each
meta.json. Blocking; no SQLite, no HTTP.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any, NamedTuple

from s3box.storage import layout
from s3box.storage.fsutil import read_file
from s3box.storage.meta import listed_checksum, meta_from_json

_READ_FLAGS = os.O_RDONLY | os.O_CLOEXEC
_READ_SIZE = 1 << 16
_META_SUFFIX = os.sep + layout.META_JSON
NO_CHECKSUM: tuple[None, None] = (None, None)


class Listed(NamedTuple):
    """One object as the walk found it: its listing fields, and the directory
    they were read from with that directory's inode as listed (the online
    rebuild trusts the fields while the path still holds that inode)."""

    key: str
    size: int
    etag: str
    last_modified: float
    storage_class: str
    checksum_algorithm: str | None
    checksum_type: str | None
    path: str
    ino: int


class ListingFields(NamedTuple):
    key: str
    size: int
    etag: str
    last_modified: float
    storage_class: str
    checksum_algorithm: str | None = None
    checksum_type: str | None = None


def listing_fields(raw: bytes) -> ListingFields | None:
    """The index's fields of a meta.json, or None when ObjectMeta.from_json
    would reject it or its key is not a string (a lookup never finds such an
    object, so it is not listed).

    json.loads plus type checks of the usual shape, without building the
    dataclasses; anything unusual is decided by ObjectMeta.from_json itself,
    so the two always agree."""
    try:
        d = json.loads(raw)
    except ValueError:
        return None
    if type(d) is dict and _usual_shape(d):
        if type(d.get("key")) is not str:
            return None
        checksum = d.get("checksum")
        try:
            listed = (
                listed_checksum(checksum["algorithm"], checksum["type"])
                if checksum
                else NO_CHECKSUM
            )
            return ListingFields(
                d["key"],
                int(d["size"]),
                str(d["etag"]),
                float(d["last_modified"]),
                d.get("storage_class") or "STANDARD",
                *listed,
            )
        except (KeyError, ValueError, TypeError):
            return None
    try:
        m = meta_from_json(raw)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if type(m.key) is not str:
        return None
    c = m.fields.checksum
    return ListingFields(
        m.key,
        m.size,
        m.etag,
        m.last_modified,
        m.fields.storage_class,
        *(listed_checksum(c.algorithm, c.type) if c else NO_CHECKSUM),
    )


def _usual_shape(d: dict[str, Any]) -> bool:
    """True when every field ObjectMeta.from_json converts besides the five
    listing ones has the plain type a writer produces (so from_json cannot
    fail on it)."""
    checksum = d.get("checksum")
    if checksum and not (
        type(checksum) is dict
        and "algorithm" in checksum
        and "type" in checksum
        and "value" in checksum
    ):
        return False
    for name in ("headers", "user_metadata", "tags"):
        v = d.get(name)
        if v and type(v) is not dict:
            return False
    if type(d.get("seq", 0)) is not int:
        return False
    parts = d.get("parts", [])
    if type(parts) is not list:
        return False
    for p in parts:
        if not (
            type(p) is dict
            and type(p.get("number")) is int
            and type(p.get("size")) is int
            and type(p.get("etag")) is str
            and type(p.get("last_modified", 0.0)) in (float, int)
        ):
            return False
    return True


def _read_meta(path: str) -> bytes:
    fd = os.open(path, _READ_FLAGS)
    try:
        data = os.read(fd, _READ_SIZE)
        if len(data) < _READ_SIZE:
            return data  # a regular file: a short read is the end
        chunks = [data]
        while data:
            data = os.read(fd, _READ_SIZE)
            chunks.append(data)
        return b"".join(chunks)
    finally:
        os.close(fd)


def iter_objects(objects_dir: str) -> Iterator[Listed]:
    """Every readable live object under objects/, depth first; one open
    directory iterator per level at a time."""

    def walk(path: str, depth: int) -> Iterator[Listed]:
        # depth 0 is objects/ itself; the directories at depth 4 are leaves.
        try:
            it = os.scandir(path)
        except (FileNotFoundError, NotADirectoryError):
            return
        with it:
            for entry in it:
                if entry.is_dir():
                    if depth < 3:
                        yield from walk(entry.path, depth + 1)
                    else:
                        yield from leaf(entry.path)

    def leaf(path: str) -> Iterator[Listed]:
        try:
            it = os.scandir(path)
        except (FileNotFoundError, NotADirectoryError):
            return
        with it:
            for entry in it:
                if not layout.is_valid_object_dir_name(entry.name):
                    continue
                obj = entry.path
                meta = obj + _META_SUFFIX
                try:
                    f = listing_fields(_read_meta(meta))
                    if f is None:  # make sure a short read did not cut it
                        f = listing_fields(read_file(meta))
                except OSError:
                    continue
                if f is not None:
                    yield Listed(*f, obj, entry.inode())

    yield from walk(objects_dir, 0)
