import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Provenance(_message.Message):
    __slots__ = ("page", "bbox", "source_text", "derived", "source")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    BBOX_FIELD_NUMBER: _ClassVar[int]
    SOURCE_TEXT_FIELD_NUMBER: _ClassVar[int]
    DERIVED_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    page: int
    bbox: _containers.RepeatedScalarFieldContainer[float]
    source_text: str
    derived: str
    source: str
    def __init__(self, page: _Optional[int] = ..., bbox: _Optional[_Iterable[float]] = ..., source_text: _Optional[str] = ..., derived: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class Field(_message.Message):
    __slots__ = ("name", "value", "confidence", "provenance")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: str
    confidence: float
    provenance: Provenance
    def __init__(self, name: _Optional[str] = ..., value: _Optional[str] = ..., confidence: _Optional[float] = ..., provenance: _Optional[_Union[Provenance, _Mapping]] = ...) -> None: ...

class LineItem(_message.Message):
    __slots__ = ("fields",)
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    fields: _containers.RepeatedCompositeFieldContainer[Field]
    def __init__(self, fields: _Optional[_Iterable[_Union[Field, _Mapping]]] = ...) -> None: ...

class TaxDetail(_message.Message):
    __slots__ = ("fields",)
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    fields: _containers.RepeatedCompositeFieldContainer[Field]
    def __init__(self, fields: _Optional[_Iterable[_Union[Field, _Mapping]]] = ...) -> None: ...

class CheckResult(_message.Message):
    __slots__ = ("name", "passed", "detail", "fields")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PASSED_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    name: str
    passed: bool
    detail: str
    fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., passed: _Optional[bool] = ..., detail: _Optional[str] = ..., fields: _Optional[_Iterable[str]] = ...) -> None: ...

class Extraction(_message.Message):
    __slots__ = ("name", "fields", "line_items", "tax_details", "checks", "model", "adapter", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    LINE_ITEMS_FIELD_NUMBER: _ClassVar[int]
    TAX_DETAILS_FIELD_NUMBER: _ClassVar[int]
    CHECKS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    ADAPTER_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    fields: _containers.RepeatedCompositeFieldContainer[Field]
    line_items: _containers.RepeatedCompositeFieldContainer[LineItem]
    tax_details: _containers.RepeatedCompositeFieldContainer[TaxDetail]
    checks: _containers.RepeatedCompositeFieldContainer[CheckResult]
    model: str
    adapter: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., fields: _Optional[_Iterable[_Union[Field, _Mapping]]] = ..., line_items: _Optional[_Iterable[_Union[LineItem, _Mapping]]] = ..., tax_details: _Optional[_Iterable[_Union[TaxDetail, _Mapping]]] = ..., checks: _Optional[_Iterable[_Union[CheckResult, _Mapping]]] = ..., model: _Optional[str] = ..., adapter: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ExtractDocumentRequest(_message.Message):
    __slots__ = ("name", "adapter", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ADAPTER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    adapter: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., adapter: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ExtractDocumentResponse(_message.Message):
    __slots__ = ("extraction",)
    EXTRACTION_FIELD_NUMBER: _ClassVar[int]
    extraction: Extraction
    def __init__(self, extraction: _Optional[_Union[Extraction, _Mapping]] = ...) -> None: ...

class GetExtractionRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetExtractionResponse(_message.Message):
    __slots__ = ("extraction",)
    EXTRACTION_FIELD_NUMBER: _ClassVar[int]
    extraction: Extraction
    def __init__(self, extraction: _Optional[_Union[Extraction, _Mapping]] = ...) -> None: ...
