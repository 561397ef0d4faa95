import datetime

from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ViolationKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VIOLATION_KIND_UNSPECIFIED: _ClassVar[ViolationKind]
    VIOLATION_KIND_UNGROUNDED_NUMBER: _ClassVar[ViolationKind]
    VIOLATION_KIND_UNGROUNDED_COLOUR: _ClassVar[ViolationKind]
    VIOLATION_KIND_UNGROUNDED_MATERIAL: _ClassVar[ViolationKind]
    VIOLATION_KIND_UNGROUNDED_CLAIM: _ClassVar[ViolationKind]
    VIOLATION_KIND_BANNED_WORD: _ClassVar[ViolationKind]
    VIOLATION_KIND_BANNED_CLAIM: _ClassVar[ViolationKind]
    VIOLATION_KIND_MISSING_FACT: _ClassVar[ViolationKind]
    VIOLATION_KIND_LENGTH: _ClassVar[ViolationKind]
    VIOLATION_KIND_STYLE: _ClassVar[ViolationKind]
    VIOLATION_KIND_EMPTY_TEXT: _ClassVar[ViolationKind]
    VIOLATION_KIND_FLUENCY: _ClassVar[ViolationKind]

class Severity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEVERITY_UNSPECIFIED: _ClassVar[Severity]
    SEVERITY_ERROR: _ClassVar[Severity]
    SEVERITY_WARNING: _ClassVar[Severity]

class BatchItemState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BATCH_ITEM_STATE_UNSPECIFIED: _ClassVar[BatchItemState]
    BATCH_ITEM_STATE_SUCCEEDED: _ClassVar[BatchItemState]
    BATCH_ITEM_STATE_FLAGGED: _ClassVar[BatchItemState]
    BATCH_ITEM_STATE_FAILED: _ClassVar[BatchItemState]

