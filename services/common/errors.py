"""The domain errors of docai and the gRPC status each one maps to.

    DocAIError                      INTERNAL          INTERNAL_ERROR
    ├── InvalidArgumentError        INVALID_ARGUMENT  INVALID_ARGUMENT
    │   ├── NotAPdfError                              NOT_A_PDF
    │   ├── EncryptedDocumentError                    ENCRYPTED_DOCUMENT
    │   ├── MalformedDocumentError                    MALFORMED_DOCUMENT
    │   ├── EmptyDocumentError                        EMPTY_DOCUMENT
    │   ├── TooManyGlyphsError                        TOO_MANY_GLYPHS
    │   ├── DecompressionBombError                    DECOMPRESSION_BOMB
    │   ├── ParseTimeoutError                         PARSE_TIMEOUT
    │   ├── MalformedXmlError                         MALFORMED_XML / XML_DTD_FORBIDDEN / XML_TOO_DEEP
    │   ├── NotAnEInvoiceError                        NOT_AN_EINVOICE
    │   └── InvalidFieldError                         INVALID_FIELD
    ├── ResourceExhaustedError      RESOURCE_EXHAUSTED
    │   ├── DocumentTooLargeError                     DOCUMENT_TOO_LARGE
    │   ├── TooManyPagesError                         TOO_MANY_PAGES
    │   └── (reason given)                            TOO_MANY_UPLOADS / CHUNK_TOO_LARGE / DATABASE_FULL
    ├── UnauthenticatedError        UNAUTHENTICATED   MISSING_TOKEN / INVALID_TOKEN
    ├── PermissionDeniedError       PERMISSION_DENIED PERMISSION_DENIED
    ├── NotFoundError               NOT_FOUND         <RESOURCE>_NOT_FOUND
    ├── AlreadyExistsError          ALREADY_EXISTS    REQUEST_ID_REUSED
    ├── AbortedError                ABORTED           STALE_ETAG / LEASE_HELD / UPLOAD_IDLE
    ├── FailedPreconditionError     FAILED_PRECONDITION  <reason given>
    ├── UnavailableError            UNAVAILABLE       MODEL_UNAVAILABLE / DATABASE_UNAVAILABLE
    └── DeadlineExceededError       DEADLINE_EXCEEDED DEADLINE_EXCEEDED

Every class carries its canonical status code and ErrorInfo reason; the interceptor in
``docai.services.common.server`` is the only place that turns them into gRPC statuses (and the
database's own operational errors, a lock or a full disk, into DATABASE_UNAVAILABLE / DATABASE_FULL).
The message goes to the caller, so it must never contain internals such as ``str(exc)``
of a library exception.
"""

from __future__ import annotations

from typing import ClassVar

import grpc

DOMAIN = "docai.dev"


class DocAIError(Exception):
    """Base for every docai domain error (see the tree above)."""

    code: ClassVar[grpc.StatusCode] = grpc.StatusCode.INTERNAL
    reason: ClassVar[str] = "INTERNAL_ERROR"

    def __init__(self, message: str, *, reason: str | None = None, **metadata: str) -> None:
        super().__init__(message)
        self.message = message
        self.metadata = {key: str(value) for key, value in metadata.items()}
        if reason is not None:
            self.reason = reason  # type: ignore[misc]


class InvalidArgumentError(DocAIError):
    code, reason = grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT"


class NotAPdfError(InvalidArgumentError):
    reason = "NOT_A_PDF"


class EncryptedDocumentError(InvalidArgumentError):
    reason = "ENCRYPTED_DOCUMENT"


class MalformedDocumentError(InvalidArgumentError):
    reason = "MALFORMED_DOCUMENT"


class EmptyDocumentError(InvalidArgumentError):
    reason = "EMPTY_DOCUMENT"


class TooManyGlyphsError(InvalidArgumentError):
    reason = "TOO_MANY_GLYPHS"


class DecompressionBombError(InvalidArgumentError):
    reason = "DECOMPRESSION_BOMB"


class ParseTimeoutError(InvalidArgumentError):
    reason = "PARSE_TIMEOUT"


class MalformedXmlError(InvalidArgumentError):
    """XML that is not well-formed, declares a DTD (entities: XXE, billion laughs) or nests too deep."""

    reason = "MALFORMED_XML"


class NotAnEInvoiceError(InvalidArgumentError):
    """Well-formed XML that is neither a CII nor a UBL invoice or credit note."""

    reason = "NOT_AN_EINVOICE"


class InvalidFieldError(InvalidArgumentError):
    reason = "INVALID_FIELD"


class ResourceExhaustedError(DocAIError):
    code, reason = grpc.StatusCode.RESOURCE_EXHAUSTED, "RESOURCE_EXHAUSTED"


class DocumentTooLargeError(ResourceExhaustedError):
    reason = "DOCUMENT_TOO_LARGE"


class TooManyPagesError(ResourceExhaustedError):
    reason = "TOO_MANY_PAGES"


class UnauthenticatedError(DocAIError):
    code, reason = grpc.StatusCode.UNAUTHENTICATED, "INVALID_TOKEN"


class PermissionDeniedError(DocAIError):
    code, reason = grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED"


class NotFoundError(DocAIError):
    code, reason = grpc.StatusCode.NOT_FOUND, "NOT_FOUND"


class AlreadyExistsError(DocAIError):
    code, reason = grpc.StatusCode.ALREADY_EXISTS, "ALREADY_EXISTS"


class AbortedError(DocAIError):
    code, reason = grpc.StatusCode.ABORTED, "ABORTED"


class FailedPreconditionError(DocAIError):
    code, reason = grpc.StatusCode.FAILED_PRECONDITION, "FAILED_PRECONDITION"


class UnavailableError(DocAIError):
    code, reason = grpc.StatusCode.UNAVAILABLE, "UNAVAILABLE"


class DeadlineExceededError(DocAIError):
    """The caller's deadline passed before the work was done; the server stops instead of finishing it."""

    code, reason = grpc.StatusCode.DEADLINE_EXCEEDED, "DEADLINE_EXCEEDED"
