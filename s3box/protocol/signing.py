"""SigV4's cryptography: the signing key, the string to sign, the HMAC signature.

Pure code over strings and bytes; knows nothing of requests or headers (canonical.py builds
the canonical request, sigv4.py checks a signature). Never logs or returns a secret.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache
from typing import Any

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "s3"
TERMINATOR = "aws4_request"


@lru_cache(maxsize=256)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """kSigning = HMAC chain over date, region, service, "aws4_request" (cached: 4 HMACs)."""
    key = _hmac(f"AWS4{secret}".encode(), date)
    key = _hmac(key, region)
    key = _hmac(key, service)
    return _hmac(key, TERMINATOR)


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


_IPAD = bytes(b ^ 0x36 for b in range(256))
_OPAD = bytes(b ^ 0x5C for b in range(256))


@lru_cache(maxsize=256)
def _hmac_states(key: bytes) -> tuple[Any, Any]:
    """SHA-256 states having absorbed (key XOR ipad) and (key XOR opad): HMAC's first
    block, computed once per signing key (RFC 2104)."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return hashlib.sha256(key.translate(_IPAD)), hashlib.sha256(key.translate(_OPAD))


def sign(key: bytes, string_to_sign: str) -> str:
    """Hex HMAC-SHA256 signature of a string to sign.

    Built from copies of the key's precomputed SHA-256 states rather than hmac.digest,
    which hands the GIL away around OpenSSL's HMAC() even for a 200-byte message: on
    the event loop thread that lets a waiting worker thread in, and every request then
    pays two thread switches. hashlib keeps the GIL for inputs under 2 KiB."""
    inner_pad, outer_pad = _hmac_states(key)
    inner = inner_pad.copy()
    inner.update(string_to_sign.encode("utf-8"))
    outer = outer_pad.copy()
    outer.update(inner.digest())
    return outer.hexdigest()


def string_to_sign(amz_date: str, scope: str, canonical_request: str) -> str:
    """`AWS4-HMAC-SHA256 \\n date \\n scope \\n hex SHA-256 of the canonical request`."""
    digest = hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"


__all__ = ["ALGORITHM", "SERVICE", "TERMINATOR", "sign", "signing_key", "string_to_sign"]
