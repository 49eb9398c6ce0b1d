"""Server-side copy on disk: a staging directory of hard links to the source's
part files (published directories are immutable, so linking is safe), with a
byte copy where the file system refuses links; and the copy's part checksums.
Blocking (worker threads); no lookups, SQLite or HTTP.
"""

from __future__ import annotations

import errno
import os
import shutil

from s3box.records import ObjectFields, ObjectMeta
from s3box.storage import layout
from s3box.storage.errors import NoSuchBucket
from s3box.storage.fsutil import unique_name, write_all
from s3box.storage.resolver import Found


def link_parts(staging_put: str, bucket: str, src: Found, fsync: bool) -> str:
    """A staging dir holding hard links to the source's part files, taken
    relative to the source's open dir fd (so it is exactly that version).
    Removed again if anything fails (a full disk included)."""
    path = os.path.join(staging_put, unique_name())
    try:
        os.mkdir(path)
    except FileNotFoundError:
        raise NoSuchBucket(bucket=bucket) from None
    try:
        for part in src.meta.parts:
            name = layout.part_name(part.number)
            try:
                os.link(name, os.path.join(path, name), src_dir_fd=src.fd)
            except OSError as e:
                if e.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
                    raise
                copy_file(src.fd, name, os.path.join(path, name), fsync)
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise
    return path


def copied_part_checksums(src: ObjectMeta, fields: ObjectFields) -> list[str | None]:
    """Part checksums of a copy: the source's while the algorithm stays; with
    a recomputed checksum the old part values no longer apply (a single part
    takes the new whole-object value)."""
    old, new = src.fields.checksum, fields.checksum
    if (old.algorithm if old else None) == (new.algorithm if new else None):
        return [p.checksum for p in src.parts]
    if new is not None and len(src.parts) == 1 and new.type == "FULL_OBJECT":
        return [new.value]
    return [None for _ in src.parts]


def copy_file(src_dir_fd: int | None, name: str, dst: str, fsync: bool) -> None:
    sfd = os.open(name, os.O_RDONLY | os.O_CLOEXEC, dir_fd=src_dir_fd)
    try:
        dfd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        try:
            while True:
                buf = os.read(sfd, 1 << 20)
                if not buf:
                    break
                write_all(dfd, buf)
            if fsync:
                os.fsync(dfd)
        finally:
            os.close(dfd)
    finally:
        os.close(sfd)
