"""The shared rendering helpers: XML escaping and S3's url encoding."""

from __future__ import annotations

from urllib.parse import quote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3box.protocol.xmlrender import escape, url_encode


def test_escape_leaves_plain_text_alone():
    assert escape("photos/2026/a.jpg") == "photos/2026/a.jpg"


def test_escape_markup_characters():
    assert escape("a&b<c>d]]>") == "a&amp;b&lt;c&gt;d]]&gt;"


def test_escape_keeps_whitespace_controls_as_references():
    assert escape("a\r\n\tb") == "a&#13;&#10;&#9;b"


def test_escape_other_controls_and_lone_surrogates_as_references():
    assert escape("\x01\x1f\ud800\uffff") == "&#1;&#31;&#55296;&#65535;"


@pytest.mark.parametrize(
    ("key", "encoded"),
    [
        ("a b.txt", "a+b.txt"),
        ("a+b.txt", "a%2Bb.txt"),
        ("100%.csv", "100%25.csv"),
        ("한글/x.txt", "%ED%95%9C%EA%B8%80/x.txt"),
        ("run books/x.txt", "run+books/x.txt"),
        ("a&b<c>", "a%26b%3Cc%3E"),
        ("\x01\r\n", "%01%0D%0A"),
    ],
)
def test_url_encode_matches_what_s3_sends(key, encoded):
    assert url_encode(key) == encoded


@given(st.text())
def test_url_encode_equals_quote_plus_with_slash_safe(key):
    expected = quote_plus(key, safe="/", errors="surrogatepass")
    assert url_encode(key) == expected
