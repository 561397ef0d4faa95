import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TuningJobState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TUNING_JOB_STATE_UNSPECIFIED: _ClassVar[TuningJobState]
    TUNING_JOB_STATE_PENDING: _ClassVar[TuningJobState]
    TUNING_JOB_STATE_RUNNING: _ClassVar[TuningJobState]
    TUNING_JOB_STATE_SUCCEEDED: _ClassVar[TuningJobState]
    TUNING_JOB_STATE_FAILED: _ClassVar[TuningJobState]
    TUNING_JOB_STATE_CANCELLED: _ClassVar[TuningJobState]
TUNING_JOB_STATE_UNSPECIFIED: TuningJobState
TUNING_JOB_STATE_PENDING: TuningJobState
TUNING_JOB_STATE_RUNNING: TuningJobState
TUNING_JOB_STATE_SUCCEEDED: TuningJobState
TUNING_JOB_STATE_FAILED: TuningJobState
TUNING_JOB_STATE_CANCELLED: TuningJobState

class TuningProgress(_message.Message):
    __slots__ = ("stage", "step", "total_steps", "loss", "eta_seconds")
    STAGE_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    TOTAL_STEPS_FIELD_NUMBER: _ClassVar[int]
    LOSS_FIELD_NUMBER: _ClassVar[int]
    ETA_SECONDS_FIELD_NUMBER: _ClassVar[int]
    stage: str
    step: int
    total_steps: int
    loss: float
    eta_seconds: float
    def __init__(self, stage: _Optional[str] = ..., step: _Optional[int] = ..., total_steps: _Optional[int] = ..., loss: _Optional[float] = ..., eta_seconds: _Optional[float] = ...) -> None: ...

