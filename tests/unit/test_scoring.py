from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from docai.training.scoring import (
    align_line_items,
    paired_bootstrap,
    per_document_f1,
    score_documents,
    values_equal,
)

TRUTH: dict[str, Any] = {
    "vendor_name": "ACME  GmbH",
    "invoice_number": "RE-1",
    "invoice_date": "2025-04-03",
    "total_gross": 144.59,
    "iban": "DE89370400440532013000",
    "_source": "not truth",
    "_unverified": {"due_date": "2025-05-01"},
}


@pytest.mark.parametrize(
    ("field", "predicted", "truth", "equal"),
    [
        ("total_gross", "144.59", 144.59, True),
        ("total_gross", "144.594", 144.59, True),
        ("total_gross", "144.596", 144.59, False),
        ("total_gross", "-144.59", 144.59, True),
        ("total_gross", 144.59, 144.59, True),
        ("total_gross", "1.234,56", 1234.56, True),
        ("total_gross", "n/a", 1234.56, False),
        ("quantity", "5", 5.0, True),
        ("vendor_name", "acme gmbh", "ACME  GmbH", True),
        ("vendor_name", "ACMEGmbH", "ACME GmbH", False),
        ("iban", "de89 3704 0044 0532 0130 00", "DE89370400440532013000", True),
        ("vendor_tax_id", "DE 123 456 789", "DE123456789", True),
        ("bic", "cobade ffxxx", "COBADEFFXXX", True),
        ("invoice_date", "2025-04-03", "2025-04-03", True),
        ("invoice_date", "03.04.2025", "2025-04-03", False),
    ],
)
def test_values_equal(field: str, predicted: object, truth: object, equal: bool) -> None:
    assert values_equal(predicted, truth, field=field) is equal


def test_perfect_prediction_scores_one() -> None:
    prediction = {
        "vendor_name": "ACME GmbH",
        "invoice_number": "re-1",
        "invoice_date": "2025-04-03",
        "total_gross": "144.59",
        "iban": "DE89 3704 0044 0532 0130 00",
    }
    result = score_documents({"a": prediction}, {"a": TRUTH})
    assert result["documents"] == 1
    assert result["micro_f1"] == 1.0
    assert result["document_exact_rate"] == 1.0
    assert set(result["fields"]) == {"vendor_name", "invoice_number", "invoice_date", "total_gross", "iban"}


def test_wrong_value_is_fp_and_fn_missing_is_fn_extra_is_ignored() -> None:
    prediction = {
        "vendor_name": "ACME GmbH",
        "invoice_number": "RE-2",
        "invoice_date": "2025-04-03",
        "total_gross": "144.59",
        "due_date": "2025-05-01",
        "currency": "EUR",
    }
    result = score_documents({"a": prediction}, {"a": TRUTH})
    number = result["fields"]["invoice_number"]
    assert (number["tp"], number["fp"], number["fn"]) == (0, 1, 1)
    iban = result["fields"]["iban"]
    assert (iban["tp"], iban["fp"], iban["fn"], iban["support"]) == (0, 0, 1, 1)
    assert iban["precision"] == 0.0 and iban["recall"] == 0.0
    assert "due_date" not in result["fields"] and "currency" not in result["fields"]
    # tp=3, fp=1, fn=2 -> 2*3 / (6 + 1 + 2)
    assert result["micro_f1"] == pytest.approx(6 / 9)
    assert result["document_exact_rate"] == 0.0
    assert result["per_document"]["a"] == pytest.approx(6 / 9)


def test_missing_document_is_all_false_negatives() -> None:
    result = score_documents({}, {"a": TRUTH, "b": {"currency": "EUR"}})
    assert result["documents"] == 2
    assert result["micro_f1"] == 0.0
    assert sum(f["fn"] for f in result["fields"].values()) == 6
    assert sum(f["fp"] for f in result["fields"].values()) == 0


def test_empty_string_prediction_counts_as_missing() -> None:
    result = score_documents({"a": {"currency": "  "}}, {"a": {"currency": "EUR"}})
    assert result["fields"]["currency"] == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "support": 1,
        "tp": 0,
        "fp": 0,
        "fn": 1,
    }


def test_document_exact_rate_counts_documents() -> None:
    truths = {"a": {"currency": "EUR"}, "b": {"currency": "USD"}}
    result = score_documents({"a": {"currency": "eur"}, "b": {"currency": "EUR"}}, truths)
    assert result["document_exact_rate"] == 0.5
    assert per_document_f1(None, {"currency": "EUR"}) == 0.0
    assert per_document_f1({}, {"_note": "x"}) == 1.0


