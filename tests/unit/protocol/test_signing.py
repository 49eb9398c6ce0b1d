"""SigV4 signing (protocol/signing.py): the cached signing key and the HMAC signature."""

from __future__ import annotations

import hashlib
import hmac

from hypothesis import given, settings
from hypothesis import strategies as st

from s3box.protocol import signing
from tests.unit.protocol.signers import (
    sign,
    verify,
    wire,
)


def test_signing_key_is_cached_across_requests() -> None:
    request, _ = sign("GET", "/bucket/k")
    verify("GET", wire(request))
    before = signing.signing_key.cache_info()
    verify("GET", wire(request))
    after = signing.signing_key.cache_info()
    assert after.misses == before.misses and after.hits > before.hits


@settings(max_examples=300)
@given(st.binary(min_size=0, max_size=130), st.text(max_size=400))
def test_sign_is_hmac_sha256(key: bytes, message: str) -> None:

    expected = hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()
    assert signing.sign(key, message) == expected
    assert signing.sign(key, message) == expected  # the cached key states are not consumed
