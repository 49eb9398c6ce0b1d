"""What a parse_<op> function reads from a request: its head, already routed.

A Protocol, so the server's RequestContext satisfies it as it is and protocol
tests pass a plain record (`Head`). Names are lower-case; values are decoded
text (a header repeated is joined with ","; `header_list` keeps each)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from s3box.protocol.errors import S3Error
from s3box.protocol.names import validate_bucket_name, validate_key


class RequestHead(Protocol):
    @property
    def method(self) -> str: ...
    @property
    def raw_path(self) -> str: ...
    @property
    def bucket(self) -> str | None: ...
    @property
    def key(self) -> str | None: ...
    @property
    def query(self) -> Mapping[str, str]: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def header_list(self) -> Sequence[tuple[str, str]]: ...
    @property
    def host_bucket(self) -> str | None: ...


@dataclass(slots=True)
class Head:
    """A RequestHead built by hand (tests, and callers without a server)."""

    method: str = "GET"
    raw_path: str = "/"
    bucket: str | None = None
    key: str | None = None
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    header_list: list[tuple[str, str]] = field(default_factory=list)
    host_bucket: str | None = None  # the bucket the Host header named (virtual-hosted style)


def object_path(req: RequestHead, bucket: str, key: str) -> str:
    """The object's path as the client addresses it: `/key` on a bucket's own host
    (virtual-hosted style), `/bucket/key` otherwise."""
    return f"/{key}" if req.host_bucket is not None else f"/{bucket}/{key}"


def bucket_of(req: RequestHead, *, validate: bool = False) -> str:
    bucket = req.bucket
    if bucket is None:
        raise S3Error("InvalidBucketName")
    if validate:
        validate_bucket_name(bucket)
    return bucket


def key_of(req: RequestHead) -> str:
    key = req.key
    if key is None:
        raise S3Error("InvalidArgument", "An object key is required.")
    validate_key(key)
    return key
