"""Test-only fault points: named places between the steps of a publish, delete,
multipart completion or rebuild where a crash test can stop the process dead.

Off unless the environment variable S3BOX_TEST_FAULT names a point when the
process starts (`point`, or `point@N` to stop at its N-th hit); then hitting
that point writes one line to stderr and calls os._exit(137), like a kill -9:
no finally blocks, no flush of SQLite, no cleanup. When off, `hit` is one
global lookup and a comparison. Never enable this outside tests.
"""

from __future__ import annotations

import os
import sys

ENV = "S3BOX_TEST_FAULT"
EXIT_CODE = 137  # what a shell reports for a process killed by SIGKILL

# Every point, in the order the steps happen. A name not listed here is refused
# at arming time, so a typo in a test cannot silently disable the crash.
POINTS: tuple[str, ...] = (
    # PUT, copy and multipart completion (publish.publish_sync), new key or overwrite
    "publish.staged",  # complete data in staging/put/<id>/, no meta.json yet
    "publish.after_meta",  # meta.json written in the staged dir
    "publish.after_repair_row",  # repair row committed, nothing published
    "overwrite.after_exchange",  # RENAME_EXCHANGE done: new live, old at the staged path
    "overwrite.fallback_after_trash",  # no RENAME_EXCHANGE: old live moved to trash only
    "publish.after_rename",  # live directory in place (old one in trash on overwrite)
    "publish.before_ack",  # published and indexed; the client has no answer yet
    # DELETE (deletes._delete_one_sync)
    "delete.after_repair_row",
    "delete.after_trash",  # live directory renamed into trash/
    "delete.before_ack",  # trashed and unindexed; the client has no answer yet
    # CompleteMultipartUpload (around the publish above)
    "complete.after_link",  # parts hard-linked into a new staging/put/<id>/
    "complete.before_retire",  # object published, upload dir not yet moved to trash
    # Index rebuild (rebuild.rebuild)
    "rebuild.after_batch",  # one batch of rows upserted
    "rebuild.before_sweep",  # every object upserted, stale rows not yet deleted
)


class _Armed:
    """The armed point (or none) and how many hits remain before it fires."""

    def __init__(self, spec: str | None) -> None:
        self.point: str | None = None
        self.remaining = 0
        if not spec:
            return
        name, _, nth = spec.partition("@")
        if name not in POINTS:
            raise ValueError(f"{ENV}={spec!r}: unknown fault point (known: {', '.join(POINTS)})")
        self.point = name
        self.remaining = int(nth) if nth else 1


_armed = _Armed(os.environ.get(ENV))


def hit(point: str) -> None:
    """Stop the process here if a test armed this point (and this is the N-th hit)."""
    if _armed.point != point:
        return
    _armed.remaining -= 1
    if _armed.remaining > 0:
        return
    sys.stderr.write(f"s3box: test fault point {point} hit: exiting {EXIT_CODE}\n")
    sys.stderr.flush()
    os._exit(EXIT_CODE)