class FeedbackVerdict(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FEEDBACK_VERDICT_UNSPECIFIED: _ClassVar[FeedbackVerdict]
    FEEDBACK_VERDICT_ACCEPTED: _ClassVar[FeedbackVerdict]
    FEEDBACK_VERDICT_EDITED: _ClassVar[FeedbackVerdict]
    FEEDBACK_VERDICT_REJECTED: _ClassVar[FeedbackVerdict]
VIOLATION_KIND_UNSPECIFIED: ViolationKind
VIOLATION_KIND_UNGROUNDED_NUMBER: ViolationKind
VIOLATION_KIND_UNGROUNDED_COLOUR: ViolationKind
VIOLATION_KIND_UNGROUNDED_MATERIAL: ViolationKind
VIOLATION_KIND_UNGROUNDED_CLAIM: ViolationKind
VIOLATION_KIND_BANNED_WORD: ViolationKind
VIOLATION_KIND_BANNED_CLAIM: ViolationKind
VIOLATION_KIND_MISSING_FACT: ViolationKind
VIOLATION_KIND_LENGTH: ViolationKind
VIOLATION_KIND_STYLE: ViolationKind
VIOLATION_KIND_EMPTY_TEXT: ViolationKind
VIOLATION_KIND_FLUENCY: ViolationKind
SEVERITY_UNSPECIFIED: Severity
SEVERITY_ERROR: Severity
SEVERITY_WARNING: Severity
BATCH_ITEM_STATE_UNSPECIFIED: BatchItemState
BATCH_ITEM_STATE_SUCCEEDED: BatchItemState
BATCH_ITEM_STATE_FLAGGED: BatchItemState
BATCH_ITEM_STATE_FAILED: BatchItemState
FEEDBACK_VERDICT_UNSPECIFIED: FeedbackVerdict
FEEDBACK_VERDICT_ACCEPTED: FeedbackVerdict
FEEDBACK_VERDICT_EDITED: FeedbackVerdict
FEEDBACK_VERDICT_REJECTED: FeedbackVerdict

class ProductAttribute(_message.Message):
    __slots__ = ("key", "value")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: str
    def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class Product(_message.Message):
    __slots__ = ("title", "category", "attributes", "raw_text", "language", "target_words", "target_chars")
    TITLE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    RAW_TEXT_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    TARGET_WORDS_FIELD_NUMBER: _ClassVar[int]
    TARGET_CHARS_FIELD_NUMBER: _ClassVar[int]
    title: str
    category: str
    attributes: _containers.RepeatedCompositeFieldContainer[ProductAttribute]
    raw_text: str
    language: str
    target_words: int
    target_chars: int
    def __init__(self, title: _Optional[str] = ..., category: _Optional[str] = ..., attributes: _Optional[_Iterable[_Union[ProductAttribute, _Mapping]]] = ..., raw_text: _Optional[str] = ..., language: _Optional[str] = ..., target_words: _Optional[int] = ..., target_chars: _Optional[int] = ...) -> None: ...

class GenerateDescriptionRequest(_message.Message):
    __slots__ = ("product", "brand", "request_id")
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    BRAND_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    product: Product
    brand: str
    request_id: str
    def __init__(self, product: _Optional[_Union[Product, _Mapping]] = ..., brand: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class GenerateDescriptionResponse(_message.Message):
    __slots__ = ("text_delta", "description")
    TEXT_DELTA_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    text_delta: str
    description: Description
    def __init__(self, text_delta: _Optional[str] = ..., description: _Optional[_Union[Description, _Mapping]] = ...) -> None: ...

class Description(_message.Message):
    __slots__ = ("name", "brand", "text", "scorecard", "adapter", "model", "raw_text_chars_received", "raw_text_chars_used", "finish_reason")
    NAME_FIELD_NUMBER: _ClassVar[int]
    BRAND_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SCORECARD_FIELD_NUMBER: _ClassVar[int]
    ADAPTER_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    RAW_TEXT_CHARS_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    RAW_TEXT_CHARS_USED_FIELD_NUMBER: _ClassVar[int]
    FINISH_REASON_FIELD_NUMBER: _ClassVar[int]
    name: str
    brand: str
    text: str
    scorecard: Scorecard
    adapter: str
    model: str
    raw_text_chars_received: int
    raw_text_chars_used: int
    finish_reason: str
    def __init__(self, name: _Optional[str] = ..., brand: _Optional[str] = ..., text: _Optional[str] = ..., scorecard: _Optional[_Union[Scorecard, _Mapping]] = ..., adapter: _Optional[str] = ..., model: _Optional[str] = ..., raw_text_chars_received: _Optional[int] = ..., raw_text_chars_used: _Optional[int] = ..., finish_reason: _Optional[str] = ...) -> None: ...

class Violation(_message.Message):
    __slots__ = ("kind", "severity", "span", "start", "end", "detail")
    KIND_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    SPAN_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    kind: ViolationKind
    severity: Severity
    span: str
    start: int
    end: int
    detail: str
    def __init__(self, kind: _Optional[_Union[ViolationKind, str]] = ..., severity: _Optional[_Union[Severity, str]] = ..., span: _Optional[str] = ..., start: _Optional[int] = ..., end: _Optional[int] = ..., detail: _Optional[str] = ...) -> None: ...

class Scorecard(_message.Message):
    __slots__ = ("passed", "grounded", "length_ok", "word_count", "char_count", "target_words", "target_chars", "violations", "input_truncated", "voice_score", "fluency")
    PASSED_FIELD_NUMBER: _ClassVar[int]
    GROUNDED_FIELD_NUMBER: _ClassVar[int]
    LENGTH_OK_FIELD_NUMBER: _ClassVar[int]
    WORD_COUNT_FIELD_NUMBER: _ClassVar[int]
    CHAR_COUNT_FIELD_NUMBER: _ClassVar[int]
    TARGET_WORDS_FIELD_NUMBER: _ClassVar[int]
    TARGET_CHARS_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    INPUT_TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    VOICE_SCORE_FIELD_NUMBER: _ClassVar[int]
    FLUENCY_FIELD_NUMBER: _ClassVar[int]
    passed: bool
    grounded: bool
    length_ok: bool
    word_count: int
    char_count: int
    target_words: int
    target_chars: int
    violations: _containers.RepeatedCompositeFieldContainer[Violation]
    input_truncated: bool
    voice_score: float
    fluency: float
    def __init__(self, passed: _Optional[bool] = ..., grounded: _Optional[bool] = ..., length_ok: _Optional[bool] = ..., word_count: _Optional[int] = ..., char_count: _Optional[int] = ..., target_words: _Optional[int] = ..., target_chars: _Optional[int] = ..., violations: _Optional[_Iterable[_Union[Violation, _Mapping]]] = ..., input_truncated: _Optional[bool] = ..., voice_score: _Optional[float] = ..., fluency: _Optional[float] = ...) -> None: ...

class BatchGenerateDescriptionsRequest(_message.Message):
    __slots__ = ("brand", "products", "request_id")
    BRAND_FIELD_NUMBER: _ClassVar[int]
    PRODUCTS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    brand: str
    products: _containers.RepeatedCompositeFieldContainer[Product]
    request_id: str
    def __init__(self, brand: _Optional[str] = ..., products: _Optional[_Iterable[_Union[Product, _Mapping]]] = ..., request_id: _Optional[str] = ...) -> None: ...

class BatchItemResult(_message.Message):
    __slots__ = ("index", "state", "description", "error_reason", "error_message")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ERROR_REASON_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    index: int
    state: BatchItemState
    description: Description
    error_reason: str
    error_message: str
    def __init__(self, index: _Optional[int] = ..., state: _Optional[_Union[BatchItemState, str]] = ..., description: _Optional[_Union[Description, _Mapping]] = ..., error_reason: _Optional[str] = ..., error_message: _Optional[str] = ...) -> None: ...

class BatchGenerateDescriptionsResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[BatchItemResult]
    def __init__(self, results: _Optional[_Iterable[_Union[BatchItemResult, _Mapping]]] = ...) -> None: ...

class SubmitFeedbackRequest(_message.Message):
    __slots__ = ("description", "verdict", "edited_text", "comment", "request_id", "product", "generated_text")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    EDITED_TEXT_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    GENERATED_TEXT_FIELD_NUMBER: _ClassVar[int]
    description: str
    verdict: FeedbackVerdict
    edited_text: str
    comment: str
    request_id: str
    product: Product
    generated_text: str
    def __init__(self, description: _Optional[str] = ..., verdict: _Optional[_Union[FeedbackVerdict, str]] = ..., edited_text: _Optional[str] = ..., comment: _Optional[str] = ..., request_id: _Optional[str] = ..., product: _Optional[_Union[Product, _Mapping]] = ..., generated_text: _Optional[str] = ...) -> None: ...

class Feedback(_message.Message):
    __slots__ = ("name", "description", "verdict", "edited_text", "comment", "edited_scorecard", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    EDITED_TEXT_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    EDITED_SCORECARD_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    verdict: FeedbackVerdict
    edited_text: str
    comment: str
    edited_scorecard: Scorecard
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., verdict: _Optional[_Union[FeedbackVerdict, str]] = ..., edited_text: _Optional[str] = ..., comment: _Optional[str] = ..., edited_scorecard: _Optional[_Union[Scorecard, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SubmitFeedbackResponse(_message.Message):
    __slots__ = ("feedback",)
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    feedback: Feedback
    def __init__(self, feedback: _Optional[_Union[Feedback, _Mapping]] = ...) -> None: ...

class Brand(_message.Message):
    __slots__ = ("name", "display_name", "voice", "rules", "banned_words", "banned_claims", "required_facts", "target_words", "adapter", "example_count", "examples", "max_exclamations", "min_exclamations", "second_person", "read_only", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    VOICE_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    BANNED_WORDS_FIELD_NUMBER: _ClassVar[int]
    BANNED_CLAIMS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FACTS_FIELD_NUMBER: _ClassVar[int]
    TARGET_WORDS_FIELD_NUMBER: _ClassVar[int]
    ADAPTER_FIELD_NUMBER: _ClassVar[int]
    EXAMPLE_COUNT_FIELD_NUMBER: _ClassVar[int]
    EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    MAX_EXCLAMATIONS_FIELD_NUMBER: _ClassVar[int]
    MIN_EXCLAMATIONS_FIELD_NUMBER: _ClassVar[int]
    SECOND_PERSON_FIELD_NUMBER: _ClassVar[int]
    READ_ONLY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    voice: str
    rules: _containers.RepeatedScalarFieldContainer[str]
    banned_words: _containers.RepeatedScalarFieldContainer[str]
    banned_claims: _containers.RepeatedScalarFieldContainer[str]
    required_facts: _containers.RepeatedScalarFieldContainer[str]
    target_words: int
    adapter: str
    example_count: int
    examples: _containers.RepeatedCompositeFieldContainer[BrandExample]
    max_exclamations: int
    min_exclamations: int
    second_person: bool
    read_only: bool
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., voice: _Optional[str] = ..., rules: _Optional[_Iterable[str]] = ..., banned_words: _Optional[_Iterable[str]] = ..., banned_claims: _Optional[_Iterable[str]] = ..., required_facts: _Optional[_Iterable[str]] = ..., target_words: _Optional[int] = ..., adapter: _Optional[str] = ..., example_count: _Optional[int] = ..., examples: _Optional[_Iterable[_Union[BrandExample, _Mapping]]] = ..., max_exclamations: _Optional[int] = ..., min_exclamations: _Optional[int] = ..., second_person: _Optional[bool] = ..., read_only: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class BrandExample(_message.Message):
    __slots__ = ("product", "description")
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    product: Product
    description: str
    def __init__(self, product: _Optional[_Union[Product, _Mapping]] = ..., description: _Optional[str] = ...) -> None: ...

class ListBrandsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListBrandsResponse(_message.Message):
    __slots__ = ("brands", "next_page_token")
    BRANDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    brands: _containers.RepeatedCompositeFieldContainer[Brand]
    next_page_token: str
    def __init__(self, brands: _Optional[_Iterable[_Union[Brand, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetBrandRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetBrandResponse(_message.Message):
    __slots__ = ("brand",)
    BRAND_FIELD_NUMBER: _ClassVar[int]
    brand: Brand
    def __init__(self, brand: _Optional[_Union[Brand, _Mapping]] = ...) -> None: ...

class CreateBrandRequest(_message.Message):
    __slots__ = ("brand_id", "brand")
    BRAND_ID_FIELD_NUMBER: _ClassVar[int]
    BRAND_FIELD_NUMBER: _ClassVar[int]
    brand_id: str
    brand: Brand
    def __init__(self, brand_id: _Optional[str] = ..., brand: _Optional[_Union[Brand, _Mapping]] = ...) -> None: ...

class CreateBrandResponse(_message.Message):
    __slots__ = ("brand",)
    BRAND_FIELD_NUMBER: _ClassVar[int]
    brand: Brand
    def __init__(self, brand: _Optional[_Union[Brand, _Mapping]] = ...) -> None: ...

class UpdateBrandRequest(_message.Message):
    __slots__ = ("brand", "update_mask")
    BRAND_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    brand: Brand
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, brand: _Optional[_Union[Brand, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateBrandResponse(_message.Message):
    __slots__ = ("brand",)
    BRAND_FIELD_NUMBER: _ClassVar[int]
    brand: Brand
    def __init__(self, brand: _Optional[_Union[Brand, _Mapping]] = ...) -> None: ...

class DeleteBrandRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class DeleteBrandResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
