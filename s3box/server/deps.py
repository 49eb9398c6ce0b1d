"""What request handlers may use, handed to each handler family when the app
is built (instead of reaching through the app for it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from s3box.protocol.response import Response
from s3box.protocol.xmlrender import Owner
from s3box.server.completions import CompletionCache
from s3box.server.http import RequestContext
from s3box.storage.engine import Engine

Handler = Callable[[RequestContext], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class HandlerDeps:
    engine: Engine
    region: str  # the one region every bucket is in
    owner: Owner  # the one owner of every bucket and object
    completions: CompletionCache
