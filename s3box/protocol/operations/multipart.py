"""Multipart uploads, operation by operation: each one's typed input, parsed
from the request head (CompleteMultipartUpload also from the document the
handler read), and its response rendered from the engine's records.

Pure code; the documents are multipart_documents', the checksum rules
multipart_checksums'.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from s3box.protocol import checksums
from s3box.protocol.checksums import RequestChecksum
from s3box.protocol.conditions import write_condition
from s3box.protocol.errors import S3Error
from s3box.protocol.object_headers import (
    object_fields_from_headers,
    quote_etag,
    reject_customer_key,
)
from s3box.protocol.operations.copy import copy_part_result, copy_source_checker, parse_copy_source
from s3box.protocol.operations.multipart_checksums import (
    checksum_response_headers,
    final_checksum,
    parse_full_object_checksums,
    parse_upload_checksum,
    upload_algorithm,
)
from s3box.protocol.operations.multipart_documents import (
    CompletedPart,
    ListPartsOutput,
    complete_multipart_upload_result,
    initiate_multipart_upload_result,
    list_parts_result,
    page_parts,
    parse_completed_parts,
)
from s3box.protocol.query import MAX_PAGE_SIZE, int_query_param, parse_part_number
from s3box.protocol.ranges import parse_copy_source_range
from s3box.protocol.request import RequestHead, bucket_of, key_of, object_path
from s3box.protocol.response import Response, xml_response
from s3box.protocol.xmlrender import OWNER
from s3box.records import (
    MAX_PART_NUMBER,
    ChecksumRecord,
    ObjectFields,
    ObjectMeta,
    PartRecord,
    UploadInfo,
    WriteCondition,
)


def _upload_id(req: RequestHead) -> str:
    upload_id = req.query.get("uploadId", "")
    if not upload_id:
        raise S3Error("NoSuchUpload", extra={"UploadId": upload_id})
    return upload_id


def _customer_key_error(req: RequestHead) -> S3Error | None:
    """The error SSE-C headers get on a part (no upload is created with a
    customer key), kept until the upload is known to exist: NoSuchUpload
    comes first."""
    try:
        reject_customer_key(req)
    except S3Error as err:
        return err
    return None


@dataclass(frozen=True, slots=True)
class CreateMultipartUploadInput:
    bucket: str
    key: str
    fields: ObjectFields  # fields.checksum: the algorithm and type chosen, if any


def parse_create_multipart_upload(req: RequestHead) -> CreateMultipartUploadInput:
    bucket = bucket_of(req)
    key = key_of(req)
    fields = object_fields_from_headers(req)
    fields.checksum = parse_upload_checksum(req.headers)
    return CreateMultipartUploadInput(bucket, key, fields)


def render_create_multipart_upload(inp: CreateMultipartUploadInput, upload_id: str) -> Response:
    response = xml_response(initiate_multipart_upload_result(inp.bucket, inp.key, upload_id))
    response.headers.extend(checksum_response_headers(inp.fields.checksum))
    return response


@dataclass(frozen=True, slots=True)
class UploadPartInput:
    bucket: str
    key: str
    upload_id: str
    part_number: int
    customer_key_error: S3Error | None


def parse_upload_part(req: RequestHead) -> UploadPartInput:
    return UploadPartInput(
        bucket_of(req),
        key_of(req),
        _upload_id(req),
        parse_part_number(req.query.get("partNumber", "")),
        _customer_key_error(req),
    )


def part_algorithm(inp: UploadPartInput | UploadPartCopyInput, info: UploadInfo) -> str:
    """The algorithm the part is hashed in, once its upload was found (and
    the part's SSE-C headers refused)."""
    if inp.customer_key_error is not None:
        raise inp.customer_key_error
    return upload_algorithm(info)


def render_upload_part(
    info: UploadInfo,
    part: PartRecord,
    requested: RequestChecksum | None,
    values: Mapping[str, str],
) -> Response:
    """ETag, and the part's checksum: in the algorithm the client sent one in
    (values: the payload's computed checksums), else the upload's own."""
    headers = [("etag", quote_etag(part.etag))]
    if requested is not None:
        headers.append((checksums.header_name(requested.algorithm), values[requested.algorithm]))
    elif info.fields.checksum is not None and part.checksum is not None:
        headers.append((checksums.header_name(upload_algorithm(info)), part.checksum))
    return Response(headers=headers)


@dataclass(frozen=True, slots=True)
class UploadPartCopyInput:
    bucket: str
    key: str
    upload_id: str
    part_number: int
    src_bucket: str
    src_key: str
    copy_source_range: str | None  # checked against the source's size
    check_source: Callable[[ObjectMeta], None]  # copy-source conditions
    customer_key_error: S3Error | None

    def byte_range(self, size: int) -> tuple[int, int]:
        """The inclusive byte range to copy from a source of `size` bytes."""
        return parse_copy_source_range(self.copy_source_range, size)


def parse_upload_part_copy(req: RequestHead) -> UploadPartCopyInput:
    bucket = bucket_of(req)
    key = key_of(req)
    upload_id = _upload_id(req)
    number = parse_part_number(req.query.get("partNumber", ""))
    src_bucket, src_key = parse_copy_source(req.headers["x-amz-copy-source"])
    return UploadPartCopyInput(
        bucket,
        key,
        upload_id,
        number,
        src_bucket,
        src_key,
        req.headers.get("x-amz-copy-source-range"),
        copy_source_checker(req),
        _customer_key_error(req),
    )


def render_upload_part_copy(info: UploadInfo, part: PartRecord) -> Response:
    """CopyPartResult, with the part's checksum when the upload chose an algorithm."""
    extra = None
    if info.fields.checksum is not None and part.checksum:
        extra = {upload_algorithm(info): part.checksum}
    return xml_response(copy_part_result(part.etag, part.last_modified, extra))


@dataclass(frozen=True, slots=True)
class CompleteMultipartUploadInput:
    bucket: str
    key: str
    upload_id: str
    parts: list[CompletedPart]
    condition: WriteCondition | None  # If-Match / If-None-Match on the object
    full_object_checksums: dict[str, str]  # algorithm -> the whole object's value sent
    # The object's path as the client addresses it (request.object_path): Location.
    location: str = ""

    @property
    def requested(self) -> list[tuple[int, str]]:
        """(part number, ETag) of each part named, in request order."""
        return [(p.part_number, p.etag) for p in self.parts]


def parse_complete_multipart_upload(req: RequestHead, body: bytes) -> CompleteMultipartUploadInput:
    """The request head and the CompleteMultipartUpload document the handler read."""
    bucket = bucket_of(req)
    key = key_of(req)
    upload_id = _upload_id(req)
    parts = parse_completed_parts(body)
    condition = write_condition(req)
    return CompleteMultipartUploadInput(
        bucket,
        key,
        upload_id,
        parts,
        condition,
        parse_full_object_checksums(req.headers),
        object_path(req, bucket, key),
    )


def complete_checksum(
    inp: CompleteMultipartUploadInput, info: UploadInfo, parts: Sequence[PartRecord]
) -> ChecksumRecord | None:
    """The completed object's checksum, from its parts (see final_checksum)."""
    wanted = [(p.part_number, p.checksums) for p in inp.parts]
    return final_checksum(info, parts, wanted, inp.full_object_checksums)


def render_complete_multipart_upload(
    inp: CompleteMultipartUploadInput,
    info: UploadInfo,
    etag: str,
    checksum: ChecksumRecord | None,
) -> Response:
    """CompleteMultipartUploadResult; the checksum is shown when the upload chose an algorithm."""
    shown = checksum if checksum is not None and info.fields.checksum else None
    body = complete_multipart_upload_result(
        inp.location or f"/{inp.bucket}/{inp.key}",
        inp.bucket,
        inp.key,
        etag,
        {shown.algorithm: shown.value} if shown else None,
        shown.type if shown else None,
    )
    return xml_response(body)


@dataclass(frozen=True, slots=True)
class AbortMultipartUploadInput:
    bucket: str
    key: str
    upload_id: str


def parse_abort_multipart_upload(req: RequestHead) -> AbortMultipartUploadInput:
    return AbortMultipartUploadInput(bucket_of(req), key_of(req), _upload_id(req))


def render_abort_multipart_upload() -> Response:
    return Response(status=204)


@dataclass(frozen=True, slots=True)
class ListPartsInput:
    bucket: str
    key: str
    upload_id: str
    part_number_marker: int
    max_parts: int


def parse_list_parts(req: RequestHead) -> ListPartsInput:
    bucket = bucket_of(req)
    key = key_of(req)
    upload_id = _upload_id(req)
    marker = int_query_param(req.query, "part-number-marker", 0, MAX_PART_NUMBER)
    max_parts = int_query_param(req.query, "max-parts", MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    return ListPartsInput(bucket, key, upload_id, marker, max_parts)


def render_list_parts(
    inp: ListPartsInput, info: UploadInfo, parts: Sequence[PartRecord]
) -> Response:
    """The page of parts after the marker, as ListPartsResult."""
    page, truncated = page_parts(parts, inp.part_number_marker, inp.max_parts)
    record = info.fields.checksum
    out = ListPartsOutput(
        bucket=inp.bucket,
        key=inp.key,
        upload_id=inp.upload_id,
        part_number_marker=inp.part_number_marker,
        next_part_number_marker=page[-1].number if page else 0,
        max_parts=inp.max_parts,
        is_truncated=truncated,
        parts=page,
        owner=OWNER,
        storage_class=info.fields.storage_class,
        checksum_algorithm=record.algorithm if record else None,
        checksum_type=record.type if record else None,
    )
    return xml_response(list_parts_result(out))
