"""Score predicted invoice fields against ground truth, as the evaluation set's README says
(``../shared/eval/README.md`` beside a checkout).

- Only fields present in the truth are scored; keys starting with ``_`` are notes, not
  truth. Per field: TP when the prediction equals the truth, FP when a different value was
  predicted, FN when the value is missing or different (a wrong value counts FP and FN).
- Amounts are equal when their absolute values differ by at most 0.005 (credit notes
  print negative amounts while their e-invoice data is positive). Dates are compared as
  ISO strings; strings case-insensitively after collapsing whitespace; IBANs, BICs and
  tax ids also without spaces.
- micro-F1 pools the header fields; line items are scored apart: predicted items are
  aligned to truth items greedily by description similarity and amount, then each truth
  cell is scored like a header field. Cells of predicted items that match no truth item
  count as FP (a made-up line is an error the review would have to fix).

Predictions are flat dicts in the shape of :meth:`Extraction.flat` (values as strings or
numbers); a document missing from the predictions scores every truth field as FN.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher
from typing import Any

from docai.schemas.invoice import AMOUNT_FIELDS
from docai.services.extraction.normalize import parse_amount

__all__ = [
    "AMOUNT_TOLERANCE",
    "FieldCounts",
    "align_line_items",
    "field_outcomes",
    "paired_bootstrap",
    "per_document_f1",
    "score_documents",
    "values_equal",
]

AMOUNT_TOLERANCE = Decimal("0.005")
_NUMERIC_FIELDS = AMOUNT_FIELDS | {"quantity", "unit_price", "amount", "tax_rate"}
_SPACELESS_FIELDS = frozenset({"iban", "bic", "vendor_tax_id", "customer_tax_id"})
_LINE_ITEMS = "line_items"
# Non-header truth keys: lists scored separately or not at all.
_NOT_HEADER = frozenset({_LINE_ITEMS, "tax_details"})
# A predicted line pairs with a truth line only above this score (see _pair_score).
_MIN_PAIR_SCORE = 0.5


@dataclass
class FieldCounts:
    """True positives, false positives and false negatives of one field."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, predicted: object, truth: object, *, field: str) -> bool:
        """Score one truth value; returns whether it was a true positive."""
        if _missing(predicted):
            self.fn += 1
            return False
        if values_equal(predicted, truth, field=field):
            self.tp += 1
            return True
        self.fp += 1
        self.fn += 1
        return False

    def merge(self, other: FieldCounts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def metrics(self) -> dict[str, float | int]:
        """Precision, recall, F1 (0.0 where undefined), support and the raw counts."""
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        return {
            "precision": precision,
            "recall": recall,
            "f1": _f1(self.tp, self.fp, self.fn),
            "support": self.tp + self.fn,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


def _f1(tp: int, fp: int, fn: int) -> float:
    denominator = 2 * tp + fp + fn
    return 2 * tp / denominator if denominator else 0.0


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_decimal(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        # Predictions are canonical ("144.594" is not 144594); printed forms still parse.
        return parse_amount(value, decimal=".")
    return None


def _text(value: object, *, spaceless: bool) -> str:
    text = " ".join(str(value).split()).casefold()
    return text.replace(" ", "") if spaceless else text


def values_equal(predicted: object, truth: object, *, field: str) -> bool:
    """Whether a predicted value counts as the truth under the evaluation rules.

    Args:
        predicted: The predicted value (string or number).
        truth: The ground-truth value.
        field: The field name; it picks the comparison (amount, date, string).

    Returns:
        True for a match.

    Example:
        >>> values_equal("-144.59", 144.59, field="total_gross")
        True
        >>> values_equal(" DE89 3704 ", "de893704", field="iban")
        True
    """
    if field in _NUMERIC_FIELDS:
        a, b = _as_decimal(predicted), _as_decimal(truth)
        return a is not None and b is not None and abs(abs(a) - abs(b)) <= AMOUNT_TOLERANCE
    if isinstance(predicted, float | int) or isinstance(truth, float | int):
        # A number where the truth has a string (or vice versa) compares as text.
        return _text(predicted, spaceless=False) == _text(truth, spaceless=False)
    return _text(predicted, spaceless=field in _SPACELESS_FIELDS) == _text(truth, spaceless=field in _SPACELESS_FIELDS)


def _truth_fields(truth: Mapping[str, Any]) -> list[str]:
    return [key for key in truth if not key.startswith("_") and key not in _NOT_HEADER]


def _score_header(prediction: Mapping[str, Any], truth: Mapping[str, Any]) -> tuple[dict[str, FieldCounts], bool]:
    counts: dict[str, FieldCounts] = {}
    exact = True
    for field in _truth_fields(truth):
        if _missing(truth[field]):
            continue
        counts[field] = FieldCounts()
        exact &= counts[field].add(prediction.get(field), truth[field], field=field)
    return counts, exact


def per_document_f1(prediction: Mapping[str, Any] | None, truth: Mapping[str, Any]) -> float:
    """Micro-F1 of one document's header fields (1.0 when the truth scores none).

    Args:
        prediction: The flat prediction, or None when the document got none.
        truth: The ground truth.

    Returns:
        The F1 over the header fields present in the truth.
    """
    counts, _ = _score_header(prediction or {}, truth)
    tp = sum(c.tp for c in counts.values())
    fp = sum(c.fp for c in counts.values())
    fn = sum(c.fn for c in counts.values())
    return _f1(tp, fp, fn) if counts else 1.0


# --- line items -------------------------------------------------------------------------


def _pair_score(predicted: Mapping[str, Any], truth: Mapping[str, Any]) -> float:
    """Description similarity (0..1) plus 1 when the amounts agree."""
    score = 0.0
    if "description" in predicted and "description" in truth:
        a = _text(predicted["description"], spaceless=False)
        b = _text(truth["description"], spaceless=False)
        score += SequenceMatcher(None, a, b, autojunk=False).ratio()
    if "amount" in predicted and "amount" in truth:
        score += 1.0 if values_equal(predicted["amount"], truth["amount"], field="amount") else 0.0
    return score


def align_line_items(
    predicted: Sequence[Mapping[str, Any]], truth: Sequence[Mapping[str, Any]]
) -> list[tuple[int, int]]:
    """Pair predicted with truth line items greedily, best pairs first.

    Args:
        predicted: Predicted line items.
        truth: Ground-truth line items.

    Returns:
        ``(predicted_index, truth_index)`` pairs; each index appears at most once. Pairs
        scoring at most 0.5 (neither a similar description nor the same amount) are left
        unpaired. Ties go to the pair closest in position.
    """
    candidates = []
    for i, item in enumerate(predicted):
        for j, expected in enumerate(truth):
            score = _pair_score(item, expected)
            if score > _MIN_PAIR_SCORE:
                candidates.append((-score, abs(i - j), i, j))
    candidates.sort()
    used_p: set[int] = set()
    used_t: set[int] = set()
    pairs = []
    for _, _, i, j in candidates:
        if i not in used_p and j not in used_t:
            used_p.add(i)
            used_t.add(j)
            pairs.append((i, j))
    return sorted(pairs, key=lambda pair: pair[1])


def _cells(item: Mapping[str, Any]) -> list[str]:
    return [key for key in item if not key.startswith("_") and not _missing(item[key])]


def _score_line_items(
    predicted: Sequence[Mapping[str, Any]], truth: Sequence[Mapping[str, Any]], cells: dict[str, FieldCounts]
) -> int:
    """Add the cell counts of one document; returns the number of matched items."""
    pairs = align_line_items(predicted, truth)
    paired_p = {i for i, _ in pairs}
    paired_t = {j for _, j in pairs}
    for i, j in pairs:
        for key in _cells(truth[j]):
            cells.setdefault(key, FieldCounts()).add(predicted[i].get(key), truth[j][key], field=key)
    for j, expected in enumerate(truth):
        if j not in paired_t:
            for key in _cells(expected):
                cells.setdefault(key, FieldCounts()).fn += 1
    scored = {key for expected in truth for key in _cells(expected)}
    for i, item in enumerate(predicted):
        if i not in paired_p:
            for key in _cells(item):
                if key in scored:
                    cells.setdefault(key, FieldCounts()).fp += 1
    return len(pairs)


def _items(value: object) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]


# --- documents --------------------------------------------------------------------------


def score_documents(
    predictions: Mapping[str, Mapping[str, Any]], truths: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """Score predictions against ground truth, document by document.

    Args:
        predictions: Flat predictions by document id (as :meth:`Extraction.flat` gives).
        truths: Ground truth by document id; every truth document is scored.

    Returns:
        ``{"documents", "micro_f1", "fields": {name: {precision, recall, f1, support, tp,
        fp, fn}}, "document_exact_rate", "line_items": {precision, recall, f1, support,
        tp, fp, fn, items_truth, items_predicted, items_matched, cells: {name: {...}}},
        "per_document": {id: header F1}}``.

    Example:
        >>> truth = {"a": {"total_gross": 144.59, "currency": "EUR", "_note": "x"}}
        >>> result = score_documents({"a": {"total_gross": "144.59"}}, truth)
        >>> result["micro_f1"], result["fields"]["currency"]["fn"]
        (0.6666666666666666, 1)
    """
    fields: dict[str, FieldCounts] = {}
    cells: dict[str, FieldCounts] = {}
    per_document: dict[str, float] = {}
    exact_documents = 0
    items_truth = items_predicted = items_matched = 0
    for doc_id, truth in truths.items():
        prediction = predictions.get(doc_id) or {}
        counts, exact = _score_header(prediction, truth)
        exact_documents += exact
        for name, count in counts.items():
            fields.setdefault(name, FieldCounts()).merge(count)
        per_document[doc_id] = per_document_f1(prediction, truth)
        truth_items = _items(truth.get(_LINE_ITEMS))
        predicted_items = _items(prediction.get(_LINE_ITEMS))
        if truth_items:
            items_truth += len(truth_items)
            items_predicted += len(predicted_items)
            items_matched += _score_line_items(predicted_items, truth_items, cells)
    total = FieldCounts()
    for count in fields.values():
        total.merge(count)
    cell_total = FieldCounts()
    for count in cells.values():
        cell_total.merge(count)
    documents = len(truths)
    return {
        "documents": documents,
        "micro_f1": _f1(total.tp, total.fp, total.fn),
        "fields": {name: fields[name].metrics() for name in sorted(fields)},
        "document_exact_rate": exact_documents / documents if documents else 0.0,
        "line_items": {
            **cell_total.metrics(),
            "items_truth": items_truth,
            "items_predicted": items_predicted,
            "items_matched": items_matched,
            "cells": {name: cells[name].metrics() for name in sorted(cells)},
        },
        "per_document": per_document,
    }


def paired_bootstrap(
    per_doc_a: Sequence[float], per_doc_b: Sequence[float], *, samples: int = 2000, seed: int = 0
) -> dict[str, float]:
    """Paired bootstrap of the mean per-document difference ``b - a``.

    Documents are resampled with replacement, keeping each document's pair together, so
    the interval reflects how much the comparison depends on which documents were drawn.

    Args:
        per_doc_a: Per-document scores of system A (the champion), in document order.
        per_doc_b: Per-document scores of system B (the challenger), same order.
        samples: Number of bootstrap resamples.
        seed: Seed of the resampling, for reproducible gates.

    Returns:
        ``{"mean_diff", "ci_low", "ci_high", "p_b_better", "n", "samples"}``: the observed
        mean of ``b - a``, the 2.5th and 97.5th percentiles of the resampled means, and the
        share of resamples where B's mean is higher.

    Raises:
        ValueError: When the lists differ in length, are empty, or ``samples`` < 1.

    Example:
        >>> r = paired_bootstrap([0.5, 0.6, 0.7], [0.6, 0.7, 0.8])
        >>> round(r["mean_diff"], 3), round(r["ci_low"], 3), round(r["ci_high"], 3)
        (0.1, 0.1, 0.1)
    """
    if len(per_doc_a) != len(per_doc_b):
        raise ValueError(f"paired scores differ in length: {len(per_doc_a)} != {len(per_doc_b)}")
    if not per_doc_a:
        raise ValueError("paired bootstrap needs at least one document")
    if samples < 1:
        raise ValueError(f"samples must be at least 1, got {samples}")
    diffs = [b - a for a, b in zip(per_doc_a, per_doc_b, strict=True)]
    n = len(diffs)
    rng = random.Random(seed)
    means = sorted(sum(rng.choices(diffs, k=n)) / n for _ in range(samples))
    better = sum(mean > 0 for mean in means)
    return {
        "mean_diff": sum(diffs) / n,
        "ci_low": _percentile(means, 0.025),
        "ci_high": _percentile(means, 0.975),
        "p_b_better": better / samples,
        "n": n,
        "samples": samples,
    }


def _percentile(ordered: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile of an already sorted list."""
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def field_outcomes(
    prediction: Mapping[str, Any], confidences: Mapping[str, float], truth: Mapping[str, Any]
) -> list[tuple[str, float | None, bool]]:
    """``(field, confidence, correct?)`` of every header field the truth holds, for calibration.

    The confidence is None where the reader returned no value (or no confidence) for the field;
    such a field is never correct.

    Example:
        >>> field_outcomes({"currency": "EUR"}, {"currency": 0.9}, {"currency": "EUR", "iban": "DE89"})
        [('currency', 0.9, True), ('iban', None, False)]
    """
    outcomes: list[tuple[str, float | None, bool]] = []
    for name in _truth_fields(truth):
        if _missing(truth[name]):
            continue
        predicted = prediction.get(name)
        if _missing(predicted):
            outcomes.append((name, None, False))
            continue
        confidence = confidences.get(name)
        outcomes.append(
            (name, None if confidence is None else float(confidence), values_equal(predicted, truth[name], field=name))
        )
    return outcomes
