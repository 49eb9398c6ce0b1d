"""Authentication of a request against the configured credentials.

Joins the sans-I/O signature verifier (protocol/auth.py) to the request context:
decides which requests need a signature, records who signed, and makes sure a
signed payload hash is checked whichever handler reads the body. Raises
S3Error for every rejection, before any body byte is read (so a client
waiting on `Expect: 100-continue` gets the error, never `100 Continue`).
Never logs secrets, signatures or the strings they sign.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from s3box.config import AccessKey
from s3box.protocol.auth import verify_request
from s3box.protocol.errors import S3Error
from s3box.protocol.payload import check_payload_sha256, has_body
from s3box.protocol.routing import ADMIN_PREFIX
from s3box.server.http import Receive, RequestContext

log = logging.getLogger("s3box.auth")

# Operations whose body goes through server/payload.Payload, which checks the
# signed SHA-256 itself in the engine's worker threads (in parallel with MD5)
# and decodes aws-chunked bodies with chunk signature verification.
PAYLOAD_OPERATIONS = frozenset({"put_object", "upload_part"})


def needs_signature(ctx: RequestContext) -> bool:
    """Everything but CORS preflight (browsers never sign OPTIONS), browser-form
    uploads (PostObject: the signature is a form field, verified by its handler) and
    s3box's own /_s3box/ health and metrics endpoints (on a bucket's own host such a
    path is a key)."""
    if ctx.method == "OPTIONS" or ctx.operation == "post_object":
        return False
    return ctx.host_bucket is not None or not ctx.raw_path.startswith(ADMIN_PREFIX)


@dataclass(frozen=True, slots=True)
class Authenticator:
    """What verifying a request needs from the configuration, built once."""

    secrets: Callable[[str], str | None]  # access key -> secret key
    public_hostname: str | None
    region: str

    def authenticate(self, ctx: RequestContext) -> None:
        """Verify the request's signature (SigV4 or SigV2, header or presigned) and record
        it on ctx: ctx.auth drives payload verification, ctx.access_key the request log."""
        if not needs_signature(ctx):
            return
        try:
            result = verify_request(
                ctx.method,
                ctx.raw_path,
                ctx.raw_query,
                ctx.header_list,
                self.secrets,
                time.time(),
                self._signed_host(ctx),
                ctx.headers if ctx.unique_headers else None,
                region=self.region,
                host_bucket=ctx.host_bucket,
            )
        except S3Error as err:
            # Only the region check puts a <Region> in its error (sigv4_parse.check_region).
            if "Region" in err.extra and _names_a_bucket_only(ctx):
                err.headers["x-amz-bucket-region"] = self.region
            raise
        except Exception as exc:
            # The verifier promises S3Errors only; if it ever breaks that promise, refuse
            # (fail closed) and log the kind of failure, never its message: it could
            # quote request material.
            log.error("signature verification failed unexpectedly: %s", type(exc).__name__)
            raise S3Error("AccessDenied") from None
        ctx.auth = result
        ctx.access_key = result.access_key
        expected = result.expected_sha256
        if (
            expected is not None
            and has_body(ctx.headers)
            and ctx.operation not in PAYLOAD_OPERATIONS
        ):
            ctx.receive = _verifying_receive(ctx.receive, expected)

    def _signed_host(self, ctx: RequestContext) -> str | None:
        """The host the client signed when a proxy may have rewritten Host: the public
        host name, under the bucket for a virtual-hosted request (`bucket.public-host`)."""
        public = self.public_hostname
        if public is None or ctx.host_bucket is None:
            return public
        return f"{ctx.host_bucket}.{public}"


def _names_a_bucket_only(ctx: RequestContext) -> bool:
    """A request on a bucket itself (HeadBucket, ListObjects, ...), where S3 also puts the
    region in an x-amz-bucket-region header when it refuses a scope for the wrong region.

    That header is all a HEAD answer can carry (no body): botocore's region redirector
    reads it from HeadBucket, and falls back to HeadBucket to find the region of a
    HeadObject refused that way. S3 sent no such header to HeadObject (boto/botocore#1413)
    nor GetBucketLocation, so neither gets one here."""
    return ctx.bucket is not None and ctx.key is None and ctx.operation != "get_bucket_location"


def secret_lookup(credentials: tuple[AccessKey, ...]) -> Callable[[str], str | None]:
    """access key -> secret for a credential list (the app builds it once)."""
    table: Mapping[str, str] = {c.access_key: c.secret_key for c in credentials}
    return table.get


def _verifying_receive(receive: Receive, expected: str) -> Receive:
    """Wrap ASGI receive so the body of a header-signed request (XML documents of
    DeleteObjects, CompleteMultipartUpload, ...) is hashed as it arrives and its
    last message raises XAmzContentSHA256Mismatch when the hash is not the signed
    one: the handler never sees a complete, unverified body."""
    hasher = hashlib.sha256()

    async def verifying_receive() -> dict[str, Any]:
        message = await receive()
        if message["type"] != "http.request":
            return message
        hasher.update(message.get("body", b""))
        if not message.get("more_body", False):
            check_payload_sha256(expected, hasher.digest())
        return message

    return verifying_receive
