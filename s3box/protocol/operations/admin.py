"""s3box's own operations: the health answers under /_s3box/health/, and the
S3-style POST /{bucket}?rebuildIndex (typed input, parse and render).

Pure code; whether the server has started and whether a rebuild was already
running are the caller's answers, passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

from s3box.protocol.errors import S3Error
from s3box.protocol.request import RequestHead, bucket_of
from s3box.protocol.response import Response

TEXT_CONTENT_TYPE = ("content-type", "text/plain; charset=utf-8")


def render_health_live() -> Response:
    return Response(headers=[TEXT_CONTENT_TYPE], body=b"ok\n")


def render_health_ready(started: bool) -> Response:
    """Ready once the server has started (and until it begins stopping); else 503."""
    if not started:
        raise S3Error("ServiceUnavailable", "s3box is starting or stopping.")
    return Response(headers=[TEXT_CONTENT_TYPE], body=b"ready\n")


@dataclass(frozen=True, slots=True)
class RebuildIndexInput:
    bucket: str


def parse_rebuild_index(req: RequestHead) -> RebuildIndexInput:
    return RebuildIndexInput(bucket_of(req))


def rebuild_index_conflict(inp: RebuildIndexInput) -> S3Error:
    """A rebuild already running for the bucket: 409 OperationAborted, the code
    S3 uses for "a conflicting operation is in progress against this resource"."""
    return S3Error(
        "OperationAborted",
        "An index rebuild is already running for this bucket. Try again when it ends.",
        status=409,
        extra={"BucketName": inp.bucket},
    )


def render_rebuild_index() -> Response:
    """202 Accepted: the rebuild runs in the background."""
    return Response(status=202)
