"""Shared helpers for the operation document tests: parse a rendered body
back, find elements in the S3 namespace, build listing entries."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import strategies as st

from s3box.protocol.xmlrender import PROLOGUE, S3_NS, Owner
from s3box.records import ListEntry

NS = {"s3": S3_NS}  # for ElementPath with the s3: prefix (q, text)
NS_PREFIX = f"{{{S3_NS}}}"  # for Clark-notation steps (text_at)

OWNER = Owner("owner-id", "owner-name")

TS = 1_795_622_247.123  # 2026-11-25T15:57:27.123Z

ETAG = "d41d8cd98f00b204e9800998ecf8427e"


def parse(body: bytes) -> ET.Element:
    assert body.startswith(PROLOGUE.encode())
    return ET.fromstring(body)


def q(path: str) -> str:
    """An ElementPath in the S3 namespace: "a/b" -> "s3:a/s3:b"."""
    return "/".join(f"s3:{part}" for part in path.split("/"))


def text(root: ET.Element, path: str) -> str | None:
    return root.findtext(q(path), namespaces=NS)


def entry(key: str, **kw) -> ListEntry:
    return ListEntry(key=key, size=kw.get("size", 3), etag=ETAG, last_modified=TS)


# Characters legal in XML 1.0 (what a parser can give back), including the
# \t \n \r that naive escaping would let the parser normalise away.
xml_chars = st.characters(
    codec="utf-8",  # no lone surrogates
    exclude_characters=[chr(c) for c in range(0x20) if c not in (9, 10, 13)] + ["\ufffe", "\uffff"],
)
xml_keys = st.text(alphabet=xml_chars, min_size=1, max_size=40) | st.sampled_from(
    ["]]>", "&amp;", "<Key>", "a\r\nb", "\r", " lead", "trail "]
)
any_keys = st.text(min_size=1, max_size=40)


def root_of(body: bytes) -> ET.Element:
    return ET.fromstring(body)


def text_at(el: ET.Element, path: str) -> str | None:
    """findtext with every step of `path` in the S3 namespace."""
    return el.findtext("/".join(NS_PREFIX + step for step in path.split("/")))
