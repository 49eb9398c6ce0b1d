"""The Range header of GetObject/HeadObject, resolved the way S3 resolves it,
and UploadPartCopy's stricter x-amz-copy-source-range.

Pure: a header string and an object size in, an inclusive byte span (or None
for "send the whole object, 200") out. Never touches the object itself.

S3 is more forgiving than RFC 9110 and these rules follow what S3 answers,
as measured against AWS and recorded by moto and LocalStack:
- getmoto/moto#6778 and localstack/localstack#9082 (tested against AWS): a
  Range that does not parse is ignored (200, whole object); 416 InvalidRange
  only when a parseable range starts at or beyond the object's end, or for
  the suffix "bytes=-0".
- localstack/localstack#9076: "bytes=1-0" and "bytes=15-1" (first > last)
  on a 12-byte object both return the whole object, so first > last is
  checked before "starts beyond the end".
- basho/riak_cs#304 (s3curl against AWS): several ranges ("bytes=1-3,5-8")
  return the whole object; the S3 GetObject reference says S3 "doesn't
  support retrieving multiple ranges of data per GET request".
- chimera-nas/chimera#704, minio/minio#20844: a range with a first byte on a
  0-byte object is 416, there is no byte to send.
- apache/arrow-rs-object-store#846 (the AWS response quoted), floci-io/floci#1141
  (Trino's tests): a suffix range "bytes=-n" (n > 0) on a 0-byte object is
  200 with the empty body, so readers of a file's tail get an empty read.
"""

from __future__ import annotations

import re

from s3box.protocol.errors import S3Error

# One byte-range-spec: "first-last", "first-" or "-suffix". Digits only;
# anything else (spaces inside, signs, a second "-", a comma) does not match
# and the header is ignored as S3 does.
_SINGLE_RANGE = re.compile(r"^bytes=([0-9]*)-([0-9]*)$", re.IGNORECASE)


def _invalid_range(header: str, size: int) -> S3Error:
    return S3Error(
        "InvalidRange",
        extra={"RangeRequested": header, "ActualObjectSize": str(size)},
        headers={"Content-Range": f"bytes */{size}"},
    )


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """Resolve a Range header against an object of `size` bytes.

    Returns an inclusive (start, end) to serve as 206, or None to serve the
    whole object as 200 (no header, or a header S3 ignores). Raises
    S3Error InvalidRange (416) when the range cannot be satisfied.
    """
    if header is None:
        return None
    m = _SINGLE_RANGE.match(header.strip())
    if m is None:
        return None
    first_text, last_text = m.groups()
    if not first_text and not last_text:
        return None  # "bytes=-" names no byte at all: not a range, ignored.

    if not first_text:
        # Suffix range "bytes=-n": the last n bytes. n larger than the object
        # means the whole object, still as a 206 (RFC 9110 section 14.1.2).
        suffix = int(last_text)
        if suffix == 0:
            raise _invalid_range(header, size)
        if size == 0:
            return None  # the whole (empty) object, 200, as S3 answers
        return (max(size - suffix, 0), size - 1)

    first = int(first_text)
    if last_text:
        last = int(last_text)
        if first > last:
            return None  # Invalid spec: ignored by S3 (localstack#9076).
    else:
        last = size - 1  # open range "bytes=a-"
    if first >= size:
        raise _invalid_range(header, size)
    # A last position beyond the end is clamped (RFC 9110 section 14.1.2).
    return (first, min(last, size - 1))


def content_range(start: int, end: int, size: int) -> str:
    """Content-Range value of a 206 response, e.g. "bytes 0-9/100"."""
    return f"bytes {start}-{end}/{size}"


_COPY_RANGE_FORM = (
    "The x-amz-copy-source-range value must be of the form bytes=first-last where "
    "first and last are the zero-based offsets of the first and last bytes to copy"
)


def parse_copy_source_range(header: str | None, size: int) -> tuple[int, int]:
    """x-amz-copy-source-range of UploadPartCopy against a source of `size`
    bytes -> inclusive (first, last); absent -> the whole source.

    Unlike Range, S3 ignores nothing here: both offsets are required, a
    malformed value is InvalidArgument and a last byte beyond the source is
    InvalidRange (UploadPartCopy reference).
    """
    if header is None:
        return 0, size - 1
    spec = header.strip()
    first_s, dash, last_s = spec[6:].partition("-")
    well_formed = (
        spec.startswith("bytes=")
        and dash == "-"
        and first_s.isdigit()
        and last_s.isdigit()
        and int(first_s) <= int(last_s)
    )
    if not well_formed:
        raise S3Error(
            "InvalidArgument",
            _COPY_RANGE_FORM,
            extra={"ArgumentName": "x-amz-copy-source-range", "ArgumentValue": header},
        )
    first, last = int(first_s), int(last_s)
    if last >= size:
        raise S3Error(
            "InvalidRange",
            "The requested range is not satisfiable",
            extra={"RangeRequested": header, "ActualObjectSize": str(size)},
        )
    return first, last