LINES_TRUTH = [
    {
        "description": "Premium Coffee Beans 1kg",
        "quantity": 5.0,
        "unit_price": 18.0,
        "amount": 90.0,
        "_line_id": "1",
    },
    {"description": "Organic Tea Leaves 500g", "quantity": 3.0, "unit_price": 15.0, "amount": 45.0},
]


def test_line_items_align_by_description_and_amount_regardless_of_order() -> None:
    predicted = [
        {"description": "Organic Tea Leaves", "quantity": "3", "unit_price": "15.00", "amount": "45.00"},
        {
            "description": "Premium Coffee Beans 1kg",
            "quantity": "5",
            "unit_price": "18.00",
            "amount": "90.00",
        },
    ]
    assert align_line_items(predicted, LINES_TRUTH) == [(1, 0), (0, 1)]
    result = score_documents({"a": {"line_items": predicted}}, {"a": {"line_items": LINES_TRUTH}})
    items = result["line_items"]
    assert (items["items_truth"], items["items_predicted"], items["items_matched"]) == (2, 2, 2)
    # 8 truth cells; only the shortened tea description is wrong.
    assert (items["tp"], items["fp"], items["fn"]) == (7, 1, 1)
    assert items["cells"]["description"]["tp"] == 1
    assert "_line_id" not in items["cells"]
    # Line items never enter the header micro-F1.
    assert result["fields"] == {} and result["micro_f1"] == 0.0


def test_unmatched_line_items_count_fn_and_extra_lines_fp() -> None:
    predicted = [
        {"description": "Premium Coffee Beans 1kg", "amount": "90.00"},
        {"description": "Shipping", "amount": "4.90"},
    ]
    result = score_documents({"a": {"line_items": predicted}}, {"a": {"line_items": LINES_TRUTH}})
    items = result["line_items"]
    assert items["items_matched"] == 1
    # Coffee: description + amount TP, quantity + unit_price FN; tea: 4 FN; shipping: 2 FP.
    assert (items["tp"], items["fp"], items["fn"]) == (2, 2, 6)
    assert items["recall"] == pytest.approx(2 / 8)
    assert items["precision"] == pytest.approx(2 / 4)


def test_paired_bootstrap_interval_and_direction() -> None:
    a = [0.5, 0.6, 0.7, 0.8, 0.9, 0.4, 0.3, 0.6]
    b = [x + 0.1 for x in a]
    result = paired_bootstrap(a, b, samples=500, seed=1)
    assert result["mean_diff"] == pytest.approx(0.1)
    assert result["ci_low"] == pytest.approx(0.1) and result["ci_high"] == pytest.approx(0.1)
    assert result["p_b_better"] == 1.0
    noisy = paired_bootstrap(a, [0.6, 0.5, 0.8, 0.7, 1.0, 0.3, 0.4, 0.5], samples=500, seed=1)
    assert noisy["ci_low"] < 0 < noisy["ci_high"]
    assert noisy["ci_low"] <= noisy["mean_diff"] <= noisy["ci_high"]
    assert paired_bootstrap(a, b, samples=200, seed=3) == paired_bootstrap(a, b, samples=200, seed=3)


def test_paired_bootstrap_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        paired_bootstrap([1.0], [1.0, 0.0])
    with pytest.raises(ValueError, match="at least one document"):
        paired_bootstrap([], [])
    with pytest.raises(ValueError, match="samples must be at least 1"):
        paired_bootstrap([1.0], [1.0], samples=0)


def _dev_dir() -> Path:
    # tests/unit/test_scoring.py -> repository root -> its parent holds shared/.
    return Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "dev"


def test_dev_ground_truth_scores_itself_perfectly_and_perturbed_lower() -> None:
    dev = _dev_dir()
    paths = sorted(dev.glob("*/*.json"))[:3] if dev.is_dir() else []
    if len(paths) < 3:
        pytest.skip(f"evaluation set not found under {dev}")
    truths = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in paths}
    same = score_documents(truths, truths)
    assert same["documents"] == 3
    assert same["micro_f1"] == 1.0
    assert same["document_exact_rate"] == 1.0
    if any(t.get("line_items") for t in truths.values()):
        assert same["line_items"]["f1"] == 1.0

    perturbed = copy.deepcopy(truths)
    first = perturbed[paths[0].stem]
    first["total_gross"] = float(first["total_gross"]) + 1.0
    first.pop("invoice_number")
    worse = score_documents(perturbed, truths)
    assert worse["micro_f1"] < 1.0
    assert worse["fields"]["total_gross"]["fp"] == 1
    assert worse["fields"]["invoice_number"]["fn"] == 1
    assert worse["document_exact_rate"] == pytest.approx(2 / 3)
