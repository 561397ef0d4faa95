"""Products, brand style guides, generated descriptions and their scorecards (no protobuf here)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

BRAND_ID = re.compile(r"^[a-z][a-z0-9-]{0,62}$")

ViolationKind = Literal[
    "ungrounded_number",
    "ungrounded_colour",
    "ungrounded_material",
    "ungrounded_claim",
    "banned_word",
    "banned_claim",
    "missing_fact",
    "length",
    "style",
    "empty_text",
    "fluency",
]
Severity = Literal["error", "warning"]
Verdict = Literal["accepted", "edited", "rejected"]


class ProductAttribute(BaseModel):
    """One seller-given fact, for example ``material = merino wool``."""

    model_config = ConfigDict(frozen=True)

    key: str
    value: str


class Product(BaseModel):
    """What a seller knows about a product; the only source of facts a description may use.

    Attributes:
        title: Product title.
        category: Category, for example ``outdoor jackets``.
        attributes: Structured facts in the seller's order.
        raw_text: The seller's free text, however noisy.
        language: BCP 47 language of the description to write.
        target_words: Target length in words; 0 uses the brand's default.
        target_chars: Target length in characters; 0 means none.
    """

    model_config = ConfigDict(frozen=True)

    title: str = ""
    category: str = ""
    attributes: tuple[ProductAttribute, ...] = ()
    raw_text: str = ""
    language: str = "en"
    target_words: int = Field(0, ge=0)
    target_chars: int = Field(0, ge=0)

    def is_empty(self) -> bool:
        """Whether there is nothing to describe (no title, no attribute value, no raw text)."""
        return not (self.title.strip() or self.raw_text.strip() or any(a.value.strip() for a in self.attributes))

    def attribute(self, key: str) -> str | None:
        """The value of the first attribute named ``key`` (case-insensitive), if any."""
        wanted = key.strip().lower()
        for attribute in self.attributes:
            if attribute.key.strip().lower() == wanted:
                return attribute.value
        return None


class BrandExample(BaseModel):
    """A product and the description the brand would publish for it."""

    model_config = ConfigDict(frozen=True)

    product: Product
    description: str


class BrandGuide(BaseModel):
    """A brand's voice and rules, loaded from ``services/generation/brand_books/<id>.yaml``.

    Attributes:
        id: The brand id in ``brands/{id}``.
        display_name: Name shown to people.
        voice: The style guide in a few sentences (goes into the system prompt).
        rules: Style rules, one sentence each (also in the system prompt).
        banned_words: Words the brand never uses (matched as whole words, case-insensitive).
        banned_claims: Claims the brand never makes (phrases, case-insensitive).
        required_facts: Attribute keys the text must mention when the product has them.
        target_words: Default target length.
        max_exclamations: Most exclamation marks allowed (style rule, a warning).
        min_exclamations: Fewest exclamation marks expected (style rule, a warning).
        second_person: Whether the voice addresses the reader as "you".
        examples: Example products with their descriptions (few-shot prompts, voice classifier).
    """

    model_config = ConfigDict(frozen=True)

    id: str
    display_name: str
    voice: str
    rules: tuple[str, ...] = ()
    banned_words: tuple[str, ...] = ()
    banned_claims: tuple[str, ...] = ()
    required_facts: tuple[str, ...] = ()
    target_words: int = Field(40, gt=0)
    max_exclamations: int = Field(0, ge=0)
    min_exclamations: int = Field(0, ge=0)
    second_person: bool = False
    examples: tuple[BrandExample, ...] = ()

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        if not BRAND_ID.match(value):
            raise ValueError(f"brand id {value!r} must match {BRAND_ID.pattern}")
        return value

    @property
    def name(self) -> str:
        return f"brands/{self.id}"


class Violation(BaseModel):
    """One problem in a description; ``start``/``end`` index ``span`` in the text."""

    model_config = ConfigDict(frozen=True)

    kind: ViolationKind
    severity: Severity = "error"
    span: str = ""
    start: int = 0
    end: int = 0
    detail: str = ""


class Scorecard(BaseModel):
    """The quality checks of one description. ``passed`` is False when any violation is an error."""

    model_config = ConfigDict(frozen=True)

    passed: bool
    grounded: bool
    length_ok: bool
    word_count: int
    char_count: int
    target_words: int = 0
    target_chars: int = 0
    violations: tuple[Violation, ...] = ()
    input_truncated: bool = False
    voice_score: float = 0.0
    # The base model's mean log-likelihood per token of the text given the product's facts
    # (docai.services.generation.fluency); None when the engine cannot score text.
    fluency: float | None = None

    def errors(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == "error"]


class Description(BaseModel):
    """A generated description, its scorecard and where it came from."""

    model_config = ConfigDict(frozen=True)

    id: str
    brand: str
    text: str
    scorecard: Scorecard
    adapter: str | None = None
    model: str = ""
    raw_text_chars_received: int = 0
    raw_text_chars_used: int = 0
    finish_reason: str = "stop"

    @property
    def name(self) -> str:
        return f"brands/{self.brand}/descriptions/{self.id}"


class BatchItem(BaseModel):
    """The outcome for one product of a batch: a description, or why there is none."""

    model_config = ConfigDict(frozen=True)

    index: int
    state: Literal["succeeded", "flagged", "failed"]
    description: Description | None = None
    error_reason: str = ""
    error_message: str = ""


class FeedbackRecord(BaseModel):
    """Seller feedback on one description, as stored (one JSON line per record).

    ``product`` and ``generated_text`` are kept when known so an edit can become training data.
    """

    id: str
    tenant_id: str
    brand: str
    description_id: str
    verdict: Verdict
    edited_text: str = ""
    comment: str = ""
    request_id: str
    fingerprint: str
    product: Product | None = None
    generated_text: str = ""
    edited_scorecard: Scorecard | None = None
    create_time: datetime

    @property
    def name(self) -> str:
        return f"brands/{self.brand}/feedback/{self.id}"

    @property
    def description_name(self) -> str:
        return f"brands/{self.brand}/descriptions/{self.description_id}"
