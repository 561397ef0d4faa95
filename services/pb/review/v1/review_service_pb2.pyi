import datetime

from docai.services.pb.extraction.v1 import extraction_service_pb2 as _extraction_service_pb2
from docai.services.pb.routing.v1 import routing_service_pb2 as _routing_service_pb2
from docai.services.pb.vendors.v1 import vendor_service_pb2 as _vendor_service_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ReviewTaskState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REVIEW_TASK_STATE_UNSPECIFIED: _ClassVar[ReviewTaskState]
    REVIEW_TASK_STATE_OPEN: _ClassVar[ReviewTaskState]
    REVIEW_TASK_STATE_CLAIMED: _ClassVar[ReviewTaskState]
    REVIEW_TASK_STATE_APPROVED: _ClassVar[ReviewTaskState]
    REVIEW_TASK_STATE_REJECTED: _ClassVar[ReviewTaskState]
REVIEW_TASK_STATE_UNSPECIFIED: ReviewTaskState
REVIEW_TASK_STATE_OPEN: ReviewTaskState
REVIEW_TASK_STATE_CLAIMED: ReviewTaskState
REVIEW_TASK_STATE_APPROVED: ReviewTaskState
REVIEW_TASK_STATE_REJECTED: ReviewTaskState

class ReviewReason(_message.Message):
    __slots__ = ("code", "field", "detail", "resolved", "check")
    CODE_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_FIELD_NUMBER: _ClassVar[int]
    CHECK_FIELD_NUMBER: _ClassVar[int]
    code: str
    field: str
    detail: str
    resolved: bool
    check: str
    def __init__(self, code: _Optional[str] = ..., field: _Optional[str] = ..., detail: _Optional[str] = ..., resolved: _Optional[bool] = ..., check: _Optional[str] = ...) -> None: ...

class ReviewTask(_message.Message):
    __slots__ = ("name", "document", "state", "reasons", "etag", "claimed_by", "lease_expire_time", "vendor_name", "total_gross", "currency", "create_time", "filename", "page_count", "bank_details_unconfirmed", "bank_details_confirmed_by")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    CLAIMED_BY_FIELD_NUMBER: _ClassVar[int]
    LEASE_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    VENDOR_NAME_FIELD_NUMBER: _ClassVar[int]
    TOTAL_GROSS_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    PAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    BANK_DETAILS_UNCONFIRMED_FIELD_NUMBER: _ClassVar[int]
    BANK_DETAILS_CONFIRMED_BY_FIELD_NUMBER: _ClassVar[int]
    name: str
    document: str
    state: ReviewTaskState
    reasons: _containers.RepeatedCompositeFieldContainer[ReviewReason]
    etag: str
    claimed_by: str
    lease_expire_time: _timestamp_pb2.Timestamp
    vendor_name: str
    total_gross: str
    currency: str
    create_time: _timestamp_pb2.Timestamp
    filename: str
    page_count: int
    bank_details_unconfirmed: bool
    bank_details_confirmed_by: str
    def __init__(self, name: _Optional[str] = ..., document: _Optional[str] = ..., state: _Optional[_Union[ReviewTaskState, str]] = ..., reasons: _Optional[_Iterable[_Union[ReviewReason, _Mapping]]] = ..., etag: _Optional[str] = ..., claimed_by: _Optional[str] = ..., lease_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., vendor_name: _Optional[str] = ..., total_gross: _Optional[str] = ..., currency: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., filename: _Optional[str] = ..., page_count: _Optional[int] = ..., bank_details_unconfirmed: _Optional[bool] = ..., bank_details_confirmed_by: _Optional[str] = ...) -> None: ...

class ListReviewTasksRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "state", "reason_code", "vendor_contains", "order_by", "bank_details_unconfirmed")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REASON_CODE_FIELD_NUMBER: _ClassVar[int]
    VENDOR_CONTAINS_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    BANK_DETAILS_UNCONFIRMED_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    state: ReviewTaskState
    reason_code: str
    vendor_contains: str
    order_by: str
    bank_details_unconfirmed: bool
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., state: _Optional[_Union[ReviewTaskState, str]] = ..., reason_code: _Optional[str] = ..., vendor_contains: _Optional[str] = ..., order_by: _Optional[str] = ..., bank_details_unconfirmed: _Optional[bool] = ...) -> None: ...

