"""DeleteObjects: the Delete request body and the DeleteResult answer.

Pure code; which keys were deleted is the engine's answer, passed in.
"""

from __future__ import annotations

from collections.abc import Sequence

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


def parse_delete_objects(body: bytes) -> tuple[list[str], list[str | None], bool]:
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


def render_delete_objects(
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
