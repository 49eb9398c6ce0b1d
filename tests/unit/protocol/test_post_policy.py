"""POST policies: decoding, expiration, every condition kind, the coverage rule and the
content-length-range bounds, with S3's error codes and messages."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from s3box.protocol.errors import S3Error
from s3box.protocol.post_policy import (
    check_conditions,
    check_content_length,
    check_expiration,
    decode_policy,
)

FUTURE = "2099-01-01T00:00:00.000Z"


def _encode(document: Any) -> str:
    return base64.b64encode(json.dumps(document).encode()).decode()


def _policy(*conditions: Any) -> Any:
    return decode_policy(_encode({"expiration": FUTURE, "conditions": list(conditions)}))


def _form(**fields: str) -> dict[str, tuple[str, str]]:
    return {name.lower(): (name, value) for name, value in fields.items()}


def _refused(code: str, message: str | None = None) -> Any:
    return pytest.raises(S3Error, match=code if message is None else None)


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        ("not base64!", "Invalid Policy: invalid Base64 encoding."),
        (base64.b64encode(b"{oops").decode(), "Invalid Policy: Invalid JSON."),
        (_encode({"conditions": []}), "Invalid Policy: Policy missing expiration."),
        (_encode({"expiration": FUTURE}), "Invalid Policy: Policy missing conditions."),
        (
            _encode({"expiration": FUTURE, "Statement": []}),
            "Invalid Policy: Unexpected: 'statement'",
        ),
        (
            _encode({"expiration": "2011-09-13T07:52:58+02:00", "conditions": []}),
            "Invalid Policy: Invalid 'expiration' value: '2011-09-13T07:52:58+02:00'",
        ),
        (
            _encode({"expiration": FUTURE, "conditions": {}}),
            "Invalid Policy: Invalid 'conditions' value: must be a List.",
        ),
        (
            base64.b64encode(
                b'{"expiration":"2099-01-01T00:00:00Z","conditions":[["content-length-range",0,512.0]]}'
            ).decode(),
            "Invalid Policy: Invalid JSON.",
        ),
        (
            _encode({"expiration": FUTURE, "conditions": [{"a": "1", "b": "2"}]}),
            "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one "
            "property specified.",
        ),
        (
            _encode({"expiration": FUTURE, "conditions": [{"Content-Length": 5}]}),
            "Invalid Policy: Invalid Simple-Condition: value must be a string.",
        ),
    ],
)
def test_malformed_policies_are_invalid_policy_documents(encoded: str, message: str) -> None:
    with pytest.raises(S3Error) as caught:
        decode_policy(encoded)
    assert caught.value.code == "InvalidPolicyDocument"
    assert caught.value.status == 400
    assert caught.value.message == message


def test_expired_policy_is_access_denied() -> None:
    policy = decode_policy(_encode({"expiration": "2020-01-01T00:00:00Z", "conditions": []}))
    with pytest.raises(S3Error) as caught:
        check_expiration(policy, 1_700_000_000.0)
    assert (caught.value.code, caught.value.status) == ("AccessDenied", 403)
    assert caught.value.message == "Invalid according to Policy: Policy expired."
    check_expiration(_policy(), 1_700_000_000.0)


def test_conditions_that_hold() -> None:
    policy = _policy(
        {"bucket": "b"},
        ["starts-with", "$key", "up/"],
        ["eq", "$Content-Type", "text/plain"],
        ["starts-with", "$x-amz-meta-color", ""],
        ["StArTs-WiTh", "$success_action_redirect", "http://"],
    )
    form = _form(
        key="up/x",
        **{
            "content-type": "text/plain",
            "X-Amz-Meta-Color": "blue",
            "success_action_redirect": "http://e",
            "policy": "p",
            "x-ignore-me": "1",
            "X-Amz-Signature": "s",
        },
    )
    check_conditions(policy, form, "b", "up/x")


@pytest.mark.parametrize(
    ("condition", "printed"),
    [
        (["eq", "$key", "x"], '["eq", "$key", "x"]'),
        ({"key": "x"}, '["eq", "$key", "x"]'),
        (["starts-with", "$key", "X"], '["starts-with", "$key", "X"]'),
        ({"bucket": "other"}, '["eq", "$bucket", "other"]'),
        (["starts-with", "$Content-Type", ""], '["starts-with", "$Content-Type", ""]'),
        (["eq", "key", "y"], '["eq", "key", "y"]'),
        (["content-length-range", "test", "10"], '["content-length-range", "test", "10"]'),
    ],
)
def test_failed_condition_is_access_denied_with_s3s_text(condition: Any, printed: str) -> None:
    with pytest.raises(S3Error) as caught:
        check_conditions(_policy(condition), _form(key="y"), "b", "y")
    assert caught.value.code == "AccessDenied"
    assert (
        caught.value.message == f"Invalid according to Policy: Policy Condition failed: {printed}"
    )


def test_every_field_must_be_covered() -> None:
    with pytest.raises(S3Error) as caught:
        check_conditions(_policy({"key": "k"}), _form(key="k", Filename="f"), "b", "k")
    assert caught.value.message == "Invalid according to Policy: Extra input fields: Filename"


def test_content_type_list_must_match_for_each_member() -> None:
    policy = _policy(["starts-with", "$Content-Type", "image/"], {"key": "k"})
    check_conditions(policy, _form(key="k", **{"Content-Type": "image/png, image/jpeg"}), "b", "k")
    with pytest.raises(S3Error):
        check_conditions(policy, _form(key="k", **{"Content-Type": "image/png,text/x"}), "b", "k")


def test_content_length_range_bounds_are_inclusive() -> None:
    policy = _policy(["content-length-range", 5, "10"])
    check_content_length(policy, 5, final=True)
    check_content_length(policy, 10, final=True)
    check_content_length(policy, 1, final=False)  # may still grow
    with pytest.raises(S3Error) as big:
        check_content_length(policy, 11, final=False)
    assert big.value.code == "EntityTooLarge"
    assert big.value.extra == {"ProposedSize": "11", "MaxSizeAllowed": "10"}
    with pytest.raises(S3Error) as small:
        check_content_length(policy, 4, final=True)
    assert small.value.code == "EntityTooSmall"
    assert small.value.extra == {"ProposedSize": "4", "MinSizeAllowed": "5"}
    check_content_length(None, 10**9, final=True)
