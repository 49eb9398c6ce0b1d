"""Routing: method + path + query subresource -> operation, in isolation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3box.protocol.errors import S3Error
from s3box.protocol.routing import NOT_IMPLEMENTED_SUBRESOURCES, route, split_path


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/", (None, None)),
        ("", (None, None)),
        ("/b", ("b", None)),
        ("/b/", ("b", None)),
        ("/b/k", ("b", "k")),
        ("/b/k/x/", ("b", "k/x/")),
        ("/b//k", ("b", "/k")),
        ("/b/a/../c", ("b", "a/../c")),
        ("/b/a%2Bb+c", ("b", "a+b+c")),
        ("/b/%E2%82%AC%20x", ("b", "\u20ac x")),
        ("/b/%25", ("b", "%")),
    ],
)
def test_split_path_keeps_keys_exactly(raw: str, expected: tuple[str | None, str | None]) -> None:
    assert split_path(raw) == expected


def test_split_path_refuses_keys_that_are_not_utf8() -> None:
    with pytest.raises(S3Error) as exc:
        split_path("/b/%ff")
    assert exc.value.code == "InvalidURI"


def _op(method: str, path: str, query: str = "", headers: dict[str, str] | None = None) -> str:
    bucket, key = split_path(path)
    params = dict(p.partition("=")[::2] for p in query.split("&") if p)
    return route(method, bucket, key, params, headers or {}).operation


@pytest.mark.parametrize(
    ("method", "path", "query", "headers", "operation"),
    [
        ("GET", "/", "", {}, "list_buckets"),
        ("GET", "/b", "", {}, "list_objects"),
        ("GET", "/b", "list-type=2", {}, "list_objects_v2"),
        ("GET", "/b", "location", {}, "get_bucket_location"),
        ("GET", "/b", "uploads", {}, "list_multipart_uploads"),
        ("GET", "/b", "acl", {}, "get_bucket_acl"),
        ("GET", "/b", "versioning", {}, "get_bucket_versioning"),
        ("GET", "/b", "versions", {}, "list_object_versions"),
        ("GET", "/b", "tagging", {}, "get_bucket_tagging"),
        ("GET", "/b", "policy", {}, "get_bucket_policy"),
        ("GET", "/b", "lifecycle", {}, "get_bucket_lifecycle"),
        ("GET", "/b", "encryption", {}, "get_bucket_encryption"),
        ("GET", "/b", "object-lock", {}, "get_object_lock_configuration"),
        ("GET", "/b", "cors", {}, "get_bucket_cors"),
        ("GET", "/b", "website", {}, "get_bucket_website"),
        ("GET", "/b", "replication", {}, "get_bucket_replication"),
        ("GET", "/b", "logging", {}, "get_bucket_logging"),
        ("GET", "/b", "notification", {}, "get_bucket_notification"),
        ("GET", "/b", "requestPayment", {}, "get_bucket_request_payment"),
        ("GET", "/b", "accelerate", {}, "get_bucket_accelerate"),
        ("HEAD", "/b", "", {}, "head_bucket"),
        ("PUT", "/b", "", {}, "create_bucket"),
        ("PUT", "/b", "acl", {}, "put_bucket_acl"),
        ("PUT", "/b", "tagging", {}, "put_bucket_tagging"),
        ("DELETE", "/b", "", {}, "delete_bucket"),
        ("DELETE", "/b", "tagging", {}, "delete_bucket_tagging"),
        ("DELETE", "/b", "policy", {}, "delete_bucket_policy"),
        ("DELETE", "/b", "cors", {}, "delete_bucket_cors"),
        ("PUT", "/b", "cors", {}, "put_bucket_cors"),
        ("OPTIONS", "/b", "", {}, "options_object"),
        ("OPTIONS", "/b/k", "", {}, "options_object"),
        # A preflight answers for any subresource the actual request will name.
        ("OPTIONS", "/b/k", "uploads", {}, "options_object"),
        ("OPTIONS", "/b", "policy", {}, "options_object"),
        ("DELETE", "/b", "lifecycle", {}, "delete_bucket_lifecycle"),
        ("DELETE", "/b", "website", {}, "delete_bucket_website"),
        ("DELETE", "/b", "replication", {}, "delete_bucket_replication"),
        ("DELETE", "/b", "encryption", {}, "delete_bucket_encryption"),
        ("POST", "/b", "delete", {}, "delete_objects"),
        ("POST", "/b", "rebuildIndex", {}, "rebuild_index"),
        ("POST", "/b", "", {}, "post_object"),
        ("GET", "/b/k", "", {}, "get_object"),
        ("GET", "/b/k", "uploadId=u", {}, "list_parts"),
        ("GET", "/b/k", "acl", {}, "get_object_acl"),
        ("GET", "/b/k", "tagging", {}, "get_object_tagging"),
        ("GET", "/b/k", "attributes", {}, "get_object_attributes"),
        ("GET", "/b/k", "retention", {}, "get_object_retention"),
        ("GET", "/b/k", "legal-hold", {}, "get_object_legal_hold"),
        ("GET", "/b/k", "versionId=null", {}, "get_object"),
        ("HEAD", "/b/k", "", {}, "head_object"),
        ("PUT", "/b/k", "", {}, "put_object"),
        ("PUT", "/b/k", "", {"x-amz-copy-source": "/b/s"}, "copy_object"),
        ("PUT", "/b/k", "partNumber=1&uploadId=u", {}, "upload_part"),
        (
            "PUT",
            "/b/k",
            "partNumber=1&uploadId=u",
            {"x-amz-copy-source": "/b/s"},
            "upload_part_copy",
        ),
        ("PUT", "/b/k", "acl", {}, "put_object_acl"),
        ("PUT", "/b/k", "tagging", {}, "put_object_tagging"),
        ("POST", "/b/k", "uploads", {}, "create_multipart_upload"),
        ("POST", "/b/k", "uploadId=u", {}, "complete_multipart_upload"),
        ("POST", "/b/k", "restore", {}, "restore_object"),
        ("DELETE", "/b/k", "", {}, "delete_object"),
        ("DELETE", "/b/k", "uploadId=u", {}, "abort_multipart_upload"),
        ("DELETE", "/b/k", "tagging", {}, "delete_object_tagging"),
    ],
)
def test_each_row_names_its_operation(
    method: str, path: str, query: str, headers: dict[str, str], operation: str
) -> None:
    assert _op(method, path, query, headers) == operation


@pytest.mark.parametrize(
    ("method", "path", "query"),
    [
        ("PUT", "/b", "website"),
        ("PUT", "/b", "policy"),
        ("PUT", "/b", "versioning"),
        ("PUT", "/b/k", "retention"),
        ("PUT", "/b/k", "legal-hold"),
        ("POST", "/b/k", "select&select-type=2"),
        ("POST", "/b", "website"),
        ("DELETE", "/b", "notification"),
        ("GET", "/b", "inventory"),
    ],
)
def test_unimplemented_subresources_answer_501_never_the_plain_operation(
    method: str, path: str, query: str
) -> None:
    with pytest.raises(S3Error) as exc:
        _op(method, path, query)
    assert (exc.value.code, exc.value.status) == ("NotImplemented", 501)


@pytest.mark.parametrize(
    ("method", "path", "resource_type"),
    [
        ("PUT", "/", "SERVICE"),
        ("DELETE", "/", "SERVICE"),
        ("POST", "/", "SERVICE"),
        ("PATCH", "/b", "BUCKET"),
        ("POST", "/b/k", "OBJECT"),
    ],
)
def test_methods_a_level_does_not_have_are_405(method: str, path: str, resource_type: str) -> None:
    with pytest.raises(S3Error) as exc:
        _op(method, path)
    assert (exc.value.code, exc.value.status) == ("MethodNotAllowed", 405)
    assert exc.value.extra["ResourceType"] == resource_type


@given(
    method=st.sampled_from(["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"]),
    level=st.sampled_from(["/", "/b", "/b/k"]),
    names=st.lists(
        st.one_of(
            st.sampled_from(sorted(NOT_IMPLEMENTED_SUBRESOURCES)),
            st.sampled_from(["uploadId", "partNumber", "uploads", "delete", "acl", "list-type"]),
            st.text(min_size=1, max_size=8),
        ),
        max_size=4,
    ),
    copy=st.booleans(),
)
def test_any_request_gets_an_operation_or_an_s3_error(
    method: str, level: str, names: list[str], copy: bool
) -> None:
    bucket, key = split_path(level)
    headers = {"x-amz-copy-source": "/b/s"} if copy else {}
    try:
        found = route(method, bucket, key, dict.fromkeys(names, ""), headers)
    except S3Error as err:
        assert err.code in ("MethodNotAllowed", "NotImplemented")
        return
    assert found.operation
    assert (found.bucket, found.key) == (bucket, key)
    # A plain operation never swallows a subresource s3box does not implement.
    if found.operation in ("get_object", "put_object", "list_objects", "create_bucket"):
        assert not NOT_IMPLEMENTED_SUBRESOURCES & set(names)
