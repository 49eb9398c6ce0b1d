"""ACL documents: Get{Bucket,Object}Acl answers and Put{Bucket,Object}Acl bodies.

s3box has no ACLs: it only ever shows the owner with FULL_CONTROL, and the
caller decides whether a parsed policy says anything else. Pure code.
"""

from __future__ import annotations

from dataclasses import dataclass

from s3box.protocol.xmlparse import (
    child,
    children,
    local_name,
    malformed,
    parse_root,
    required_text,
    text_of,
)
from s3box.protocol.xmlrender import XSI_NS, Owner, document, escape, owner_el


@dataclass(slots=True, frozen=True)
class Grant:
    """One <Grant> of an AccessControlPolicy: grantee type (CanonicalUser,
    Group, AmazonCustomerByEmail), its ID / URI / EmailAddress, permission."""

    grantee_type: str
    grantee: str
    permission: str


def _render_owner_full_control(owner: Owner) -> bytes:
    grantee = (
        f'<Grantee xmlns:xsi="{XSI_NS}" xsi:type="CanonicalUser">'
        f"<ID>{escape(owner.id)}</ID><DisplayName>{escape(owner.display_name)}</DisplayName>"
        "</Grantee>"
    )
    body = (
        f"{owner_el('Owner', owner)}<AccessControlList><Grant>{grantee}"
        "<Permission>FULL_CONTROL</Permission></Grant></AccessControlList>"
    )
    return document("AccessControlPolicy", body)


def render_get_bucket_acl(owner: Owner) -> bytes:
    """GetBucketAcl: the owner with FULL_CONTROL, nothing else."""
    return _render_owner_full_control(owner)


def render_get_object_acl(owner: Owner) -> bytes:
    """GetObjectAcl: the owner with FULL_CONTROL, nothing else (the bucket
    owner owns every object)."""
    return _render_owner_full_control(owner)


def _parse_access_control_policy(body: bytes) -> tuple[str | None, list[Grant]]:
    root = parse_root(body, "AccessControlPolicy")
    owner = child(root, "Owner")
    owner_id = None
    if owner is not None:
        id_el = child(owner, "ID")
        owner_id = text_of(id_el).strip() if id_el is not None else None
    acl = child(root, "AccessControlList")
    grants: list[Grant] = []
    for grant in children(acl, "Grant") if acl is not None else []:
        grantee = child(grant, "Grantee")
        if grantee is None:
            raise malformed()
        kind = next(
            (v for k, v in grantee.attrib.items() if local_name(k) == "type"),
            "",
        )
        ident = ""
        for name in ("ID", "URI", "EmailAddress"):
            found = child(grantee, name)
            if found is not None:
                ident = text_of(found).strip()
                break
        grants.append(Grant(kind, ident, required_text(grant, "Permission").strip()))
    return owner_id, grants


def parse_put_bucket_acl(body: bytes) -> tuple[str | None, list[Grant]]:
    """PutBucketAcl's AccessControlPolicy -> (owner ID, grants). The grantee
    type comes from the xsi:type attribute."""
    return _parse_access_control_policy(body)


def parse_put_object_acl(body: bytes) -> tuple[str | None, list[Grant]]:
    """PutObjectAcl's AccessControlPolicy -> (owner ID, grants), as
    parse_put_bucket_acl reads it."""
    return _parse_access_control_policy(body)
