"""The request as the signature verifiers see it, and what they check it against.

auth.verify_request builds one SignedRequest per request; sigv4.py and sigv2.py only read it.
Headers come as (lower-case name, value) pairs in arrival order; `single` maps each name to
its value and `repeated` (only when some name came twice) to every value, so the usual
request builds no lists. Pure code: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from s3box.protocol.addressing import path_style
from s3box.protocol.canonical import split_query
from s3box.protocol.signed_headers import refuse_repeated_inputs


@dataclass(slots=True)
class SignedRequest:
    """One request to verify: as received (raw path and query, percent-encoded), the time it
    is checked at, and the server's side (secrets by access key, public host, region)."""

    method: str
    raw_path: str
    raw_query: str
    headers: list[tuple[str, str]]
    single: dict[str, str]
    repeated: dict[str, list[str]] | None
    query_pairs: list[tuple[str, str]]
    now: float
    lookup_secret: Callable[[str], str | None]
    host_override: str | None
    region: str
    # The bucket the Host header named (virtual-hosted style), None for path style.
    host_bucket: str | None = None

    @property
    def resource_path(self) -> str:
        """The path in path style (`/bucket` + the raw path on a bucket's own host), where
        SigV2's CanonicalizedResource starts; SigV4 signs the raw path as sent."""
        return path_style(self.raw_path, self.host_bucket)

    def header_lists(self) -> dict[str, list[str]]:
        """Every value of every header by name (built here when no name repeats)."""
        return self.repeated if self.repeated is not None else header_lists(self.headers)


def signed_request(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: list[tuple[str, str]],
    unique: dict[str, str] | None,
    now: float,
    lookup_secret: Callable[[str], str | None],
    host_override: str | None,
    region: str,
    host_bucket: str | None = None,
) -> SignedRequest:
    """The SignedRequest for a request; `unique` is the name -> value map when the caller
    already knows no header name repeats. A repeated signing input is refused here
    (signed_headers.refuse_repeated_inputs), before any verifier runs."""
    repeated: dict[str, list[str]] | None = None
    if unique is not None:
        single = unique
    else:
        single = {}
        for name, value in headers:
            name = name.lower()
            if name in single:
                if repeated is None:
                    repeated = header_lists(headers)
            else:
                single[name] = value
        if repeated is not None:
            refuse_repeated_inputs(repeated, single)
    return SignedRequest(
        method,
        raw_path,
        raw_query,
        headers,
        single,
        repeated,
        split_query(raw_query),
        now,
        lookup_secret,
        host_override,
        region,
        host_bucket,
    )


def header_lists(headers: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Lower-case name -> every value, in arrival order."""
    lists: dict[str, list[str]] = {}
    for name, value in headers:
        lists.setdefault(name.lower(), []).append(value)
    return lists


__all__ = ["SignedRequest", "header_lists", "signed_request"]
