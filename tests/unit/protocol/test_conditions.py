"""Conditional headers evaluated with S3's precedence (GetObject, CopyObject, PutObject)."""

from __future__ import annotations

import calendar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3box.protocol.conditions import (
    etag_matches,
    evaluate_copy_source_conditions,
    evaluate_read_conditions,
    parse_etag_condition,
    parse_write_conditions,
)
from s3box.protocol.errors import S3Error
from s3box.protocol.timefmt import http_date

ETAG = "d41d8cd98f00b204e9800998ecf8427e"
OTHER = "0cc175b9c0f1b6a831c399e269772661"
LAST_MODIFIED = calendar.timegm((2026, 11, 25, 15, 57, 27, 0, 0, 0)) + 0.75
SAME_SECOND = http_date(LAST_MODIFIED)  # "... 15:57:27 GMT"
BEFORE = http_date(LAST_MODIFIED - 60)
AFTER = http_date(LAST_MODIFIED + 60)


def read(if_match=None, if_none_match=None, if_modified_since=None, if_unmodified_since=None, **kw):
    return evaluate_read_conditions(
        if_match, if_none_match, if_modified_since, if_unmodified_since, ETAG, LAST_MODIFIED, **kw
    )


def copy(if_match=None, if_none_match=None, if_modified_since=None, if_unmodified_since=None, **kw):
    return evaluate_copy_source_conditions(
        if_match, if_none_match, if_modified_since, if_unmodified_since, ETAG, LAST_MODIFIED, **kw
    )


def failed_condition(call) -> str:
    with pytest.raises(S3Error) as info:
        call()
    assert (info.value.code, info.value.status) == ("PreconditionFailed", 412)
    return info.value.extra["Condition"]


# --- ETag matching -------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [ETAG, f'"{ETAG}"', f'W/"{ETAG}"', "*", f'"{OTHER}", "{ETAG}"', f"{OTHER},{ETAG}"],
)
def test_etag_forms_that_match(value):
    assert etag_matches(value, ETAG)


@pytest.mark.parametrize("value", [OTHER, f'"{OTHER}"', f'"{ETAG[:-1]}"', ",", f'""{ETAG}""'])
def test_etag_forms_that_do_not_match(value):
    assert not etag_matches(value, ETAG)


def test_multipart_etag_matches_with_its_part_count():
    assert etag_matches('"abc-3"', "abc-3")
    assert not etag_matches('"abc"', "abc-3")


# --- GetObject / HeadObject ----------------------------------------------------


def test_no_conditions_proceed():
    assert read() is None


def test_get_with_matching_if_match_proceeds():
    assert read(if_match=f'"{ETAG}"') is None


def test_get_with_non_matching_if_match_returns_412_naming_if_match():
    assert failed_condition(lambda: read(if_match=f'"{OTHER}"')) == "If-Match"


def test_if_match_true_overrides_failing_if_unmodified_since():
    assert read(if_match=ETAG, if_unmodified_since=BEFORE) is None


def test_if_match_false_with_passing_if_unmodified_since_is_still_412():
    assert failed_condition(lambda: read(if_match=OTHER, if_unmodified_since=AFTER)) == ("If-Match")


def test_if_unmodified_since_before_last_modified_returns_412():
    assert failed_condition(lambda: read(if_unmodified_since=BEFORE)) == "If-Unmodified-Since"


def test_if_unmodified_since_same_second_proceeds_despite_fraction():
    assert read(if_unmodified_since=SAME_SECOND) is None


def test_get_with_if_none_match_returns_304():
    assert read(if_none_match=f'"{ETAG}"') == 304


def test_get_with_if_none_match_star_returns_304_for_existing_object():
    assert read(if_none_match="*") == 304


def test_get_with_non_matching_if_none_match_proceeds():
    assert read(if_none_match=OTHER) is None


def test_if_none_match_false_and_if_modified_since_true_returns_304():
    assert read(if_none_match=ETAG, if_modified_since=BEFORE) == 304


def test_if_none_match_true_makes_if_modified_since_ignored():
    assert read(if_none_match=OTHER, if_modified_since=AFTER) is None


def test_if_modified_since_same_second_returns_304():
    assert read(if_modified_since=SAME_SECOND) == 304


def test_if_modified_since_before_last_modified_proceeds():
    assert read(if_modified_since=BEFORE) is None


