"""The rolling log file: rotation by size, archives kept, gzip, keep_files=0."""

from __future__ import annotations

import gzip
import logging

from s3box.server.log_writer import build_file_handler


def fill(handler: logging.Handler, count: int, size: int = 40) -> None:
    handler.setFormatter(logging.Formatter("%(message)s"))
    for i in range(count):
        record = logging.LogRecord(
            "s3box", logging.INFO, __file__, 1, f"{i:04d}" + "x" * size, None, None
        )
        handler.handle(record)


def test_file_rotates_by_size_and_keeps_only_keep_files_archives(tmp_path):
    path = tmp_path / "s3box.log"
    handler = build_file_handler(path, max_bytes=200, keep_files=2, compress=False)
    fill(handler, 40)
    handler.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["s3box.log", "s3box.log.1", "s3box.log.2"]
    assert all(p.stat().st_size <= 200 for p in tmp_path.iterdir())
    # the newest lines are in the active file, the next older ones in .1
    assert "0039" in path.read_text()
    last_in_1 = (tmp_path / "s3box.log.1").read_text().splitlines()[-1][:4]
    first_in_active = path.read_text().splitlines()[0][:4]
    assert int(last_in_1) + 1 == int(first_in_active)


def test_compressed_archives_are_gzip_with_gz_suffix(tmp_path):
    path = tmp_path / "s3box.log"
    handler = build_file_handler(path, max_bytes=200, keep_files=3, compress=True)
    fill(handler, 40)
    handler.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["s3box.log", "s3box.log.1.gz", "s3box.log.2.gz", "s3box.log.3.gz"]
    archived = gzip.decompress((tmp_path / "s3box.log.1.gz").read_bytes()).decode()
    assert archived.splitlines()[0].endswith("x" * 40)


def test_archives_beyond_keep_files_from_an_earlier_run_are_deleted(tmp_path):
    path = tmp_path / "s3box.log"
    for stale in ("s3box.log.7", "s3box.log.9.gz"):
        (tmp_path / stale).write_text("old")
    (tmp_path / "other.log.9").write_text("not ours")
    handler = build_file_handler(path, max_bytes=200, keep_files=2, compress=False)
    fill(handler, 10)
    handler.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["other.log.9", "s3box.log", "s3box.log.1", "s3box.log.2"]


def test_keep_files_zero_truncates_instead_of_growing(tmp_path):
    path = tmp_path / "s3box.log"
    handler = build_file_handler(path, max_bytes=200, keep_files=0, compress=False)
    fill(handler, 40)
    handler.close()
    assert [p.name for p in tmp_path.iterdir()] == ["s3box.log"]
    assert path.stat().st_size <= 200
