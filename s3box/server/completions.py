"""Recent CompleteMultipartUpload results, so a retried Complete answers like
the first one did (S3 is idempotent here; clients retry on timeouts)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from s3box.protocol.response import Response
from s3box.records import unquote_etag

# How many completions are remembered (the oldest is forgotten first).
RECENT_COMPLETIONS = 1000


@dataclass(frozen=True, slots=True)
class _Completion:
    key: str
    parts: tuple[tuple[int, str], ...]
    response: Response


def _normalized(parts: list[tuple[int, str]]) -> tuple[tuple[int, str], ...]:
    return tuple((n, unquote_etag(etag).lower()) for n, etag in parts)


class CompletionCache:
    def __init__(self, capacity: int = RECENT_COMPLETIONS) -> None:
        self.capacity = capacity
        self._recent: OrderedDict[tuple[str, str], _Completion] = OrderedDict()

    def remember(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        requested: list[tuple[int, str]],
        response: Response,
    ) -> None:
        self._recent[(bucket, upload_id)] = _Completion(key, _normalized(requested), response)
        while len(self._recent) > self.capacity:
            self._recent.popitem(last=False)

    def replay(
        self, bucket: str, key: str, upload_id: str, requested: list[tuple[int, str]]
    ) -> Response | None:
        """The first answer to this Complete (same key and parts), else None."""
        done = self._recent.get((bucket, upload_id))
        if done is None or done.key != key or done.parts != _normalized(requested):
            return None
        return Response(headers=list(done.response.headers), body=done.response.body)
