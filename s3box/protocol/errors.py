"""S3 errors as one exception type and one code -> HTTP status table.

Raised from anywhere in the protocol and server layers, rendered in one place
(`render_error`, at the end of this module). No I/O here.
"""

from __future__ import annotations

from collections.abc import Mapping

from s3box.protocol.xmlrender import document, el

# Status for each S3 error code we emit (S3 API reference, "Error responses").
STATUS_BY_CODE: dict[str, int] = {
    "AccessDenied": 403,
    "AccessForbidden": 403,  # CORS preflights refused (S3 has no table entry for it)
    "AuthorizationHeaderMalformed": 400,
    "AuthorizationQueryParametersError": 400,
    "BadDigest": 400,
    "BadRequest": 400,
    "BucketAlreadyExists": 409,
    "BucketAlreadyOwnedByYou": 409,
    "BucketNotEmpty": 409,
    "ConditionalRequestConflict": 409,
    "EntityTooLarge": 400,
    "EntityTooSmall": 400,
    "ExpiredToken": 400,
    "IllegalLocationConstraintException": 400,
    "IncompleteBody": 400,
    "InternalError": 500,
    "InvalidAccessKeyId": 403,
    "InvalidArgument": 400,
    "InvalidBucketName": 400,
    "InvalidDigest": 400,
    "InvalidEncryptionAlgorithmError": 400,
    "InvalidLocationConstraint": 400,
    "InvalidObjectState": 403,
    "InvalidPart": 400,
    "InvalidPartNumber": 416,
    "InvalidPartOrder": 400,
    "MalformedTrailerError": 400,
    "InvalidRange": 416,
    "InvalidRequest": 400,
    "InvalidRedirectLocation": 400,
    "AccessControlListNotSupported": 400,
    "InvalidBucketAclWithObjectOwnership": 400,
    "NoSuchPublicAccessBlockConfiguration": 404,
    "InvalidStorageClass": 400,
    "InvalidTag": 400,
    "InvalidURI": 400,
    "KeyTooLongError": 400,
    "MalformedXML": 400,
    "MalformedPOSTRequest": 400,
    "MaxMessageLengthExceeded": 400,
    "MetadataTooLarge": 400,
    "MethodNotAllowed": 405,
    "MissingContentLength": 411,
    "MissingRequestBodyError": 400,
    "MissingSecurityHeader": 400,
    "NoSuchBucket": 404,
    "NoSuchBucketPolicy": 404,
    "NoSuchCORSConfiguration": 404,
    "NoSuchKey": 404,
    "NoSuchLifecycleConfiguration": 404,
    "NoSuchTagSet": 404,
    "NoSuchUpload": 404,
    "NoSuchVersion": 404,
    "NoSuchWebsiteConfiguration": 404,
    "NotImplemented": 501,
    "NotModified": 304,
    "ObjectLockConfigurationNotFoundError": 404,
    "PreconditionFailed": 412,
    "ReplicationConfigurationNotFoundError": 404,
    "RequestTimeTooSkewed": 403,
    "RequestTimeout": 400,
    "ServerSideEncryptionConfigurationNotFoundError": 404,
    "ServiceUnavailable": 503,
    "SignatureDoesNotMatch": 403,
    "SlowDown": 503,
    "TooManyBuckets": 400,
    "UnexpectedContent": 400,
    "XAmzContentSHA256Mismatch": 400,
    # Not S3 (S3 is never full): MinIO's answer for a full drive, 507 Insufficient Storage.
    "XMinioStorageFull": 507,
}

DEFAULT_MESSAGES: dict[str, str] = {
    "AccessDenied": "Access Denied",
    "BadDigest": "The Content-MD5 you specified did not match what we received.",
    "BucketAlreadyOwnedByYou": (
        "Your previous request to create the named bucket succeeded and you already own it."
    ),
    "BucketNotEmpty": "The bucket you tried to delete is not empty",
    "EntityTooSmall": "Your proposed upload is smaller than the minimum allowed object size.",
    "IncompleteBody": "You did not provide the number of bytes specified by the Content-Length "
    "HTTP header.",
    "InternalError": "We encountered an internal error. Please try again.",
    "InvalidAccessKeyId": "The AWS Access Key Id you provided does not exist in our records.",
    "InvalidBucketName": "The specified bucket is not valid.",
    "InvalidDigest": "The Content-MD5 you specified is not valid.",
    "InvalidPart": "One or more of the specified parts could not be found.  The part may not "
    "have been uploaded, or the specified entity tag may not match the part's entity tag.",
    "InvalidPartOrder": "The list of parts was not in ascending order. Parts must be ordered "
    "by part number.",
    "InvalidRange": "The requested range is not satisfiable",
    "KeyTooLongError": "Your key is too long",
    "MalformedXML": "The XML you provided was not well-formed or did not validate against "
    "our published schema",
    "MethodNotAllowed": "The specified method is not allowed against this resource.",
    "MissingContentLength": "You must provide the Content-Length HTTP header.",
    "NoSuchBucket": "The specified bucket does not exist",
    "NoSuchKey": "The specified key does not exist.",
    "NoSuchUpload": "The specified upload does not exist. The upload ID may be invalid, or "
    "the upload may have been aborted or completed.",
    "NotImplemented": "A header or query you provided implies functionality that is not "
    "implemented.",
    "PreconditionFailed": "At least one of the pre-conditions you specified did not hold",
    "RequestTimeTooSkewed": "The difference between the request time and the current time "
    "is too large.",
    "SignatureDoesNotMatch": "The request signature we calculated does not match the "
    "signature you provided. Check your key and signing method.",
    "XAmzContentSHA256Mismatch": "The provided 'x-amz-content-sha256' header does not match "
    "what was computed.",
    "XMinioStorageFull": "Storage backend has reached its minimum free drive threshold. "
    "Please delete a few objects to proceed.",
    "ServiceUnavailable": "Please reduce your request rate.",
}


class S3Error(Exception):
    """An S3 error response: code, message, and optional extra XML fields.

    `extra` holds additional child elements of <Error> (for example
    `BucketName`, `Key`, `StringToSign`), rendered in insertion order.
    `headers` are extra response headers (for example `Allow` on 405).
    """

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        status: int | None = None,
        resource: str | None = None,
        extra: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.code = code
        self.message = message if message is not None else DEFAULT_MESSAGES.get(code, code)
        self.status = status if status is not None else STATUS_BY_CODE.get(code, 400)
        self.resource = resource
        self.extra: dict[str, str] = dict(extra or {})
        self.headers: dict[str, str] = dict(headers or {})
        super().__init__(f"{code}: {self.message}")


# --- the error body --------------------------------------------------------------------


def render_error(
    code: str,
    message: str,
    resource: str | None,
    request_id: str,
    host_id: str,
    extra: Mapping[str, str] | None = None,
) -> bytes:
    """<Error> body (no namespace, as S3): Code, Message, extra fields, Resource,
    RequestId, HostId."""
    parts = [el("Code", code), el("Message", message)]
    if extra:
        parts.extend(el(name, value) for name, value in extra.items())
    if resource is not None:
        parts.append(el("Resource", resource))
    parts.append(el("RequestId", request_id))
    parts.append(el("HostId", host_id))
    return document("Error", "".join(parts), namespaced=False)