def test_if_modified_since_after_last_modified_returns_304():
    assert read(if_modified_since=AFTER) == 304


def test_if_modified_since_in_the_future_is_ignored_when_now_is_given():
    assert read(if_modified_since=AFTER, now=LAST_MODIFIED + 1) is None


def test_412_takes_precedence_over_304():
    assert failed_condition(lambda: read(if_match=OTHER, if_none_match=ETAG)) == "If-Match"


@pytest.mark.parametrize("bad", ["yesterday", "2026-11-25", "Wed, 32 Nov 2026 00:00:00 GMT"])
def test_invalid_dates_are_ignored(bad):
    assert read(if_modified_since=bad, if_unmodified_since=bad) is None


def test_empty_headers_are_treated_as_absent():
    assert read(if_match="", if_none_match=" ") is None


@given(
    st.sampled_from([None, ETAG, OTHER, "*"]),
    st.sampled_from([None, ETAG, OTHER, "*"]),
    st.sampled_from([None, BEFORE, SAME_SECOND, AFTER, "junk"]),
    st.sampled_from([None, BEFORE, SAME_SECOND, AFTER, "junk"]),
)
def test_read_outcome_is_proceed_304_or_412(im, inm, ims, ius):
    try:
        outcome = read(im, inm, ims, ius)
    except S3Error as err:
        assert err.status == 412
        assert im == OTHER or (im is None and ius == BEFORE)
        return
    assert outcome in (None, 304)
    if outcome == 304:
        assert inm in (ETAG, "*") or (inm is None and ims in (SAME_SECOND, AFTER))


# --- CopyObject x-amz-copy-source-if-* ----------------------------------------


def test_copy_without_conditions_proceeds():
    assert copy() is None


def test_copy_if_match_true_and_if_unmodified_since_false_proceeds():
    assert copy(if_match=ETAG, if_unmodified_since=BEFORE) is None


def test_copy_if_none_match_false_and_if_modified_since_true_is_412():
    assert failed_condition(lambda: copy(if_none_match=ETAG, if_modified_since=BEFORE)) == (
        "x-amz-copy-source-If-None-Match"
    )


def test_copy_if_match_false_is_412():
    assert failed_condition(lambda: copy(if_match=OTHER)) == "x-amz-copy-source-If-Match"


def test_copy_if_unmodified_since_false_is_412():
    assert failed_condition(lambda: copy(if_unmodified_since=BEFORE)) == (
        "x-amz-copy-source-If-Unmodified-Since"
    )


def test_copy_if_modified_since_not_modified_is_412_not_304():
    assert failed_condition(lambda: copy(if_modified_since=AFTER)) == (
        "x-amz-copy-source-If-Modified-Since"
    )


def test_copy_if_modified_since_in_the_future_is_ignored_when_now_is_given():
    assert copy(if_modified_since=AFTER, now=LAST_MODIFIED + 1) is None


def test_copy_if_none_match_true_makes_if_modified_since_ignored():
    assert copy(if_none_match=OTHER, if_modified_since=AFTER) is None


# --- Conditional writes ---------------------------------------------------------


def test_parse_etag_condition_star():
    assert parse_etag_condition("*") == (True, None)


@pytest.mark.parametrize("value", [f'"{ETAG}"', ETAG, f'W/"{ETAG}"', f' "{ETAG}" '])
def test_parse_etag_condition_unquotes(value):
    assert parse_etag_condition(value) == (False, ETAG)


def test_write_if_none_match_star_sets_create_only():
    cond = parse_write_conditions(None, "*")
    assert cond.if_none_match_star is True
    assert cond.if_match is None


def test_write_if_match_carries_unquoted_etag():
    cond = parse_write_conditions(f'"{ETAG}"', None)
    assert cond.if_match == ETAG
    assert cond.if_none_match_star is False


def test_write_if_none_match_with_etag_is_not_implemented():
    with pytest.raises(S3Error) as info:
        parse_write_conditions(None, f'"{ETAG}"')
    assert (info.value.code, info.value.status) == ("NotImplemented", 501)
    assert info.value.extra == {"Header": "If-None-Match"}


def test_write_without_conditions_is_unconditional():
    cond = parse_write_conditions(None, None)
    assert (cond.if_none_match_star, cond.if_match) == (False, None)
