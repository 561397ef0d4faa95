"""Generation domain ⇄ protobuf."""

from __future__ import annotations

from docai.schemas.product import (
    BatchItem,
    BrandGuide,
    Description,
    FeedbackRecord,
    Product,
    ProductAttribute,
    Scorecard,
    Verdict,
    Violation,
)
from docai.services.common.errors import InvalidArgumentError
from docai.services.pb.generation.v1 import generation_service_pb2 as pb

_KINDS = {
    "ungrounded_number": pb.VIOLATION_KIND_UNGROUNDED_NUMBER,
    "ungrounded_colour": pb.VIOLATION_KIND_UNGROUNDED_COLOUR,
    "ungrounded_material": pb.VIOLATION_KIND_UNGROUNDED_MATERIAL,
    "ungrounded_claim": pb.VIOLATION_KIND_UNGROUNDED_CLAIM,
    "banned_word": pb.VIOLATION_KIND_BANNED_WORD,
    "banned_claim": pb.VIOLATION_KIND_BANNED_CLAIM,
    "missing_fact": pb.VIOLATION_KIND_MISSING_FACT,
    "length": pb.VIOLATION_KIND_LENGTH,
    "style": pb.VIOLATION_KIND_STYLE,
    "empty_text": pb.VIOLATION_KIND_EMPTY_TEXT,
    "fluency": pb.VIOLATION_KIND_FLUENCY,
}
_SEVERITIES = {"error": pb.SEVERITY_ERROR, "warning": pb.SEVERITY_WARNING}
_ITEM_STATES = {
    "succeeded": pb.BATCH_ITEM_STATE_SUCCEEDED,
    "flagged": pb.BATCH_ITEM_STATE_FLAGGED,
    "failed": pb.BATCH_ITEM_STATE_FAILED,
}
_VERDICTS: dict[str, int] = {
    "accepted": pb.FEEDBACK_VERDICT_ACCEPTED,
    "edited": pb.FEEDBACK_VERDICT_EDITED,
    "rejected": pb.FEEDBACK_VERDICT_REJECTED,
}
_VERDICTS_FROM_PB = {value: name for name, value in _VERDICTS.items()}


def product_from_pb(message: pb.Product) -> Product:
    if message.target_words < 0 or message.target_chars < 0:
        raise InvalidArgumentError("targets must not be negative", reason="INVALID_TARGET", field="product")
    return Product(
        title=message.title,
        category=message.category,
        attributes=tuple(ProductAttribute(key=a.key, value=a.value) for a in message.attributes),
        raw_text=message.raw_text,
        language=message.language or "en",
        target_words=message.target_words,
        target_chars=message.target_chars,
    )


def verdict_from_pb(value: int) -> Verdict:
    verdict = _VERDICTS_FROM_PB.get(value)
    if verdict is None:
        raise InvalidArgumentError("verdict is required", reason="MISSING_FIELD", field="verdict")
    return verdict  # type: ignore[return-value]


def violation_to_pb(violation: Violation) -> pb.Violation:
    return pb.Violation(
        kind=_KINDS[violation.kind], severity=_SEVERITIES[violation.severity], span=violation.span,
        start=violation.start, end=violation.end, detail=violation.detail,
    )


def scorecard_to_pb(card: Scorecard) -> pb.Scorecard:
    return pb.Scorecard(
        passed=card.passed, grounded=card.grounded, length_ok=card.length_ok, word_count=card.word_count,
        char_count=card.char_count, target_words=card.target_words, target_chars=card.target_chars,
        violations=[violation_to_pb(v) for v in card.violations], input_truncated=card.input_truncated,
        voice_score=card.voice_score, fluency=card.fluency,
    )


def description_to_pb(description: Description) -> pb.Description:
    return pb.Description(
        name=description.name,
        brand=f"brands/{description.brand}",
        text=description.text,
        scorecard=scorecard_to_pb(description.scorecard),
        adapter=description.adapter or "",
        model=description.model,
        raw_text_chars_received=description.raw_text_chars_received,
        raw_text_chars_used=description.raw_text_chars_used,
        finish_reason=description.finish_reason,
    )


def batch_item_to_pb(item: BatchItem) -> pb.BatchItemResult:
    message = pb.BatchItemResult(
        index=item.index, state=_ITEM_STATES[item.state], error_reason=item.error_reason,
        error_message=item.error_message,
    )
    if item.description is not None:
        message.description.CopyFrom(description_to_pb(item.description))
    return message


def brand_to_pb(brand: BrandGuide, *, adapter: str | None) -> pb.Brand:
    return pb.Brand(
        name=brand.name, display_name=brand.display_name, voice=brand.voice, rules=list(brand.rules),
        banned_words=list(brand.banned_words), banned_claims=list(brand.banned_claims),
        required_facts=list(brand.required_facts), target_words=brand.target_words, adapter=adapter or "",
        example_count=len(brand.examples),
    )


def feedback_to_pb(record: FeedbackRecord) -> pb.Feedback:
    message = pb.Feedback(
        name=record.name, description=record.description_name, verdict=_VERDICTS[record.verdict],
        edited_text=record.edited_text, comment=record.comment,
    )
    if record.edited_scorecard is not None:
        message.edited_scorecard.CopyFrom(scorecard_to_pb(record.edited_scorecard))
    message.create_time.FromDatetime(record.create_time)
    return message
