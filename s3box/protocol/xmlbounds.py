"""Parse an XML request document under bounds on its shape, with defusedxml.

Depth, element count and the length of any one tag are bounded while the document
is parsed, so a hostile body stops the parser within its first few kilobytes
instead of building a million-element tree (a 7 MB body nested 1,000,000 deep took
2 s and 330 MiB). The bounds are far above any document S3 accepts. Pure code;
the caller decides where it runs (server/http.py parses large documents in a
worker thread).
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import TreeBuilder

from defusedxml.ElementTree import DefusedXMLParser

# The deepest document s3box reads is an ACL (AccessControlPolicy > AccessControlList
# > Grant > Grantee > ID: 5); lifecycle and replication rules nest about 7 deep.
MAX_DEPTH = 32
# DeleteObjects: 1,000 <Object>s of up to 5 children; tagging and ACLs far fewer.
MAX_ELEMENTS = 10_000
# CompleteMultipartUpload: 10,000 <Part>s of PartNumber, ETag and up to 5 checksums.
MAX_ELEMENTS_COMPLETE = 100_000
# The longest run of bytes with no ">" (one tag with its attributes, or one text): an
# S3 key of 1,024 characters written as character references is 8 KiB. Expat builds
# a tag's attributes in one step; this keeps that step small.
MAX_TOKEN_BYTES = 64 * 1024
_FEED_BYTES = 64 * 1024


class DocumentTooComplex(ValueError):
    """The document is deeper, larger or has a longer tag than the bounds allow."""


class _BoundedBuilder:
    """An ElementTree parser target that counts depth and elements as they start."""

    def __init__(self, max_depth: int, max_elements: int) -> None:
        self._builder = TreeBuilder()
        self._max_depth = max_depth
        self._max_elements = max_elements
        self._depth = 0
        self._elements = 0

    def start(self, tag: str, attrs: dict[str, str]) -> Any:
        self._depth += 1
        self._elements += 1
        if self._depth > self._max_depth:
            raise DocumentTooComplex(f"nested deeper than {self._max_depth}")
        if self._elements > self._max_elements:
            raise DocumentTooComplex(f"more than {self._max_elements} elements")
        return self._builder.start(tag, attrs)

    def end(self, tag: str) -> Any:
        self._depth -= 1
        return self._builder.end(tag)

    def data(self, text: str) -> None:
        self._builder.data(text)

    def close(self) -> Any:
        return self._builder.close()


def parse_bounded(
    body: bytes,
    *,
    max_depth: int = MAX_DEPTH,
    max_elements: int = MAX_ELEMENTS,
    max_token: int = MAX_TOKEN_BYTES,
) -> Any:
    """The root Element of `body`, parsed with DTDs, entity declarations and external
    references forbidden. Raises DocumentTooComplex past a bound, and whatever
    defusedxml / expat raise for a document that is not well-formed."""
    parser = DefusedXMLParser(
        target=_BoundedBuilder(max_depth, max_elements),
        forbid_dtd=True,
        forbid_entities=True,
        forbid_external=True,
    )
    since_close = 0  # bytes since the last ">"
    for start in range(0, len(body), _FEED_BYTES):
        end = min(start + _FEED_BYTES, len(body))
        first = body.find(b">", start, end)
        if first < 0:
            since_close += end - start
        elif since_close + first - start > max_token:
            since_close = max_token + 1
        else:  # a run inside this piece is shorter than the piece
            since_close = end - 1 - body.rfind(b">", start, end)
        if since_close > max_token:
            raise DocumentTooComplex(f"a tag or text longer than {max_token} bytes")
        # Fed in pieces: each feed is a short step, so a worker thread parsing a large
        # document hands the interpreter back to the event loop between them.
        parser.feed(body[start:end])
    return parser.close()
