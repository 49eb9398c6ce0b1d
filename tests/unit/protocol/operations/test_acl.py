"""Get{Bucket,Object}Acl answers, Put{Bucket,Object}Acl bodies, and the one
ACL a Put may state (the owner with FULL_CONTROL)."""

from __future__ import annotations

import pytest

from s3box.protocol.errors import S3Error
from s3box.protocol.operations.acl import (
    GetBucketAclInput,
    GetObjectAclInput,
    Grant,
    PutBucketAclInput,
    PutObjectAclInput,
    parse_access_control_policy,
    parse_get_bucket_acl,
    parse_get_object_acl,
    parse_put_bucket_acl,
    parse_put_object_acl,
    render_access_control_policy,
    render_get_bucket_acl,
    render_get_object_acl,
    render_put_bucket_acl,
    render_put_object_acl,
)
from s3box.protocol.request import Head
from s3box.protocol.xmlrender import OWNER, OWNER_ID, Owner
from tests.unit.protocol.operations.xmltest import NS, parse, q


def test_acl_grants_owner_full_control():
    root = parse(render_access_control_policy(Owner("id", "nm")))
    grant = root.find(q("AccessControlList/Grant"), NS)
    assert grant is not None
    grantee = grant.find(q("Grantee"), NS)
    assert grantee is not None
    assert grantee.get("{http://www.w3.org/2001/XMLSchema-instance}type") == "CanonicalUser"
    assert grantee.findtext(q("ID"), namespaces=NS) == "id"
    assert grant.findtext(q("Permission"), namespaces=NS) == "FULL_CONTROL"


ACP = b"""<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Owner><ID>owner-id</ID></Owner>
  <AccessControlList>
    <Grant>
      <Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser">
        <ID>owner-id</ID>
      </Grantee>
      <Permission>FULL_CONTROL</Permission>
    </Grant>
    <Grant>
      <Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group">
        <URI>http://acs.amazonaws.com/groups/global/AllUsers</URI>
      </Grantee>
      <Permission>READ</Permission>
    </Grant>
  </AccessControlList>
</AccessControlPolicy>"""


def test_parse_put_acl_reads_owner_and_typed_grants() -> None:
    owner, grants = parse_access_control_policy(ACP)
    assert owner == "owner-id"
    assert grants == [
        Grant("CanonicalUser", "owner-id", "FULL_CONTROL"),
        Grant("Group", "http://acs.amazonaws.com/groups/global/AllUsers", "READ"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        b"<AccessControlPolicy><AccessControlList><Grant><Permission>READ</Permission>"
        b"</Grant></AccessControlList></AccessControlPolicy>",
        b"<Tagging/>",
        b'<!DOCTYPE x [<!ENTITY e "e">]><AccessControlPolicy>&e;</AccessControlPolicy>',
        b"not xml",
    ],
)
def test_parse_put_acl_malformed_is_malformed_xml(body: bytes) -> None:
    with pytest.raises(S3Error) as exc:
        parse_access_control_policy(body)
    assert exc.value.code == "MalformedXML"


# ---- the operations: typed inputs and responses ----------------------------

PRIVATE_ACP = (
    f'<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
    f"<Owner><ID>{OWNER_ID}</ID></Owner><AccessControlList><Grant>"
    '<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser">'
    f"<ID>{OWNER_ID}</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant>"
    "</AccessControlList></AccessControlPolicy>"
).encode()


def test_parse_get_acl_inputs() -> None:
    assert parse_get_bucket_acl(Head(bucket="b")) == GetBucketAclInput("b")
    assert parse_get_object_acl(Head(bucket="b", key="k")) == GetObjectAclInput("b", "k")
    with pytest.raises(S3Error) as exc:
        parse_get_object_acl(Head(bucket="b", key="k", query={"versionId": "v1"}))
    assert exc.value.code == "InvalidArgument"


def test_render_get_acl_is_the_owner_with_full_control() -> None:
    for got in (
        render_get_bucket_acl(GetBucketAclInput("b")),
        render_get_object_acl(GetObjectAclInput("b", "k")),
    ):
        assert got.headers == [("content-type", "application/xml")]
        assert got.body == render_access_control_policy(OWNER)


def test_parse_put_acl_reads_the_canned_acl_and_grant_header_names() -> None:
    headers = {"x-amz-acl": "private", "x-amz-grant-read": "id=x", "other": "1"}
    inp = parse_put_bucket_acl(Head(bucket="b", headers=headers))
    assert inp == PutBucketAclInput("b", "private", ("x-amz-grant-read",))
    obj = parse_put_object_acl(Head(bucket="b", key="k"))
    assert obj == PutObjectAclInput("b", "k", None, ())
    with pytest.raises(S3Error) as exc:
        parse_put_object_acl(Head(bucket="b", key="k", query={"versionId": "v1"}))
    assert exc.value.code == "InvalidArgument"


@pytest.mark.parametrize(
    ("canned", "grants", "body"),
    [(" private ", (), b""), (None, (), PRIVATE_ACP)],
)
def test_render_put_acl_accepts_only_the_private_acl(canned, grants, body) -> None:
    assert render_put_bucket_acl(PutBucketAclInput("b", canned, grants), body).status == 200
    assert render_put_object_acl(PutObjectAclInput("b", "k", canned, grants), body).status == 200


@pytest.mark.parametrize(
    ("canned", "grants", "body"),
    [
        ("public-read", (), b""),
        ("private", ("x-amz-grant-read",), b""),
        ("private", (), PRIVATE_ACP),
        (None, (), b" "),
        (None, ("x-amz-grant-read",), PRIVATE_ACP),
        (None, (), ACP),
    ],
)
def test_render_put_acl_refuses_anything_else_as_not_implemented(canned, grants, body) -> None:
    with pytest.raises(S3Error) as exc:
        render_put_bucket_acl(PutBucketAclInput("b", canned, grants), body)
    assert (exc.value.code, exc.value.status) == ("NotImplemented", 501)
    with pytest.raises(S3Error) as exc:
        render_put_object_acl(PutObjectAclInput("b", "k", canned, grants), body)
    assert exc.value.code == "NotImplemented"


def test_render_put_acl_of_a_malformed_policy_is_malformed_xml() -> None:
    with pytest.raises(S3Error) as exc:
        render_put_bucket_acl(PutBucketAclInput("b", None, ()), b"not xml")
    assert exc.value.code == "MalformedXML"
