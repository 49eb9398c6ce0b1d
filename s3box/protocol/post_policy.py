"""POST policies (browser-form uploads): decode the base64 JSON document, check its
expiration, its conditions against the form fields and that every field is covered.

Pure code over strings: no I/O, S3Error for every refusal, with S3's answers as captured
on the wire (sigv4-HTTPPOSTConstructPolicy; where the error table and S3 disagree, the
wire wins: a failed condition is 403 AccessDenied "Invalid according to Policy: ...",
not the table's InvalidPolicyDocument, which S3 sends for a malformed policy only).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from s3box.protocol.errors import S3Error

# Fields no condition needs to cover (the signature and what it signs, the file itself,
# and what S3 documents as ignored).
UNCHECKED_FIELDS = frozenset({"x-amz-signature", "policy", "file", "awsaccesskeyid", "signature"})
IGNORED_PREFIX = "x-ignore-"


@dataclass(frozen=True, slots=True)
class Condition:
    """One condition: `op` is eq, starts-with or content-length-range; `field` the
    lower-case form field name (no `$`); `text` how S3 prints it in its error."""

    op: str
    field: str
    value: str
    text: str
    low: int = 0
    high: int = 0


@dataclass(frozen=True, slots=True)
class PostPolicy:
    expiration: float  # seconds since the epoch
    conditions: tuple[Condition, ...]

    @property
    def length_range(self) -> tuple[int, int] | None:
        """The tightest (min, max) of the content-length-range conditions, if any."""
        ranges = [(c.low, c.high) for c in self.conditions if c.op == "content-length-range"]
        if not ranges:
            return None
        return max(r[0] for r in ranges), min(r[1] for r in ranges)


def invalid_policy(detail: str) -> S3Error:
    return S3Error("InvalidPolicyDocument", f"Invalid Policy: {detail}")


def not_by_policy(detail: str) -> S3Error:
    return S3Error("AccessDenied", f"Invalid according to Policy: {detail}")


def decode_policy(encoded: str) -> PostPolicy:
    """The policy field as sent (base64 of a JSON object) -> PostPolicy, else
    InvalidPolicyDocument naming what is wrong."""
    try:
        raw = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise invalid_policy("invalid Base64 encoding.") from None
    try:
        document = json.loads(raw.decode("utf-8"), parse_float=_no_float)
    except (ValueError, UnicodeDecodeError):
        raise invalid_policy("Invalid JSON.") from None
    if not isinstance(document, dict):
        raise invalid_policy("Invalid JSON.")
    for name in document:
        if name not in ("expiration", "conditions"):
            raise invalid_policy(f"Unexpected: '{name.lower()}'")
    if "expiration" not in document:
        raise invalid_policy("Policy missing expiration.")
    if "conditions" not in document:
        raise invalid_policy("Policy missing conditions.")
    expiration = _parse_expiration(document["expiration"])
    conditions = document["conditions"]
    if not isinstance(conditions, list):
        raise invalid_policy("Invalid 'conditions' value: must be a List.")
    return PostPolicy(expiration, tuple(_condition(c) for c in conditions))


def _no_float(text: str) -> float:
    # S3 answers "Invalid JSON." to a non-integer number (a float content-length bound).
    raise ValueError(text)


def _parse_expiration(value: Any) -> float:
    """ISO 8601 in UTC with a `Z` (`2026-12-04T12:00:00.000Z`); an offset or a space for
    the `T` is refused as S3 refuses them."""
    if isinstance(value, str) and value.endswith("Z") and "T" in value:
        for shape in ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ"):
            try:
                moment = datetime.strptime(value, shape).replace(tzinfo=UTC)
            except ValueError:
                continue
            return moment.timestamp()
    raise invalid_policy(f"Invalid 'expiration' value: '{value}'")


def _printed(items: list[Any]) -> str:
    """A condition as S3 prints it in an error: JSON with `, ` between items."""
    return json.dumps(items, ensure_ascii=False)


def _condition(item: Any) -> Condition:
    if isinstance(item, dict):
        if len(item) != 1:
            raise invalid_policy(
                "Invalid Simple-Condition: Simple-Conditions must have exactly one property "
                "specified."
            )
        ((name, value),) = item.items()
        if not isinstance(value, str):
            raise invalid_policy("Invalid Simple-Condition: value must be a string.")
        # S3 prints an exact-match shorthand as the eq it stands for.
        return Condition("eq", name.lower(), value, _printed(["eq", f"${name}", value]))
    if not isinstance(item, list):
        raise invalid_policy("Invalid condition test: must be a List or Object.")
    if not item:
        raise invalid_policy("Invalid Condition: missing operation identifier.")
    op = item[0]
    if not isinstance(op, str):
        raise invalid_policy("Invalid Condition: missing operation identifier.")
    op = op.lower()
    text = _printed(item)
    if op not in ("eq", "starts-with", "content-length-range"):
        raise invalid_policy(f"Invalid Condition: unknown operation '{item[0]}'.")
    if len(item) != 3:
        raise invalid_policy(f"Invalid {item[0]}: wrong number of arguments.")
    if op == "content-length-range":
        low, high = (_bound(v) for v in item[1:])
        if low is None or high is None:
            # S3 reads the range when it checks it: an unreadable bound fails the condition.
            return Condition(op, "", "", text, 0, -1)
        return Condition(op, "", "", text, low, high)
    name, value = item[1], item[2]
    if not isinstance(name, str) or not isinstance(value, str):
        raise invalid_policy("Invalid JSON.")
    if not name.startswith("$"):
        # Not a field reference: S3 answers that the condition failed.
        return Condition(op, "", value, text)
    return Condition(op, name[1:].lower(), value, text)


def _bound(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)  # S3 takes "5" as 5
    return None


def check_expiration(policy: PostPolicy, now: float) -> None:
    if now >= policy.expiration:
        raise not_by_policy("Policy expired.")


def check_conditions(
    policy: PostPolicy, fields: Mapping[str, tuple[str, str]], bucket: str, key: str
) -> None:
    """Every eq / starts-with condition holds, then every field is covered by one.

    `fields` maps each lower-case field name to (name as sent, value). The `bucket`
    condition is checked against the request's bucket, `key` against the key after
    `${filename}` substitution. A condition on a field the form lacks fails, even
    `starts-with ""` (S3 answered so). Values compare case-sensitively."""
    covered: set[str] = set()
    for condition in policy.conditions:
        if condition.op == "content-length-range":
            if condition.high < 0:
                raise not_by_policy(f"Policy Condition failed: {condition.text}")
            continue
        name = condition.field
        if name == "bucket":
            value: str | None = bucket
        elif name == "key":
            value = key if "key" in fields else None
        else:
            entry = fields.get(name)
            value = entry[1] if entry is not None else None
        if not name or value is None or not _holds(condition, value):
            raise not_by_policy(f"Policy Condition failed: {condition.text}")
        covered.add(name)
    for name, (sent, _value) in fields.items():
        if name in covered or name in UNCHECKED_FIELDS or name.startswith(IGNORED_PREFIX):
            continue
        raise not_by_policy(f"Extra input fields: {sent}")


def _holds(condition: Condition, value: str) -> bool:
    if condition.op == "eq":
        return value == condition.value
    if condition.field == "content-type" and "," in value:
        # A list of types (S3 documents this for Content-Type): each must match.
        return all(v.strip().startswith(condition.value) for v in value.split(","))
    return value.startswith(condition.value)


def check_content_length(policy: PostPolicy | None, size: int, *, final: bool) -> None:
    """EntityTooLarge as soon as the file passes the policy's maximum; EntityTooSmall at
    its end (final) when it is under the minimum. Both bounds are inclusive."""
    if policy is None:
        return
    bounds = policy.length_range
    if bounds is None:
        return
    low, high = bounds
    if size > high:
        raise S3Error(
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed size",
            extra={"ProposedSize": str(size), "MaxSizeAllowed": str(high)},
        )
    if final and size < low:
        raise S3Error(
            "EntityTooSmall",
            "Your proposed upload is smaller than the minimum allowed size",
            extra={"ProposedSize": str(size), "MinSizeAllowed": str(low)},
        )


__all__ = [
    "Condition",
    "PostPolicy",
    "check_conditions",
    "check_content_length",
    "check_expiration",
    "decode_policy",
]
