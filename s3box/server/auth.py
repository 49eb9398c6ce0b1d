"""Authentication of a request against the configured credentials.

Joins the sans-I/O SigV4 verifier to the request context; raises S3Error for
every rejection. Never logs secrets or signatures.
"""

from __future__ import annotations

import time

from s3box.protocol.sigv4 import verify_request
from s3box.server.http import RequestContext


def authenticate(ctx: RequestContext) -> None:
    """Verify the request's SigV4 (header or presigned) and record the result
    on ctx (ctx.auth drives payload verification, ctx.access_key the log)."""
    auth_cfg = ctx.app.config.auth
    secrets = {c.access_key: c.secret_key for c in auth_cfg.credentials}
    result = verify_request(
        ctx.method,
        ctx.raw_path,
        ctx.raw_query,
        ctx.header_list,
        secrets.get,
        time.time(),
        auth_cfg.public_hostname,
    )
    ctx.auth = result
    ctx.access_key = result.access_key
