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

class DateField(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DATE_FIELD_UNSPECIFIED: _ClassVar[DateField]
    DATE_FIELD_INVOICE_DATE: _ClassVar[DateField]
    DATE_FIELD_UPLOAD_DATE: _ClassVar[DateField]

class ExportFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EXPORT_FORMAT_UNSPECIFIED: _ClassVar[ExportFormat]
    EXPORT_FORMAT_CII_XML: _ClassVar[ExportFormat]
    EXPORT_FORMAT_JSON: _ClassVar[ExportFormat]
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
DATE_FIELD_UNSPECIFIED: DateField
DATE_FIELD_INVOICE_DATE: DateField
DATE_FIELD_UPLOAD_DATE: DateField
EXPORT_FORMAT_UNSPECIFIED: ExportFormat
EXPORT_FORMAT_CII_XML: ExportFormat
EXPORT_FORMAT_JSON: ExportFormat

class Failure(_message.Message):
    __slots__ = ("reason", "message")
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    reason: str
    message: str
    def __init__(self, reason: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class Document(_message.Message):
    __slots__ = ("name", "filename", "state", "sha256", "size_bytes", "page_count", "external_id", "create_time", "update_time", "failure", "review_reasons", "decision", "queue_position", "estimated_seconds", "vendor_name", "invoice_number", "invoice_date", "total_gross", "currency")
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
    VENDOR_NAME_FIELD_NUMBER: _ClassVar[int]
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    INVOICE_DATE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_GROSS_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
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
    vendor_name: str
    invoice_number: str
    invoice_date: str
    total_gross: str
    currency: str
    def __init__(self, name: _Optional[str] = ..., filename: _Optional[str] = ..., state: _Optional[_Union[DocumentState, str]] = ..., sha256: _Optional[str] = ..., size_bytes: _Optional[int] = ..., page_count: _Optional[int] = ..., external_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., failure: _Optional[_Union[Failure, _Mapping]] = ..., review_reasons: _Optional[_Iterable[str]] = ..., decision: _Optional[str] = ..., queue_position: _Optional[int] = ..., estimated_seconds: _Optional[float] = ..., vendor_name: _Optional[str] = ..., invoice_number: _Optional[str] = ..., invoice_date: _Optional[str] = ..., total_gross: _Optional[str] = ..., currency: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("page_size", "page_token", "state", "vendor_contains", "invoice_number", "total_gross", "date_field", "date_from", "date_to")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    VENDOR_CONTAINS_FIELD_NUMBER: _ClassVar[int]
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    TOTAL_GROSS_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_FIELD_NUMBER: _ClassVar[int]
    DATE_FROM_FIELD_NUMBER: _ClassVar[int]
    DATE_TO_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    state: DocumentState
    vendor_contains: str
    invoice_number: str
    total_gross: str
    date_field: DateField
    date_from: str
    date_to: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., state: _Optional[_Union[DocumentState, str]] = ..., vendor_contains: _Optional[str] = ..., invoice_number: _Optional[str] = ..., total_gross: _Optional[str] = ..., date_field: _Optional[_Union[DateField, str]] = ..., date_from: _Optional[str] = ..., date_to: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("document", "content", "content_type", "invoice")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    document: Document
    content: bytes
    content_type: str
    invoice: ApprovedInvoice
    def __init__(self, document: _Optional[_Union[Document, _Mapping]] = ..., content: _Optional[bytes] = ..., content_type: _Optional[str] = ..., invoice: _Optional[_Union[ApprovedInvoice, _Mapping]] = ...) -> None: ...

class InvoiceLine(_message.Message):
    __slots__ = ("description", "quantity", "unit", "unit_price", "amount", "tax_rate", "product_code")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    TAX_RATE_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_CODE_FIELD_NUMBER: _ClassVar[int]
    description: str
    quantity: str
    unit: str
    unit_price: str
    amount: str
    tax_rate: str
    product_code: str
    def __init__(self, description: _Optional[str] = ..., quantity: _Optional[str] = ..., unit: _Optional[str] = ..., unit_price: _Optional[str] = ..., amount: _Optional[str] = ..., tax_rate: _Optional[str] = ..., product_code: _Optional[str] = ...) -> None: ...

class TaxBreakdown(_message.Message):
    __slots__ = ("rate", "base", "amount")
    RATE_FIELD_NUMBER: _ClassVar[int]
    BASE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    rate: str
    base: str
    amount: str
    def __init__(self, rate: _Optional[str] = ..., base: _Optional[str] = ..., amount: _Optional[str] = ...) -> None: ...

class InvoiceHeader(_message.Message):
    __slots__ = ("vendor_name", "vendor_address", "vendor_tax_id", "customer_name", "customer_tax_id", "invoice_number", "invoice_date", "due_date", "purchase_order", "payment_terms", "currency", "total_net", "total_tax", "total_gross", "amount_due", "iban", "bic", "document_type")
    VENDOR_NAME_FIELD_NUMBER: _ClassVar[int]
    VENDOR_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    VENDOR_TAX_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_NAME_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_TAX_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    INVOICE_DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_ORDER_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_TERMS_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    TOTAL_NET_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TAX_FIELD_NUMBER: _ClassVar[int]
    TOTAL_GROSS_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_DUE_FIELD_NUMBER: _ClassVar[int]
    IBAN_FIELD_NUMBER: _ClassVar[int]
    BIC_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    vendor_name: str
    vendor_address: str
    vendor_tax_id: str
    customer_name: str
    customer_tax_id: str
    invoice_number: str
    invoice_date: str
    due_date: str
    purchase_order: str
    payment_terms: str
    currency: str
    total_net: str
    total_tax: str
    total_gross: str
    amount_due: str
    iban: str
    bic: str
    document_type: str
    def __init__(self, vendor_name: _Optional[str] = ..., vendor_address: _Optional[str] = ..., vendor_tax_id: _Optional[str] = ..., customer_name: _Optional[str] = ..., customer_tax_id: _Optional[str] = ..., invoice_number: _Optional[str] = ..., invoice_date: _Optional[str] = ..., due_date: _Optional[str] = ..., purchase_order: _Optional[str] = ..., payment_terms: _Optional[str] = ..., currency: _Optional[str] = ..., total_net: _Optional[str] = ..., total_tax: _Optional[str] = ..., total_gross: _Optional[str] = ..., amount_due: _Optional[str] = ..., iban: _Optional[str] = ..., bic: _Optional[str] = ..., document_type: _Optional[str] = ...) -> None: ...

class Approval(_message.Message):
    __slots__ = ("approved_by", "approve_time", "automatic", "checks_overridden", "overridden_checks", "review_reasons", "bank_details_unconfirmed", "bank_details_confirmed_by")
    APPROVED_BY_FIELD_NUMBER: _ClassVar[int]
    APPROVE_TIME_FIELD_NUMBER: _ClassVar[int]
    AUTOMATIC_FIELD_NUMBER: _ClassVar[int]
    CHECKS_OVERRIDDEN_FIELD_NUMBER: _ClassVar[int]
    OVERRIDDEN_CHECKS_FIELD_NUMBER: _ClassVar[int]
    REVIEW_REASONS_FIELD_NUMBER: _ClassVar[int]
    BANK_DETAILS_UNCONFIRMED_FIELD_NUMBER: _ClassVar[int]
    BANK_DETAILS_CONFIRMED_BY_FIELD_NUMBER: _ClassVar[int]
    approved_by: str
    approve_time: _timestamp_pb2.Timestamp
    automatic: bool
    checks_overridden: bool
    overridden_checks: _containers.RepeatedScalarFieldContainer[str]
    review_reasons: _containers.RepeatedScalarFieldContainer[str]
    bank_details_unconfirmed: bool
    bank_details_confirmed_by: str
    def __init__(self, approved_by: _Optional[str] = ..., approve_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., automatic: _Optional[bool] = ..., checks_overridden: _Optional[bool] = ..., overridden_checks: _Optional[_Iterable[str]] = ..., review_reasons: _Optional[_Iterable[str]] = ..., bank_details_unconfirmed: _Optional[bool] = ..., bank_details_confirmed_by: _Optional[str] = ...) -> None: ...

class ApprovedInvoice(_message.Message):
    __slots__ = ("document", "state", "filename", "external_id", "upload_time", "header", "line_items", "tax_details", "route", "approval")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_TIME_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    LINE_ITEMS_FIELD_NUMBER: _ClassVar[int]
    TAX_DETAILS_FIELD_NUMBER: _ClassVar[int]
    ROUTE_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_FIELD_NUMBER: _ClassVar[int]
    document: str
    state: DocumentState
    filename: str
    external_id: str
    upload_time: _timestamp_pb2.Timestamp
    header: InvoiceHeader
    line_items: _containers.RepeatedCompositeFieldContainer[InvoiceLine]
    tax_details: _containers.RepeatedCompositeFieldContainer[TaxBreakdown]
    route: _routing_service_pb2.Route
    approval: Approval
    def __init__(self, document: _Optional[str] = ..., state: _Optional[_Union[DocumentState, str]] = ..., filename: _Optional[str] = ..., external_id: _Optional[str] = ..., upload_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., header: _Optional[_Union[InvoiceHeader, _Mapping]] = ..., line_items: _Optional[_Iterable[_Union[InvoiceLine, _Mapping]]] = ..., tax_details: _Optional[_Iterable[_Union[TaxBreakdown, _Mapping]]] = ..., route: _Optional[_Union[_routing_service_pb2.Route, _Mapping]] = ..., approval: _Optional[_Union[Approval, _Mapping]] = ...) -> None: ...

class ListApprovedInvoicesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "date_field", "date_from", "date_to")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_FIELD_NUMBER: _ClassVar[int]
    DATE_FROM_FIELD_NUMBER: _ClassVar[int]
    DATE_TO_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    date_field: DateField
    date_from: str
    date_to: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., date_field: _Optional[_Union[DateField, str]] = ..., date_from: _Optional[str] = ..., date_to: _Optional[str] = ...) -> None: ...

class ListApprovedInvoicesResponse(_message.Message):
    __slots__ = ("invoices", "next_page_token")
    INVOICES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    invoices: _containers.RepeatedCompositeFieldContainer[ApprovedInvoice]
    next_page_token: str
    def __init__(self, invoices: _Optional[_Iterable[_Union[ApprovedInvoice, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
