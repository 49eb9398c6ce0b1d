"""Safe parsing helpers for S3 XML request documents.

Every document goes through defusedxml under xmlbounds' limits; every failure is
S3Error MalformedXML. Namespace-agnostic, as S3 is. Pure code, no I/O.
"""

from __future__ import annotations

from typing import Any

from s3box.protocol import xmlbounds
from s3box.protocol.errors import S3Error

# --- parsing -------------------------------------------------------------------


def malformed() -> S3Error:
    return S3Error("MalformedXML")


def local_name(tag: Any) -> str:
    # "{http://s3.amazonaws.com/doc/2006-03-01/}Key" -> "Key"; clients send
    # the namespace or not, S3 accepts both.
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def parse_root(body: bytes, root: str, max_elements: int = xmlbounds.MAX_ELEMENTS) -> Any:
    """Parse with DTDs, entities and external references forbidden, under the
    bounds of xmlbounds (depth, element count, tag length).

    Every failure (not well-formed, a DOCTYPE, an entity bomb, bad encoding, a
    document past the bounds, a different root element) is MalformedXML, as S3
    answers a body that does not validate, never another exception.
    """
    try:
        element = xmlbounds.parse_bounded(body, max_elements=max_elements)
    except Exception as exc:  # defusedxml and expat raise several unrelated types
        raise malformed() from exc
    if local_name(element.tag) != root:
        raise malformed()
    return element


def children(element: Any, name: str) -> list[Any]:
    return [child for child in element if local_name(child.tag) == name]


def child(element: Any, name: str) -> Any | None:
    for child in element:
        if local_name(child.tag) == name:
            return child
    return None


def text_of(element: Any) -> str:
    return "".join(element.itertext())


def required_text(element: Any, name: str) -> str:
    found = child(element, name)
    if found is None:
        raise malformed()
    return text_of(found)


def optional_text(element: Any, name: str) -> str | None:
    found = child(element, name)
    return None if found is None else text_of(found)
