"""Generation domain ⇄ protobuf."""

from __future__ import annotations

from typing import Any, cast

from docai.schemas.product import (
    BatchItem,
    BrandExample,
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
from docai.services.generation.brands import StoredBrand
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
        kind=_KINDS[violation.kind],
        severity=_SEVERITIES[violation.severity],
        span=violation.span,
        start=violation.start,
        end=violation.end,
        detail=violation.detail,
    )


def scorecard_to_pb(card: Scorecard) -> pb.Scorecard:
    return pb.Scorecard(
        passed=card.passed,
        grounded=card.grounded,
        length_ok=card.length_ok,
        word_count=card.word_count,
        char_count=card.char_count,
        target_words=card.target_words,
        target_chars=card.target_chars,
        violations=[violation_to_pb(v) for v in card.violations],
        input_truncated=card.input_truncated,
        voice_score=card.voice_score,
        fluency=card.fluency,
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
        index=item.index,
        state=_ITEM_STATES[item.state],
        error_reason=item.error_reason,
        error_message=item.error_message,
    )
    if item.description is not None:
        message.description.CopyFrom(description_to_pb(item.description))
    return message


def product_to_pb(product: Product) -> pb.Product:
    return pb.Product(
        title=product.title,
        category=product.category,
        attributes=[pb.ProductAttribute(key=a.key, value=a.value) for a in product.attributes],
        raw_text=product.raw_text,
        language=product.language if product.language != "en" else "",
        target_words=product.target_words,
        target_chars=product.target_chars,
    )


def brand_to_pb(brand: BrandGuide | StoredBrand, *, adapter: str | None) -> pb.Brand:
    stored = brand if isinstance(brand, StoredBrand) else StoredBrand(guide=brand)
    guide = stored.guide
    message = pb.Brand(
        name=guide.name,
        display_name=guide.display_name,
        voice=guide.voice,
        rules=list(guide.rules),
        banned_words=list(guide.banned_words),
        banned_claims=list(guide.banned_claims),
        required_facts=list(guide.required_facts),
        target_words=guide.target_words,
        adapter=adapter or "",
        example_count=len(guide.examples),
        examples=[pb.BrandExample(product=product_to_pb(e.product), description=e.description) for e in guide.examples],
        max_exclamations=guide.max_exclamations,
        min_exclamations=guide.min_exclamations,
        second_person=guide.second_person,
        read_only=stored.read_only,
        etag=stored.etag,
    )
    if stored.create_time is not None:
        message.create_time.FromDatetime(stored.create_time)
    if stored.update_time is not None:
        message.update_time.FromDatetime(stored.update_time)
    return message


def brand_fields_from_pb(message: pb.Brand) -> dict[str, Any]:
    """The updatable fields of a Brand message (see :data:`~.brands.UPDATABLE`); output-only ones are ignored."""
    examples = []
    for index, example in enumerate(message.examples):
        if example.product.target_words < 0 or example.product.target_chars < 0:
            raise InvalidArgumentError(
                "targets must not be negative", reason="INVALID_EXAMPLE", field=f"brand.examples[{index}]"
            )
        examples.append(BrandExample(product=product_from_pb(example.product), description=example.description))
    if message.target_words < 0:
        raise InvalidArgumentError("target_words must not be negative", reason="INVALID_TARGET", field="target_words")
    return {
        "display_name": message.display_name,
        "voice": message.voice,
        "rules": list(message.rules),
        "banned_words": list(message.banned_words),
        "banned_claims": list(message.banned_claims),
        "required_facts": list(message.required_facts),
        "target_words": message.target_words,
        "max_exclamations": message.max_exclamations,
        "min_exclamations": message.min_exclamations,
        "second_person": message.second_person,
        "examples": examples,
    }


def feedback_to_pb(record: FeedbackRecord) -> pb.Feedback:
    message = pb.Feedback(
        name=record.name,
        description=record.description_name,
        verdict=cast("pb.FeedbackVerdict", _VERDICTS[record.verdict]),
        edited_text=record.edited_text,
        comment=record.comment,
    )
    if record.edited_scorecard is not None:
        message.edited_scorecard.CopyFrom(scorecard_to_pb(record.edited_scorecard))
    message.create_time.FromDatetime(record.create_time)
    return message
