"""Get/Put{Bucket,Object}Acl: the typed inputs, the AccessControlPolicy
documents, and the one ACL s3box accepts.

s3box has no ACLs: it only ever shows the owner with FULL_CONTROL, and a Put
succeeds only when it says exactly that (anything else would be a fake
success: 501 NotImplemented). Pure code.
"""

from __future__ import annotations

from dataclasses import dataclass

from s3box.protocol.errors import S3Error
from s3box.protocol.query import check_version_id
from s3box.protocol.request import RequestHead, bucket_of, key_of
from s3box.protocol.response import Response, xml_response
from s3box.protocol.xmlparse import (
    child,
    children,
    local_name,
    malformed,
    parse_root,
    required_text,
    text_of,
)
from s3box.protocol.xmlrender import OWNER, OWNER_ID, XSI_NS, Owner, document, escape, owner_el

# Size cap on an AccessControlPolicy document (a few KiB; S3 refuses larger
# bodies too): what the handler reads at most.
MAX_ACL_BODY = 64 * 1024


@dataclass(slots=True, frozen=True)
class Grant:
    """One <Grant> of an AccessControlPolicy: grantee type (CanonicalUser,
    Group, AmazonCustomerByEmail), its ID / URI / EmailAddress, permission."""

    grantee_type: str
    grantee: str
    permission: str


def render_access_control_policy(owner: Owner) -> bytes:
    """The AccessControlPolicy s3box shows for every bucket and object: the
    owner with FULL_CONTROL, nothing else (the bucket owner owns every object)."""
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


def parse_access_control_policy(body: bytes) -> tuple[str | None, list[Grant]]:
    """An AccessControlPolicy -> (owner ID, grants). The grantee type comes
    from the xsi:type attribute; MalformedXML when a Grant lacks a Grantee."""
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


def _acl_not_implemented() -> S3Error:
    return S3Error(
        "NotImplemented",
        "s3box has no ACLs: only the private ACL (the owner with FULL_CONTROL) is accepted.",
    )


def check_private_acl(canned: str | None, grant_headers: tuple[str, ...], body: bytes) -> None:
    """Accept only what s3box already is: the owner with FULL_CONTROL and no
    one else, as x-amz-acl: private or an AccessControlPolicy saying so.
    Anything else (public-read, grants to others, x-amz-grant-* headers)
    would be a fake success: NotImplemented."""
    if canned is not None:
        if canned.strip() != "private" or grant_headers or body.strip():
            raise _acl_not_implemented()
        return
    if grant_headers or not body.strip():
        raise _acl_not_implemented()
    _owner, grants = parse_access_control_policy(body)
    only_owner = len(grants) == 1 and grants[0] == Grant("CanonicalUser", OWNER_ID, "FULL_CONTROL")
    if not only_owner:
        raise _acl_not_implemented()


def _grant_headers(req: RequestHead) -> tuple[str, ...]:
    return tuple(n for n in req.headers if n.startswith("x-amz-grant-"))


@dataclass(frozen=True, slots=True)
class GetBucketAclInput:
    bucket: str


def parse_get_bucket_acl(req: RequestHead) -> GetBucketAclInput:
    return GetBucketAclInput(bucket_of(req))


def render_get_bucket_acl(inp: GetBucketAclInput) -> Response:
    return xml_response(render_access_control_policy(OWNER))


@dataclass(frozen=True, slots=True)
class GetObjectAclInput:
    bucket: str
    key: str


def parse_get_object_acl(req: RequestHead) -> GetObjectAclInput:
    inp = GetObjectAclInput(bucket_of(req), key_of(req))
    check_version_id(req.query.get("versionId"))
    return inp


def render_get_object_acl(inp: GetObjectAclInput) -> Response:
    return xml_response(render_access_control_policy(OWNER))


@dataclass(frozen=True, slots=True)
class PutBucketAclInput:
    bucket: str
    canned: str | None  # x-amz-acl
    grant_headers: tuple[str, ...]  # names of the x-amz-grant-* headers sent


def parse_put_bucket_acl(req: RequestHead) -> PutBucketAclInput:
    """The request head only: the body is judged after the bucket lookup."""
    return PutBucketAclInput(bucket_of(req), req.headers.get("x-amz-acl"), _grant_headers(req))


def render_put_bucket_acl(inp: PutBucketAclInput, body: bytes) -> Response:
    """Once the bucket is known to exist (S3 answers NoSuchBucket first): 200
    for the private ACL, NotImplemented for any other (check_private_acl)."""
    check_private_acl(inp.canned, inp.grant_headers, body)
    return Response()


@dataclass(frozen=True, slots=True)
class PutObjectAclInput:
    bucket: str
    key: str
    canned: str | None  # x-amz-acl
    grant_headers: tuple[str, ...]  # names of the x-amz-grant-* headers sent


def parse_put_object_acl(req: RequestHead) -> PutObjectAclInput:
    """The request head only: the body is judged after the object lookup."""
    bucket, key = bucket_of(req), key_of(req)
    check_version_id(req.query.get("versionId"))
    return PutObjectAclInput(bucket, key, req.headers.get("x-amz-acl"), _grant_headers(req))


def render_put_object_acl(inp: PutObjectAclInput, body: bytes) -> Response:
    """Once the object is known to exist (NoSuchKey first), as
    render_put_bucket_acl: 200 for the private ACL, else NotImplemented."""
    check_private_acl(inp.canned, inp.grant_headers, body)
    return Response()
