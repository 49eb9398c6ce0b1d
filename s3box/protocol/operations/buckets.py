"""Service and bucket documents: ListBuckets, the CreateBucket body and
GetBucketLocation (GetBucketVersioning and the empty bucket configurations
are in unconfigured.py).

Pure rendering and parsing; the bucket's existence is the caller's check.
"""

from __future__ import annotations

from collections.abc import Iterable

from s3box.protocol.timefmt import iso8601_ms
from s3box.protocol.xmlparse import child, parse_root, text_of
from s3box.protocol.xmlrender import PROLOGUE, S3_NS, Owner, document, el, escape, owner_el
from s3box.records import BucketInfo


def render_list_buckets(
    buckets: Iterable[BucketInfo],
    owner: Owner,
    *,
    region: str = "us-east-1",
    prefix: str | None = None,
    continuation_token: str | None = None,
) -> bytes:
    """ListAllMyBucketsResult: each bucket with its BucketRegion, then the
    ContinuationToken while more remain and the Prefix when one was asked for."""
    bucket_region = el("BucketRegion", region)
    items = "".join(
        f"<Bucket>{el('Name', b.name)}"
        f"<CreationDate>{iso8601_ms(b.creation_date)}</CreationDate>{bucket_region}</Bucket>"
        for b in buckets
    )
    owner_xml = owner_el("Owner", owner)
    tail = ""
    if continuation_token is not None:
        tail += el("ContinuationToken", continuation_token)
    if prefix is not None:
        tail += el("Prefix", prefix)
    return document("ListAllMyBucketsResult", f"{owner_xml}<Buckets>{items}</Buckets>{tail}")


def parse_create_bucket(body: bytes) -> str | None:
    """CreateBucketConfiguration -> LocationConstraint, or None (empty body or
    no constraint, meaning us-east-1)."""
    if not body.strip():
        return None
    root = parse_root(body, "CreateBucketConfiguration")
    location = child(root, "LocationConstraint")
    if location is None:
        return None
    return text_of(location).strip() or None


def render_get_bucket_location(region: str) -> bytes:
    """GetBucketLocation: us-east-1 is an empty LocationConstraint (S3 reference)."""
    if region in ("", "us-east-1"):
        return f'{PROLOGUE}<LocationConstraint xmlns="{S3_NS}"/>'.encode()
    return document("LocationConstraint", escape(region))
