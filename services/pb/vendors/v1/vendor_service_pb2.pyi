import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Vendor(_message.Message):
    __slots__ = ("name", "vendor_id", "display_name", "aliases", "tax_id", "iban", "bic", "department", "cost_centre", "approver", "active", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VENDOR_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ALIASES_FIELD_NUMBER: _ClassVar[int]
    TAX_ID_FIELD_NUMBER: _ClassVar[int]
    IBAN_FIELD_NUMBER: _ClassVar[int]
    BIC_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    COST_CENTRE_FIELD_NUMBER: _ClassVar[int]
    APPROVER_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    vendor_id: str
    display_name: str
    aliases: _containers.RepeatedScalarFieldContainer[str]
    tax_id: str
    iban: str
    bic: str
    department: str
    cost_centre: str
    approver: str
    active: bool
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., vendor_id: _Optional[str] = ..., display_name: _Optional[str] = ..., aliases: _Optional[_Iterable[str]] = ..., tax_id: _Optional[str] = ..., iban: _Optional[str] = ..., bic: _Optional[str] = ..., department: _Optional[str] = ..., cost_centre: _Optional[str] = ..., approver: _Optional[str] = ..., active: _Optional[bool] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class VendorMatch(_message.Message):
    __slots__ = ("vendor", "matched_by", "master_exists")
    VENDOR_FIELD_NUMBER: _ClassVar[int]
    MATCHED_BY_FIELD_NUMBER: _ClassVar[int]
    MASTER_EXISTS_FIELD_NUMBER: _ClassVar[int]
    vendor: Vendor
    matched_by: str
    master_exists: bool
    def __init__(self, vendor: _Optional[_Union[Vendor, _Mapping]] = ..., matched_by: _Optional[str] = ..., master_exists: _Optional[bool] = ...) -> None: ...

class ImportVendorsRequest(_message.Message):
    __slots__ = ("vendors", "sync", "request_id")
    VENDORS_FIELD_NUMBER: _ClassVar[int]
    SYNC_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    vendors: _containers.RepeatedCompositeFieldContainer[Vendor]
    sync: bool
    request_id: str
    def __init__(self, vendors: _Optional[_Iterable[_Union[Vendor, _Mapping]]] = ..., sync: _Optional[bool] = ..., request_id: _Optional[str] = ...) -> None: ...

class ImportVendorsResponse(_message.Message):
    __slots__ = ("created_count", "updated_count", "unchanged_count", "deactivated_count")
    CREATED_COUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_COUNT_FIELD_NUMBER: _ClassVar[int]
    UNCHANGED_COUNT_FIELD_NUMBER: _ClassVar[int]
    DEACTIVATED_COUNT_FIELD_NUMBER: _ClassVar[int]
    created_count: int
    updated_count: int
    unchanged_count: int
    deactivated_count: int
    def __init__(self, created_count: _Optional[int] = ..., updated_count: _Optional[int] = ..., unchanged_count: _Optional[int] = ..., deactivated_count: _Optional[int] = ...) -> None: ...

class ListVendorsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "name_contains", "tax_id", "active_only")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    NAME_CONTAINS_FIELD_NUMBER: _ClassVar[int]
    TAX_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_ONLY_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    name_contains: str
    tax_id: str
    active_only: bool
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., name_contains: _Optional[str] = ..., tax_id: _Optional[str] = ..., active_only: _Optional[bool] = ...) -> None: ...

class ListVendorsResponse(_message.Message):
    __slots__ = ("vendors", "next_page_token", "total_size")
    VENDORS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    vendors: _containers.RepeatedCompositeFieldContainer[Vendor]
    next_page_token: str
    total_size: int
    def __init__(self, vendors: _Optional[_Iterable[_Union[Vendor, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class GetVendorRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetVendorResponse(_message.Message):
    __slots__ = ("vendor",)
    VENDOR_FIELD_NUMBER: _ClassVar[int]
    vendor: Vendor
    def __init__(self, vendor: _Optional[_Union[Vendor, _Mapping]] = ...) -> None: ...
