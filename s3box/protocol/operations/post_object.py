"""PostObject (browser-form uploads) on the wire: reading the multipart/form-data body,
the typed input the fields make, and the answers (204, 200, 201 PostResponse, 303).

Strategy: FormReader is fed the raw body pieces (python-multipart's streaming parser
underneath, so no part is ever held whole): it collects the fields before the file part,
bounded as S3 bounds them (20 KB), then hands out the file part's bytes as they come and
ignores whatever follows the file, as S3 does. Pure: no I/O, S3Error for every refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from s3box.protocol.errors import S3Error
from s3box.protocol.object_headers import object_fields_from_headers, quote_etag
from s3box.protocol.operations.objects import checksum_headers
from s3box.protocol.operations.tagging import parse_object_tags
from s3box.protocol.post_auth import missing_field
from s3box.protocol.request import Head
from s3box.protocol.response import Response, xml_response
from s3box.protocol.xmlrender import document, el, quoted_etag_el
from s3box.records import ObjectFields, ObjectMeta

# S3: "the form fields preceding the file" may total 20 KB (MaxPostPreDataLengthBytes).
MAX_PRE_DATA = 20480
MALFORMED = "The body of your POST request is not well-formed multipart/form-data."


def malformed_post() -> S3Error:
    return S3Error("MalformedPOSTRequest", MALFORMED)


def form_boundary(content_type: str | None) -> bytes:
    """The boundary of a multipart/form-data body; S3's 412 for another content type
    (its `Condition` element says which), MalformedPOSTRequest without a boundary."""
    kind, params = parse_options_header(content_type or "")
    if kind.lower() != b"multipart/form-data":
        raise S3Error(
            "PreconditionFailed",
            extra={"Condition": "Bucket POST must be of the enclosure-type multipart/form-data"},
        )
    boundary = params.get(b"boundary")
    if not boundary or len(boundary) > 70:
        raise malformed_post()
    return boundary


class FormReader:
    """The form of one POST, fed raw body pieces (feed) and told where the body ends
    (finish). `fields` maps lower-case names to (name as sent, value) for the fields
    before the file; `file_started` turns true at the file part (a `form-data` part named
    `file`), whose bytes each feed() returns; `filename` is its filename parameter (None
    when absent), `ended` true once the closing boundary was read."""

    def __init__(self, boundary: bytes) -> None:
        self.fields: dict[str, tuple[str, str]] = {}
        self.file_started = False
        self.file_done = False
        self.filename: str | None = None
        self.ended = False
        self._pre_data = 0
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._part: str | None = None  # name of the field being read, before the file
        self._value = bytearray()
        self._in_file = False
        self._out: list[bytes] = []
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value_data,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
                "on_end": self._end,
            },
        )

    def feed(self, chunk: bytes) -> list[bytes]:
        """One body piece in; the file bytes it carried out (none before the file)."""
        if self.ended:
            return []  # an epilogue after the closing boundary is ignored
        try:
            self._parser.write(chunk)
        except MultipartParseError:
            raise malformed_post() from None
        out, self._out = self._out, []
        return out

    def finish(self) -> None:
        """End of the body: MalformedPOSTRequest unless the closing boundary came."""
        if not self.ended:
            raise malformed_post()

    def check_file(self) -> None:
        """InvalidArgument unless the form had a file part (S3's wording and elements)."""
        if not self.file_started:
            raise S3Error(
                "InvalidArgument",
                "POST requires exactly one file upload per request.",
                extra={"ArgumentName": "file", "ArgumentValue": "0"},
            )

    # ---- python-multipart callbacks ----
    def _part_begin(self) -> None:
        self._headers = {}

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[bytes(self._header_name).lower()] = bytes(self._header_value)
        self._header_name.clear()
        self._header_value.clear()

    def _headers_finished(self) -> None:
        if self.file_started:
            return  # after the file: ignored
        kind, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = params.get(b"name")
        if kind.lower() != b"form-data" or name is None:
            raise MultipartParseError("part without a form-data name")
        text = _text(name)
        if text == "file":
            self.file_started = True
            self._in_file = True
            filename = params.get(b"filename")
            self.filename = _text(filename) if filename is not None else None
            return
        if text.lower() in self.fields:
            raise S3Error(
                "InvalidArgument",
                f"Bucket POST may contain the field named '{text}' only once.",
                extra={"ArgumentName": text, "ArgumentValue": ""},
            )
        self._count(len(name))
        self._part = text
        self._value.clear()

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self._out.append(bytes(data[start:end]))
        elif self._part is not None:
            self._count(end - start)
            self._value += data[start:end]

    def _part_end(self) -> None:
        if self._in_file:
            self._in_file = False
            self.file_done = True
        elif self._part is not None:
            self.fields[self._part.lower()] = (self._part, _text(bytes(self._value)))
            self._part = None

    def _end(self) -> None:
        self.ended = True

    def _count(self, size: int) -> None:
        self._pre_data += size
        if self._pre_data > MAX_PRE_DATA:
            raise S3Error(
                "MaxPostPreDataLengthExceeded",
                # S3's own text, spelling and grammar included.
                "Your POST request fields preceeding the upload file was too large.",
                extra={"MaxPostPreDataLengthBytes": str(MAX_PRE_DATA)},
            )


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MultipartParseError("field not UTF-8") from None


# ---- PostObjectInput ----

# Form fields that become the object's headers, as PutObject reads them.
_HEADER_FIELDS = (
    "content-type",
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-language",
    "expires",
    "content-md5",
    "x-amz-storage-class",
    "x-amz-website-redirect-location",
)
_HEADER_PREFIXES = (
    "x-amz-meta-",
    "x-amz-checksum-",
    "x-amz-server-side-encryption",
    "x-amz-object-lock-",
    "x-amz-grant-",
)


@dataclass(frozen=True, slots=True)
class PostObjectInput:
    """PostObject: the key (after `${filename}`), what the object stores, the headers
    PayloadCheck verifies the file against (Content-MD5, x-amz-checksum-*) and how to
    answer (success_action_redirect / success_action_status)."""

    bucket: str
    key: str
    fields: ObjectFields
    payload_headers: dict[str, str]
    redirect: str | None
    status: int


def post_key(form: dict[str, tuple[str, str]], filename: str | None) -> str:
    """The key field, `${filename}` replaced by the file's name (only when the file part
    names one: S3 kept the text literally otherwise)."""
    entry = form.get("key")
    if entry is None:
        raise missing_field("key")
    key = entry[1]
    if filename is not None:
        key = key.replace("${filename}", filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])
    return key


