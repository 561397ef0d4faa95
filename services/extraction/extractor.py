"""The generative baseline (prompt → constrained JSON from the model → normalised fields), and the
outcome type every extractor returns.

The suite reads with :class:`docai.services.extraction.reader.InvoiceReader`; this path stays so
``docai eval --path generative`` and ``make bench`` can measure the reader against it.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from docai.schemas.checks import CheckResult
from docai.schemas.invoice import ExtractedField, Extraction, LineItem, Provenance, TaxDetail
from docai.schemas.parsed import ParsedDocument
from docai.services.common.errors import UnavailableError
from docai.services.extraction.checks import run_checks
from docai.services.extraction.json_schema import invoice_json_schema
from docai.services.extraction.normalize import normalize_field
from docai.services.extraction.prompt import FewShotExample, build_messages
from docai.services.extraction.provenance import DocumentLocator
from docai.services.models.backend import GenerationRequest, GenerationResult, TextGenerator

# A value the model wrote that appears nowhere on the page is probably invented: its
# confidence is scaled down so it can never auto-approve on its own.
UNGROUNDED_PENALTY = 0.4
UNGROUNDED = "not found on the page"


@dataclass
class ExtractionTimings:
    """Where the time of reading one invoice went, in seconds (the model's part and the checks)."""

    prompt_s: float = 0.0
    prefill_s: float = 0.0
    decode_s: float = 0.0
    validation_s: float = 0.0
    generated_tokens: int = 0
    prompt_tokens: int = 0

    @property
    def tokens_per_s(self) -> float:
        return self.generated_tokens / self.decode_s if self.decode_s else 0.0


@dataclass
class ExtractionOutcome:
    extraction: Extraction
    checks: list[CheckResult]
    timings: ExtractionTimings = field(default_factory=ExtractionTimings)
    path: str = "page"  # what read it: "page" (the visible page) or "xml" (the e-invoice's XML)


class Extractor:
    """Extraction with one backend; adapters are chosen per call."""

    def __init__(self, *, backend: TextGenerator, max_new_tokens: int = 512) -> None:
        self.backend = backend
        self.max_new_tokens = max_new_tokens
        self.schema = invoice_json_schema()

    def extract(
        self, document: ParsedDocument, *, adapter: str | None, examples: Sequence[FewShotExample] = ()
    ) -> ExtractionOutcome:
        """Reads `document` with the base model plus `adapter` (None = base model alone)."""
        timings = ExtractionTimings()
        started = time.perf_counter()
        messages = build_messages(document, examples=examples)
        timings.prompt_s = time.perf_counter() - started
        result = self.backend.generate(
            GenerationRequest(
                messages=messages,
                adapter=adapter,
                max_new_tokens=self.max_new_tokens,
                json_schema=self.schema,
                lane="pipeline",  # behind a seller's description: services/models/lanes.py
            )
        )
        timings.prefill_s = result.timings.prefill_s
        timings.decode_s = result.timings.decode_s
        timings.generated_tokens = len(result.tokens)
        timings.prompt_tokens = result.prompt_tokens
        started = time.perf_counter()
        extraction = read_answer(result, document)
        drop_copies(extraction, examples)
        extraction.model = self.backend.model_name
        extraction.adapter = adapter or ""
        checks = run_checks(extraction)
        timings.validation_s = time.perf_counter() - started
        return ExtractionOutcome(extraction=extraction, checks=checks, timings=timings)


def read_answer(result: GenerationResult, document: ParsedDocument) -> Extraction:
    """Turns the model's JSON into normalised fields; values that cannot be normalised are dropped."""
    try:
        answer = json.loads(result.text)
    except json.JSONDecodeError as exc:  # the grammar makes this impossible unless generation was cut
        raise UnavailableError("the model returned no complete answer", reason="MODEL_OUTPUT_INVALID") from exc
    spans = _ValueSpans(result)
    locator = DocumentLocator(document)
    extraction = Extraction()
    for name, raw in answer.items():
        if isinstance(raw, str):
            made = _field(name, raw, spans, locator)
            if made is not None:
                extraction.fields[name] = made
        elif name in ("line_items", "tax_details") and isinstance(raw, list):
            rows = [_row(item, spans, locator) for item in raw if isinstance(item, dict)]
            if name == "line_items":
                extraction.line_items = [LineItem(fields=row) for row in rows if row]
            else:
                extraction.tax_details = [TaxDetail(fields=row) for row in rows if row]
    return extraction


def drop_copies(extraction: Extraction, examples: Sequence[FewShotExample]) -> None:
    """Drops header values copied from a few-shot example rather than read from the document.

    A small model shown a solved invoice sometimes writes that invoice's number or totals for
    a document of another kind. A value no box on this page supports, and which an example
    gave for the same field, is a copy: leaving the field empty sends it to a person instead
    of passing a wrong value on.
    """
    for name, extracted in list(extraction.fields.items()):
        if extracted.provenance.derived != UNGROUNDED:
            continue
        given = [example.answer.get(name) for example in examples]
        if any(
            isinstance(raw, str | int | float) and normalize_field(name, str(raw)) == extracted.value for raw in given
        ):
            del extraction.fields[name]


def _row(item: dict[str, Any], spans: _ValueSpans, locator: DocumentLocator) -> dict[str, ExtractedField]:
    row: dict[str, ExtractedField] = {}
    for key, raw in item.items():
        if isinstance(raw, str):
            made = _field(key, raw, spans, locator)
            if made is not None:
                row[key] = made
    return row


def _field(name: str, raw: str, spans: _ValueSpans, locator: DocumentLocator) -> ExtractedField | None:
    confidence = spans.confidence(name, raw)
    if not raw.strip():
        return None
    value = normalize_field(name, raw)
    if value is None:
        return None
    provenance = locator.locate(value, raw, field=name)
    if provenance is None:
        if name in ("currency", "document_type"):  # often implied by a symbol or the title, not printed as such
            provenance = Provenance(derived="inferred from the document")
        else:
            confidence *= UNGROUNDED_PENALTY
            provenance = Provenance(derived=UNGROUNDED)
    return ExtractedField(value=value, confidence=round(confidence, 4), provenance=provenance)


class _ValueSpans:
    """Finds each generated value in the output text, in order, and scores it by its tokens' probabilities."""

    def __init__(self, result: GenerationResult) -> None:
        self.result = result
        self.cursor = 0

    def confidence(self, key: str, raw: str) -> float:
        text = self.result.text
        pattern = re.compile(re.escape(json.dumps(key)) + r"\s*:\s*" + re.escape(json.dumps(raw, ensure_ascii=False)))
        match = pattern.search(text, self.cursor) or pattern.search(text)
        if match is None:
            return 0.5
        self.cursor = match.end()
        start, end = match.end() - len(json.dumps(raw, ensure_ascii=False)), match.end()
        logprobs = [t.logprob for t in self.result.tokens if t.end > start and t.start < end]
        if not logprobs:
            return 1.0
        # The geometric mean of the value's token probabilities, with the least sure token
        # weighing in: one doubtful digit makes the whole amount doubtful.
        mean = math.exp(sum(logprobs) / len(logprobs))
        return max(0.0, min(1.0, math.sqrt(mean * math.exp(min(logprobs)))))
