"""The pure part of paging a listing: delimiter roll-up and page cuts.

Shared by the object listings (index.list_page walks SQLite rows with these)
and ListMultipartUploads (which pages the uploads found in staging/). Plain
functions over keys; no files, SQLite or HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import AnyStr

from s3box.records import UploadInfo, UploadsPage


def common_prefix(key: AnyStr, prefix: AnyStr, delimiter: AnyStr) -> AnyStr | None:
    """The common prefix key rolls up into: key up to and including the first
    delimiter after prefix; None without a delimiter or when there is none."""
    if not delimiter:
        return None
    i = key.find(delimiter, len(prefix))
    return key[: i + len(delimiter)] if i >= 0 else None


def successor(b: bytes) -> bytes | None:
    """The smallest byte string greater than every string starting with b
    (increment the last byte, carrying); None if there is none (all 0xFF)."""
    arr = bytearray(b)
    while arr:
        if arr[-1] < 0xFF:
            arr[-1] += 1
            return bytes(arr)
        arr.pop()
    return None


def page_uploads(
    uploads: Sequence[UploadInfo],
    *,
    prefix: str,
    delimiter: str,
    key_marker: str,
    upload_id_marker: str,
    max_uploads: int,
) -> UploadsPage:
    """One ListMultipartUploads page from uploads already filtered by prefix
    and sorted by (key bytes, initiated). Uploads after (key_marker,
    upload_id_marker); a common prefix counts once towards max_uploads and
    never reappears on a later page (one at or before key_marker is skipped).
    https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListMultipartUploads.html"""
    entries: list[UploadInfo] = []
    common: list[str] = []
    truncated = False
    next_key: str | None = None
    next_upload: str | None = None
    mb = key_marker.encode()
    for info in uploads:
        k = info.key
        if key_marker:
            kb = k.encode()
            if kb < mb or (
                kb == mb and (not upload_id_marker or info.upload_id <= upload_id_marker)
            ):
                continue
        cp = common_prefix(k, prefix, delimiter)
        if cp is not None:
            if common and common[-1] == cp:
                continue
            if key_marker and cp.encode() <= mb:
                continue
        if len(entries) + len(common) >= max_uploads:
            truncated = True
            break
        if cp is not None:
            common.append(cp)
            next_key, next_upload = cp, None
        else:
            entries.append(info)
            next_key, next_upload = k, info.upload_id
    if not truncated:
        next_key = next_upload = None
    return UploadsPage(entries, common, truncated, next_key, next_upload)
