"""DeleteObjects: its typed input (from the Delete request body and the
headers), and the DeleteResult answer.

Pure code; which keys were deleted is the engine's answer, passed in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from s3box.protocol.names import validate_key
from s3box.protocol.payload import verify_content_md5
from s3box.protocol.query import INVALID_VERSION_ID
from s3box.protocol.request import RequestHead, bucket_of
from s3box.protocol.response import Response, xml_response
from s3box.protocol.xmlparse import (
    child,
    children,
    malformed,
    optional_text,
    parse_root,
    required_text,
    text_of,
)
from s3box.protocol.xmlrender import document, el
from s3box.records import DeleteResult

MAX_DELETE_OBJECTS = 1000  # DeleteObjects: "up to 1,000 keys"


@dataclass(frozen=True, slots=True)
class DeleteObjectsInput:
    bucket: str
    keys: list[str]  # in request order, repeats kept
    version_ids: list[str | None]  # each key's VersionId, or None
    quiet: bool

    @property
    def deletable(self) -> list[str]:
        """The keys to delete: buckets are unversioned, so VersionId "null" names
        the current object and any other version does not exist (that key is
        left alone, as DeleteObject answers it)."""
        return [k for k, v in zip(self.keys, self.version_ids, strict=True) if _current(v)]


def _current(version_id: str | None) -> bool:
    return version_id is None or version_id == "null"


def parse_delete_objects(req: RequestHead, body: bytes) -> DeleteObjectsInput:
    """DeleteObjects from its head and the body the server read: the body checked
    against Content-MD5 (when sent), then parsed, then every key validated."""
    bucket = bucket_of(req)
    verify_content_md5(req.headers, hashlib.md5(body).digest())
    keys, version_ids, quiet = parse_delete_objects_xml(body)
    for key in keys:
        validate_key(key)
    return DeleteObjectsInput(bucket=bucket, keys=keys, version_ids=version_ids, quiet=quiet)


def render_delete_objects(inp: DeleteObjectsInput, deleted: Sequence[DeleteResult]) -> Response:
    """DeleteResult of every key the request named, in its order: the engine's
    result for each deletable key (`deleted`), InvalidArgument for a key whose
    version does not exist."""
    done = {r.key: r for r in deleted}
    results = [
        done[k] if _current(v) else DeleteResult(k, "InvalidArgument", INVALID_VERSION_ID)
        for k, v in zip(inp.keys, inp.version_ids, strict=True)
    ]
    return xml_response(render_delete_objects_xml(results, inp.quiet, inp.version_ids))


def parse_delete_objects_xml(body: bytes) -> tuple[list[str], list[str | None], bool]:
    """Delete request of DeleteObjects -> (keys in request order, each one's
    VersionId or None, quiet).

    DeleteObjects reference: Object is required and at most 1000 may be
    given; S3 answers MalformedXML to both violations (as moto and
    floci-io/floci#2201 confirm for zero objects).
    """
    root = parse_root(body, "Delete")
    objects = children(root, "Object")
    if not objects or len(objects) > MAX_DELETE_OBJECTS:
        raise malformed()
    keys = [required_text(obj, "Key") for obj in objects]
    version_ids = [optional_text(obj, "VersionId") for obj in objects]
    quiet_el = child(root, "Quiet")
    quiet = quiet_el is not None and text_of(quiet_el).strip().lower() == "true"
    return keys, version_ids, quiet


def render_delete_objects_xml(
    results: Sequence[DeleteResult],
    quiet: bool,
    version_ids: Sequence[str | None] | None = None,
) -> bytes:
    """DeleteResult of DeleteObjects. Quiet mode lists only the errors
    (DeleteObjects reference: "the response includes only keys where the
    delete action encountered an error"). A VersionId the request named for
    a key (version_ids, parallel to results) is echoed in its entry."""
    parts: list[str] = []
    for i, r in enumerate(results):
        version_id = version_ids[i] if version_ids is not None else None
        version = el("VersionId", version_id) if version_id is not None else ""
        if r.error_code is None:
            if not quiet:
                parts.append(f"<Deleted>{el('Key', r.key)}{version}</Deleted>")
            continue
        message = r.error_message if r.error_message is not None else r.error_code
        parts.append(
            f"<Error>{el('Key', r.key)}{version}{el('Code', r.error_code)}"
            f"{el('Message', message)}</Error>"
        )
    return document("DeleteResult", "".join(parts))
