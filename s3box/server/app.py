"""The ASGI application: joins the protocol layer (routing, auth, XML) to the
storage engine.

A plain ASGI callable with no framework and no dependence on one server's
quirks (it runs under uvicorn and granian). Every response carries
x-amz-request-id and x-amz-id-2; every error is rendered in one place.
"""

from __future__ import annotations

import base64
import logging
import os
import random
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from s3box.config import Config
from s3box.protocol.addressing import address, host_bucket, path_style, virtual_host_domains
from s3box.protocol.errors import S3Error, render_error
from s3box.protocol.framing import check_transfer_encoding
from s3box.protocol.limits import BodyTimeouts, check_request_head, fold_headers
from s3box.protocol.payload import check_payload_hash_value, has_body
from s3box.protocol.response import Response
from s3box.protocol.routing import ADMIN_PREFIX, route
from s3box.protocol.xmlrender import OWNER
from s3box.server import affinity
from s3box.server.access_log import log_request
from s3box.server.auth import Authenticator, secret_lookup
from s3box.server.bandwidth import BandwidthMeter
from s3box.server.completions import CompletionCache
from s3box.server.cors import CorsPolicy, default_rules
from s3box.server.deps import HandlerDeps
from s3box.server.handlers.acl import AclHandlers
from s3box.server.handlers.admin import AdminHandlers
from s3box.server.handlers.attributes import AttributesHandlers
from s3box.server.handlers.buckets import BucketHandlers
from s3box.server.handlers.cors import CorsHandlers
from s3box.server.handlers.deletes import DeleteHandlers
from s3box.server.handlers.listing import ListingHandlers
from s3box.server.handlers.multipart import MultipartHandlers
from s3box.server.handlers.objects import ObjectHandlers
from s3box.server.handlers.post_object import PostObjectHandlers
from s3box.server.handlers.tagging import TaggingHandlers
from s3box.server.handlers.unconfigured import UnconfiguredHandlers
from s3box.server.handlers.versions import VersionsHandlers
from s3box.server.http import ClientDisconnected, Receive, RequestContext, Send
from s3box.server.lifecycle import Lifecycle
from s3box.server.metrics import Metrics
from s3box.storage.core import EngineOptions
from s3box.storage.engine import Engine
from s3box.storage.errors import StorageError

Handler = Callable[[RequestContext], Awaitable[Response]]

log = logging.getLogger("s3box.server")
access_log = logging.getLogger("s3box.access")

# S3 answers these operations with a body-less response on error.
_HEAD_METHODS = frozenset({"HEAD"})


# Request ids identify a request in logs and error bodies; they need to be unique, not
# secret. A generator seeded from os.urandom makes them without a system call per
# request (a system call on the event loop thread also hands the GIL to a worker).
_ids = random.Random()
os.register_at_fork(after_in_child=_ids.seed)


def _request_id() -> str:
    return f"{_ids.getrandbits(64):016X}"


def _host_id() -> str:
    return base64.b64encode(_ids.getrandbits(192).to_bytes(24, "big")).decode("ascii")


