"""The answers for what s3box never configures: GetBucketVersioning, the
not-configured 404s, the empty configurations, the Deletes that find nothing,
the object-lock reads, and RestoreObject."""

from __future__ import annotations

import pytest

from s3box.protocol.errors import S3Error
from s3box.protocol.operations.unconfigured import (
    ABSENT_CONFIGURATION_DELETES,
    EMPTY_CONFIGURATIONS,
    NOT_CONFIGURED,
    OBJECT_LOCK_READS,
    GetBucketVersioningInput,
    RestoreObjectInput,
    UnconfiguredInput,
    parse_get_bucket_versioning,
    parse_restore_object,
    parse_unconfigured,
    render_empty_configuration,
    render_get_bucket_versioning,
    render_restore_object,
    render_unconfigured,
)
from s3box.protocol.request import Head
from s3box.protocol.routing import OPERATIONS
from s3box.protocol.xmlrender import S3_NS
from s3box.records import ObjectFields, ObjectMeta
from tests.unit.protocol.operations.xmltest import parse


def test_versioning_is_empty_configuration():
    got = render_get_bucket_versioning(GetBucketVersioningInput("b"))
    assert got.headers == [("content-type", "application/xml")]
    root = parse(got.body)
    assert root.tag == f"{{{S3_NS}}}VersioningConfiguration"
    assert len(root) == 0


def test_parse_get_bucket_versioning_needs_a_bucket():
    assert parse_get_bucket_versioning(Head(bucket="b")) == GetBucketVersioningInput("b")
    with pytest.raises(S3Error) as exc:
        parse_get_bucket_versioning(Head())
    assert exc.value.code == "InvalidBucketName"


def test_empty_configurations_have_only_their_default_inside():
    root = parse(render_empty_configuration("BucketLoggingStatus"))
    assert root.tag == f"{{{S3_NS}}}BucketLoggingStatus"
    assert len(root) == 0
    root = parse(
        render_empty_configuration("RequestPaymentConfiguration", "<Payer>BucketOwner</Payer>")
    )
    assert [(c.tag, c.text) for c in root] == [(f"{{{S3_NS}}}Payer", "BucketOwner")]


def test_every_unconfigured_operation_is_routed():
    assert set(NOT_CONFIGURED) | set(EMPTY_CONFIGURATIONS) <= OPERATIONS
    assert ABSENT_CONFIGURATION_DELETES | OBJECT_LOCK_READS <= OPERATIONS


def test_parse_unconfigured_takes_only_its_operations():
    inp = parse_unconfigured(Head(bucket="b"), "get_bucket_policy")
    assert inp == UnconfiguredInput("get_bucket_policy", "b")
    with pytest.raises(ValueError):
        parse_unconfigured(Head(bucket="b"), "get_object")
    with pytest.raises(S3Error):
        parse_unconfigured(Head(), "get_bucket_policy")


@pytest.mark.parametrize("operation", sorted(NOT_CONFIGURED))
def test_not_configured_is_its_404_with_the_bucket_name(operation):
    with pytest.raises(S3Error) as exc:
        render_unconfigured(UnconfiguredInput(operation, "b"))
    code, message = NOT_CONFIGURED[operation]
    assert (exc.value.code, exc.value.status, exc.value.message) == (code, 404, message)
    assert exc.value.extra == {"BucketName": "b"}


def test_not_configured_codes_are_s3s():
    assert NOT_CONFIGURED["get_bucket_policy"][0] == "NoSuchBucketPolicy"
    assert NOT_CONFIGURED["get_bucket_encryption"][0] == (
        "ServerSideEncryptionConfigurationNotFoundError"
    )


def test_empty_configuration_answers_and_deletes():
    got = render_unconfigured(UnconfiguredInput("get_bucket_ownership_controls", "b"))
    assert (got.status, got.headers) == (200, [("content-type", "application/xml")])
    assert b"<ObjectOwnership>BucketOwnerEnforced</ObjectOwnership>" in got.body
    for operation in ABSENT_CONFIGURATION_DELETES:
        deleted = render_unconfigured(UnconfiguredInput(operation, "b"))
        assert (deleted.status, deleted.body) == (204, b"")


@pytest.mark.parametrize("operation", sorted(OBJECT_LOCK_READS))
def test_object_lock_reads_are_invalid_request(operation):
    with pytest.raises(S3Error) as exc:
        render_unconfigured(UnconfiguredInput(operation, "b"))
    assert (exc.value.code, exc.value.status) == ("InvalidRequest", 400)
    assert exc.value.message == "Bucket is missing Object Lock Configuration"


def _meta(storage_class: str) -> ObjectMeta:
    return ObjectMeta("k", 1, "e", 0.0, ObjectFields(storage_class=storage_class), [])


def test_parse_restore_object():
    assert parse_restore_object(Head(bucket="b", key="k")) == RestoreObjectInput("b", "k")
    with pytest.raises(S3Error) as exc:
        parse_restore_object(Head(bucket="b", key="k", query={"versionId": "v1"}))
    assert exc.value.code == "InvalidArgument"


def test_restore_of_a_readable_object_is_invalid_object_state():
    with pytest.raises(S3Error) as exc:
        render_restore_object(RestoreObjectInput("b", "k"), _meta("STANDARD"))
    assert (exc.value.code, exc.value.status) == ("InvalidObjectState", 403)


@pytest.mark.parametrize("storage_class", ["GLACIER", "DEEP_ARCHIVE"])
def test_restore_of_an_archived_object_is_not_implemented(storage_class):
    with pytest.raises(S3Error) as exc:
        render_restore_object(RestoreObjectInput("b", "k"), _meta(storage_class))
    assert (exc.value.code, exc.value.status) == ("NotImplemented", 501)
    assert exc.value.resource == "/b/k"
