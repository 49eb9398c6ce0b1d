"""Access log: one line per request, with its URI redacted and made printable.

Never logs secrets: presigned signatures, credentials and security tokens are replaced
in the URI before it is written, here and never by callers.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import unquote

# Query parameters whose values authenticate a request (SigV4 and SigV2 presigned URLs).
_SECRET_PARAMS = frozenset(
    {
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-security-token",
        "signature",
        "awsaccesskeyid",
    }
)
REDACTED = "REDACTED"


def redact_uri(uri: str) -> str:
    """The URI with the values of credential-bearing query parameters replaced.

    Everything else is kept byte for byte (the raw, still-encoded form).
    """
    path, sep, query = uri.partition("?")
    if not sep:
        return uri
    parts = []
    for item in query.split("&"):
        name, eq, _value = item.partition("=")
        if eq and unquote(name).lower() in _SECRET_PARAMS:
            parts.append(f"{name}={REDACTED}")
        else:
            parts.append(item)
    return f"{path}?{'&'.join(parts)}"


def _printable(text: str) -> str:
    """Escape control characters so a hostile URI cannot forge extra log lines."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def log_request(
    logger: logging.Logger,
    *,
    method: str,
    uri: str,
    status: int,
    bytes_in: int,
    bytes_out: int,
    latency_ms: float,
    request_id: str,
    access_key: str | None = None,
    operation: str | None = None,
) -> None:
    """One INFO line per request; the URI is always redacted here, never by callers."""
    if not logger.isEnabledFor(logging.INFO):
        return
    safe_uri = _printable(redact_uri(uri))
    brief = f"{method} {safe_uri} {status}"
    text = f"{brief} in={bytes_in} out={bytes_out} {latency_ms:.1f}ms id={request_id}"
    fields: dict[str, Any] = {
        "method": method,
        "uri": safe_uri,
        "status": status,
        "bytes_in": bytes_in,
        "bytes_out": bytes_out,
        "latency_ms": round(latency_ms, 3),
        "request_id": request_id,
    }
    if access_key is not None:
        text += f" key={access_key}"
        fields["access_key"] = access_key
    if operation is not None:
        text += f" op={operation}"
        fields["operation"] = operation
    logger.info(text, extra={"fields": fields, "brief": brief})