class ListReviewTasksResponse(_message.Message):
    __slots__ = ("review_tasks", "next_page_token", "total_size")
    REVIEW_TASKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    review_tasks: _containers.RepeatedCompositeFieldContainer[ReviewTask]
    next_page_token: str
    total_size: int
    def __init__(self, review_tasks: _Optional[_Iterable[_Union[ReviewTask, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class GetReviewTaskRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetReviewTaskResponse(_message.Message):
    __slots__ = ("review_task", "extraction", "route", "route_options", "vendor_match")
    REVIEW_TASK_FIELD_NUMBER: _ClassVar[int]
    EXTRACTION_FIELD_NUMBER: _ClassVar[int]
    ROUTE_FIELD_NUMBER: _ClassVar[int]
    ROUTE_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    VENDOR_MATCH_FIELD_NUMBER: _ClassVar[int]
    review_task: ReviewTask
    extraction: _extraction_service_pb2.Extraction
    route: _routing_service_pb2.Route
    route_options: RouteOptions
    vendor_match: _vendor_service_pb2.VendorMatch
    def __init__(self, review_task: _Optional[_Union[ReviewTask, _Mapping]] = ..., extraction: _Optional[_Union[_extraction_service_pb2.Extraction, _Mapping]] = ..., route: _Optional[_Union[_routing_service_pb2.Route, _Mapping]] = ..., route_options: _Optional[_Union[RouteOptions, _Mapping]] = ..., vendor_match: _Optional[_Union[_vendor_service_pb2.VendorMatch, _Mapping]] = ...) -> None: ...

class RouteOptions(_message.Message):
    __slots__ = ("departments",)
    DEPARTMENTS_FIELD_NUMBER: _ClassVar[int]
    departments: _containers.RepeatedCompositeFieldContainer[RouteDepartment]
    def __init__(self, departments: _Optional[_Iterable[_Union[RouteDepartment, _Mapping]]] = ...) -> None: ...

class RouteDepartment(_message.Message):
    __slots__ = ("department", "cost_centres", "approvers", "approver")
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    COST_CENTRES_FIELD_NUMBER: _ClassVar[int]
    APPROVERS_FIELD_NUMBER: _ClassVar[int]
    APPROVER_FIELD_NUMBER: _ClassVar[int]
    department: str
    cost_centres: _containers.RepeatedScalarFieldContainer[str]
    approvers: _containers.RepeatedScalarFieldContainer[str]
    approver: str
    def __init__(self, department: _Optional[str] = ..., cost_centres: _Optional[_Iterable[str]] = ..., approvers: _Optional[_Iterable[str]] = ..., approver: _Optional[str] = ...) -> None: ...

class ClaimReviewTaskRequest(_message.Message):
    __slots__ = ("name", "lease_seconds")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LEASE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    name: str
    lease_seconds: int
    def __init__(self, name: _Optional[str] = ..., lease_seconds: _Optional[int] = ...) -> None: ...

class ClaimReviewTaskResponse(_message.Message):
    __slots__ = ("review_task",)
    REVIEW_TASK_FIELD_NUMBER: _ClassVar[int]
    review_task: ReviewTask
    def __init__(self, review_task: _Optional[_Union[ReviewTask, _Mapping]] = ...) -> None: ...

class ReleaseReviewTaskRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ReleaseReviewTaskResponse(_message.Message):
    __slots__ = ("review_task",)
    REVIEW_TASK_FIELD_NUMBER: _ClassVar[int]
    review_task: ReviewTask
    def __init__(self, review_task: _Optional[_Union[ReviewTask, _Mapping]] = ...) -> None: ...

class FieldCorrection(_message.Message):
    __slots__ = ("name", "value")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: str
    def __init__(self, name: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class RouteCorrection(_message.Message):
    __slots__ = ("department", "cost_centre", "approver")
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    COST_CENTRE_FIELD_NUMBER: _ClassVar[int]
    APPROVER_FIELD_NUMBER: _ClassVar[int]
    department: str
    cost_centre: str
    approver: str
    def __init__(self, department: _Optional[str] = ..., cost_centre: _Optional[str] = ..., approver: _Optional[str] = ...) -> None: ...

class SubmitCorrectionsRequest(_message.Message):
    __slots__ = ("name", "etag", "fields", "replace_line_items", "line_items", "route", "request_id", "replace_tax_details", "tax_details")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    REPLACE_LINE_ITEMS_FIELD_NUMBER: _ClassVar[int]
    LINE_ITEMS_FIELD_NUMBER: _ClassVar[int]
    ROUTE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REPLACE_TAX_DETAILS_FIELD_NUMBER: _ClassVar[int]
    TAX_DETAILS_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    fields: _containers.RepeatedCompositeFieldContainer[FieldCorrection]
    replace_line_items: bool
    line_items: _containers.RepeatedCompositeFieldContainer[_extraction_service_pb2.LineItem]
    route: RouteCorrection
    request_id: str
    replace_tax_details: bool
    tax_details: _containers.RepeatedCompositeFieldContainer[_extraction_service_pb2.TaxDetail]
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ..., fields: _Optional[_Iterable[_Union[FieldCorrection, _Mapping]]] = ..., replace_line_items: _Optional[bool] = ..., line_items: _Optional[_Iterable[_Union[_extraction_service_pb2.LineItem, _Mapping]]] = ..., route: _Optional[_Union[RouteCorrection, _Mapping]] = ..., request_id: _Optional[str] = ..., replace_tax_details: _Optional[bool] = ..., tax_details: _Optional[_Iterable[_Union[_extraction_service_pb2.TaxDetail, _Mapping]]] = ...) -> None: ...

class SubmitCorrectionsResponse(_message.Message):
    __slots__ = ("review_task", "extraction")
    REVIEW_TASK_FIELD_NUMBER: _ClassVar[int]
    EXTRACTION_FIELD_NUMBER: _ClassVar[int]
    review_task: ReviewTask
    extraction: _extraction_service_pb2.Extraction
    def __init__(self, review_task: _Optional[_Union[ReviewTask, _Mapping]] = ..., extraction: _Optional[_Union[_extraction_service_pb2.Extraction, _Mapping]] = ...) -> None: ...

class ApproveReviewTaskRequest(_message.Message):
    __slots__ = ("name", "etag", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ApproveReviewTaskResponse(_message.Message):
    __slots__ = ("review_task",)
    REVIEW_TASK_FIELD_NUMBER: _ClassVar[int]
    review_task: ReviewTask
    def __init__(self, review_task: _Optional[_Union[ReviewTask, _Mapping]] = ...) -> None: ...

class RejectReviewTaskRequest(_message.Message):
    __slots__ = ("name", "etag", "reason", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    reason: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class RejectReviewTaskResponse(_message.Message):
    __slots__ = ("review_task",)
    REVIEW_TASK_FIELD_NUMBER: _ClassVar[int]
    review_task: ReviewTask
    def __init__(self, review_task: _Optional[_Union[ReviewTask, _Mapping]] = ...) -> None: ...

class ConfirmBankDetailsRequest(_message.Message):
    __slots__ = ("name", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ConfirmBankDetailsResponse(_message.Message):
    __slots__ = ("review_task",)
    REVIEW_TASK_FIELD_NUMBER: _ClassVar[int]
    review_task: ReviewTask
    def __init__(self, review_task: _Optional[_Union[ReviewTask, _Mapping]] = ...) -> None: ...

class ReopenDocumentRequest(_message.Message):
    __slots__ = ("name", "reason", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    reason: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ReopenDocumentResponse(_message.Message):
    __slots__ = ("review_task",)
    REVIEW_TASK_FIELD_NUMBER: _ClassVar[int]
    review_task: ReviewTask
    def __init__(self, review_task: _Optional[_Union[ReviewTask, _Mapping]] = ...) -> None: ...

class AuditEntry(_message.Message):
    __slots__ = ("id", "actor", "create_time", "action", "field", "old_value", "new_value")
    ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    OLD_VALUE_FIELD_NUMBER: _ClassVar[int]
    NEW_VALUE_FIELD_NUMBER: _ClassVar[int]
    id: int
    actor: str
    create_time: _timestamp_pb2.Timestamp
    action: str
    field: str
    old_value: str
    new_value: str
    def __init__(self, id: _Optional[int] = ..., actor: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., action: _Optional[str] = ..., field: _Optional[str] = ..., old_value: _Optional[str] = ..., new_value: _Optional[str] = ...) -> None: ...

class ListAuditEntriesRequest(_message.Message):
    __slots__ = ("parent",)
    PARENT_FIELD_NUMBER: _ClassVar[int]
    parent: str
    def __init__(self, parent: _Optional[str] = ...) -> None: ...

class ListAuditEntriesResponse(_message.Message):
    __slots__ = ("audit_entries",)
    AUDIT_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    audit_entries: _containers.RepeatedCompositeFieldContainer[AuditEntry]
    def __init__(self, audit_entries: _Optional[_Iterable[_Union[AuditEntry, _Mapping]]] = ...) -> None: ...

class RenderPageRequest(_message.Message):
    __slots__ = ("document", "page", "dpi")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    DPI_FIELD_NUMBER: _ClassVar[int]
    document: str
    page: int
    dpi: int
    def __init__(self, document: _Optional[str] = ..., page: _Optional[int] = ..., dpi: _Optional[int] = ...) -> None: ...

class RenderPageResponse(_message.Message):
    __slots__ = ("png", "width_points", "height_points", "page_count", "words")
    PNG_FIELD_NUMBER: _ClassVar[int]
    WIDTH_POINTS_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_POINTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    WORDS_FIELD_NUMBER: _ClassVar[int]
    png: bytes
    width_points: float
    height_points: float
    page_count: int
    words: _containers.RepeatedCompositeFieldContainer[PageWord]
    def __init__(self, png: _Optional[bytes] = ..., width_points: _Optional[float] = ..., height_points: _Optional[float] = ..., page_count: _Optional[int] = ..., words: _Optional[_Iterable[_Union[PageWord, _Mapping]]] = ...) -> None: ...

class PageWord(_message.Message):
    __slots__ = ("text", "bbox")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    BBOX_FIELD_NUMBER: _ClassVar[int]
    text: str
    bbox: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, text: _Optional[str] = ..., bbox: _Optional[_Iterable[float]] = ...) -> None: ...

class GetPipelineStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetPipelineStatusResponse(_message.Message):
    __slots__ = ("processing_count", "estimated_seconds")
    PROCESSING_COUNT_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_SECONDS_FIELD_NUMBER: _ClassVar[int]
    processing_count: int
    estimated_seconds: float
    def __init__(self, processing_count: _Optional[int] = ..., estimated_seconds: _Optional[float] = ...) -> None: ...
