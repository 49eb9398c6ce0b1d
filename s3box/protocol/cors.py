"""CORS as S3 evaluates it: which rule of a bucket's configuration a request
matches, and the Access-Control-* headers that rule answers with.

Pure code over strings and CorsRule records; the rules come from the caller
(the bucket's, or the server-wide default). S3 uses the first rule whose
AllowedOrigin matches the Origin, whose AllowedMethod holds the method (the
Access-Control-Request-Method when one is sent, on any request), and whose
AllowedHeader patterns cover every name in Access-Control-Request-Headers
(S3 User Guide, "CORS configuration"; API_PutBucketCors). Observed S3
answers (LocalStack's AWS-recorded snapshots, ceph s3-tests) settle the
details the documents leave open; each is noted where it is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from s3box.records import CorsRule

# AllowedMethod's only values (API_CORSRule).
CORS_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "HEAD"})

# Every matched answer, preflight or actual, carries this Vary (S3's recorded
# responses); an unmatched one carries none.
VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"


def wildcard_match(pattern: str, value: str) -> bool:
    """`pattern` with at most one `*` (PutBucketCors refuses more) against the
    whole of `value`; `*` matches any run of characters, the empty one included
    (ceph s3-tests: `start*end` matches `startend`)."""
    star = pattern.find("*")
    if star < 0:
        return pattern == value
    head, tail = pattern[:star], pattern[star + 1 :]
    return len(value) >= len(head) + len(tail) and value.startswith(head) and value.endswith(tail)


def requested_headers(value: str | None) -> list[str]:
    """Access-Control-Request-Headers -> the names, lowercased, in the order sent
    (with or without spaces after the commas; empty items dropped). S3 answers
    them lowercased (recorded: `x-AMZ-expected-BUCKET-owner` came back as
    `x-amz-expected-bucket-owner`)."""
    if not value:
        return []
    return [name for name in (part.strip().lower() for part in value.split(",")) if name]


def _origin_allowed(rule: CorsRule, origin: str) -> bool:
    # Case-sensitive: browsers serialize origins in lowercase, and S3 documents
    # that scheme, host and port must all match.
    return any(wildcard_match(pattern, origin) for pattern in rule.allowed_origins)


def _header_allowed(rule: CorsRule, name: str) -> bool:
    """`name` is lowercase; AllowedHeader patterns match without regard to case."""
    return any(wildcard_match(pattern.lower(), name) for pattern in rule.allowed_headers)


def match_rule(
    rules: Iterable[CorsRule], origin: str, method: str, headers: Sequence[str]
) -> CorsRule | None:
    """The first rule allowing `origin`, `method` and every one of `headers`
    (lowercase names), or None. A rule without AllowedHeader allows no requested
    header (recorded: such a preflight naming one is refused)."""
    for rule in rules:
        if method not in rule.allowed_methods:
            continue
        if not _origin_allowed(rule, origin):
            continue
        if all(_header_allowed(rule, name) for name in headers):
            return rule
    return None


def rule_headers(rule: CorsRule, origin: str, headers: Sequence[str]) -> list[tuple[str, str]]:
    """The headers a matched rule answers with, preflight and actual alike:

    - Access-Control-Allow-Origin: `*` when the rule allows every origin (an
      AllowedOrigin of exactly `*`), else the request's Origin, echoed; with
      an echoed origin, Access-Control-Allow-Credentials: true (a browser
      refuses credentials with `*`);
    - Access-Control-Allow-Methods: the rule's methods, as stored, `, `-joined;
    - Access-Control-Allow-Headers: the requested names, when any were;
    - Access-Control-Expose-Headers and Access-Control-Max-Age: when the rule
      has them;
    - Vary (VARY).
    """
    wildcard = "*" in rule.allowed_origins
    out = [("Access-Control-Allow-Origin", "*" if wildcard else origin)]
    if not wildcard:
        out.append(("Access-Control-Allow-Credentials", "true"))
    out.append(("Access-Control-Allow-Methods", ", ".join(rule.allowed_methods)))
    if headers:
        out.append(("Access-Control-Allow-Headers", ", ".join(headers)))
    if rule.expose_headers:
        out.append(("Access-Control-Expose-Headers", ", ".join(rule.expose_headers)))
    if rule.max_age_seconds is not None:
        out.append(("Access-Control-Max-Age", str(rule.max_age_seconds)))
    out.append(("Vary", VARY))
    return out


def actual_request_headers(
    rules: Iterable[CorsRule], method: str, headers: Mapping[str, str]
) -> list[tuple[str, str]]:
    """The CORS headers of an actual (non-OPTIONS) request's response, success
    or error: the matched rule's (rule_headers), or none when the request has
    no Origin or no rule matches, the request itself going ahead unchanged.

    `headers` are the request's, lowercase names. As S3 does, a request that
    carries Access-Control-Request-Method is matched on that method rather than
    its own, and one that carries Access-Control-Request-Headers must have them
    all allowed (recorded: a GET with `Access-Control-Request-Method: PUT`, PUT
    not allowed, gets no CORS headers); the real request's own headers are not
    checked.
    """
    origin = headers.get("origin")
    if origin is None:
        return []
    wanted = headers.get("access-control-request-method") or method
    names = requested_headers(headers.get("access-control-request-headers"))
    rule = match_rule(rules, origin, wanted, names)
    return [] if rule is None else rule_headers(rule, origin, names)
