"""How a request body is framed, and the size S3 allows it: the Transfer-Encoding
codings s3box can undo and the 5 GiB ceiling of one PutObject or UploadPart body.

Pure code: header values in, S3Error out. Checked before any body byte is read, so
a client waiting on `Expect: 100-continue` gets the refusal instead of `100 Continue`.
"""

from __future__ import annotations

from s3box.protocol.errors import S3Error

# "Upload an object in a single operation ... up to 5 GB"; each part of a multipart
# upload is at most 5 GiB too (S3 User Guide, "Amazon S3 multipart upload limits").
MAX_UPLOAD_SIZE = 5 * 1024**3


def check_transfer_encoding(value: str | None) -> None:
    """The ASGI server undoes `chunked` and nothing else: any other coding (gzip,
    deflate, compress, identity ...), alone or before `chunked`, would leave coded
    bytes that s3box would store as the object. RFC 9112 6.1: a server that receives
    a transfer coding it does not understand answers 501 (Not Implemented); S3 words
    it as below and names the header."""
    if value is None:
        return
    codings = [c.strip().lower() for c in value.split(",")]
    if codings != ["chunked"]:
        raise S3Error(
            "NotImplemented",
            "A header you provided implies functionality that is not implemented",
            extra={"Header": "Transfer-Encoding"},
        )


def entity_too_large(proposed: int) -> S3Error:
    return S3Error(
        "EntityTooLarge",
        "Your proposed upload exceeds the maximum allowed size",
        extra={"ProposedSize": str(proposed), "MaxSizeAllowed": str(MAX_UPLOAD_SIZE)},
    )


def check_upload_size(declared: int | None) -> None:
    """A PutObject or UploadPart that declares more than 5 GiB is refused up front."""
    if declared is not None and declared > MAX_UPLOAD_SIZE:
        raise entity_too_large(declared)
