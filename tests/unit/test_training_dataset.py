"""SFT data: values as printed, correction rules (labels, checks, second approval, reviewer share), vendor split."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from docai.schemas.invoice import ExtractedField, Extraction, Provenance
from docai.schemas.parsed import Page, ParsedDocument, Word
from docai.services.common.errors import FailedPreconditionError
from docai.training.dataset import (
    SFTExample,
    as_printed,
    build_dataset,
    cap_reviewer_share,
    correction_example,
    correction_examples,
    load_split,
    split_by_vendor,
    synthetic_example,
    write_dataset,
)
from docai.training.scoring import values_equal

# A page on which the reader has questions: two party names, an invoice number and a bare "Nr.".
DOC = ParsedDocument(
    pages=[
        Page(
            number=1,
            width=595,
            height=842,
            words=[
                Word(text=text, x0=x, top=top, x1=x + 6 * len(text), bottom=top + 9)
                for x, top, text in (
                    (50, 40, "Acme"),
                    (80, 40, "GmbH"),
                    (50, 60, "Blue"),
                    (80, 60, "Ocean"),
                    (118, 60, "Ltd"),
                    (300, 40, "Invoice"),
                    (348, 40, "No."),
                    (372, 40, "RE-1"),
                    (300, 60, "Nr."),
                    (324, 60, "4711"),
                )
            ],
        )
    ]
)


def _field(value: str, source: str = "") -> ExtractedField:
    return ExtractedField(value=value, confidence=0.9, provenance=Provenance(source_text=source))


def _extraction(**overrides: str) -> Extraction:
    values = {
        "vendor_name": ("Acme GmbH", "Acme GmbH"),
        "invoice_number": ("RE-1", "RE-1"),
        "total_net": ("100.00", "100,00"),
        "total_tax": ("19.00", "19,00"),
        "total_gross": ("119.00", "119,00"),
    }
    fields = {k: _field(v, s) for k, (v, s) in values.items()}
    fields.update({k: _field(v, v) for k, v in overrides.items()})
    return Extraction(fields=fields)


def _example(reviewer: str, index: int, vendor: str = "acme") -> SFTExample:
    return SFTExample(
        prompt=[{"role": "user", "content": f"doc {index}"}],
        completion=[{"role": "assistant", "content": "{}"}],
        vendor=vendor,
        source={"kind": "correction", "reviewer": reviewer, "document": f"d{index}"},
    )


def test_as_printed_keeps_the_printed_form_without_stray_punctuation() -> None:
    assert as_printed("due_date", "2025-04-27", "27.04.2025.") == "27.04.2025"
    assert as_printed("total_gross", "1569.71", "1.569,71") == "1.569,71"
    assert as_printed("currency", "EUR", "Preis (EUR)") == "EUR"
    assert as_printed("total_net", "12.00", "99,00") == "12.00"  # a wrong match falls back to the value


def test_synthetic_example_completion_reads_back_as_the_truth() -> None:
    example = synthetic_example(5)
    assert example is not None
    answer = json.loads(example.completion[0]["content"])
    assert example.prompt[0]["role"] == "system" and example.prompt[-1]["role"] == "user"
    assert example.source == {
        "kind": "synthetic",
        "seed": 5,
        "layout": example.source["layout"],
        "language": example.source["language"],
    }
    assert answer and set(answer) == set(example.choices)
    for name, letter in answer.items():
        chosen = example.choices[name]["ABCDE".index(letter)]
        assert values_equal(chosen, example.truth[name], field=name), name


def test_only_confirmed_or_changed_fields_are_labels() -> None:
    made = correction_example(
        document_id="d1",
        parsed=DOC,
        extraction=_extraction(),
        confirmed_fields=["invoice_number"],
        changed_fields=["total_gross"],
        reviewer="ann",
    )
    assert isinstance(made, SFTExample)
    answer = json.loads(made.completion[0]["content"])
    assert set(answer) == {"invoice_number"}  # the vendor was not confirmed; totals are not a choice
    assert made.choices["invoice_number"]["ABCDE".index(answer["invoice_number"])] == "RE-1"
    assert made.source["reviewer"] == "ann"


def test_a_correction_the_reader_had_no_question_about_teaches_nothing() -> None:
    made = correction_example(
        document_id="d1",
        parsed=DOC,
        extraction=_extraction(),
        confirmed_fields=["total_gross"],
        changed_fields=[],
        reviewer="ann",
    )
    assert not isinstance(made, SFTExample) and made.reason == "NO_CHOICE"


def test_totals_that_do_not_add_up_are_set_aside() -> None:
    made = correction_example(
        document_id="d1",
        parsed=DOC,
        extraction=_extraction(total_gross="150.00"),
        confirmed_fields=["total_gross"],
        changed_fields=[],
        reviewer="ann",
    )
    assert not isinstance(made, SFTExample) and made.reason == "CHECKS_FAILED"


def test_bank_change_needs_a_second_approver() -> None:
    extraction = _extraction(iban="DE89370400440532013000")
    kwargs: dict[str, Any] = {
        "document_id": "d1",
        "parsed": DOC,
        "extraction": extraction,
        "confirmed_fields": ["invoice_number"],
        "changed_fields": ["iban"],
        "reviewer": "ann",
    }
    blocked = correction_example(**kwargs, needs_second_approval=True)
    assert not isinstance(blocked, SFTExample) and blocked.reason == "NEEDS_SECOND_APPROVAL"
    same_person = correction_example(**kwargs, needs_second_approval=True, second_approver="ann")
    assert not isinstance(same_person, SFTExample)
    approved = correction_example(**kwargs, needs_second_approval=True, second_approver="bob")
    assert isinstance(approved, SFTExample) and "invoice_number" in approved.choices


@dataclass
class Row:
    document_id: str
    extraction: dict[str, Any]
    reviewer: str = "ann"
    confirmed_fields: list[str] = field(default_factory=lambda: ["invoice_number"])
    changed_fields: list[str] = field(default_factory=list)
    needs_second_approval: bool = False
    second_approver: str = ""
    vendor_key: str = "acme gmbh"
    tenant_id: str = "t"
    source: str = "review"


def test_rows_without_document_text_are_set_aside() -> None:
    rows = [Row("d1", _extraction().model_dump()), Row("d2", _extraction().model_dump())]
    examples, aside = correction_examples(rows, {"d1": DOC})
    assert [e.source["document"] for e in examples] == ["d1"]
    assert [(a.document, a.reason) for a in aside] == [("d2", "NO_DOCUMENT_TEXT")]


def test_an_e_invoice_is_an_example_marked_as_such_and_belongs_to_no_reviewer() -> None:
    rows = [Row("d1", _extraction().model_dump(), reviewer="", source="einvoice")]
    examples, aside = correction_examples(rows, {"d1": DOC})
    assert not aside and examples[0].source["kind"] == "einvoice"
    kept, dropped = cap_reviewer_share(examples * 4, max_share=0.5)
    assert len(kept) == 4 and not dropped  # no person to cap


def test_no_reviewer_exceeds_the_share() -> None:
    examples = [_example("mallory", i) for i in range(8)] + [_example("ann", 100 + i) for i in range(2)]
    kept, dropped = cap_reviewer_share(examples, max_share=0.5)
    counts = {r: sum(e.source["reviewer"] == r for e in kept) for r in ("mallory", "ann")}
    assert counts == {"mallory": 2, "ann": 2}
    assert len(dropped) == 6 and all(d.reason == "REVIEWER_SHARE" for d in dropped)


def test_reviewer_share_must_be_a_fraction() -> None:
    with pytest.raises(ValueError, match="max_share"):
        cap_reviewer_share([], max_share=0)


def test_split_keeps_every_vendor_on_one_side() -> None:
    examples = [_example(f"r{i % 5}", i, vendor=f"v{i % 10}") for i in range(50)]
    train, heldout = split_by_vendor(examples, heldout_share=0.2, seed=1)
    assert len(train) + len(heldout) == 50 and heldout
    assert not {e.vendor for e in train} & {e.vendor for e in heldout}
    _, forced = split_by_vendor(examples, heldout_share=0.2, heldout_vendors=["v3"])
    assert "v3" in {e.vendor for e in forced}


def test_manifest_hashes_examples_and_round_trips(tmp_path: Path) -> None:
    examples = [_example(f"r{i % 4}", i, vendor=f"v{i % 5}") for i in range(20)]
    build = build_dataset(examples, seed=0)
    manifest = write_dataset(tmp_path, build)
    assert manifest["counts"]["train"] == len(build.train)
    assert [e["sha256"] for e in manifest["train"]] == [e.sha256 for e in build.train]
    assert load_split(tmp_path / "train.jsonl") == build.train
    assert write_dataset(tmp_path / "again", build)["sha256"] == manifest["sha256"]


def test_too_small_dataset_is_a_failed_precondition() -> None:
    with pytest.raises(FailedPreconditionError, match="at least 8") as raised:
        build_dataset([], seed=0).require(min_examples=8)
    assert raised.value.reason == "DATASET_TOO_SMALL"
