"""Shared query parameter rules: encoding-type, bounded integers, partNumber,
MaxKeys echo, version ids and continuation tokens, each fed plain values, no
request."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3box.protocol.errors import S3Error
from s3box.protocol.query import (
    INVALID_VERSION_ID,
    MAX_PAGE_SIZE,
    check_version_id,
    decode_continuation_token,
    encode_continuation_token,
    int_query_param,
    max_keys_echo,
    parse_encoding_type,
    parse_part_number,
)


@pytest.mark.parametrize("value", ["url", "URL", "Url"])
def test_encoding_type_url_in_any_case_is_url(value: str) -> None:
    assert parse_encoding_type({"encoding-type": value}) == "url"


def test_encoding_type_absent_is_none() -> None:
    assert parse_encoding_type({}) is None


@pytest.mark.parametrize("value", ["", "base64", "urls"])
def test_encoding_type_other_is_invalid_argument_naming_it(value: str) -> None:
    with pytest.raises(S3Error) as info:
        parse_encoding_type({"encoding-type": value})
    assert info.value.code == "InvalidArgument"
    assert info.value.message == "Invalid Encoding Method specified in Request"
    assert info.value.extra == {"ArgumentName": "encoding-type", "ArgumentValue": value}


@pytest.mark.parametrize(
    ("query", "expected"),
    [({}, 1000), ({"max-keys": ""}, 1000), ({"max-keys": "7"}, 7), ({"max-keys": "0"}, 0)],
)
def test_int_query_param_default_and_value(query: dict[str, str], expected: int) -> None:
    assert int_query_param(query, "max-keys", MAX_PAGE_SIZE, MAX_PAGE_SIZE) == expected


@given(st.integers(min_value=0, max_value=2**40))
def test_int_query_param_caps_at_the_maximum(value: int) -> None:
    got = int_query_param({"max-parts": str(value)}, "max-parts", 1000, 1000)
    assert got == min(value, 1000)


def test_int_query_param_not_an_integer_is_invalid_argument() -> None:
    with pytest.raises(S3Error) as info:
        int_query_param({"max-uploads": "ten"}, "max-uploads", 1000, 1000)
    assert info.value.code == "InvalidArgument"
    assert info.value.message == "Provided max-uploads not an integer or within integer range"
    assert info.value.extra == {"ArgumentName": "max-uploads", "ArgumentValue": "ten"}


def test_int_query_param_negative_is_invalid_argument() -> None:
    with pytest.raises(S3Error) as info:
        int_query_param({"max-keys": "-1"}, "max-keys", 1000, 1000)
    assert info.value.message == "Argument max-keys must be an integer between 0 and 2147483647"


@pytest.mark.parametrize(
    ("query", "expected"), [({}, 1000), ({"max-keys": ""}, 1000), ({"max-keys": "5000"}, 5000)]
)
def test_max_keys_echo_shows_what_was_asked(query: dict[str, str], expected: int) -> None:
    assert max_keys_echo(query) == expected


@pytest.mark.parametrize(("raw", "expected"), [("1", 1), ("10000", 10_000), (" 42 ", 42)])
def test_part_number_in_range(raw: str, expected: int) -> None:
    assert parse_part_number(raw) == expected


@pytest.mark.parametrize("raw", ["", "0", "10001", "-1", "one", "1.5"])
def test_part_number_out_of_range_is_invalid_argument(raw: str) -> None:
    with pytest.raises(S3Error) as info:
        parse_part_number(raw)
    assert info.value.code == "InvalidArgument"
    assert info.value.extra == {"ArgumentName": "partNumber", "ArgumentValue": raw}


@pytest.mark.parametrize("version_id", [None, "null"])
def test_version_id_absent_or_null_names_the_current_object(version_id: str | None) -> None:
    check_version_id(version_id)


@pytest.mark.parametrize("version_id", ["", "3HL4kqtJlcpXro", "NULL"])
def test_any_other_version_id_is_invalid_argument(version_id: str) -> None:
    with pytest.raises(S3Error) as info:
        check_version_id(version_id)
    assert (info.value.code, info.value.message) == ("InvalidArgument", INVALID_VERSION_ID)
    assert info.value.extra == {"ArgumentName": "versionId", "ArgumentValue": version_id}


def test_version_id_error_names_the_argument_and_value_given() -> None:
    with pytest.raises(S3Error) as info:
        check_version_id("v1", "x-amz-copy-source", "/b/k?versionId=v1")
    assert info.value.extra == {
        "ArgumentName": "x-amz-copy-source",
        "ArgumentValue": "/b/k?versionId=v1",
    }


@given(st.text(min_size=1))
def test_continuation_tokens_round_trip_any_name(name: str) -> None:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return  # a lone surrogate is no key
    token = encode_continuation_token(name)
    assert token.isascii()
    assert decode_continuation_token(token) == name
    assert decode_continuation_token(token.rstrip("=")) == name  # padding is optional


@pytest.mark.parametrize("token", ["", "/w==", "a", "é"])
def test_empty_or_undecodable_continuation_token_is_invalid_argument(token: str) -> None:
    with pytest.raises(S3Error) as info:
        decode_continuation_token(token)
    assert info.value.code == "InvalidArgument"
    assert info.value.message == "The continuation token provided is incorrect"
    assert info.value.extra == {"ArgumentName": "continuation-token", "ArgumentValue": token}
