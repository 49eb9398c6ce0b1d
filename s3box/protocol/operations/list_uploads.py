"""ListMultipartUploads: its typed input, parse and render, and the
ListMultipartUploadsResult document from a typed page record (the paging and
delimiter roll-up are the engine's)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from s3box.protocol.operations.listing import common_prefixes
from s3box.protocol.query import MAX_PAGE_SIZE, int_query_param, parse_encoding_type
from s3box.protocol.request import RequestHead, bucket_of
from s3box.protocol.response import Response, xml_response
from s3box.protocol.timefmt import iso8601_ms
from s3box.protocol.xmlrender import (
    OWNER,
    Owner,
    bool_text,
    document,
    el,
    encoder,
    owner_el,
)
from s3box.records import UploadInfo, UploadsPage


@dataclass(slots=True)
class ListMultipartUploadsOutput:
    """One page of ListMultipartUploads as its result shows it."""

    bucket: str
    key_marker: str | None
    upload_id_marker: str | None
    next_key_marker: str | None
    next_upload_id_marker: str | None
    max_uploads: int
    is_truncated: bool
    uploads: Sequence[UploadInfo]
    common_prefixes: Sequence[str]
    prefix: str | None
    delimiter: str | None
    encoding_type: str | None
    owner: Owner


def _upload(u: UploadInfo, enc: Callable[[str], str], owner_xml: str) -> str:
    extra = ""
    record = u.fields.checksum
    if record is not None and record.algorithm:
        extra += el("ChecksumAlgorithm", record.algorithm)
    if record is not None and record.type:
        extra += el("ChecksumType", record.type)
    return (
        f"<Upload><Key>{enc(u.key)}</Key>{el('UploadId', u.upload_id)}{owner_xml}"
        f"{el('StorageClass', u.fields.storage_class)}"
        f"<Initiated>{iso8601_ms(u.initiated)}</Initiated>{extra}</Upload>"
    )


def list_multipart_uploads_result(out: ListMultipartUploadsOutput) -> bytes:
    """ListMultipartUploadsResult (ListMultipartUploads reference, all fields).

    With encoding-type=url, Delimiter, KeyMarker, Prefix, NextKeyMarker and
    Key are encoded (reference, EncodingType); upload ids never are.
    """
    enc = encoder(out.encoding_type)
    parts = [
        el("Bucket", out.bucket),
        f"<KeyMarker>{enc(out.key_marker or '')}</KeyMarker>",
        el("UploadIdMarker", out.upload_id_marker or ""),
        f"<NextKeyMarker>{enc(out.next_key_marker or '')}</NextKeyMarker>",
        el("NextUploadIdMarker", out.next_upload_id_marker or ""),
    ]
    if out.delimiter:
        parts.append(f"<Delimiter>{enc(out.delimiter)}</Delimiter>")
    parts.append(f"<Prefix>{enc(out.prefix or '')}</Prefix>")
    parts.append(f"<MaxUploads>{out.max_uploads}</MaxUploads>")
    if out.encoding_type:
        parts.append(el("EncodingType", out.encoding_type))
    parts.append(f"<IsTruncated>{bool_text(out.is_truncated)}</IsTruncated>")
    owner_xml = owner_el("Initiator", out.owner) + owner_el("Owner", out.owner)
    parts.extend(_upload(u, enc, owner_xml) for u in out.uploads)
    parts.append(common_prefixes(out.common_prefixes, enc))
    return document("ListMultipartUploadsResult", "".join(parts))


@dataclass(frozen=True, slots=True)
class ListMultipartUploadsInput:
    bucket: str
    prefix: str
    delimiter: str
    key_marker: str
    upload_id_marker: str
    max_uploads: int
    encoding_type: str | None


def parse_list_multipart_uploads(req: RequestHead) -> ListMultipartUploadsInput:
    bucket = bucket_of(req)
    q = req.query
    prefix = q.get("prefix", "")
    delimiter = q.get("delimiter", "")
    key_marker = q.get("key-marker", "")
    upload_id_marker = q.get("upload-id-marker", "")
    max_uploads = int_query_param(q, "max-uploads", MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    encoding_type = parse_encoding_type(q)
    return ListMultipartUploadsInput(
        bucket, prefix, delimiter, key_marker, upload_id_marker, max_uploads, encoding_type
    )


def render_list_multipart_uploads(inp: ListMultipartUploadsInput, page: UploadsPage) -> Response:
    """The engine's page as ListMultipartUploadsResult (an empty query value
    renders as an absent one)."""
    out = ListMultipartUploadsOutput(
        bucket=inp.bucket,
        key_marker=inp.key_marker or None,
        upload_id_marker=inp.upload_id_marker or None,
        next_key_marker=page.next_key_marker,
        next_upload_id_marker=page.next_upload_id_marker,
        max_uploads=inp.max_uploads,
        is_truncated=page.is_truncated,
        uploads=page.uploads,
        common_prefixes=page.common_prefixes,
        prefix=inp.prefix or None,
        delimiter=inp.delimiter or None,
        encoding_type=inp.encoding_type,
        owner=OWNER,
    )
    return xml_response(list_multipart_uploads_result(out))
