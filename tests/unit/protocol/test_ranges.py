"""Range header resolution, checked against S3's observed behaviour."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3box.protocol.errors import S3Error
from s3box.protocol.ranges import content_range, parse_copy_source_range, parse_range


def test_no_header_serves_whole_object():
    assert parse_range(None, 100) is None


def test_closed_range_is_inclusive():
    assert parse_range("bytes=0-9", 100) == (0, 9)


def test_open_range_runs_to_the_last_byte():
    assert parse_range("bytes=10-", 100) == (10, 99)


def test_suffix_range_serves_last_n_bytes():
    assert parse_range("bytes=-10", 100) == (90, 99)


def test_suffix_range_longer_than_object_returns_whole_object_as_partial():
    assert parse_range("bytes=-500", 100) == (0, 99)


def test_end_beyond_object_is_clamped():
    assert parse_range("bytes=90-1000", 100) == (90, 99)


def test_range_covering_whole_object_is_still_a_range():
    assert parse_range("bytes=0-99", 100) == (0, 99)


def test_single_byte_range():
    assert parse_range("bytes=5-5", 100) == (5, 5)


def test_start_at_object_size_is_invalid_range_with_s3_fields():
    with pytest.raises(S3Error) as info:
        parse_range("bytes=100-", 100)
    err = info.value
    assert (err.code, err.status) == ("InvalidRange", 416)
    assert err.extra == {"RangeRequested": "bytes=100-", "ActualObjectSize": "100"}
    assert err.headers["Content-Range"] == "bytes */100"


def test_start_beyond_size_with_closed_range_is_invalid_range():
    with pytest.raises(S3Error) as info:
        parse_range("bytes=200-300", 100)
    assert info.value.code == "InvalidRange"


def test_suffix_zero_is_invalid_range():
    with pytest.raises(S3Error) as info:
        parse_range("bytes=-0", 100)
    assert info.value.code == "InvalidRange"


@pytest.mark.parametrize("header", ["bytes=0-0", "bytes=0-", "bytes=5-10", "bytes=-0"])
def test_a_range_with_a_first_byte_on_empty_object_is_invalid_range(header):
    with pytest.raises(S3Error) as info:
        parse_range(header, 0)
    assert info.value.extra["ActualObjectSize"] == "0"


@pytest.mark.parametrize("header", ["bytes=-1", "bytes=-524288"])
def test_a_suffix_range_on_empty_object_is_the_whole_empty_object(header):
    assert parse_range(header, 0) is None


@pytest.mark.parametrize(
    "header",
    [
        "bytes=1-0",  # first > last: whole object (localstack#9076)
        "bytes=15-1",  # first > last even when first is past the end
        "bytes=0-1,3-4",  # several ranges: whole object
        "items=0-1",  # other unit
        "bytes=",
        "bytes=-",
        "bytes=a-b",
        "bytes=-2-5",
        "bytes=+1-2",
        "bytes=0x1-2",
        "bytes 0-1",
        "0-1",
        "",
        "garbage",
        "bytes=\u0661-\u0662",  # non-ASCII (Arabic-Indic) digits
    ],
)
def test_syntactically_invalid_range_is_ignored(header):
    assert parse_range(header, 100) is None


def test_invalid_syntax_on_empty_object_is_ignored_not_416():
    assert parse_range("bytes=1-0", 0) is None


def test_unit_is_case_insensitive_and_outer_spaces_tolerated():
    assert parse_range(" Bytes=0-1 ", 10) == (0, 1)


def test_content_range_format():
    assert content_range(0, 9, 100) == "bytes 0-9/100"


@st.composite
def range_headers(draw):
    first = draw(st.one_of(st.none(), st.integers(0, 2_000)))
    last = draw(st.one_of(st.none(), st.integers(0, 2_000)))
    return f"bytes={'' if first is None else first}-{'' if last is None else last}"


@given(range_headers(), st.integers(0, 1_000))
def test_resolved_range_stays_within_the_object(header, size):
    try:
        span = parse_range(header, size)
    except S3Error as err:
        assert err.code == "InvalidRange"
        return
    if span is None:
        return
    start, end = span
    assert 0 <= start <= end <= size - 1


@given(st.integers(0, 2_000), st.integers(0, 2_000), st.integers(1, 1_000))
def test_closed_range_length_matches_clamped_request(first, last, size):
    try:
        span = parse_range(f"bytes={first}-{last}", size)
    except S3Error:
        assert first >= size and first <= last
        return
    if first > last:
        assert span is None
        return
    assert span is not None
    start, end = span
    assert start == first
    assert end - start + 1 == min(last, size - 1) - first + 1


@given(st.integers(1, 2_000), st.integers(1, 1_000))
def test_suffix_range_length_is_min_of_suffix_and_size(suffix, size):
    span = parse_range(f"bytes=-{suffix}", size)
    assert span is not None
    start, end = span
    assert end == size - 1
    assert end - start + 1 == min(suffix, size)


@given(st.text(), st.integers(0, 1_000))
def test_arbitrary_header_never_raises_anything_but_invalid_range(header, size):
    try:
        parse_range(header, size)
    except S3Error as err:
        assert err.code == "InvalidRange"


# --- x-amz-copy-source-range (UploadPartCopy) ----------------------------------


def test_copy_source_range_absent_is_the_whole_source() -> None:
    assert parse_copy_source_range(None, 10) == (0, 9)


@pytest.mark.parametrize(("header", "span"), [("bytes=0-0", (0, 0)), (" bytes=2-9 ", (2, 9))])
def test_copy_source_range_first_and_last(header: str, span: tuple[int, int]) -> None:
    assert parse_copy_source_range(header, 10) == span


@pytest.mark.parametrize(
    "header", ["bytes=5-", "bytes=-5", "bytes=5-2", "bites=0-1", "bytes=a-b", "bytes=0-1-2", "0-1"]
)
def test_copy_source_range_not_first_last_is_invalid_argument(header: str) -> None:
    with pytest.raises(S3Error) as info:
        parse_copy_source_range(header, 10)
    assert info.value.code == "InvalidArgument"
    assert info.value.message.startswith("The x-amz-copy-source-range value must be of the form")
    assert info.value.extra == {"ArgumentName": "x-amz-copy-source-range", "ArgumentValue": header}


def test_copy_source_range_beyond_the_source_is_invalid_range() -> None:
    with pytest.raises(S3Error) as info:
        parse_copy_source_range("bytes=0-10", 10)
    assert info.value.code == "InvalidRange"
    assert info.value.extra == {"RangeRequested": "bytes=0-10", "ActualObjectSize": "10"}
