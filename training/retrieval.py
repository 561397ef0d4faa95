"""Few-shot retrieval: a tenant's own corrected invoices of the same vendor, shown before a new one.

A vendor's invoices all look alike, so one solved example of the same layout teaches the
model more than any instruction; this works from the first correction on, long before
retraining pays off. Only approved examples of the same tenant are used (tenants never see
each other's data), and only labels a person vouched for (see ``docai.training.dataset``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from docai.schemas.invoice import Extraction
from docai.schemas.parsed import ParsedDocument
from docai.services.documents.vendor import vendor_key as vendor_key_of
from docai.services.extraction.prompt import FewShotExample, document_text
from docai.services.storage import tables

__all__ = ["examples_for", "header_lines", "layout_similarity", "most_alike"]

# Few-shot examples cost prompt tokens: a short example text keeps prefill cheap.
EXAMPLE_MAX_CHARS = 2500
_MIN_SIMILARITY = 0.6
_CANDIDATES = 200
# The newest matches of a vendor among which the closest layout is chosen.
_MATCHES = 20


def header_lines(text: str, *, lines: int = 4) -> str:
    """The first non-empty lines of a document's text, lower-cased: where the vendor prints its name."""
    kept = [line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("--- page")]
    return "\n".join(kept[:lines])


def _layout_words(text: str) -> frozenset[str]:
    """The words of a document without its numbers: labels and headings, which a layout repeats."""
    return frozenset(re.findall(r"[^\W\d_]{3,}", text.lower()))


def layout_similarity(a: str, b: str) -> float:
    """Jaccard similarity of two documents' words: near 1 for two invoices of one layout.

    One vendor may send several layouts (an invoice, a partial invoice, a credit note); the
    example whose layout is closest teaches the model the most.
    """
    left, right = _layout_words(a), _layout_words(b)
    return len(left & right) / len(left | right) if left or right else 0.0


def most_alike(examples: Sequence[FewShotExample], text: str, k: int) -> list[FewShotExample]:
    """The ``k`` examples most alike in layout to ``text``; ties keep the given order."""
    ranked = sorted(enumerate(examples), key=lambda pair: (-layout_similarity(pair[1].document_text, text), pair[0]))
    return [example for _, example in ranked[:k]]


def _answer(extraction: Extraction, labelled: set[str]) -> dict[str, Any]:
    answer: dict[str, Any] = {}
    for name, value in extraction.fields.items():
        if name in labelled:
            answer[name] = value.provenance.source_text or value.value
    if "line_items" in labelled and extraction.line_items:
        answer["line_items"] = [
            {k: f.provenance.source_text or f.value for k, f in item.fields.items()} for item in extraction.line_items
        ]
    return answer


def examples_for(
    db: Any, tenant_id: str, vendor_hint_text: str, k: int = 1, *, vendor_key: str = ""
) -> list[FewShotExample]:
    """Up to ``k`` approved examples of the tenant whose vendor matches the new document.

    A row matches when its ``vendor_key`` equals ``vendor_key`` (when known), or when the
    first lines of its document text are similar (difflib ratio >= 0.6) to those of
    ``vendor_hint_text``. Of the newest 20 matches, those most alike in layout to the new
    document come first (:func:`most_alike`), the newest among equals. Bank-detail changes
    still waiting for a second approver are skipped.

    Args:
        db: The :class:`~docai.services.storage.database.Database`.
        tenant_id: Only this tenant's examples are considered.
        vendor_hint_text: The new document's text (``document_text(parsed)`` or plain page text).
        k: How many examples at most.
        vendor_key: The vendor key when the vendor name is already known (lower-cased name).

    Returns:
        Few-shot examples for ``build_messages(document, examples=...)``.

    Example:
        >>> shots = examples_for(db, "acme", document_text(parsed), k=1)
        >>> messages = build_messages(parsed, examples=shots)
    """
    if k <= 0:
        return []
    hint = header_lines(vendor_hint_text)
    wanted = vendor_key_of(vendor_key)
    found: list[FewShotExample] = []
    with db.transaction() as session:
        rows = session.execute(
            select(tables.ApprovedExample, tables.Document.parsed)
            .join(tables.Document, tables.Document.id == tables.ApprovedExample.document_id)
            .where(tables.ApprovedExample.tenant_id == tenant_id)
            .order_by(tables.ApprovedExample.id.desc())
            .limit(_CANDIDATES)
        ).all()
        for row, parsed_json in rows:
            if row.needs_second_approval and not row.second_approver:
                continue
            if parsed_json is None:
                continue
            text = document_text(ParsedDocument.model_validate(parsed_json), max_chars=EXAMPLE_MAX_CHARS)
            same = bool(wanted) and row.vendor_key == wanted
            if not same and hint:
                same = (
                    difflib.SequenceMatcher(None, hint, header_lines(text), autojunk=False).ratio() >= _MIN_SIMILARITY
                )
            if not same:
                continue
            labelled = set(row.confirmed_fields or []) | set(row.changed_fields or [])
            answer = _answer(Extraction.model_validate(row.extraction), labelled)
            if answer:
                found.append(FewShotExample(document_text=text, answer=answer))
            if len(found) >= _MATCHES:
                break
    return most_alike(found, vendor_hint_text[:EXAMPLE_MAX_CHARS], k)