class TuningJobError(_message.Message):
    __slots__ = ("code", "reason", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: int
    reason: str
    message: str
    def __init__(self, code: _Optional[int] = ..., reason: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class TuningJob(_message.Message):
    __slots__ = ("name", "task", "state", "progress", "metrics", "error", "adapter", "promoted", "gate_summary", "dataset_sha256", "create_time", "start_time", "end_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ADAPTER_FIELD_NUMBER: _ClassVar[int]
    PROMOTED_FIELD_NUMBER: _ClassVar[int]
    GATE_SUMMARY_FIELD_NUMBER: _ClassVar[int]
    DATASET_SHA256_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    task: str
    state: TuningJobState
    progress: TuningProgress
    metrics: _struct_pb2.Struct
    error: TuningJobError
    adapter: str
    promoted: bool
    gate_summary: str
    dataset_sha256: str
    create_time: _timestamp_pb2.Timestamp
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., task: _Optional[str] = ..., state: _Optional[_Union[TuningJobState, str]] = ..., progress: _Optional[_Union[TuningProgress, _Mapping]] = ..., metrics: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., error: _Optional[_Union[TuningJobError, _Mapping]] = ..., adapter: _Optional[str] = ..., promoted: _Optional[bool] = ..., gate_summary: _Optional[str] = ..., dataset_sha256: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TuningJobConfig(_message.Message):
    __slots__ = ("max_steps", "learning_rate", "lora_rank", "synthetic_examples", "auto_promote", "max_reviewer_share", "dev_documents")
    MAX_STEPS_FIELD_NUMBER: _ClassVar[int]
    LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    LORA_RANK_FIELD_NUMBER: _ClassVar[int]
    SYNTHETIC_EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    AUTO_PROMOTE_FIELD_NUMBER: _ClassVar[int]
    MAX_REVIEWER_SHARE_FIELD_NUMBER: _ClassVar[int]
    DEV_DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    max_steps: int
    learning_rate: float
    lora_rank: int
    synthetic_examples: int
    auto_promote: bool
    max_reviewer_share: float
    dev_documents: int
    def __init__(self, max_steps: _Optional[int] = ..., learning_rate: _Optional[float] = ..., lora_rank: _Optional[int] = ..., synthetic_examples: _Optional[int] = ..., auto_promote: _Optional[bool] = ..., max_reviewer_share: _Optional[float] = ..., dev_documents: _Optional[int] = ...) -> None: ...

class CreateTuningJobRequest(_message.Message):
    __slots__ = ("task", "config", "request_id")
    TASK_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    task: str
    config: TuningJobConfig
    request_id: str
    def __init__(self, task: _Optional[str] = ..., config: _Optional[_Union[TuningJobConfig, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateTuningJobResponse(_message.Message):
    __slots__ = ("tuning_job",)
    TUNING_JOB_FIELD_NUMBER: _ClassVar[int]
    tuning_job: TuningJob
    def __init__(self, tuning_job: _Optional[_Union[TuningJob, _Mapping]] = ...) -> None: ...

class GetTuningJobRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetTuningJobResponse(_message.Message):
    __slots__ = ("tuning_job",)
    TUNING_JOB_FIELD_NUMBER: _ClassVar[int]
    tuning_job: TuningJob
    def __init__(self, tuning_job: _Optional[_Union[TuningJob, _Mapping]] = ...) -> None: ...

class ListTuningJobsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListTuningJobsResponse(_message.Message):
    __slots__ = ("tuning_jobs", "next_page_token")
    TUNING_JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tuning_jobs: _containers.RepeatedCompositeFieldContainer[TuningJob]
    next_page_token: str
    def __init__(self, tuning_jobs: _Optional[_Iterable[_Union[TuningJob, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CancelTuningJobRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class CancelTuningJobResponse(_message.Message):
    __slots__ = ("tuning_job",)
    TUNING_JOB_FIELD_NUMBER: _ClassVar[int]
    tuning_job: TuningJob
    def __init__(self, tuning_job: _Optional[_Union[TuningJob, _Mapping]] = ...) -> None: ...

class WatchTuningJobRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class WatchTuningJobResponse(_message.Message):
    __slots__ = ("tuning_job",)
    TUNING_JOB_FIELD_NUMBER: _ClassVar[int]
    tuning_job: TuningJob
    def __init__(self, tuning_job: _Optional[_Union[TuningJob, _Mapping]] = ...) -> None: ...

class Adapter(_message.Message):
    __slots__ = ("name", "task", "version", "base_model", "dataset_sha256", "metrics", "gate_report", "aliases", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    BASE_MODEL_FIELD_NUMBER: _ClassVar[int]
    DATASET_SHA256_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    GATE_REPORT_FIELD_NUMBER: _ClassVar[int]
    ALIASES_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    task: str
    version: str
    base_model: str
    dataset_sha256: str
    metrics: _struct_pb2.Struct
    gate_report: _struct_pb2.Struct
    aliases: _containers.RepeatedScalarFieldContainer[str]
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., task: _Optional[str] = ..., version: _Optional[str] = ..., base_model: _Optional[str] = ..., dataset_sha256: _Optional[str] = ..., metrics: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., gate_report: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., aliases: _Optional[_Iterable[str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListAdaptersRequest(_message.Message):
    __slots__ = ("parent",)
    PARENT_FIELD_NUMBER: _ClassVar[int]
    parent: str
    def __init__(self, parent: _Optional[str] = ...) -> None: ...

class ListAdaptersResponse(_message.Message):
    __slots__ = ("adapters",)
    ADAPTERS_FIELD_NUMBER: _ClassVar[int]
    adapters: _containers.RepeatedCompositeFieldContainer[Adapter]
    def __init__(self, adapters: _Optional[_Iterable[_Union[Adapter, _Mapping]]] = ...) -> None: ...

class GetAdapterRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetAdapterResponse(_message.Message):
    __slots__ = ("adapter",)
    ADAPTER_FIELD_NUMBER: _ClassVar[int]
    adapter: Adapter
    def __init__(self, adapter: _Optional[_Union[Adapter, _Mapping]] = ...) -> None: ...

class PromoteAdapterRequest(_message.Message):
    __slots__ = ("name", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class PromoteAdapterResponse(_message.Message):
    __slots__ = ("adapter",)
    ADAPTER_FIELD_NUMBER: _ClassVar[int]
    adapter: Adapter
    def __init__(self, adapter: _Optional[_Union[Adapter, _Mapping]] = ...) -> None: ...

class RollbackAdapterRequest(_message.Message):
    __slots__ = ("parent", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class RollbackAdapterResponse(_message.Message):
    __slots__ = ("adapter",)
    ADAPTER_FIELD_NUMBER: _ClassVar[int]
    adapter: Adapter
    def __init__(self, adapter: _Optional[_Union[Adapter, _Mapping]] = ...) -> None: ...
