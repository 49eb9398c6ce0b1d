"""Response-header override values (protocol/header_values.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3box.protocol.errors import S3Error
from s3box.protocol.header_values import check_override_value

CONTROL = [chr(c) for c in (*range(0x00, 0x09), *range(0x0A, 0x20), 0x7F)]


@pytest.mark.parametrize("char", CONTROL, ids=[f"{ord(c):02x}" for c in CONTROL])
def test_every_control_character_is_refused(char: str) -> None:
    with pytest.raises(S3Error) as exc:
        check_override_value("response-content-type", f"text/html{char}X-Injected: yes")
    assert exc.value.code == "InvalidArgument"
    assert exc.value.extra == {"ArgumentName": "response-content-type"}
    assert char not in exc.value.message


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.just("\t")))
def test_printable_ascii_and_tab_pass_unchanged(value: str) -> None:
    assert check_override_value("response-cache-control", value) == value


def test_non_ascii_text_passes() -> None:
    assert check_override_value("response-content-disposition", "café ☕") == "café ☕"
