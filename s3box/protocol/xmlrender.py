"""Rendering helpers for S3 XML bodies: escaping, encoding-type=url, elements.

Responses are built as strings (no ElementTree) because listings are hot. Pure
code: no I/O, no knowledge of any one operation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

PROLOGUE = '<?xml version="1.0" encoding="UTF-8"?>\n'
S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"


@dataclass(slots=True, frozen=True)
class Owner:
    """The canonical user shown as Owner / Initiator (s3box has one)."""

    id: str
    display_name: str


# The one owner of every bucket and object (s3box has one account).
OWNER_ID = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"
OWNER_NAME = "s3box"
OWNER = Owner(OWNER_ID, OWNER_NAME)


# --- escaping ------------------------------------------------------------------

# Characters that need rewriting in text content. '&', '<', '>' as entities;
# '\r', '\n', '\t' as character references so a parser keeps them (a literal
# CR or CRLF is normalised to LF by every XML parser, so a key holding one
# would not round-trip); other C0 controls, lone surrogates and U+FFFE/U+FFFF
# as numeric references. Those last ones are not legal XML 1.0 characters in
# any form: S3 itself sends such keys un-encodable (aws/aws-sdk-go#1914,
# boto/boto3#2347) and its ListObjects reference says to request
# encoding-type=url for them, which botocore does by default. A reference
# keeps our document free of raw control bytes and never crashes the encoder.
_NEEDS_ESCAPE = re.compile("[&<>\x00-\x1f\ud800-\udfff\ufffe\uffff]")
_NEEDS_REFERENCE = re.compile("[\x00-\x1f\ud800-\udfff\ufffe\uffff]")
_REFERENCES: dict[int, str] = {c: f"&#{c};" for c in range(0x20)}
_REFERENCES.update({c: f"&#{c};" for c in range(0xD800, 0xE000)})
_REFERENCES.update({0xFFFE: "&#65534;", 0xFFFF: "&#65535;"})


def escape(text: str) -> str:
    """Text content escaped for an element body (see the rules above)."""
    if _NEEDS_ESCAPE.search(text) is None:
        return text
    # str.replace runs in C; translate only for the rare control characters.
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if _NEEDS_REFERENCE.search(text) is not None:
        text = text.translate(_REFERENCES)
    return text


# encoding-type=url. Measured against S3 (brekkylab/backlot#178, 2026): a
# space becomes '+', '+' becomes %2B, '%' becomes %25, UTF-8 is
# percent-encoded and '/' stays as is ("run books/x.txt" -> "run+books/x.txt";
# also ceph/s3-tests#478). That is form encoding with '/' kept, which is what
# botocore undoes with unquote_plus. Keys made only of unreserved characters
# skip the encoder.
_URL_SAFE = re.compile(r"[A-Za-z0-9_.~/-]*", re.ASCII)
_URL_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.~/-")
# Byte (as a latin-1 code point) -> its form encoding; translate runs in C,
# several times faster than urllib.parse.quote_plus on a listing page.
_URL_TABLE: dict[int, str] = {
    b: ("+" if b == 0x20 else f"%{b:02X}") for b in range(256) if b not in _URL_UNRESERVED
}


def url_encode(text: str) -> str:
    """A key, prefix, marker or delimiter as S3 writes it under encoding-type=url.

    Same result as urllib.parse.quote_plus(text, safe="/").
    """
    if _URL_SAFE.fullmatch(text):
        return text
    raw = text.encode("utf-8", "surrogatepass").decode("latin-1")
    return raw.translate(_URL_TABLE)


def encoder(encoding_type: str | None) -> Callable[[str], str]:
    """Escape-only, or url-encode, per the request's encoding-type.

    Form-encoded text is ASCII letters, digits and "_.~/-+%" only, so it
    needs no XML escaping on top.
    """
    return url_encode if encoding_type == "url" else escape


def el(name: str, text: str) -> str:
    return f"<{name}>{escape(text)}</{name}>"


def bool_text(value: bool) -> str:
    return "true" if value else "false"


def owner_el(tag: str, owner: Owner) -> str:
    return (
        f"<{tag}><ID>{escape(owner.id)}</ID>"
        f"<DisplayName>{escape(owner.display_name)}</DisplayName></{tag}>"
    )


def quoted_etag_el(etag: str) -> str:
    # S3 writes the quotes of an ETag as &quot; in XML bodies (versity/
    # versitygw#1985 shows a captured S3 listing); clients read back "abc".
    return f"<ETag>&quot;{escape(etag)}&quot;</ETag>"


def checksums_el(checksums: Mapping[str, str]) -> str:
    return "".join(
        f"<Checksum{alg}>{escape(value)}</Checksum{alg}>" for alg, value in checksums.items()
    )


def document(root: str, body: str, *, namespaced: bool = True) -> bytes:
    ns = f' xmlns="{S3_NS}"' if namespaced else ""
    return f"{PROLOGUE}<{root}{ns}>{body}</{root}>".encode()
