"""Which bucket and key a request addresses: virtual-hosted style (`bucket.domain`) or path
style (`/bucket/key`).

Pure code over the Host header and the raw path; no I/O. S3's rule ("Virtual hosting of
general purpose buckets", HTTP Host header bucket specification): when the Host names a
configured domain exactly, or is an IP address, or is missing, or names no configured
domain, the bucket is the first path segment; when it ends in `.domain`, the bucket is
everything before that suffix (dots included: `my.bucket.localhost` is bucket
`my.bucket`) and the whole path is the key. Host names are case-insensitive (RFC 9110
4.2.3), so the bucket is the Host's lower-case value, as S3 takes it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import unquote

from s3box.protocol.errors import S3Error
from s3box.protocol.routing import split_path

# Characters no host name has: a Host repeated (joined with ","), a path, userinfo.
_NOT_IN_A_HOST = re.compile(r"[,/\\@\s?#]")


def normalize_host(host: str) -> str | None:
    """The host name of a Host header value: lower case, port and one trailing dot
    removed; None for an IP literal (v4 or bracketed v6) or an empty value."""
    host = host.strip().lower()
    if host.startswith("["):  # an IPv6 literal, "[::1]" or "[::1]:8002"
        return None
    name, _, _port = host.partition(":")
    if _NOT_IN_A_HOST.search(name):
        return None
    if name.endswith("."):
        name = name[:-1]
    # A DNS top-level label is never all digits, so only a name ending in one can be an
    # IPv4 address (and the parse, with its exception, stays off the common path).
    if not name or (name[-1].isdigit() and _is_ip(name)):
        return None
    return name


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def virtual_host_domains(configured: Iterable[str], *hosts: str | None) -> tuple[str, ...]:
    """The domains whose sub-domains name buckets, longest first (so the longest match
    wins): the configured ones, plus each of `hosts` (the public host name, the bind
    address) that is a host name rather than an IP address or wildcard."""
    names = {normalize_host(name) for name in configured}
    for host in hosts:
        if host:
            names.add(normalize_host(host))
    return tuple(sorted((n for n in names if n), key=lambda n: (-len(n), n)))


def host_bucket(host: str | None, domains: tuple[str, ...]) -> str | None:
    """The bucket a Host header names (`bucket.domain[:port]`), or None for path style.

    `domains` come from virtual_host_domains (normalized, longest first). A Host equal to
    a domain, an IP address, or a name under no domain is path style (None)."""
    if not host or not domains:
        return None
    # No IP address test here: no domain ends in an all-digit label (the config refuses
    # one, and virtual_host_domains drops IP addresses), so an address never matches.
    name = host.strip().lower()
    if name.startswith("["):
        return None
    name = name.partition(":")[0].removesuffix(".")
    if _NOT_IN_A_HOST.search(name):
        return None
    for domain in domains:
        if len(name) > len(domain) + 1 and name.endswith(domain) and name[-len(domain) - 1] == ".":
            return name[: -len(domain) - 1]
        if name == domain:
            return None  # a shorter domain cannot match a name a longer one equals
    return None


def address(raw_path: str, bucket: str | None) -> tuple[str | None, str | None]:
    """(bucket, key) of a request: path style when `bucket` (from the Host) is None;
    otherwise the whole path is the key (`/` is the bucket itself, `/a/b` key `a/b`,
    `//x` key `/x`), percent-decoded as a path-style key is."""
    if bucket is None:
        return split_path(raw_path)
    key_raw = raw_path[1:] if raw_path.startswith("/") else raw_path
    if not key_raw:
        return bucket, None
    try:
        return bucket, unquote(key_raw, errors="strict")
    except UnicodeDecodeError as exc:
        raise S3Error("InvalidURI", "Couldn't parse the specified URI.") from exc


def path_style(raw_path: str, bucket: str | None) -> str:
    """The request's path in path style: `/bucket` + the raw path for a virtual-hosted
    request, else the raw path as it is. SigV2's CanonicalizedResource starts with it
    (S3: "append the bucket name preceded by a /" for a bucket named in the Host), and
    the access log and error Resource show it, so every line names the bucket."""
    if bucket is None:
        return raw_path
    return f"/{bucket}{raw_path if raw_path.startswith('/') else '/' + raw_path}"


__all__ = [
    "address",
    "host_bucket",
    "normalize_host",
    "path_style",
    "virtual_host_domains",
]