class S3App:
    """The s3box ASGI application. Build it with a validated Config."""

    def __init__(self, config: Config, engine: Engine | None = None) -> None:
        self.config = config
        storage = config.storage
        self.engine = engine or Engine(
            Path(config.base_dir),
            EngineOptions(
                sqlite_max_connections=storage.sqlite_max_connections,
                meta_cache_capacity=storage.meta_cache_capacity,
                sqlite_repair_cache_capacity=storage.sqlite_repair_cache_capacity,
                fsync=storage.fsync,
            ),
            bulk_initializer=affinity.unpin,
        )
        self.region = config.region
        # Host names under which {bucket}.{domain} addresses a bucket, longest first.
        self.domains = virtual_host_domains(
            config.domains, config.auth.public_hostname, config.bind_address
        )
        # Config is frozen: the access key -> secret table is built once.
        self.authenticator = Authenticator(
            secret_lookup(config.auth.credentials), config.auth.public_hostname, self.region
        )
        self.body_timeouts = BodyTimeouts(
            config.limits.body_idle_timeout_secs, config.limits.body_min_rate
        )
        self.handlers: dict[str, Handler] = {}
        self.admin_handlers: dict[tuple[str, str], Handler] = {}
        # Results of recent CompleteMultipartUpload calls, so a retried
        # Complete answers like the first one did (S3 is idempotent here).
        self.completions = CompletionCache()
        # Bucket CORS rules, or the server-wide default (`cors:`) for buckets without.
        self.cors = CorsPolicy(self.engine, default_rules(config.cors))
        self.started = False
        self.metrics = Metrics()
        self.bandwidth = BandwidthMeter()
        self.lifecycle = Lifecycle(
            self.engine, config.maintenance, config.logging, self.metrics, self.bandwidth
        )
        self._register()

    def _register(self) -> None:
        """Each handler family is built with what it uses (HandlerDeps) and
        names its operations; the route test checks none is missing."""
        deps = HandlerDeps(
            engine=self.engine, region=self.region, owner=OWNER, completions=self.completions
        )
        families = (
            BucketHandlers(deps),
            ListingHandlers(deps),
            DeleteHandlers(deps),
            ObjectHandlers(deps),
            TaggingHandlers(deps),
            AclHandlers(deps),
            AttributesHandlers(deps),
            VersionsHandlers(deps),
            UnconfiguredHandlers(deps),
            MultipartHandlers(deps),
            CorsHandlers(deps, self.cors),
            # The form carries its own signature: checked by the handler, not Authenticator.
            PostObjectHandlers(
                deps, self.authenticator.secrets if self.config.auth.enabled else None
            ),
        )
        for family in families:
            self.handlers.update(family.routes())
        admin = AdminHandlers(
            engine=self.engine,
            metrics=self.metrics,
            lifecycle=self.lifecycle,
            started=lambda: self.started,
        )
        self.handlers.update(admin.routes())
        self.admin_handlers.update(admin.admin_routes())

    # ---- ASGI entry ----
    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def startup(self) -> None:
        if not self.started:
            if self.config.pin_event_loop:
                # Runs on the event loop thread, before the engine starts its threads.
                cpu = affinity.pin_current_thread()
                if cpu is not None:
                    log.debug("event loop thread pinned to CPU %d", cpu)
            await self.engine.start()
            self.lifecycle.start()
            self.started = True

    async def shutdown(self) -> None:
        if self.started:
            self.started = False
            try:
                await self.lifecycle.stop()
            finally:
                await self.engine.close()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:  # the process cannot serve: say why
                    log.exception("startup failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                try:
                    await self.shutdown()
                finally:
                    await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        request_id = _request_id()
        method: str = scope["method"]
        raw_path_b: bytes | None = scope.get("raw_path")
        raw_path = raw_path_b.decode("latin-1") if raw_path_b else scope["path"]
        raw_path = raw_path.split("?", 1)[0]
        raw_query_b: bytes = scope.get("query_string", b"")
        raw_query = raw_query_b.decode("latin-1")
        header_list = [
            (k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]
        ]
        headers, unique_headers = fold_headers(header_list)
        ctx = RequestContext(
            method=method,
            raw_path=raw_path,
            raw_query=raw_query,
            query={},
            headers=headers,
            header_list=header_list,
            bucket=None,
            key=None,
            operation="unknown",
            request_id=request_id,
            receive=receive,
            unique_headers=unique_headers,
            body_timeouts=self.body_timeouts,
        )
        response: Response | None = None
        try:
            check_request_head(scope["headers"], raw_query_b)
            response = await self._dispatch(ctx)
        except S3Error as err:
            response = self._error_response(ctx, err)
        except StorageError as err:
            response = self._error_response(ctx, _storage_to_s3(err, ctx))
        except ClientDisconnected:
            response = None
        except Exception:
            log.exception("internal error handling %s %s", method, raw_path)
            response = self._error_response(ctx, S3Error("InternalError"))
        if response is None:
            self._log(ctx, 499, 0, started)
            return
        if "origin" in ctx.headers:
            # A browser's actual request: the matched CORS rule's headers, on errors too.
            await self.cors.add_headers(ctx, response)
        sent = await self._send(ctx, response, send)
        self._log(ctx, response.status, sent, started)

    async def _dispatch(self, ctx: RequestContext) -> Response:
        # Virtual-hosted style when the Host is {bucket}.{domain}; /_s3box/ is s3box's own
        # only on other hosts (on a bucket's host it is a key, like any path).
        ctx.host_bucket = host_bucket(ctx.headers.get("host"), self.domains)
        if ctx.host_bucket is None and ctx.raw_path.startswith(ADMIN_PREFIX):
            ctx.operation = "admin"
            handler = self.admin_handlers.get((ctx.method, ctx.raw_path))
            if handler is None:
                raise S3Error("NoSuchKey", resource=ctx.raw_path)
            return await handler(ctx)
        if ctx.raw_query:
            ctx.query = dict(parse_qsl(ctx.raw_query, keep_blank_values=True))
        check_transfer_encoding(ctx.headers.get("transfer-encoding"))
        if not self.config.auth.enabled and "x-amz-content-sha256" in ctx.headers:
            # The verifier checks this value on signed requests; open mode refuses the
            # values S3 refuses too (an unknown STREAMING-... mode would be taken for a
            # plain body, or an aws-chunked one guessed at).
            check_payload_hash_value(ctx.headers["x-amz-content-sha256"].strip())
        try:
            bucket, key = address(ctx.raw_path, ctx.host_bucket)
        except UnicodeDecodeError as exc:
            raise S3Error("InvalidURI", "Couldn't parse the specified URI.") from exc
        ctx.bucket, ctx.key = bucket, key
        routing_error: S3Error | None = None
        try:
            ctx.operation = route(ctx.method, bucket, key, ctx.query, ctx.headers).operation
        except S3Error as err:
            routing_error = err
        if self.config.auth.enabled:
            # S3 authenticates before it answers what is asked: an unsigned
            # request gets 403, never a 405/501 that reveals what exists. (The
            # operation is known by then: auth decides how bodies are hashed.)
            self.authenticator.authenticate(ctx)
        if routing_error is not None:
            raise routing_error
        handler = self.handlers.get(ctx.operation)
        if handler is None:
            raise S3Error(
                "NotImplemented",
                f"{ctx.operation} is not implemented by s3box.",
                resource=ctx.raw_path,
            )
        return await handler(ctx)

    def _error_response(self, ctx: RequestContext, err: S3Error) -> Response:
        headers = list(err.headers.items())
        if err.status == 304 or ctx.method in _HEAD_METHODS:
            return Response(status=err.status, headers=headers)
        resource = err.resource
        if resource is None:
            resource = path_style(ctx.raw_path, ctx.host_bucket)
        body = render_error(err.code, err.message, resource, ctx.request_id, _host_id(), err.extra)
        headers.append(("content-type", "application/xml"))
        return Response(status=err.status, headers=headers, body=body)

    async def _send(self, ctx: RequestContext, response: Response, send: Send) -> int:
        headers: list[tuple[bytes, bytes]] = [
            (b"x-amz-request-id", ctx.request_id.encode()),
            (b"x-amz-id-2", _host_id().encode()),
            (b"server", b"s3box"),
        ]
        for name, value in response.headers:
            headers.append((name.encode("latin-1"), value.encode("latin-1", "replace")))
        if not ctx.body_done and has_body(ctx.headers):
            # The request body was not read (an early error): the connection
            # cannot be reused, the client may be waiting on 100-continue or
            # still sending. Closing is the only safe answer (RFC 9110 15.2.1).
            headers.append((b"connection", b"close"))
        stream = response.stream
        length = response.content_length
        if length is None and stream is None:
            length = len(response.body)
        if length is not None and response.status not in (204, 304):
            headers.append((b"content-length", str(length).encode()))
        try:
            await send(
                {"type": "http.response.start", "status": response.status, "headers": headers}
            )
            if stream is None or ctx.method == "HEAD":
                payload = b"" if ctx.method == "HEAD" else response.body
                await send({"type": "http.response.body", "body": payload, "more_body": False})
                return len(payload)
            sent = 0
            try:
                async for chunk in stream:
                    sent += len(chunk)
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            except StorageError:
                # The data went bad after the headers were sent (the reader logged what):
                # leaving the response incomplete makes the server cut the connection,
                # so the client sees a failed read, never a short body taken for whole.
                return sent
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return sent
        finally:
            if response.on_close is not None:
                await response.on_close()

    def _log(self, ctx: RequestContext, status: int, bytes_out: int, started: float) -> None:
        seconds = time.perf_counter() - started
        self.metrics.observe(ctx.operation, status, ctx.bytes_in, bytes_out, seconds)
        if ctx.bytes_in:
            self.bandwidth.add_written(ctx.bytes_in)
        if bytes_out:
            self.bandwidth.add_read(bytes_out)
        if not access_log.isEnabledFor(logging.INFO):
            return
        latency_ms = seconds * 1000.0
        # In path style whatever the request's style, so every line names the bucket.
        path = path_style(ctx.raw_path, ctx.host_bucket)
        uri = path + ("?" + ctx.raw_query if ctx.raw_query else "")
        log_request(
            access_log,
            method=ctx.method,
            uri=uri,
            status=status,
            bytes_in=ctx.bytes_in,
            bytes_out=bytes_out,
            latency_ms=latency_ms,
            request_id=ctx.request_id,
            access_key=ctx.access_key,
            operation=ctx.operation,
        )


# The engine names what an error is about (bucket=, key=, upload_id=); S3's error XML
# has these elements for them. A copy whose source is missing names the source.
_FIELD_ELEMENTS = {"bucket": "BucketName", "key": "Key", "upload_id": "UploadId"}


def _storage_to_s3(err: StorageError, ctx: RequestContext) -> S3Error:
    extra: dict[str, str] = {}
    if err.code == "NoSuchBucket" and ctx.bucket:
        extra["BucketName"] = ctx.bucket
    elif err.code == "NoSuchKey" and ctx.key is not None:
        extra["Key"] = ctx.key
    elif err.code in ("BucketNotEmpty", "BucketAlreadyOwnedByYou") and ctx.bucket:
        extra["BucketName"] = ctx.bucket
    for name, value in err.fields.items():
        element = _FIELD_ELEMENTS.get(name)
        if element is not None:
            extra[element] = value
    return S3Error(err.code, err.message or None, extra=extra)
