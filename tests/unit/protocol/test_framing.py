"""Transfer codings and the 5 GiB upload ceiling (protocol/framing.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3box.protocol.errors import S3Error
from s3box.protocol.framing import MAX_UPLOAD_SIZE, check_transfer_encoding, check_upload_size


@pytest.mark.parametrize("value", [None, "chunked", "Chunked", " chunked "])
def test_chunked_alone_is_accepted(value: str | None) -> None:
    check_transfer_encoding(value)


@pytest.mark.parametrize(
    "value", ["gzip, chunked", "gzip", "identity", "chunked, chunked", "deflate,chunked", ""]
)
def test_any_other_coding_is_not_implemented(value: str) -> None:
    with pytest.raises(S3Error) as exc:
        check_transfer_encoding(value)
    assert exc.value.code == "NotImplemented"
    assert exc.value.status == 501
    assert exc.value.extra == {"Header": "Transfer-Encoding"}


@given(st.lists(st.sampled_from(["gzip", "deflate", "compress", "br", "x-custom"]), min_size=1))
def test_a_coding_before_chunked_is_always_refused(codings: list[str]) -> None:
    with pytest.raises(S3Error):
        check_transfer_encoding(", ".join([*codings, "chunked"]))


def test_upload_size_bound_is_5_gib_inclusive() -> None:
    check_upload_size(None)
    check_upload_size(0)
    check_upload_size(MAX_UPLOAD_SIZE)
    with pytest.raises(S3Error) as exc:
        check_upload_size(MAX_UPLOAD_SIZE + 1)
    assert exc.value.code == "EntityTooLarge"
    assert exc.value.status == 400
    assert exc.value.extra == {
        "ProposedSize": str(MAX_UPLOAD_SIZE + 1),
        "MaxSizeAllowed": "5368709120",
    }
