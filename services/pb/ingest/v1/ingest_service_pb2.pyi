import datetime

from docai.services.pb.extraction.v1 import extraction_service_pb2 as _extraction_service_pb2
from docai.services.pb.routing.v1 import routing_service_pb2 as _routing_service_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DocumentState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DOCUMENT_STATE_UNSPECIFIED: _ClassVar[DocumentState]
    DOCUMENT_STATE_RECEIVED: _ClassVar[DocumentState]
    DOCUMENT_STATE_PARSED: _ClassVar[DocumentState]
    DOCUMENT_STATE_EXTRACTED: _ClassVar[DocumentState]
    DOCUMENT_STATE_ROUTED: _ClassVar[DocumentState]
    DOCUMENT_STATE_IN_REVIEW: _ClassVar[DocumentState]
    DOCUMENT_STATE_APPROVED: _ClassVar[DocumentState]
    DOCUMENT_STATE_REJECTED: _ClassVar[DocumentState]
    DOCUMENT_STATE_EXPORTED: _ClassVar[DocumentState]
    DOCUMENT_STATE_FAILED: _ClassVar[DocumentState]

class ExportFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EXPORT_FORMAT_UNSPECIFIED: _ClassVar[ExportFormat]
    EXPORT_FORMAT_CII_XML: _ClassVar[ExportFormat]
DOCUMENT_STATE_UNSPECIFIED: DocumentState
DOCUMENT_STATE_RECEIVED: DocumentState
DOCUMENT_STATE_PARSED: DocumentState
DOCUMENT_STATE_EXTRACTED: DocumentState
DOCUMENT_STATE_ROUTED: DocumentState
DOCUMENT_STATE_IN_REVIEW: DocumentState
DOCUMENT_STATE_APPROVED: DocumentState
DOCUMENT_STATE_REJECTED: DocumentState
DOCUMENT_STATE_EXPORTED: DocumentState
DOCUMENT_STATE_FAILED: DocumentState
EXPORT_FORMAT_UNSPECIFIED: ExportFormat
EXPORT_FORMAT_CII_XML: ExportFormat

class Failure(_message.Message):
    __slots__ = ("reason", "message")
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    reason: str
    message: str
    def __init__(self, reason: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class Document(_message.Message):
    __slots__ = ("name", "filename", "state", "sha256", "size_bytes", "page_count", "external_id", "create_time", "update_time", "failure", "review_reasons", "decision", "queue_position", "estimated_seconds")
    NAME_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    PAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    FAILURE_FIELD_NUMBER: _ClassVar[int]
    REVIEW_REASONS_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    QUEUE_POSITION_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_SECONDS_FIELD_NUMBER: _ClassVar[int]
    name: str
    filename: str
    state: DocumentState
    sha256: str
    size_bytes: int
    page_count: int
    external_id: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    failure: Failure
    review_reasons: _containers.RepeatedScalarFieldContainer[str]
    decision: str
    queue_position: int
    estimated_seconds: float
    def __init__(self, name: _Optional[str] = ..., filename: _Optional[str] = ..., state: _Optional[_Union[DocumentState, str]] = ..., sha256: _Optional[str] = ..., size_bytes: _Optional[int] = ..., page_count: _Optional[int] = ..., external_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., failure: _Optional[_Union[Failure, _Mapping]] = ..., review_reasons: _Optional[_Iterable[str]] = ..., decision: _Optional[str] = ..., queue_position: _Optional[int] = ..., estimated_seconds: _Optional[float] = ...) -> None: ...

class UploadMetadata(_message.Message):
    __slots__ = ("request_id", "filename", "external_id", "content_type")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    filename: str
    external_id: str
    content_type: str
    def __init__(self, request_id: _Optional[str] = ..., filename: _Optional[str] = ..., external_id: _Optional[str] = ..., content_type: _Optional[str] = ...) -> None: ...

class UploadDocumentRequest(_message.Message):
    __slots__ = ("metadata", "chunk")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    metadata: UploadMetadata
    chunk: bytes
    def __init__(self, metadata: _Optional[_Union[UploadMetadata, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class UploadDocumentResponse(_message.Message):
    __slots__ = ("document",)
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    document: Document
    def __init__(self, document: _Optional[_Union[Document, _Mapping]] = ...) -> None: ...

class GetDocumentRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetDocumentResponse(_message.Message):
    __slots__ = ("document", "extraction", "route")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    EXTRACTION_FIELD_NUMBER: _ClassVar[int]
    ROUTE_FIELD_NUMBER: _ClassVar[int]
    document: Document
    extraction: _extraction_service_pb2.Extraction
    route: _routing_service_pb2.Route
    def __init__(self, document: _Optional[_Union[Document, _Mapping]] = ..., extraction: _Optional[_Union[_extraction_service_pb2.Extraction, _Mapping]] = ..., route: _Optional[_Union[_routing_service_pb2.Route, _Mapping]] = ...) -> None: ...

class ListDocumentsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "state")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    state: DocumentState
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., state: _Optional[_Union[DocumentState, str]] = ...) -> None: ...

class ListDocumentsResponse(_message.Message):
    __slots__ = ("documents", "next_page_token")
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    documents: _containers.RepeatedCompositeFieldContainer[Document]
    next_page_token: str
    def __init__(self, documents: _Optional[_Iterable[_Union[Document, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class WatchDocumentsRequest(_message.Message):
    __slots__ = ("name", "after_event_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    AFTER_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    after_event_id: int
    def __init__(self, name: _Optional[str] = ..., after_event_id: _Optional[int] = ...) -> None: ...

class WatchDocumentsResponse(_message.Message):
    __slots__ = ("event_id", "document")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    document: Document
    def __init__(self, event_id: _Optional[int] = ..., document: _Optional[_Union[Document, _Mapping]] = ...) -> None: ...

class ExportDocumentRequest(_message.Message):
    __slots__ = ("name", "request_id", "format")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    format: ExportFormat
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ..., format: _Optional[_Union[ExportFormat, str]] = ...) -> None: ...

class ExportDocumentResponse(_message.Message):
    __slots__ = ("document", "content", "content_type")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    document: Document
    content: bytes
    content_type: str
    def __init__(self, document: _Optional[_Union[Document, _Mapping]] = ..., content: _Optional[bytes] = ..., content_type: _Optional[str] = ...) -> None: ...
