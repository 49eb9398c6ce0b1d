"""PostObject: browser-form uploads (presigned POST).

Reads the form up to the file part (bounded by protocol's FormReader), checks the form's
signature (auth on) and its policy (whenever one is sent: developers test their policies
locally), then streams the file part into the engine's put_object, the same staged,
hashed and verified write as PutObject. A refused upload stores nothing: every check
that can fail after the file began (content-length-range, a truncated body, checksums)
raises inside the body stream, so the engine discards the staged file.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

from s3box.protocol.operations.post_object import (
    FormReader,
    PostObjectInput,
    form_boundary,
    object_location,
    parse_post_object,
    post_key,
    render_post_object,
)
from s3box.protocol.payload import PayloadCheck
from s3box.protocol.post_auth import verify_post_signature
from s3box.protocol.post_policy import (
    PostPolicy,
    check_conditions,
    check_content_length,
    check_expiration,
    decode_policy,
)
from s3box.protocol.request import bucket_of
from s3box.protocol.response import Response
from s3box.server.deps import Handler, HandlerDeps
from s3box.server.http import RequestContext


class PostObjectHandlers:
    def __init__(
        self,
        deps: HandlerDeps,
        secrets: Callable[[str], str | None] | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`secrets` is the access key -> secret lookup when auth is on, None when off."""
        self.engine = deps.engine
        self.region = deps.region
        self.secrets = secrets
        self.clock = clock

    def routes(self) -> dict[str, Handler]:
        return {"post_object": self.post_object}

    async def post_object(self, ctx: RequestContext) -> Response:
        bucket = bucket_of(ctx)
        reader = FormReader(form_boundary(ctx.headers.get("content-type")))
        chunks = ctx.body_chunks().__aiter__()
        pending: list[bytes] = []
        while not reader.file_started and not reader.ended:
            try:
                chunk = await anext(chunks)
            except StopAsyncIteration:
                break
            pending = reader.feed(chunk)
        if not reader.file_started:
            reader.finish()  # a truncated body is malformed before it lacks a file
        reader.check_file()
        form = reader.fields
        key = post_key(form, reader.filename)
        values = {name: value for name, (_sent, value) in form.items()}
        if self.secrets is not None:
            ctx.access_key = verify_post_signature(values, self.secrets, self.region)
        policy: PostPolicy | None = None
        if "policy" in values:
            policy = decode_policy(values["policy"])
            check_expiration(policy, self.clock())
            check_conditions(policy, form, bucket, key)
        inp = parse_post_object(bucket, key, form)
        check = PayloadCheck(inp.payload_headers)
        body = _file_stream(reader, chunks, pending, check, policy)
        meta = await self.engine.put_object(
            inp.bucket,
            inp.key,
            body,
            size=None,
            fields=inp.fields,
            condition=None,
            hashers=check.hashers(),
            verify=check.verify,
        )
        return render_post_object(inp, meta, _location(ctx, inp))


async def _file_stream(
    reader: FormReader,
    chunks: AsyncIterator[bytes],
    pending: list[bytes],
    check: PayloadCheck,
    policy: PostPolicy | None,
) -> AsyncIterator[bytes]:
    """The file part's bytes, then the rest of the body read to its closing boundary (the
    fields after the file are ignored, but a truncated body is refused)."""
    for piece in pending:
        for data in check.feed(piece):
            check_content_length(policy, check.size, final=False)
            yield data
    async for chunk in chunks:
        for piece in reader.feed(chunk):
            for data in check.feed(piece):
                check_content_length(policy, check.size, final=False)
                yield data
    reader.finish()
    check.finish()
    check_content_length(policy, check.size, final=True)


def _location(ctx: RequestContext, inp: PostObjectInput) -> str:
    """The object's URL on this server, in the style the form was posted in."""
    scheme = ctx.headers.get("x-forwarded-proto", "http")
    host = ctx.headers.get("host", "localhost")
    virtual_host = not ctx.raw_path.lstrip("/").startswith(inp.bucket)
    return object_location(f"{scheme}://{host}", inp.bucket, inp.key, virtual_host=virtual_host)
