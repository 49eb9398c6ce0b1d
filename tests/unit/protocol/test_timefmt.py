"""HTTP and ISO 8601 timestamps as S3 writes and reads them."""

from __future__ import annotations

import calendar
import email.utils
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from s3box.protocol import timefmt
from s3box.protocol.timefmt import epoch_seconds, http_date, iso8601_ms, parse_http_date

# 2026-11-25T15:57:27Z, a Wednesday.
WED = calendar.timegm((2026, 11, 25, 15, 57, 27, 0, 0, 0))

# Any second between 1970 and 2200.
seconds = st.integers(min_value=0, max_value=7_258_118_400)


def test_http_date_is_rfc1123_with_gmt():
    assert http_date(WED) == "Wed, 25 Nov 2026 15:57:27 GMT"


def test_http_date_floors_fractional_seconds():
    assert http_date(WED + 0.999) == "Wed, 25 Nov 2026 15:57:27 GMT"


def test_http_date_pads_single_digit_day():
    assert http_date(calendar.timegm((2026, 3, 1, 0, 0, 0, 0, 0, 0))) == (
        "Sun, 01 Mar 2026 00:00:00 GMT"
    )


@given(seconds)
def test_http_date_matches_the_standard_library_formatter(ts):
    assert http_date(ts) == email.utils.formatdate(ts, usegmt=True)


def test_iso8601_ms_renders_milliseconds_and_z():
    assert iso8601_ms(WED + 0.123) == "2026-11-25T15:57:27.123Z"


def test_iso8601_ms_of_whole_second_has_three_zeros():
    assert iso8601_ms(WED) == "2026-11-25T15:57:27.000Z"


def test_iso8601_ms_does_not_lose_a_millisecond_to_float_error():
    # 1.001 * 1000 == 1000.9999999999999 in binary floating point.
    assert iso8601_ms(1.001) == "1970-01-01T00:00:01.001Z"


@given(seconds, st.integers(min_value=0, max_value=999))
def test_iso8601_and_http_date_agree_on_the_second(second, millis):
    ts = second + millis / 1000
    assert iso8601_ms(ts).endswith(f".{millis:03d}Z")
    assert parse_http_date(http_date(ts)) == float(second)
    assert epoch_seconds(ts) == second


def test_parse_rfc1123_date():
    assert parse_http_date("Wed, 25 Nov 2026 15:57:27 GMT") == WED


def test_parse_rfc850_date_two_digit_year_below_70_is_in_the_2000s():
    assert parse_http_date("Wednesday, 25-Nov-26 15:57:27 GMT") == WED


def test_parse_rfc850_two_digit_year_from_70_is_in_the_1900s():
    assert parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == calendar.timegm(
        (1994, 11, 6, 8, 49, 37, 0, 0, 0)
    )


def test_parse_asctime_date_with_space_padded_day():
    assert parse_http_date("Sun Nov  6 08:49:37 1994") == calendar.timegm(
        (1994, 11, 6, 8, 49, 37, 0, 0, 0)
    )


def test_parse_accepts_utc_and_numeric_zero_offset():
    assert parse_http_date("Wed, 25 Nov 2026 15:57:27 UTC") == WED
    assert parse_http_date("Wed, 25 Nov 2026 15:57:27 +0000") == WED


def test_parse_is_case_insensitive_for_month_names():
    assert parse_http_date("Wed, 25 NOV 2026 15:57:27 GMT") == WED


def test_parse_rejects_impossible_calendar_date():
    assert parse_http_date("Tue, 31 Feb 2026 15:57:27 GMT") is None


def test_parse_rejects_hour_out_of_range():
    assert parse_http_date("Wed, 25 Nov 2026 25:57:27 GMT") is None


def test_parse_rejects_non_gmt_offsets():
    assert parse_http_date("Wed, 25 Nov 2026 15:57:27 +0200") is None


def test_parse_rejects_iso8601():
    assert parse_http_date("2026-11-25T15:57:27Z") is None


def test_parse_rejects_non_ascii_digits():
    assert parse_http_date("Wed, \u0662\u0665 Nov 2026 15:57:27 GMT") is None


@given(st.text())
def test_parse_never_raises_on_arbitrary_text(value):
    result = parse_http_date(value)
    assert result is None or isinstance(result, float)


@given(seconds)
def test_parse_round_trips_every_format_of_the_standard_library(ts):
    assert parse_http_date(email.utils.formatdate(ts, usegmt=True)) == float(ts)


# --- SigV4's X-Amz-Date and the signature verifiers' Date -------------------------------


def _strptime_amz_date(value: str) -> float | None:
    """The parser _parse_amz_date replaced (kept here as the reference)."""
    if not re.fullmatch(r"\d{8}T\d{6}Z", value):
        return None
    try:
        return float(calendar.timegm(time.strptime(value, "%Y%m%dT%H%M%SZ")))
    except ValueError:
        return None


amz_date_like = st.builds(
    "{:04d}{:02d}{:02d}T{:02d}{:02d}{:02d}Z".format,
    st.integers(0, 9999),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 99),
)


@settings(max_examples=500, deadline=None)
@given(value=amz_date_like | st.text(alphabet="0123456789TZ-: \u0663", max_size=18))
def test_amz_date_parser_agrees_with_strptime(value: str) -> None:
    assert timefmt.parse_amz_date(value) == _strptime_amz_date(value)


@pytest.mark.parametrize(
    "value", ["20240229T235960Z", "20230229T000000Z", "20241231T240000Z", "00000101T000000Z"]
)
def test_amz_date_parser_edge_cases_agree_with_strptime(value: str) -> None:
    assert timefmt.parse_amz_date(value) == _strptime_amz_date(value)


def test_iso8601_seconds_is_what_s3_auth_errors_show() -> None:
    assert timefmt.iso8601_seconds(WED + 0.9) == "2026-11-25T15:57:27Z"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Wed, 25 Nov 2026 15:57:27 GMT", WED),
        ("Wed, 25 Nov 2026 16:57:27 +0100", WED),  # the zone offset is applied
        ("not a date", None),
        ("", None),
    ],
)
def test_signed_date_seconds_reads_rfc_2822_dates(value: str, expected: float | None) -> None:
    assert timefmt.signed_date_seconds(value) == expected
