"""Bucket name, object key and storage class validation."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3box.protocol.errors import S3Error
from s3box.protocol.names import (
    STORAGE_CLASSES,
    is_valid_bucket_name,
    validate_bucket_name,
    validate_key,
    validate_storage_class,
)


@pytest.mark.parametrize(
    "name",
    [
        "abc",
        "a" * 63,
        "my-bucket",
        "my.bucket.name",
        "1bucket2",
        "192.168.5.4x",
        "bucket-xn--a",
        "a-s3alias-b",
        "docexamplebucket1",
        "s3box",
    ],
)
def test_valid_bucket_names_pass(name):
    validate_bucket_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "ab",  # too short
        "a" * 64,  # too long
        "",
        "My-Bucket",  # uppercase
        "my_bucket",  # underscore never allowed
        "_s3box",
        "-bucket",
        "bucket-",
        ".bucket",
        "bucket.",
        "my..bucket",
        "192.168.5.4",
        "10.0.0.1",
        "xn--bucket",
        "sthree-bucket",
        "sthree-configurator-x",
        "amzn-s3-demo-bucket",
        "bucket-s3alias",
        "bucket--ol-s3",
        "bucket.mrap",
        "bucket--x-s3",
        "bucket--table-s3",
        "bucket name",
        "bücket",
        "bucket/key",
    ],
)
def test_invalid_bucket_names_raise_invalid_bucket_name(name):
    with pytest.raises(S3Error) as info:
        validate_bucket_name(name)
    assert (info.value.code, info.value.status) == ("InvalidBucketName", 400)
    assert info.value.extra == {"BucketName": name}


_SIMPLE = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


@given(st.text(alphabet="abc.-_X9", min_size=0, max_size=70))
def test_bucket_name_validity_implies_the_character_rules(name):
    if is_valid_bucket_name(name):
        assert _SIMPLE.fullmatch(name)
        assert ".." not in name
        assert "_" not in name


def test_single_character_key_is_valid():
    validate_key("a")


def test_key_of_exactly_1024_utf8_bytes_is_valid():
    validate_key("é" * 512)  # 2 bytes each


def test_key_over_1024_bytes_raises_key_too_long_with_sizes():
    with pytest.raises(S3Error) as info:
        validate_key("é" * 512 + "x")
    assert (info.value.code, info.value.status) == ("KeyTooLongError", 400)
    assert info.value.extra == {"Size": "1025", "MaxSizeAllowed": "1024"}


def test_key_length_is_counted_in_utf8_bytes_not_characters():
    with pytest.raises(S3Error):
        validate_key("😀" * 257)  # 257 characters, 1028 bytes


def test_empty_key_is_invalid_request():
    with pytest.raises(S3Error) as info:
        validate_key("")
    assert info.value.code == "InvalidRequest"


@pytest.mark.parametrize("key", ["a b", "a+b", "100%", "a//b", "../x", "\x01\n\t", "_s3box/x"])
def test_keys_with_unusual_characters_are_valid(key):
    validate_key(key)


@given(st.text(min_size=1, max_size=600))
def test_key_validation_agrees_with_utf8_length(key):
    size = len(key.encode("utf-8", "surrogatepass"))
    if size <= 1024:
        validate_key(key)
    else:
        with pytest.raises(S3Error):
            validate_key(key)


def test_absent_storage_class_defaults_to_standard():
    assert validate_storage_class(None) == "STANDARD"
    assert validate_storage_class("") == "STANDARD"


@pytest.mark.parametrize("value", sorted(STORAGE_CLASSES))
def test_known_storage_classes_are_accepted(value):
    assert validate_storage_class(value) == value


@pytest.mark.parametrize("value", ["standard", "COLD", "GLACIER "])
def test_unknown_storage_class_is_invalid_storage_class(value):
    with pytest.raises(S3Error) as info:
        validate_storage_class(value)
    assert (info.value.code, info.value.status) == ("InvalidStorageClass", 400)