def parse_post_object(bucket: str, key: str, form: dict[str, tuple[str, str]]) -> PostObjectInput:
    """The object a (policy-checked) form describes; the field rules are PutObject's
    header rules, applied to the fields of the same names."""
    bucket_field = form.get("bucket")
    if bucket_field is not None and bucket_field[1] != bucket:
        raise S3Error(
            "InvalidArgument",
            "The bucket field does not name the bucket of the request.",
            extra={"ArgumentName": "bucket", "ArgumentValue": bucket_field[1]},
        )
    headers = {
        n: v for n, (_s, v) in form.items() if n in _HEADER_FIELDS or n.startswith(_HEADER_PREFIXES)
    }
    if "acl" in form:
        headers["x-amz-acl"] = form["acl"][1]
    head = Head(
        method="POST", bucket=bucket, key=key, headers=headers, header_list=list(headers.items())
    )
    fields = object_fields_from_headers(head)
    if "tagging" in form:
        fields.tags = parse_object_tags(form["tagging"][1].encode("utf-8"))
    payload_headers = {
        n: v for n, v in headers.items() if n == "content-md5" or n.startswith("x-amz-checksum-")
    }
    redirect = (form.get("success_action_redirect") or form.get("redirect") or ("", ""))[1]
    # A redirect S3 cannot follow (relative) is ignored: S3 answered 204 to one.
    target = redirect if urlsplit(redirect).scheme in ("http", "https") else None
    status_text = form.get("success_action_status", ("", ""))[1]
    status = int(status_text) if status_text in ("200", "201") else 204
    return PostObjectInput(bucket, key, fields, payload_headers, target, status)


def object_location(base_url: str, bucket: str, key: str, *, virtual_host: bool) -> str:
    """The object's URL as S3 writes it in Location: the key percent-encoded, `/` too."""
    path = quote(key, safe="")
    return f"{base_url}/{path}" if virtual_host else f"{base_url}/{quote(bucket, safe='')}/{path}"


def render_post_object(inp: PostObjectInput, meta: ObjectMeta, location: str) -> Response:
    """303 to success_action_redirect (with bucket, key and etag appended to its query),
    else 200 empty, 201 with a PostResponse, or 204; ETag and Location on every answer."""
    etag = quote_etag(meta.etag)
    headers = [("etag", etag), ("location", location), *checksum_headers(meta)]
    if inp.redirect is not None:
        query = urlencode({"bucket": inp.bucket, "key": inp.key, "etag": etag})
        joiner = "&" if "?" in inp.redirect else "?"
        headers[1] = ("location", f"{inp.redirect}{joiner}{query}")
        return Response(status=303, headers=headers)
    if inp.status == 201:
        body = document(
            "PostResponse",
            el("Location", location)
            + el("Bucket", inp.bucket)
            + el("Key", inp.key)
            + quoted_etag_el(meta.etag),
            namespaced=False,
        )
        response = xml_response(body, status=201)
        response.headers.extend(headers)
        return response
    return Response(status=inp.status, headers=headers)


__all__ = [
    "MAX_PRE_DATA",
    "FormReader",
    "PostObjectInput",
    "form_boundary",
    "parse_post_object",
    "post_key",
    "render_post_object",
]
