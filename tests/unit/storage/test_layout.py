"""The v1 layout: fanout leaf from SHA-1(bucket + key) and object dir names."""

from __future__ import annotations

import hashlib
import os

from s3box.storage import layout


def test_key_hash_is_sha1_of_bucket_name_plus_key_utf8():
    assert layout.key_hash("b", "日本") == hashlib.sha1("b日本".encode()).hexdigest()


def test_leaf_dir_is_four_levels_of_two_hex_digits():
    h = "0123456789abcdef0123456789abcdef01234567"
    assert layout.leaf_dir("/o", h) == os.path.join("/o", "01", "23", "45", "67")


def test_base_name_is_v1_plus_next_six_digits_uppercase():
    h = "0123456789abcdef0123456789abcdef01234567"
    assert layout.base_name(h) == "V189ABCD"
    assert layout.is_valid_object_dir_name("V189ABCD")


def test_collision_name_adds_underscore_and_four_uppercase_hex():
    h = "0123456789abcdef0123456789abcdef01234567"
    name = layout.collision_name(h)
    assert name.startswith("V189ABCD_") and len(name) == 13
    assert name[9:] == name[9:].upper()
    assert layout.is_valid_object_dir_name(name)
    assert layout.collision_name(h, "91FE") == "V189ABCD_91FE"


def test_invalid_object_dir_names_are_rejected():
    for name in ("V189abcd", "V289ABCD", "V189ABC", "V189ABCD-91FE", "V189ABCD_91F"):
        assert not layout.is_valid_object_dir_name(name)
