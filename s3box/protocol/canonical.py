"""SigV4's canonical request pieces: the canonical URI, query string and header block.

Strategy: rebuild from what arrived on the wire (raw path, raw query, header values) the
forms a correct client may have signed, strict AWS encoding first and the bytes as sent as
the fallback, so sigv4.py can try each. Pure code over strings: no I/O, no secrets.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote_to_bytes

# Paths and query items made only of these characters are already in canonical form.
UNRESERVED_PATH = re.compile(r"[A-Za-z0-9\-._~/]*")


def _uri_encode(raw: bytes) -> str:
    """AWS URI encoding: every byte except A-Z a-z 0-9 - _ . ~ as %XY (upper-case hex)."""
    return quote(raw, safe="~")


def canonical_uri_candidates(raw_path: str) -> list[str]:
    """Canonical URIs a correct S3 client may have signed for this raw path, best first.

    S3 does not normalise the path ('//', '.', '..' stay). Clients send the key already
    URI-encoded and sign exactly what they send (botocore quotes with safe '/~'; the JS SDK
    v3 and Java v2 encode strictly too), so decoding each segment once and re-encoding with
    the AWS rules reproduces it, and also accepts clients that percent-encode with lower-case
    hex or leave sub-delimiters such as '!' unencoded. The raw path as received is the
    fallback for clients that signed their own lax encoding verbatim.
    """
    path = raw_path or "/"
    if UNRESERVED_PATH.fullmatch(path):
        return [path]  # nothing to decode or encode: most keys, and one regex beats 2n calls
    strict = "/".join(_uri_encode(unquote_to_bytes(segment)) for segment in path.split("/"))
    return [strict] if strict == path else [strict, path]


def split_query(raw_query: str) -> list[tuple[str, str]]:
    """The raw `key=value` pairs of a query string, still percent-encoded."""
    # Empty items ("a=1&&b=2") are kept as empty pairs, as botocore signs them.
    if not raw_query:
        return []
    return [
        (key, value) for key, _, value in (item.partition("=") for item in raw_query.split("&"))
    ]


def canonical_query_candidates(
    pairs: list[tuple[str, str]], exclude: str | None = None
) -> list[str]:
    """Canonical query strings for raw `key=value` pairs, best first (same idea as the path).

    Each key and value is percent-decoded and re-encoded with the AWS rules, pairs sorted by
    key then value, `key` without '=' becomes `key=`. The raw pairs sorted as sent (what
    botocore signs) are the fallback. `exclude` drops X-Amz-Signature for presigned URLs.
    """
    if not pairs:
        return [""]
    strict_pairs = sorted(
        (_uri_encode(unquote_to_bytes(k)), _uri_encode(unquote_to_bytes(v)))
        for k, v in pairs
        if exclude is None or unquote_to_bytes(k) != exclude.encode()
    )
    raw_pairs = sorted(
        (k, v) for k, v in pairs if exclude is None or unquote_to_bytes(k) != exclude.encode()
    )
    strict = "&".join(f"{k}={v}" for k, v in strict_pairs)
    raw = "&".join(f"{k}={v}" for k, v in raw_pairs)
    return [strict] if strict == raw else [strict, raw]


def _fold_value(value: str) -> str:
    # Trimall: trim, and fold runs of whitespace to one space (as botocore and the JS SDK do).
    return " ".join(value.split())


def canonical_headers(
    signed_headers: tuple[str, ...],
    headers: dict[str, list[str]] | None,
    host_override: str | None,
    single: dict[str, str] | None = None,
) -> str:
    """`name:value\\n` per signed header, in the order signed; repeated values joined by ','.

    `single` maps each name to its value when no header is repeated (the usual case, no
    lists built); otherwise `headers` maps names to every value in arrival order."""
    lines = []
    for name in signed_headers:
        if name == "host" and host_override is not None:
            value = _fold_value(host_override)
        elif headers is None:
            one = single.get(name) if single is not None else None
            value = "" if one is None else _fold_value(one)
        else:
            values = headers.get(name)
            value = "" if values is None else ",".join(_fold_value(v) for v in values)
        lines.append(f"{name}:{value}\n")
    return "".join(lines)


__all__ = [
    "UNRESERVED_PATH",
    "canonical_headers",
    "canonical_query_candidates",
    "canonical_uri_candidates",
    "split_query",
]
