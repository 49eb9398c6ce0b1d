"""Object listings: ListObjects, ListObjectsV2 and ListObjectVersions, three
views of one paging core over the bucket's SQLite index.

Keys come in binary UTF-8 order; with a delimiter, keys sharing
prefix+...+delimiter roll up into one common prefix (counted once towards
max_keys) and the scan seeks past it (index.list_page, storage/paging.py).
The bucket has no versioning, so every key is its one "null" version. No HTTP.
"""

from __future__ import annotations

from s3box.records import ListPage
from s3box.storage.bucket import Bucket
from s3box.storage.core import Core


async def list_objects(
    core: Core, bucket: str, *, prefix: str, delimiter: str, marker: str, max_keys: int
) -> ListPage:
    """ListObjects (v1): keys > marker."""
    return await _page(core, bucket, prefix, delimiter, marker, max_keys)


async def list_objects_v2(
    core: Core,
    bucket: str,
    *,
    prefix: str,
    delimiter: str,
    continuation: str | None,
    start_after: str,
    max_keys: int,
) -> ListPage:
    """ListObjectsV2: keys after the decoded continuation token, else after
    start_after. S3 ignores start-after once a token is given, but a
    start-after beyond the token still applies."""
    marker = start_after
    if continuation is not None and start_after <= continuation:
        marker = continuation
    return await _page(core, bucket, prefix, delimiter, marker, max_keys)


async def list_object_versions(
    core: Core, bucket: str, *, prefix: str, delimiter: str, key_marker: str, max_keys: int
) -> ListPage:
    """ListObjectVersions of an unversioned bucket: one version per key, keys
    after key_marker (a version-id marker can only be "null", so it never
    splits a key)."""
    return await _page(core, bucket, prefix, delimiter, key_marker, max_keys)


async def _page(
    core: Core, bucket: str, prefix: str, delimiter: str, marker: str, max_keys: int
) -> ListPage:
    """Keys > marker starting with prefix. A marker that falls inside a
    common prefix skips that whole prefix, so a common prefix never appears
    on two pages. max_keys=0 returns an empty, non-truncated page."""
    async with core.entered(bucket) as b:
        return await core.run(_list_sync, b, prefix, delimiter, marker, max_keys)


def _list_sync(b: Bucket, prefix: str, delimiter: str, marker: str, max_keys: int) -> ListPage:
    return b.listing_index().list_page(prefix, delimiter, marker, max_keys)
