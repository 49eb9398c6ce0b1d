"""Get{Bucket,Object}Acl answers and Put{Bucket,Object}Acl bodies."""

from __future__ import annotations

import pytest

from s3box.protocol.errors import S3Error
from s3box.protocol.operations.acl import (
    Grant,
    parse_access_control_policy,
    render_access_control_policy,
)
from s3box.protocol.xmlrender import Owner
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
