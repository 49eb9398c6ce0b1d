"""Conditional request headers (If-Match & co.) evaluated with S3's precedence.

Pure: header values, the object's ETag and last-modified time in; a decision
out (proceed, 304, or S3Error PreconditionFailed / NotImplemented raised).
Never looks the object up itself and never reads the clock (callers pass `now`).

Sources for the rules (S3 API reference, GetObject / HeadObject / CopyObject /
PutObject request parameters) are cited next to each rule below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeGuard

from s3box.protocol.errors import S3Error
from s3box.protocol.request import RequestHead
from s3box.protocol.timefmt import epoch_seconds, parse_http_date
from s3box.records import WriteCondition, unquote_etag


def etag_matches(header_value: str, etag: str) -> bool:
    """True when an If-Match / If-None-Match value names `etag` (unquoted).

    `*` matches any existing object; a comma-separated list matches when any
    member does (RFC 7232 section 3.1). Quotes are optional because clients
    (and the AWS CLI) often send the bare hex digest.
    """
    text = header_value.strip()
    if text == "*":
        return True
    return any(unquote_etag(item) == etag for item in text.split(",") if item.strip())


def _present(value: str | None) -> TypeGuard[str]:
    # An empty header carries no condition; treat it as absent rather than as
    # a list that matches nothing.
    return value is not None and value.strip() != ""


def _date(value: str | None, now: float | None) -> int | None:
    """Whole seconds of a conditional date header, or None to ignore it.

    RFC 7232 sections 3.3/3.4: an invalid date is ignored. For
    If-Modified-Since a date later than the server's clock is also invalid;
    S3 behaves so (re:Post "aws copy-object api copies data even if
    x-amz-copy-source-if-modified-since is false": a future date copies).
    """
    if not _present(value):
        return None
    parsed = parse_http_date(value)
    if parsed is None:
        return None
    if now is not None and parsed > now:
        return None
    return int(parsed)


@dataclass(frozen=True, slots=True)
class ReadConditions:
    """If-Match, If-None-Match, If-Modified-Since and If-Unmodified-Since as
    sent (None: absent), of a read or (prefixed x-amz-copy-source-) of a copy
    source; evaluated once the object is known."""

    if_match: str | None = None
    if_none_match: str | None = None
    if_modified_since: str | None = None
    if_unmodified_since: str | None = None


def read_conditions(headers: Mapping[str, str], prefix: str = "") -> ReadConditions:
    """The four conditional headers, each named `prefix` + its name."""
    return ReadConditions(
        headers.get(prefix + "if-match"),
        headers.get(prefix + "if-none-match"),
        headers.get(prefix + "if-modified-since"),
        headers.get(prefix + "if-unmodified-since"),
    )


def _precondition_failed(condition: str) -> S3Error:
    return S3Error("PreconditionFailed", extra={"Condition": condition})


def evaluate_read_conditions(
    if_match: str | None,
    if_none_match: str | None,
    if_modified_since: str | None,
    if_unmodified_since: str | None,
    etag: str,
    last_modified: float,
    *,
    now: float | None = None,
) -> int | None:
    """Decide a GetObject/HeadObject with conditional headers.

    Returns None to proceed (200/206) or 304 for Not Modified; raises
    S3Error PreconditionFailed (412). `etag` is unquoted; dates compare at
    one-second precision (HTTP dates carry no fraction). Pass `now` to have
    an If-Modified-Since in the future ignored, as RFC 7232 section 3.3 asks.
    """
    failed = _failed_condition(
        if_match, if_none_match, if_modified_since, if_unmodified_since, etag, last_modified, now
    )
    if failed in ("If-Match", "If-Unmodified-Since"):
        raise _precondition_failed(failed)
    return 304 if failed is not None else None


def evaluate_copy_source_conditions(
    if_match: str | None,
    if_none_match: str | None,
    if_modified_since: str | None,
    if_unmodified_since: str | None,
    etag: str,
    last_modified: float,
    *,
    now: float | None = None,
) -> None:
    """Decide x-amz-copy-source-if-* of CopyObject / UploadPartCopy.

    Every failed condition is 412 PreconditionFailed (a copy has no 304).
    CopyObject reference, x-amz-copy-source-if-unmodified-since: if-match
    true and if-unmodified-since false -> "Amazon S3 returns 200 OK and copies
    the data"; x-amz-copy-source-if-modified-since: if-none-match false and
    if-modified-since true -> "Amazon S3 returns the 412 Precondition Failed".
    Same pairing as for reads: a present ETag condition decides alone.
    """
    failed = _failed_condition(
        if_match, if_none_match, if_modified_since, if_unmodified_since, etag, last_modified, now
    )
    if failed is not None:
        raise _precondition_failed("x-amz-copy-source-" + failed)


def _failed_condition(
    if_match: str | None,
    if_none_match: str | None,
    if_modified_since: str | None,
    if_unmodified_since: str | None,
    etag: str,
    last_modified: float,
    now: float | None,
) -> str | None:
    """The one precedence of reads and copy sources: the name of the first
    condition that fails, or None when all hold.

    GetObject, If-Unmodified-Since: "If both of the If-Match and
    If-Unmodified-Since headers are present ... If-Match condition evaluates
    to true, and If-Unmodified-Since condition evaluates to false; then, S3
    returns 200 OK". So a present If-Match decides alone (RFC 7232 6, step 1-2).
    GetObject, If-None-Match: "If-None-Match condition evaluates to false,
    and If-Modified-Since condition evaluates to true; then, S3 returns 304".
    A present If-None-Match decides alone; If-Modified-Since is ignored
    (RFC 7232 section 3.3: "A recipient MUST ignore If-Modified-Since if the
    request contains an If-None-Match header field").
    """
    if if_match is if_none_match is if_modified_since is if_unmodified_since is None:
        return None  # the common read: no condition, nothing to compute
    modified = epoch_seconds(last_modified)
    if _present(if_match):
        if not etag_matches(if_match, etag):
            return "If-Match"
    else:
        unmodified_since = _date(if_unmodified_since, None)
        if unmodified_since is not None and modified > unmodified_since:
            return "If-Unmodified-Since"
    if _present(if_none_match):
        return "If-None-Match" if etag_matches(if_none_match, etag) else None
    modified_since = _date(if_modified_since, now)
    if modified_since is not None and modified <= modified_since:
        return "If-Modified-Since"
    return None


def parse_etag_condition(value: str) -> tuple[bool, str | None]:
    """Split a write-condition header into (is_star, unquoted ETag).

    "*" -> (True, None); '"abc"', 'W/"abc"' or 'abc' -> (False, "abc").
    """
    text = value.strip()
    if text == "*":
        return (True, None)
    return (False, unquote_etag(text))


def _not_implemented(header: str) -> S3Error:
    return S3Error(
        "NotImplemented",
        "A header you provided implies functionality that is not implemented",
        extra={"Header": header},
    )


def parse_write_conditions(if_match: str | None, if_none_match: str | None) -> WriteCondition:
    """Conditional write headers of PutObject / CompleteMultipartUpload.

    PutObject reference: If-None-Match "Expects the '*' (asterisk)
    character" and If-Match "Expects the ETag value as a string". S3 answers
    any other If-None-Match value with 501 NotImplemented "A header you
    provided implies functionality that is not implemented"
    (aws/aws-sdk-ruby#3144, observed against S3).
    If-Match "*" is passed through as "*" (meaning "any existing object"),
    which the DeleteObject reference documents for conditional deletes.
    """
    condition = WriteCondition()
    if _present(if_none_match):
        star, _ = parse_etag_condition(if_none_match)
        if not star:
            raise _not_implemented("If-None-Match")
        condition.if_none_match_star = True
    if _present(if_match):
        star, tag = parse_etag_condition(if_match)
        condition.if_match = "*" if star else tag
    return condition


def write_condition(req: RequestHead) -> WriteCondition | None:
    """If-None-Match: * and If-Match: <etag> on a write (conditional writes)."""
    if_none_match = req.headers.get("if-none-match")
    if_match = req.headers.get("if-match")
    if if_none_match is None and if_match is None:
        return None
    return parse_write_conditions(if_match, if_none_match)
