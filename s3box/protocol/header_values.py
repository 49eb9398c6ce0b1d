"""Values that go into response headers from the request (GetObject's response-*
overrides): an HTTP field value may not carry control characters (RFC 9110 5.5), so
one that does is the client's error, refused before anything is sent.

Pure code: strings in, S3Error out.
"""

from __future__ import annotations

import re

from s3box.protocol.errors import S3Error

# CR and LF would split the header (response splitting), NUL and the other C0
# controls and DEL are not allowed in a field value; HTAB is.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def check_override_value(param: str, value: str) -> str:
    """Return value, or raise S3's 400 InvalidArgument naming the parameter.

    The value is not echoed in the error: it may hold a NUL, which XML cannot carry."""
    if _FORBIDDEN.search(value) is not None:
        raise S3Error(
            "InvalidArgument",
            f"Invalid value for {param}: control characters such as CR, LF and NUL "
            "are not allowed in a header value.",
            extra={"ArgumentName": param},
        )
    return value
